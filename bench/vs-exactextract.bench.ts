/**
 * `zonalflow stats` (the CLI, as a user runs it) side by side with ogr2ogr + exactextract on the 100k-field case (issue 17 goal: wall <= 0.5x).
 * The case: 100,000 field polygons in EPSG:4326 (BENCH_FEATURES) over the 10980² Sentinel-2-shaped
 * COG (bench/synthetic.ts), exact coverage, statistics mean,min,max,count,stdev. exactextract does
 * not reproject, so its side is `ogr2ogr -t_srs EPSG:32631` then `exactextract`. Paired runs
 * (`--runs=N`, default 3; the order alternates), each under /usr/bin/time: median wall, CPU
 * (user + system) and peak RSS of each side, and the ratios. Every value of every feature is
 * checked against exactextract's (1e-6 relative; min/max exact).
 * exactextract: `--exactextract=PATH`, else $EXACTEXTRACT, else `exactextract` on the PATH, else
 * ../shared/tools/exactextract; ogr2ogr from the PATH (Debian's gdal-bin). When either is absent the
 * bench prints one line and exits 0. `--threads=N` is passed to zonalflow.
 * Wall figures on a shared machine depend on what else runs: the load average is printed with them.
 * Run: npm run bench -- vs-exactextract [--runs=5 --exactextract=../shared/tools/exactextract]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { delimiter, join } from 'node:path';
import { CACHE, ensureFields, ensureRaster } from './synthetic';
import { report } from './report';

const root = join(import.meta.dirname, '..');
const argv = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
};
const STATS = ['mean', 'min', 'max', 'count', 'stdev'];
const runs = Math.max(1, Number(arg('--runs') ?? 3));
const threads = arg('--threads');

/** An executable on the PATH, or null. */
function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const f = join(dir, name);
    if (dir && existsSync(f)) return f;
  }
  return null;
}

const shared = join(root, '..', 'shared', 'tools', 'exactextract');
const exactextract = arg('--exactextract') ?? process.env.EXACTEXTRACT ?? onPath('exactextract') ?? (existsSync(shared) ? shared : null);
const ogr2ogr = onPath('ogr2ogr');
if (exactextract === null || !existsSync(exactextract) || ogr2ogr === null || !existsSync('/usr/bin/time')) {
  const missing = [exactextract === null || !existsSync(exactextract) ? `exactextract (${exactextract ?? 'give --exactextract=PATH or EXACTEXTRACT'})` : null, ogr2ogr === null ? 'ogr2ogr (apt-get install gdal-bin)' : null, existsSync('/usr/bin/time') ? null : '/usr/bin/time'].filter(Boolean);
  process.stdout.write(`vs-exactextract: skipped, not found: ${missing.join(', ')}\n`);
  process.exit(0);
}

interface Timed { wall: number; cpu: number; rssMb: number }

/** Runs a command under /usr/bin/time; throws with its output when it fails. */
function timed(cmd: string, args: string[]): Timed {
  const r = spawnSync('/usr/bin/time', ['-f', 'ZFTIME %e %U %S %M', cmd, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: '' } });
  const line = r.stderr.split('\n').find((l) => l.startsWith('ZFTIME '));
  if (r.status !== 0 || line === undefined) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const [wall, user, sys, rssKb] = line.slice(7).split(' ').map(Number);
  return { wall: wall ?? NaN, cpu: (user ?? NaN) + (sys ?? NaN), rssMb: (rssKb ?? NaN) / 1024 };
}

/** A CSV (no embedded newlines in these files) as header + rows; quotes stripped. */
function readCsv(path: string): { head: string[]; rows: string[][] } {
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  const split = (l: string): string[] => l.split(',').map((c) => c.replace(/^"(.*)"$/, '$1'));
  return { head: split(lines[0] ?? ''), rows: lines.slice(1).map(split) };
}

/** Compares every statistic of every feature; returns the number of values compared and the first mismatches. */
function compare(zfCsv: string, eeCsv: string): { values: number; mismatches: string[]; features: number } {
  const zf = readCsv(zfCsv);
  const ee = readCsv(eeCsv);
  const eeById = new Map(ee.rows.map((r) => [r[0] ?? '', r]));
  const mismatches: string[] = [];
  let values = 0;
  const cols = STATS.map((s) => ({ s, z: zf.head.findIndex((h) => h.endsWith(`_${s}`)), e: ee.head.findIndex((h) => h === s || h.endsWith(`_${s}`)) }));
  for (const c of cols) if (c.z < 0 || c.e < 0) throw new Error(`column for ${c.s} not found (zonalflow: ${zf.head.join(',')}; exactextract: ${ee.head.join(',')})`);
  if (zf.rows.length !== ee.rows.length) mismatches.push(`rows: zonalflow ${zf.rows.length}, exactextract ${ee.rows.length}`);
  for (const r of zf.rows) {
    const id = r[0] ?? '';
    const e = eeById.get(id);
    if (!e) {
      mismatches.push(`${id}: not in exactextract's output`);
      continue;
    }
    for (const c of cols) {
      // no value (no cell covered): zonalflow writes an empty cell, exactextract an empty cell or nan
      const a = (r[c.z] ?? '') === '' ? NaN : Number(r[c.z]);
      const b = (e[c.e] ?? '') === '' || /nan/i.test(e[c.e] ?? '') ? NaN : Number(e[c.e]);
      values++;
      const same = (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
      if (!same && mismatches.length < 10) mismatches.push(`${id} ${c.s}: zonalflow ${r[c.z]}, exactextract ${e[c.e]}`);
      else if (!same) mismatches.push('');
    }
  }
  return { values, mismatches, features: zf.rows.length };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
};

const n = Number(process.env.BENCH_FEATURES ?? 100_000);
const raster = ensureRaster();
const fields = ensureFields(n);
const work = mkdtempSync(join(CACHE, 'vs-ee-'));
// dist/ as `npm ci` leaves it: the CLI runs compiled, as a user's would
spawnSync(process.execPath, [join(root, 'bin', 'build.mjs')], { cwd: root, stdio: 'inherit' });
try {
  const zfOut = join(work, 'zonalflow.csv');
  const utm = join(work, 'fields_32631.gpkg');
  const eeOut = join(work, 'exactextract.csv');
  const side = { zf: [] as Timed[], ogr: [] as Timed[], ee: [] as Timed[] };
  const load0 = loadavg()[0] ?? NaN;
  const zonalflow = (): Timed => timed(process.execPath, [join(root, 'bin', 'zonalflow.mjs'), 'stats', '--input', fields, '--raster', raster, '--id-column', 'field_id', '--stats', STATS.join(','), '--out', zfOut, '--quiet', ...(threads ? ['--threads', threads] : [])]);
  const theirs = (): void => {
    rmSync(utm, { force: true });
    side.ogr.push(timed(ogr2ogr, ['-t_srs', 'EPSG:32631', utm, fields]));
    side.ee.push(timed(exactextract, ['-r', raster, '-p', utm, '-f', 'field_id', ...STATS.flatMap((s) => ['-s', s]), '-o', eeOut]));
  };
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      side.zf.push(zonalflow());
      theirs();
    } else {
      theirs();
      side.zf.push(zonalflow());
    }
    process.stderr.write(`vs-exactextract: pair ${i + 1}/${runs}: zonalflow ${side.zf.at(-1)?.wall.toFixed(2)} s, ogr2ogr + exactextract ${((side.ogr.at(-1)?.wall ?? NaN) + (side.ee.at(-1)?.wall ?? NaN)).toFixed(2)} s\n`);
  }
  const check = compare(zfOut, eeOut);
  const theirWall = side.ogr.map((o, i) => o.wall + (side.ee[i]?.wall ?? NaN));
  const theirCpu = side.ogr.map((o, i) => o.cpu + (side.ee[i]?.cpu ?? NaN));
  const zfWall = median(side.zf.map((t) => t.wall));
  report('vs-exactextract', {
    features: n,
    runs,
    zonalflow_threads: threads ?? 'default',
    load_average_before: load0,
    load_average_after: loadavg()[0] ?? NaN,
    zonalflow_wall_s: zfWall,
    zonalflow_cpu_s: median(side.zf.map((t) => t.cpu)),
    zonalflow_peak_rss_mb: median(side.zf.map((t) => t.rssMb)),
    ogr2ogr_wall_s: median(side.ogr.map((t) => t.wall)),
    exactextract_wall_s: median(side.ee.map((t) => t.wall)),
    exactextract_peak_rss_mb: median(side.ee.map((t) => t.rssMb)),
    ogr2ogr_plus_exactextract_wall_s: median(theirWall),
    ogr2ogr_plus_exactextract_cpu_s: median(theirCpu),
    ratio_wall: zfWall / median(theirWall),
    ratio_cpu: median(side.zf.map((t) => t.cpu)) / median(theirCpu),
    ratio_peak_rss_vs_exactextract: median(side.zf.map((t) => t.rssMb)) / median(side.ee.map((t) => t.rssMb)),
    goal_wall_ratio: 0.5,
    values_compared: check.values,
    features_compared: check.features,
    mismatches: check.mismatches.length,
    first_mismatches: check.mismatches.filter(Boolean).slice(0, 10),
    note: 'wall times on a shared machine depend on its load (load_average_*)',
  });
  if (check.mismatches.length > 0) process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
