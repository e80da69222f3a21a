/**
 * Ctrl-C (SIGINT) and SIGTERM during `zonalflow stats`, as a user sends them: the real command in a
 * child process, with a private TMPDIR, signalled once it is computing. The job must stop with exit
 * 130 / 143, one line saying so, nothing at --out, no `.tmp` beside it and no temporary folder
 * (zonalflow-job-*, zf-gpkg-*, the run's zonalflow-run-*) left in its TMPDIR; nor after a second signal
 * or a closed stderr (EPIPE), which end the process at once (bin/run-tmp.mjs removes the run's folder on exit).
 * A closed or full stdout/stderr (bin/output-errors.mjs): a process cut short by a closed pipe never exits 0
 * (the code its command had decided, else 141); a full stderr changes no exit code; a full stdout makes 0 into 1.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCog } from '../helpers/cog-writer';
import { writeGeoPackage } from '../helpers/gpkg-writer';
import { seeded } from '../../bench/synthetic';
import type { Position } from '../../shared/geometry/types';
import { CLOSED_PIPE_EXIT } from '../../bin/output-errors.mjs';

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
    // a newcomer found `<out>.zonalflow-PID-*.tmp` left in 2 of 7 runs, the line saying "temporary files removed".
    // The second signal is sent 5 ms after the first by this process's timer; on a loaded machine that timer can fire
    // after the job's own cleanup has run (then there is nothing left to race: the first line is the job's, and the
    // same checks hold). Up to 4 runs, until one meets the race; every run must leave nothing behind.
    let raced = false;
    for (let attempt = 0; attempt < 4 && !raced; attempt++) {
      const r = await interruptStats(gpkg, ['SIGINT', 'SIGINT'], 5);
      expect(r.stderr).toMatch(COMPUTING);
      expect(r.code).toBe(130);
      expect(r.stderr).toMatch(/zonalflow: interrupted (again \(SIGINT\): exiting at once; temporary files removed|\(SIGINT\): the job was stopped)/);
      expect(r.outFiles).toEqual([]);
      expect(r.tmp).toEqual([]);
      raced = r.stderr.includes('zonalflow: interrupted again (SIGINT): exiting at once; temporary files removed');
    }
    expect(raced).toBe(true);
  }, 240_000);

  it('a closed stderr (`zonalflow stats ... 2>&1 | head -0`: EPIPE at the first progress line ends the process at once): 141, nothing at --out, no temporary file', async () => {
    const run = mkdtempSync(join(dir, 'run-'));
    const tmp = join(run, 'tmp');
    mkdirSync(tmp);
    const child = spawn(process.execPath, [BIN, 'stats', '--input', gpkg, '--raster', raster, '--id-column', 'field_id', '--stats', 'mean,count,median,majority', '--threads', '1', '--out', join(run, 'stats.csv')], { cwd: ROOT, env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // the reader goes away before the command has written anything: its first line, the progress line after
    // 1 s of computing (the job takes ~10-30 s at one thread; the tests above see that line), meets EPIPE
    child.stderr.destroy();
    const code = await exited;
    // cut short before the job had its code: 141 (128 + SIGPIPE, what a shell reports), never 0
    expect(code).toBe(CLOSED_PIPE_EXIT);
    expect(readdirSync(tmp).filter((e) => /^(zonalflow|zf-)/.test(e))).toEqual([]);
    // the job did not end (no stats.csv), and left no .tmp beside --out (the job thread's, removed as the process exits)
    expect(readdirSync(run).filter((e) => e !== 'tmp')).toEqual([]);
  }, 120_000);

  it('a closed stderr that only the result line meets (--quiet: no progress line): the results are whole, the exit still not 0 (141: its last line was cut)', async () => {
    const run = mkdtempSync(join(dir, 'run-'));
    const tmp = join(run, 'tmp');
    mkdirSync(tmp);
    const child = spawn(process.execPath, [BIN, 'stats', '--input', small, '--raster', raster, '--id-column', 'field_id', '--stats', 'mean', '--threads', '1', '--quiet', '--out', join(run, 'stats.csv')], { cwd: ROOT, env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.stderr.destroy(); // the job's first line is its result line, written once stats.csv is in place: it meets EPIPE
    const code = await exited;
    expect(code).toBe(CLOSED_PIPE_EXIT);
    expect(readFileSync(join(run, 'stats.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(301);
    expect(readdirSync(tmp).filter((e) => /^(zonalflow|zf-)/.test(e))).toEqual([]);
  }, 120_000);
});

/** How a child ended: its exit code and what it wrote to the streams left open. */
interface Ended { code: number | null; stdout: string; stderr: string }

/**
 * Runs `zonalflow args` with stdout and stderr each `closed` (a pipe whose reader went away before the command
 * wrote anything: `| head -0`, EPIPE), `full` (/dev/full: ENOSPC) or `open` (read here).
 */
async function withOutputs(args: string[], stdout: 'closed' | 'full' | 'open', stderr: 'closed' | 'full' | 'open', cwd = ROOT): Promise<Ended> {
  const full = openSync('/dev/full', 'w');
  try {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', stdout === 'full' ? full : 'pipe', stderr === 'full' ? full : 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const read = { stdout: '', stderr: '' };
    for (const [name, how] of [['stdout', stdout], ['stderr', stderr]] as const) {
      const stream = child[name];
      if (stream === null) continue;
      // the reader goes away now, long before node has started the command
      if (how === 'closed') stream.destroy();
      else stream.setEncoding('utf8').on('data', (s: string) => (read[name] += s));
    }
    const code = await exited;
    return { code, ...read };
  } finally {
    closeSync(full);
  }
}

describe.skipIf(!existsSync('/dev/full'))('zonalflow with a closed or full stdout/stderr (bin/output-errors.mjs)', () => {
  const usage = (): string[] => ['stats', '--input', small, '--raster', raster, '--out', join(dir, 'never.csv'), '--no-such-option'];

  it('a usage error keeps its 2 with stderr on a full device (the line is lost, not the code; was 1, the rethrown ENOSPC)', async () => {
    const r = await withOutputs(usage(), 'open', 'full');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  }, 60_000);

  it('a usage error keeps its 2 when stderr is closed (`2>&1 | head -0`: was 0, the job thread\'s code not yet known)', async () => {
    expect((await withOutputs(usage(), 'open', 'closed')).code).toBe(2);
  }, 60_000);

  it('a failed job keeps its 1 when stderr is closed: the code is decided before the error line is written', async () => {
    const notTiff = join(dir, 'not-a-tiff.tif');
    writeFileSync(notTiff, 'plain text, no TIFF header\n');
    // the same command with stderr open: the job fails with 1, and says why
    const open = await withOutputs(['stats', '--input', small, '--raster', notTiff, '--out', join(dir, 'never.csv')], 'open', 'open');
    expect(open.code).toBe(1);
    expect(open.stderr).toContain('is not a TIFF');
    expect((await withOutputs(['stats', '--input', small, '--raster', notTiff, '--out', join(dir, 'never.csv')], 'open', 'closed')).code).toBe(1);
    expect(existsSync(join(dir, 'never.csv'))).toBe(false);
  }, 60_000);

  it('a job whose stderr is on a full device computes and writes its results, exit 0 (only its diagnostics are lost)', async () => {
    const out = join(dir, 'full-stderr.csv');
    const r = await withOutputs(['stats', '--input', small, '--raster', raster, '--id-column', 'field_id', '--stats', 'mean', '--out', out], 'open', 'full');
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8').trimEnd().split('\n')).toHaveLength(301); // the header and the 300 features
  }, 60_000);

  it('--help with a closed stdout: 141, as any output cut short (`zonalflow --help | head -0` under pipefail, as `git log | head -0`)', async () => {
    for (const args of [['--help'], ['stats', '--help'], ['--version']]) {
      const r = await withOutputs(args, 'closed', 'open');
      expect(r.code, args.join(' ')).toBe(CLOSED_PIPE_EXIT);
      expect(r.stderr, args.join(' ')).toBe(''); // quietly: the reader went away on purpose
    }
  }, 60_000);

  it('--help with stdout on a full device: exit 1, one line on stderr (was 1 with a stack trace)', async () => {
    const r = await withOutputs(['--help'], 'full', 'open');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('zonalflow: error: could not write the output to stdout: ENOSPC: no space left on device, write\n');
  }, 60_000);
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
