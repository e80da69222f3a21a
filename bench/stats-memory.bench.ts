/**
 * Peak resident memory of `zonalflow stats` through the CLI on 100,000 and 1,000,000 synthetic fields (issue 17: <= 300 MB and <= 400 MB, flat in the number of features).
 * The case of the stats bench (bench/synthetic.ts: fields in EPSG:4326 over the 10980² S2-shaped
 * COG, exact coverage, mean,min,max,count,stdev, CSV out), run as a user runs it: the compiled CLI
 * (`npm run build` first), one process per size, peak RSS of the whole process (every thread) from
 * getrusage, read by a preloaded probe (bench/rss-probe.mjs). Sizes: BENCH_MEMORY_FEATURES
 * (comma-separated, default 100000,1000000; the 1M GeoPackage is generated once, ~1 min, 180 MB).
 * `--threads=N` is passed to zonalflow. Prints per size: wall (under whatever load the machine has),
 * CPU seconds, peak RSS, rows written; and the ratio of the largest to the smallest peak (flat = ~1).
 * Run: npm run bench -- stats-memory
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureFields, ensureRaster } from './synthetic';
import { report } from './report';

const root = join(import.meta.dirname, '..');
const threads = process.argv.slice(2).find((a) => a.startsWith('--threads='))?.slice('--threads='.length);
const sizes = (process.env.BENCH_MEMORY_FEATURES ?? '100000,1000000').split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);
const raster = ensureRaster();
const built = spawnSync(process.execPath, [join(root, 'bin', 'build.mjs')], { cwd: root, stdio: 'inherit' });
if (built.status !== 0) throw new Error('npm run build failed');

const dir = mkdtempSync(join(tmpdir(), 'zf-stats-memory-'));
const figures: Record<string, unknown> = {};
const peaks: number[] = [];
try {
  for (const n of sizes) {
    const fields = ensureFields(n);
    const out = join(dir, `stats_${n}.csv`);
    const probe = join(dir, `rss_${n}.json`);
    const args = ['--import', join(root, 'bench', 'rss-probe.mjs'), join(root, 'bin', 'zonalflow.mjs'), 'stats', '--input', fields, '--raster', raster, '--id-column', 'field_id',
      '--stats', 'mean,min,max,count,stdev', '--out', out, '--quiet', ...(threads ? ['--threads', threads] : [])];
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: root, env: { ...process.env, ZONALFLOW_RSS_FILE: probe }, encoding: 'utf8' });
    const wall = (performance.now() - t0) / 1000;
    if (r.status !== 0 || !existsSync(probe)) throw new Error(`zonalflow stats on ${n} features failed (exit ${r.status}): ${r.stderr}`);
    const m = JSON.parse(readFileSync(probe, 'utf8')) as { maxRssKb: number; cpuS: number };
    // rows written: lines after the header
    let rows = -1;
    for (const b of readFileSync(out)) if (b === 10) rows++;
    const mb = m.maxRssKb / 1024;
    peaks.push(mb);
    figures[`features_${n}_wall_s`] = wall;
    figures[`features_${n}_cpu_s`] = m.cpuS;
    figures[`features_${n}_peak_rss_mb`] = mb;
    figures[`features_${n}_rows`] = rows;
    rmSync(out);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (peaks.length > 1) figures.peak_ratio_largest_to_smallest = (peaks[peaks.length - 1] ?? 0) / (peaks[0] ?? 1);
figures.load_average_1min = loadavg()[0] ?? 0;
figures.goal_100k_mb = 300;
figures.goal_1m_mb = 400;
report('stats-memory', figures);
