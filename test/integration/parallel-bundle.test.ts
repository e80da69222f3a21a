/**
 * Worker threads from the compiled bundle (issue 17): `npm run build` (bin/build.mjs, esbuild) emits
 * parallel-worker.mjs beside the CLI's chunks, and `zonalflow stats --threads 2` run from that bundle
 * starts its workers from it: the output equals the one-thread output of the same bundle, byte for byte.
 * The bundle requires the CommonJS packages it imports, statically or by import() (bin/build.mjs says why); a `zonalflow
 * local` job through bin/zonalflow.mjs (the built CLI when current): local-bin.test.ts.
 * The bundle is built into a private folder under node_modules/ (packages resolve from there), never dist/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { BUNDLED_PACKAGES } from '../../bin/bundled-packages.mjs';
import { writeGeoPackage } from '../helpers/gpkg-writer';

const root = join(import.meta.dirname, '..', '..');
const out = mkdtempSync(join(root, 'node_modules', '.zf-bundle-test-'));
const work = mkdtempSync(join(tmpdir(), 'zf-bundle-threads-'));
afterAll(() => {
  rmSync(out, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

function cli(args: string[]): { status: number | null; stderr: string } {
  const script = `import(${JSON.stringify(join(out, 'zonalflow.mjs'))}).then(async (m) => { process.exitCode = await m.main(${JSON.stringify(args)}); });`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

describe('the compiled bundle runs worker threads', () => {
  it('stats --threads 2 from the bundle writes what --threads 1 writes', () => {
    const b = spawnSync(process.execPath, [join(root, 'bin', 'build.mjs'), '--outdir', out], { cwd: root, encoding: 'utf8' });
    expect(b.status, b.stderr).toBe(0);
    expect(existsSync(join(out, 'parallel-worker.mjs'))).toBe(true);
    const ref = join(root, 'test/fixtures/reference/data/l7');
    const base = ['stats', '--input', join(ref, 'l7_fields_4326.gpkg'), '--raster', join(ref, 'L7_ETMs.cog.tif'), '--id-column', 'field_id', '--stats', 'count,mean,stdev,median', '--quiet'];
    const one = cli([...base, '--threads', '1', '--out', join(work, 'one.csv')]);
    expect(one.status, one.stderr).toBe(0);
    const two = cli([...base, '--threads', '2', '--out', join(work, 'two.csv')]);
    expect(two.status, two.stderr).toBe(0);
    const text = readFileSync(join(work, 'two.csv'), 'utf8');
    expect(text.trim().split('\n').length).toBe(201);
    expect(text).toBe(readFileSync(join(work, 'one.csv'), 'utf8'));
  }, 180_000);

  it('requires the CommonJS packages it imports statically: no ES import of a CommonJS file is left', () => {
    // every bare specifier the chunks still import statically, and the format Node's ES loader gives the file it
    // names (Node itself in a child process, test/helpers/module-formats.mjs): none may be CommonJS
    const specs = new Set<string>();
    for (const dirName of [out, join(out, 'chunks')]) {
      for (const f of readdirSync(dirName).filter((n) => n.endsWith('.mjs'))) {
        for (const m of readFileSync(join(dirName, f), 'utf8').matchAll(/^(?:import|export)\s[^;]*?from\s*"([^".][^"]*)"/gm)) {
          if (!(m[1] as string).startsWith('node:')) specs.add(m[1] as string);
        }
      }
    }
    expect(specs.size).toBeGreaterThan(0);
    const r = spawnSync(process.execPath, [join(root, 'test', 'helpers', 'module-formats.mjs'), ...specs], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const formats = JSON.parse(r.stdout) as Record<string, string | null>;
    expect(Object.entries(formats).filter(([, f]) => f === 'commonjs').map(([spec]) => spec)).toEqual([]);
    // lerc's "import" file is a typeless .js with ES syntax, which Node loads as an ES module: it stays imported
    expect(formats.lerc).toBe('module');
  });

  it('requires the CommonJS packages it imports dynamically, with the default and the named exports Node\'s import() gives', () => {
    // no import() of a bare specifier naming a CommonJS file is left to Node's ES loader (which would scan its source)
    const dynamic = new Set<string>();
    const standIns = new Map<string, string>(); // spec -> the chunk that requires it
    for (const f of readdirSync(join(out, 'chunks')).filter((n) => n.endsWith('.mjs'))) {
      const text = readFileSync(join(out, 'chunks', f), 'utf8');
      for (const m of text.matchAll(/\bimport\("([^".][^"]*)"\)/g)) if (!(m[1] as string).startsWith('node:')) dynamic.add(m[1] as string);
      const stand = /^\/\/ cjs-dynamic:(\S+)$/m.exec(text)?.[1];
      if (stand !== undefined) standIns.set(stand, join(out, 'chunks', f));
    }
    if (dynamic.size > 0) {
      const r = spawnSync(process.execPath, [join(root, 'test', 'helpers', 'module-formats.mjs'), ...dynamic], { cwd: root, encoding: 'utf8', timeout: 120_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(Object.entries(JSON.parse(r.stdout) as Record<string, string | null>).filter(([, f]) => f === 'commonjs').map(([spec]) => spec)).toEqual([]);
    }
    // PROJ's gdal3.js emscripten module (default only) and the AWS SDK's S3 client (named: `const { S3Client } = await import(...)`)
    expect([...standIns.keys()]).toEqual(expect.arrayContaining(['gdal3.js/build/package/gdal3WebAssembly.js', '@aws-sdk/client-s3']));
    for (const [spec, chunk] of standIns) {
      const r = spawnSync(process.execPath, [join(root, 'test', 'helpers', 'dynamic-cjs-exports.mjs'), chunk, spec], { cwd: root, encoding: 'utf8', timeout: 120_000 });
      expect(r.status, r.stderr).toBe(0);
      const got = JSON.parse(r.stdout) as { differ: string[]; sameDefault: boolean; names: number };
      expect({ spec, differ: got.differ, sameDefault: got.sameDefault }).toEqual({ spec, differ: [], sameDefault: true });
      if (spec === '@aws-sdk/client-s3') expect(got.names).toBeGreaterThan(100);
    }
  }, 120_000);

  it('compiles in the pure-JavaScript ES packages of bundled-packages.mjs, none of which locates a file of its own', () => {
    const specs = new Set<string>();
    for (const dirName of [out, join(out, 'chunks')]) {
      for (const f of readdirSync(dirName).filter((n) => n.endsWith('.mjs'))) {
        for (const m of readFileSync(join(dirName, f), 'utf8').matchAll(/^(?:import|export)\s[^;]*?from\s*"([^".][^"]*)"/gm)) specs.add(m[1] as string);
      }
    }
    const packageOf = (spec: string): string => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
    // no chunk imports one from node_modules
    expect([...specs].filter((s) => BUNDLED_PACKAGES.has(packageOf(s)))).toEqual([]);
    // the files compiled in (the build's list, from esbuild's metafile) are theirs, and none finds its own location
    const compiled = [...new Set(Object.values(JSON.parse(readFileSync(join(out, 'compiled-packages.json'), 'utf8')) as Record<string, string[]>).flat())];
    const packages = new Set(compiled.map((f) => packageOf(f.slice(f.lastIndexOf('node_modules/') + 'node_modules/'.length))));
    expect([...packages].filter((p) => !BUNDLED_PACKAGES.has(p))).toEqual([]);
    expect(packages.has('zod')).toBe(true);
    expect(compiled.filter((f) => /import\.meta|__dirname|__filename/.test(readFileSync(join(root, f), 'utf8')))).toEqual([]);
  });

  it('decodes LERC tiles on the job\'s own thread (--threads 1) as the sources do', async () => {
    // a LERC COG from the tiff sweep (GDAL-made, test/fixtures/tiff-sweep/make.py) and a polygon over it in its CRS
    const tif = join(root, 'test/fixtures/tiff-sweep/files/float32_lerc_le_pixel_tiled_p1.tif');
    const input = join(work, 'lerc.gpkg');
    writeGeoPackage(input, [{ name: 'p', srsId: 32633, geometryType: 'POLYGON', columns: {}, features: [{ geometry: { type: 'Polygon', coordinates: [[[500057.5, 4099857.5], [500172.5, 4099857.5], [500172.5, 4099952.5], [500057.5, 4099952.5], [500057.5, 4099857.5]]] }, properties: {} }] }]);
    const args = ['stats', '--input', input, '--raster', tif, '--stats', 'count,mean', '--threads', '1', '--quiet'];
    const bundled = cli([...args, '--out', join(work, 'lerc-bundle.csv')]);
    expect(bundled.status, bundled.stderr).toBe(0);
    const code = await main([...args, '--out', join(work, 'lerc-sources.csv')], { stderr: new PassThrough(), stdout: new PassThrough() });
    expect(code).toBe(0);
    const text = readFileSync(join(work, 'lerc-bundle.csv'), 'utf8');
    expect(text).not.toContain('LERC');
    expect(text).toBe(readFileSync(join(work, 'lerc-sources.csv'), 'utf8'));
  }, 120_000);
});

