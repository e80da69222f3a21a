/**
 * What the threads of `zonalflow stats` load (issue 17: lazy-load what a command does not need), through the
 * built CLI (dist/ current, as after `npm ci`) with a preload that reports every module file and built-in
 * module each thread loads (test/helpers/loaded-modules.mjs). A job reading a local GeoPackage and writing CSV
 * loads no HTTPS stack (node:https, node:tls, node:dns: only a read over HTTPS needs them), no reader or writer of
 * another format (hyparquet, hyparquet-writer, flatgeobuf, the GeoJSON streaming parser, fflate, compiled into
 * chunks of their own: dist/compiled-packages.json says which), and its prepare thread no zod (the spec is
 * parsed on the job thread), and no time-series code (shared/engine/timeseries-job.ts, shared/timeseries/ but
 * the expression language of band math: the source files of the chunks loaded, from their source maps). The
 * same job writing Parquet does load hyparquet-writer, and a time series (a STAC API served here answering no
 * scene) its own code: the report sees a load.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newestSourceMtime } from '../../bin/sources.mjs';
import { writeLuxGons } from '../helpers/lux-gons';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'zf-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stamp = join(ROOT, 'dist', 'build.json');
const distCurrent = existsSync(stamp) && (JSON.parse(readFileSync(stamp, 'utf8')) as { sourcesMtimeMs: number }).sourcesMtimeMs >= newestSourceMtime(ROOT);

/** Per thread: the packages loaded (from node_modules, or compiled into a chunk of dist/), the dist chunks, their source files (project-relative), the built-ins. */
interface ThreadLoads { packages: Set<string>; chunks: Set<string>; sources: Set<string>; builtins: Set<string> }

/** The project's source files compiled into a chunk of dist/ (its source map's `sources`, relative to the project). */
function sourcesOf(chunk: string): string[] {
  const map = join(ROOT, 'dist', `${chunk}.map`);
  if (!existsSync(map)) return [];
  const { sources } = JSON.parse(readFileSync(map, 'utf8')) as { sources: string[] };
  return sources.map((f) => join(ROOT, 'dist', chunk, '..', f).slice(ROOT.length + 1)).filter((f) => !f.includes('node_modules/'));
}

/** The time series' own code among `sources`: shared/engine/timeseries*.ts and shared/timeseries/ but its expression language (band math's too). */
const timeSeriesCode = (sources: Iterable<string>): string[] => [...sources].filter((f) => /^shared\/engine\/timeseries|^shared\/timeseries\//.test(f) && f !== 'shared/timeseries/expression.ts');

function loadsOf(stderr: string): Map<string, ThreadLoads> {
  const compiled = JSON.parse(readFileSync(join(ROOT, 'dist', 'compiled-packages.json'), 'utf8')) as Record<string, string[]>;
  const packageOf = (path: string): string => {
    const rest = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    return rest.split('/').slice(0, rest.startsWith('@') ? 2 : 1).join('/');
  };
  const threads = new Map<string, ThreadLoads>();
  const of = (t: string): ThreadLoads => {
    let l = threads.get(t);
    if (!l) threads.set(t, (l = { packages: new Set(), chunks: new Set(), sources: new Set(), builtins: new Set() }));
    return l;
  };
  for (const line of stderr.split('\n')) {
    const file = /^loaded-modules: file (-?\d+) (file:\S+)$/.exec(line);
    if (file) {
      const l = of(file[1] as string);
      const url = file[2] as string;
      if (url.includes('/node_modules/')) l.packages.add(packageOf(url));
      const inDist = /\/dist\/(.+)$/.exec(url)?.[1];
      if (inDist) {
        l.chunks.add(inDist);
        for (const f of sourcesOf(inDist)) l.sources.add(f);
        for (const f of compiled[inDist] ?? []) l.packages.add(packageOf(f));
      }
    }
    const builtins = /^loaded-modules: builtins (-?\d+) (.*)$/.exec(line);
    if (builtins) for (const b of (builtins[2] as string).split(',').filter(Boolean)) of(builtins[1] as string).builtins.add(b);
  }
  return threads;
}

describe.skipIf(!distCurrent)('what a stats job\'s threads load', () => {
  // > 4 MiB: read on a prepare thread
  const input = writeLuxGons(join(dir, 'lux.gpkg'));
  const run = (out: string): Map<string, ThreadLoads> => {
    const args = ['stats', '--input', input, '--raster', join(ROOT, 'examples', 'elev.cog.tif'), '--id-column', 'name', '--stats', 'count,mean', '--out', join(dir, out), '--quiet'];
    const r = spawnSync(process.execPath, ['--import', join(ROOT, 'test', 'helpers', 'loaded-modules.mjs'), join(ROOT, 'bin', 'zonalflow.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
    expect(r.status, r.stderr).toBe(0);
    return loadsOf(r.stderr);
  };

  it('a local GeoPackage to CSV: no HTTPS stack, no other format\'s library, and no zod on the prepare thread', () => {
    const threads = run('out.csv');
    const all = [...threads.values()];
    // the job thread (it runs the stats command) and the prepare thread (it reads the layer) were seen
    const job = all.find((l) => [...l.chunks].some((c) => /^chunks\/stats-job-/.test(c)));
    const prepare = all.find((l) => l !== job && [...l.chunks].some((c) => /^chunks\/prepare-job-/.test(c)));
    expect(job).toBeDefined();
    expect(prepare).toBeDefined();
    expect(job?.packages.has('zod')).toBe(true);
    for (const l of all) {
      expect([...l.builtins].filter((b) => ['https', 'tls', '_tls_wrap', 'dns', 'http'].includes(b))).toEqual([]);
      expect([...l.packages].filter((p) => ['hyparquet', 'hyparquet-writer', 'flatgeobuf', '@streamparser/json', 'fflate'].includes(p))).toEqual([]);
    }
    expect(prepare?.packages.has('zod')).toBe(false);
    // no time series: none of its code (its half of the job, the STAC client, the series engine, intervals)
    expect(job?.sources.has('shared/engine/stats-job.ts')).toBe(true);
    for (const l of all) expect(timeSeriesCode(l.sources)).toEqual([]);
  }, 300_000);

  it('to Parquet: the Parquet writer is loaded (what the report above would see)', () => {
    const threads = run('out.parquet');
    expect([...threads.values()].some((l) => l.packages.has('hyparquet-writer'))).toBe(true);
  }, 300_000);

  it('a time series: its own code is loaded (what the report above would see)', async () => {
    // a STAC API answering no scene: the job searches, then writes an empty series
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/geo+json' }).end(JSON.stringify({ type: 'FeatureCollection', features: [] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const spec = join(dir, 'series.json');
      writeFileSync(spec, JSON.stringify({ input: { idColumn: 'name' }, stac: { api: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, collections: ['c'], datetime: '2024-05-01/2024-05-31', assets: { b: 'b' } }, interval: 'scene', stats: ['count', 'mean'] }));
      const args = ['stats', '--input', input, '--spec', spec, '--out', join(dir, 'series.csv'), '--allow-host', '127.0.0.1', '--quiet'];
      // asynchronously: the server answers from this thread
      const child = spawn(process.execPath, ['--import', join(ROOT, 'test', 'helpers', 'loaded-modules.mjs'), join(ROOT, 'bin', 'zonalflow.mjs'), ...args], { cwd: ROOT });
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      const status = await new Promise<number | null>((r) => child.on('close', r));
      expect(status, stderr).toBe(0);
      const job = [...loadsOf(stderr).values()].find((l) => l.sources.has('shared/engine/stats-job.ts'));
      expect(timeSeriesCode(job?.sources ?? [])).toEqual(expect.arrayContaining(['shared/engine/timeseries-job.ts', 'shared/timeseries/intervals.ts', 'shared/timeseries/stac.ts']));
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  }, 300_000);
});
