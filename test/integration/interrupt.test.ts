/**
 * Ctrl-C (SIGINT) and SIGTERM during `zonalflow stats`, as a user sends them: the real command in a
 * child process, with a private TMPDIR, signalled once it is computing. The job must stop with exit
 * 130 / 143, one line saying so, nothing at --out, no `.tmp` beside it and no temporary folder
 * (zonalflow-job-*, zf-gpkg-*, the run's zonalflow-run-*) left in its TMPDIR; nor after a second signal
 * or a closed stderr (EPIPE), which end the process at once (bin/run-tmp.mjs removes the run's folder on exit).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCog } from '../helpers/cog-writer';
import { writeGeoPackage } from '../helpers/gpkg-writer';
import { seeded } from '../../bench/synthetic';
import type { Position } from '../../shared/geometry/types';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'zonalflow.mjs');
let dir = '';
let raster = '';
let gpkg = '';
let geojson = '';
let small = '';

/** Squares of 0.01-0.05 degrees (20-100 cells across) over a 2000 x 2000 raster in EPSG:4326: seconds of work at one thread. */
function squares(n: number): Position[][][] {
  const rnd = seeded(7);
  const out: Position[][][] = [];
  for (let i = 0; i < n; i++) {
    const size = 0.01 + rnd() * 0.04;
    const x = 2 + rnd() * (1 - size);
    const y = 45 - rnd() * (1 - size);
    out.push([[[x, y], [x + size, y], [x + size, y - size], [x, y - size], [x, y]]]);
  }
  return out;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'zf-interrupt-test-'));
  raster = join(dir, 'band.tif');
  writeCog(raster, { width: 2000, height: 2000, dtype: 'uint16', tileSize: 256, compression: 'deflate', epsg: 4326, transform: [2, 45, 0.0005, 0.0005], value: (r, c) => 100 + ((r * 7 + c * 13) % 1000) });
  const polygons = squares(40_000);
  gpkg = join(dir, 'fields.gpkg');
  writeGeoPackage(gpkg, [{ name: 'fields', srsId: 4326, geometryType: 'POLYGON', columns: { field_id: 'TEXT' }, features: polygons.map((p, i) => ({ geometry: { type: 'Polygon' as const, coordinates: p }, properties: { field_id: `F${i}` } })) }]);
  small = join(dir, 'small.gpkg');
  writeGeoPackage(small, [{ name: 'fields', srsId: 4326, geometryType: 'POLYGON', columns: { field_id: 'TEXT' }, features: polygons.slice(0, 300).map((p, i) => ({ geometry: { type: 'Polygon' as const, coordinates: p }, properties: { field_id: `F${i}` } })) }]);
  geojson = join(dir, 'fields.geojson');
  // three times the squares: sorted in run files, a GeoJSON job computes faster (~4 s for 40,000 here)
  const features = [...polygons, ...polygons, ...polygons].map((p, i) => ({ type: 'Feature', properties: { field_id: `F${i}` }, geometry: { type: 'Polygon', coordinates: p } }));
  // written by hand, not by zonalflow: a plain FeatureCollection
  writeFileSync(geojson, JSON.stringify({ type: 'FeatureCollection', features }));
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A progress line (after 1 s of computing; stderr not a TTY: one line each): `stats [...] n/N` or, without a count (GeoJSON), `stats n features`. */
const COMPUTING = /^stats (\[|\d+ features)/m;

/** How the child ended and what is left: `tmp` lists the zonalflow-* and zf-* entries of its TMPDIR. */
interface Interrupted { code: number | null; stderr: string; out: string; outDir: string; outFiles: string[]; tmp: string[] }

/**
 * Runs `zonalflow stats` on `input` with a private TMPDIR, sends `signals` (one after the other) once
 * the progress bar shows it computing, and returns what is left.
 */
async function interruptStats(input: string, signals: NodeJS.Signals[], gapMs = 50): Promise<Interrupted> {
  return interrupt((out) => ['stats', '--input', input, '--raster', raster, '--id-column', 'field_id', '--stats', 'mean,count,median,majority', '--threads', '1', '--out', join(out, 'stats.csv')], COMPUTING, signals, 'stats.csv', gapMs);
}

/** Runs `zonalflow args(outDir)` with a private TMPDIR, sends `signals` (`gapMs` apart) once stderr matches `running`, and returns what is left. */
async function interrupt(args: (outDir: string) => string[], running: RegExp, signals: NodeJS.Signals[], outName: string, gapMs = 50): Promise<Interrupted> {
  const run = mkdtempSync(join(dir, 'run-'));
  const tmp = join(run, 'tmp');
  const outDir = join(run, 'out');
  mkdirSync(tmp);
  mkdirSync(outDir);
  const out = join(outDir, outName);
  const child = spawn(process.execPath, [BIN, ...args(outDir)], {
    cwd: ROOT,
    env: { ...process.env, TMPDIR: tmp },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let sent = false;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    stderr += s;
    // the progress bar (printed after 1 s of computing, stderr not a TTY: one line each): the job is running
    if (!sent && running.test(stderr)) {
      sent = true;
      for (const [k, sig] of signals.entries()) setTimeout(() => child.kill(sig), k * gapMs);
    }
  });
  const code = await exited;
  // zonalflow's own temporary entries (tsx's compile cache, tsx-*, is there when dist/ is not current)
  return { code, stderr, out, outDir, outFiles: readdirSync(outDir), tmp: readdirSync(tmp).filter((e) => /^(zonalflow|zf-)/.test(e)) };
}

describe('zonalflow stats interrupted', () => {
  it('a run that completes leaves no temporary folder either (the private view of the layer is removed)', async () => {
    const run = mkdtempSync(join(dir, 'run-'));
    const out = join(run, 'stats.csv');
    const code = await new Promise<number | null>((resolve) => {
      spawn(process.execPath, [BIN, 'stats', '--input', small, '--raster', raster, '--id-column', 'field_id', '--stats', 'mean,count', '--quiet', '--out', out], { cwd: ROOT, env: { ...process.env, TMPDIR: run }, stdio: 'ignore' })
        .once('exit', resolve);
    });
    expect(code).toBe(0);
    expect(readdirSync(run).filter((e) => !e.startsWith('tsx-'))).toEqual(['stats.csv']);
    // the job is long enough to be interrupted below: 300 features are under 1 % of its 40,000
  }, 120_000);

  it('SIGINT (Ctrl-C): exit 130, one line, nothing at --out, no temporary file left', async () => {
    const r = await interruptStats(gpkg, ['SIGINT']);
    expect(r.stderr).toMatch(COMPUTING); // it was computing when signalled (the whole job takes ~10-30 s at one thread)
    expect(r.code).toBe(130);
    expect(r.stderr).toContain(`zonalflow: interrupted (SIGINT): the job was stopped; nothing written to ${r.out}, temporary files removed`);
    expect(r.stderr).not.toMatch(/error|bug/i);
    expect(r.outFiles).toEqual([]); // neither stats.csv nor stats.csv.zonalflow-*.tmp
    expect(r.tmp).toEqual([]); // no zonalflow-job-*, zf-gpkg-*
  }, 120_000);

  it('SIGTERM: exit 143, and a GeoJSON input (sorted in run files) leaves nothing either', async () => {
    const r = await interruptStats(geojson, ['SIGTERM']);
    expect(r.stderr).toMatch(COMPUTING);
    expect(r.code).toBe(143);
    expect(r.stderr).toContain('zonalflow: interrupted (SIGTERM): the job was stopped');
    expect(r.outFiles).toEqual([]);
    expect(r.tmp).toEqual([]);
  }, 120_000);

  it('a second signal exits at once, saying so, and still leaves no temporary file (the run\'s folder removed on exit)', async () => {
    const r = await interruptStats(gpkg, ['SIGINT', 'SIGINT']);
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/zonalflow: interrupted (again \(SIGINT\): exiting at once; temporary files removed|\(SIGINT\): the job was stopped)/);
    expect(r.outFiles).toEqual([]); // no stats.csv.zonalflow-*.tmp beside --out either
    expect(r.tmp).toEqual([]);
  }, 120_000);

  it('a second signal that comes before the job\'s cleanup has run (5 ms later) removes the output\'s .tmp beside --out too, as its line says', async () => {
    // a newcomer found `<out>.zonalflow-PID-*.tmp` left in 2 of 7 runs, the line saying "temporary files removed"
    const r = await interruptStats(gpkg, ['SIGINT', 'SIGINT'], 5);
    expect(r.stderr).toMatch(COMPUTING);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('zonalflow: interrupted again (SIGINT): exiting at once; temporary files removed');
    expect(r.outFiles).toEqual([]);
    expect(r.tmp).toEqual([]);
  }, 120_000);

  it('a closed stderr (`zonalflow stats ... 2>&1 | head -1`: EPIPE ends the process at once) leaves no temporary file', async () => {
    const run = mkdtempSync(join(dir, 'run-'));
    const tmp = join(run, 'tmp');
    mkdirSync(tmp);
    const child = spawn(process.execPath, [BIN, 'stats', '--input', gpkg, '--raster', raster, '--id-column', 'field_id', '--stats', 'mean,count,median,majority', '--threads', '1', '--out', join(run, 'stats.csv')], { cwd: ROOT, env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      stderr += s;
      // computing: the reader goes away, as `head -1` does after its line; the next progress line meets EPIPE
      if (COMPUTING.test(stderr)) child.stderr.destroy();
    });
    await exited;
    expect(stderr).toMatch(COMPUTING);
    expect(readdirSync(tmp).filter((e) => /^(zonalflow|zf-)/.test(e))).toEqual([]);
  }, 120_000);
});

describe('zonalflow local interrupted', () => {
  it('SIGINT while the Map runs: exit 130, the stand-ins stopped, no zonalflow-s3-*, zonalflow-local-tmp-* or zf-gpkg-* left', async () => {
    const spec = join(dir, 'local-spec.json');
    writeFileSync(spec, JSON.stringify({ input: { idColumn: 'field_id' }, rasters: [{ uri: raster }], stats: ['mean', 'count', 'median'] }));
    // the Distributed Map state entered: its Workers start on the batches (8 s of them here, alone on 2 cores)
    const computing = /^zonalflow local: -> Batches$/m;
    const r = await interrupt((out) => ['local', '--input', gpkg, '--spec', spec, '--out', join(out, 'results')], computing, ['SIGINT'], 'results');
    expect(r.stderr).toMatch(computing);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('zonalflow: interrupted (SIGINT): the local run was stopped');
    // nothing of the abandoned execution after the signal: its last line is the interruption
    expect(r.stderr.trimEnd().split('\n').at(-1)).toMatch(/^zonalflow: interrupted \(SIGINT\)/);
    expect(r.stderr).not.toContain('Runtime exited');
    // the --out folder the run created is gone with it: nothing was downloaded (a newcomer found it left empty)
    expect(existsSync(join(r.outDir, 'results'))).toBe(false);
    expect(r.tmp).toEqual([]);
  }, 240_000);
});
