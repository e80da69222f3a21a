/**
 * Real local bundling (esbuild from node_modules, never Docker) of the four
 * handlers, as `cdk synth`/`cdk deploy` do it: every bundle carries its own
 * AWS SDK v3 (the version package-lock.json pins, the one the tests ran; not
 * whichever the Lambda runtime ships) and loads in a fresh Node process with
 * nothing reachable from outside, exports `handler`, and the Plan bundle carries the
 * SQLite WASM file that node-sqlite3-wasm reads from `__dirname` at load.
 * A control proves the load check fails when the WASM file is missing.
 * Finally the bundled Plan, Worker and Collect run a real job (each call in
 * its own Node process) against the S3/DynamoDB stand-ins, and the results
 * equal the in-process computation from the TypeScript sources.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { builtinModules } from 'node:module';
import { closeSync, cpSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { buildApp } from '../../infra/app';
import { startStandIns } from '../../shared/local/stand-ins';
import { getBytes, getJson } from '../../shared/pipeline/objects';
import { readResultParquet } from '../../shared/output/read-parquet';
import { runStatsJob } from '../../shared/engine/stats-job';
import { parseJobSpec } from '../../shared/spec';
import { LOCAL_ONLY } from '../../shared/io/uri';
import type { BatchItem, PlanOutput } from '../../shared/pipeline/events';
import { resourcesOfType } from '../../infra/definition';

const ROOT = join(import.meta.dirname, '../..');
const flags = (JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
const WASM = 'node-sqlite3-wasm.wasm';

let outdir = '';
const assets: Record<string, string> = {};

/** Loads a bundle in a fresh Node process with no node_modules reachable (the bundle carries its SDK); returns exit status and output. */
function load(dir: string): { status: number | null; stdout: string; stderr: string } {
  const script = `const m = require(${JSON.stringify(join(dir, 'index.js'))}); if (typeof m.handler !== 'function') { console.log('no handler'); process.exit(3); } setTimeout(() => console.log('loaded'), 500);`;
  // stderr goes to a file: an error in a minified bundle prints its source line (megabytes), and a pipe
  // that fills loses the message after it when the WebAssembly loader exits the process
  const errFile = join(mkdtempSync(join(tmpdir(), 'zonalflow-load-')), 'stderr.txt');
  const fd = openSync(errFile, 'w');
  try {
    const r = spawnSync(process.execPath, ['-e', script], {
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '', NODE_NO_WARNINGS: '1', AWS_REGION: 'us-east-1', TABLE_NAME: 't', OUTPUT_BUCKET: 'o', WORK_PREFIX: '_work/' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', fd],
      timeout: 60_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: readFileSync(errFile, 'utf8').slice(-2000) };
  } finally {
    closeSync(fd);
    rmSync(dirname(errFile), { recursive: true, force: true });
  }
}

/** Calls a bundle's handler in its own Node process (asynchronously: the stand-ins serve from this process). */
async function invoke(dir: string, event: unknown, env: Record<string, string>): Promise<unknown> {
  const script = `require(${JSON.stringify(join(dir, 'index.js'))}).handler(JSON.parse(process.argv[1]), { getRemainingTimeInMillis: () => 300000 }).then((r) => process.stdout.write(JSON.stringify(r)), (e) => { console.error(e); process.exit(1); });`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, JSON.stringify(event)], {
    cwd: tmpdir(),
    env: { PATH: process.env.PATH ?? '', NODE_NO_WARNINGS: '1', POWERTOOLS_LOG_LEVEL: 'SILENT', ...env },
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as unknown;
}

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'zonalflow-bundle-'));
  const { app, stack } = buildApp({ ...flags, rasterBuckets: 'sentinel-cogs' }, { outdir, nag: false });
  const assembly = app.synth();
  const template = assembly.getStackByName(stack.stackName).template as Parameters<typeof resourcesOfType>[0];
  for (const [id, p] of resourcesOfType(template, 'AWS::Lambda::Function')) {
    const m = /^Functions(Plan|Worker|Collect|Fail)[0-9A-F]{8}$/.exec(id);
    const key = (p.Code as { S3Key?: string }).S3Key ?? '';
    if (m?.[1]) assets[m[1]] = join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
  }
}, 240_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe('bundles built by the local esbuild', () => {
  it('one CommonJS bundle with a source map per handler; sizes', () => {
    expect(Object.keys(assets).sort()).toEqual(['Collect', 'Fail', 'Plan', 'Worker']);
    for (const [name, dir] of Object.entries(assets)) {
      const js = readFileSync(join(dir, 'index.js'), 'utf8');
      expect(js.startsWith('"use strict"'), name).toBe(true);
      expect(existsSync(join(dir, 'index.js.map')), name).toBe(true);
      console.log(`bundle ${name}: index.js ${(statSync(join(dir, 'index.js')).size / 1024).toFixed(0)} KiB${existsSync(join(dir, WASM)) ? ` + ${WASM} ${(statSync(join(dir, WASM)).size / 1024).toFixed(0)} KiB` : ''}`);
    }
  });
  it('needs nothing at run time but Node built-ins: the AWS SDK is bundled, the very version the tests ran (node_modules)', () => {
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    // the version string each SDK client compiles in (its user agent), as installed in node_modules: what the tests ran
    const installed = (pkg: string): string => /var version = "([^"]+)"/.exec(readFileSync(join(ROOT, 'node_modules', pkg, 'dist-cjs/index.js'), 'utf8'))?.[1] ?? '?';
    for (const [name, dir] of Object.entries(assets)) {
      const js = readFileSync(join(dir, 'index.js'), 'utf8');
      const required = new Set([...js.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1] ?? ''));
      // the SDK requires the CRT signer inside a try (only S3 Multi-Region Access Points need it)
      const outside = [...required].filter((r) => !builtins.has(r) && r !== '@aws-sdk/signature-v4-crt');
      expect(outside, name).toEqual([]);
      for (const pkg of ['@aws-sdk/client-s3', '@aws-sdk/client-dynamodb']) {
        const version = installed(pkg);
        expect(version, pkg).toMatch(/^3\.\d+\.\d+$/);
        expect(new RegExp(`="${version.replace(/\./g, '\\.')}",[\\w$]+=\\{version:`).test(js), `${name} carries ${pkg} ${version}`).toBe(true);
      }
    }
  });
  it('every bundle loads and exports handler', () => {
    for (const [name, dir] of Object.entries(assets)) {
      const r = load(dir);
      expect(r.stderr, name).toBe('');
      expect(r.stdout.trim(), name).toBe('loaded');
      expect(r.status, name).toBe(0);
    }
  }, 120_000);
  it('the Plan and Worker bundles carry PROJ (gdal3.js WASM and proj.db data file) and the NTv2 grids beside index.js; the bundles read them from there', () => {
    for (const name of ['Plan', 'Worker']) {
      const dir = assets[name] ?? '';
      for (const f of ['gdal3WebAssembly.wasm', 'gdal3WebAssembly.data']) {
        expect(statSync(join(dir, f)).size, `${name} ${f}`).toBe(statSync(join(ROOT, 'node_modules/gdal3.js/dist/package', f)).size);
      }
      for (const g of ['BETA2007.gsb', 'ntf_r93.gsb', 'nzgd2kgrid0005.gsb']) expect(existsSync(join(dir, 'proj-grids', g)), `${name} ${g}`).toBe(true);
      console.log(`bundle ${name}: + PROJ ${((statSync(join(dir, 'gdal3WebAssembly.wasm')).size + statSync(join(dir, 'gdal3WebAssembly.data')).size) / 1048576).toFixed(1)} MiB (loaded on first use)`);
    }
    // the bundles read these files (not node_modules' copies) whenever they are beside index.js: the bundled job below uses them
  });
  it('the Plan bundle carries the SQLite WASM beside index.js (node-sqlite3-wasm reads it from __dirname)', () => {
    const plan = assets.Plan ?? '';
    const original = readFileSync(join(ROOT, 'node_modules/node-sqlite3-wasm/dist', WASM));
    expect(readFileSync(join(plan, WASM)).equals(original)).toBe(true);
    expect(readFileSync(join(plan, 'index.js'), 'utf8')).toContain(WASM);
    // the other handlers do not read GeoPackages: no SQLite in their bundles
    for (const name of ['Worker', 'Collect', 'Fail']) expect(readFileSync(join(assets[name] ?? '', 'index.js'), 'utf8'), name).not.toContain(WASM);
  });
  it('control: the Plan bundle without its WASM file fails to load', () => {
    const copy = mkdtempSync(join(tmpdir(), 'zonalflow-nowasm-'));
    try {
      cpSync(assets.Plan ?? '', copy, { recursive: true });
      rmSync(join(copy, WASM));
      const r = load(copy);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(WASM);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }, 60_000);
  it('the bundled Plan, Worker and Collect run a job against the stand-ins; results equal the source pipeline', async () => {
    const EX = join(ROOT, 'examples');
    const stand = await startStandIns({ buckets: ['zf-in', 'zf-out', 'zf-rasters'], table: 'zonalflow' });
    try {
      const env = { ...stand.env, TABLE_NAME: 'zonalflow', OUTPUT_BUCKET: 'zf-out', WORK_PREFIX: '_work/', RASTER_BUCKETS: 'zf-rasters', RASTER_HOSTS: '', DEFAULT_SPEC: '' };
      const spec = { input: { idColumn: 'ID_2' }, rasters: [{ name: 'elev', uri: 's3://zf-rasters/elev.cog.tif' }], stats: ['count', 'mean', 'min', 'max', 'median'], batching: { grid: 'h3', maxFeatures: 4 }, output: { formats: ['parquet'] } };
      await stand.s3.send(new PutObjectCommand({ Bucket: 'zf-rasters', Key: 'elev.cog.tif', Body: readFileSync(join(EX, 'elev.cog.tif')) }));
      // the event carries the upload's ETag (Plan reads that version only)
      const etag = (await stand.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'lux.gpkg', Body: readFileSync(join(EX, 'lux_cantons_2169.gpkg')) }))).ETag ?? '';
      await stand.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'lux.json', Body: JSON.stringify(spec) }));
      const planned = (await invoke(assets.Plan ?? '', { bucket: 'zf-in', key: 'lux.gpkg', etag }, env)) as PlanOutput;
      expect(planned.duplicate).toBe(false);
      expect(planned.features).toBe(12);
      const items = (await getJson(stand.s3, planned.manifest)) as BatchItem[];
      expect(items.length).toBe(planned.batches);
      for (const item of items) expect(await invoke(assets.Worker ?? '', item, env)).toMatchObject({ status: 'DONE', featuresFailed: 0 });
      expect(await invoke(assets.Collect ?? '', { jobId: planned.jobId }, env)).toMatchObject({ status: 'DONE' });
      const results = await readResultParquet((await getBytes(stand.s3, { bucket: 'zf-out', key: `${planned.jobId}/results.parquet` })) ?? new Uint8Array());
      const local = await runStatsJob({ input: join(EX, 'lux_cantons_2169.gpkg'), spec: parseJobSpec({ ...spec, rasters: [{ name: 'elev', uri: join(EX, 'elev.cog.tif') }] }), allowed: LOCAL_ONLY });
      expect(results.rows).toHaveLength(12);
      expect(results.columns).toEqual(local.columns);
      expect(results.rows).toEqual(local.rows);
    } finally {
      await stand.stop();
    }
  }, 180_000);
});
