/**
 * Worker threads from the compiled bundle (issue 17): `npm run build` (bin/build.mjs, esbuild) emits
 * parallel-worker.mjs beside the CLI's chunks, and `zonalflow stats --threads 2` run from that bundle
 * starts its workers from it: the output equals the one-thread output of the same bundle, byte for byte.
 * The bundle requires the CommonJS packages it imports statically (bin/build.mjs says why); a `zonalflow
 * local` job through bin/zonalflow.mjs (the built CLI when current): local-bin.test.ts.
 * The bundle is built into a private folder under node_modules/ (packages resolve from there), never dist/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

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
    // Node's ES loader names the file of each bare specifier the chunks still import; none may be CommonJS
    // (.cjs, or .js under a package.json whose "type" is not "module"): bin/build.mjs requires those instead
    const cjs: string[] = [];
    for (const f of readdirSync(join(out, 'chunks')).concat(readdirSync(out)).filter((n) => n.endsWith('.mjs'))) {
      const path = existsSync(join(out, 'chunks', f)) ? join(out, 'chunks', f) : join(out, f);
      for (const m of readFileSync(path, 'utf8').matchAll(/^(?:import|export)\s[^;]*?from\s*"([^".][^"]*)"/gm)) {
        const spec = m[1] as string;
        if (spec.startsWith('node:')) continue;
        const file = fileURLToPath(import.meta.resolve(spec));
        if (file.endsWith('.cjs') || (file.endsWith('.js') && packageType(file) !== 'module')) cjs.push(`${f}: ${spec}`);
      }
    }
    expect(cjs).toEqual([]);
  });
});

/** The "type" of the package.json nearest above `file` (undefined: none says). */
function packageType(file: string): string | undefined {
  for (let dir = dirname(file); dirname(dir) !== dir; dir = dirname(dir)) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) return (JSON.parse(readFileSync(pj, 'utf8')) as { type?: string }).type;
  }
  return undefined;
}
