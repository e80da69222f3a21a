/**
 * `zonalflow local` against `zonalflow stats` on the same input: 200,000 field polygons
 * (BENCH_LOCAL_FEATURES) over the synthetic Sentinel-2-shaped band, `"formats": ["parquet",
 * "json"]`, both run as the CLI (`--quiet`) in their own process: wall seconds, peak RSS, the
 * ratio local/stats (target: <= 3), CPU seconds of each (the figure that holds on a loaded
 * machine), what --quiet printed, and every fid exactly once in results.parquet and in the
 * per-feature JSON (`--features jsonl`, the default: JSON Lines files as stored; BENCH_LOCAL_LAYOUT=
 * per-feature for Sentinel Hub's one file a feature). Run: `npm run bench -- local` (issue 14's goal:
 * wall ratio <= 3 at 200,000 features) or `BENCH_LOCAL_FEATURES=100000 npm run bench -- local` (issue
 * 17's: <= 1.5 at 100,000); it prints the goal of the size run and whether the wall ratio meets it.
 * Where the time goes: `zonalflow local` without --quiet logs wall and CPU seconds per phase; a CPU
 * profile of every thread (main: setup, the stand-ins and gates; the Lambda threads: Plan, Workers,
 * Collect): `node --cpu-prof --cpu-prof-dir=prof bin/zonalflow.mjs local --input FIELDS --spec SPEC
 * --out OUT --overwrite --features jsonl`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE, ensureFields, ensureRaster } from './synthetic';
import { report } from './report';
import { readResultParquet } from '../shared/output/read-parquet';

const n = Number(process.env.BENCH_LOCAL_FEATURES ?? 200_000);
const raster = ensureRaster();
const fields = ensureFields(n);
const root = join(import.meta.dirname, '..');
const work = mkdtempSync(join(CACHE, 'local-bench-'));
const spec = { input: { idColumn: 'field_id' }, rasters: [{ name: 'b04', uri: raster }], stats: ['mean', 'min', 'max', 'count', 'stdev'], coverage: 'exact', batching: { grid: 'h3', maxFeatures: 2000 }, output: { formats: ['parquet', 'json'] } };
const specPath = join(work, 'job.json');
writeFileSync(specPath, JSON.stringify(spec));

const layout = process.env.BENCH_LOCAL_LAYOUT ?? 'jsonl';
// the goals of the wall ratio: issue 17's at 100,000 features and fewer, issue 14's above
const goal = n <= 100_000 ? 1.5 : 3;

/** Runs the CLI under /usr/bin/time: wall seconds, CPU seconds (user + system), peak RSS (MB), exit status, stdout+stderr. */
function cli(args: string[]): { wall: number; cpu: number; rssMb: number; status: number | null; out: string } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', process.execPath, join(root, 'bin/zonalflow.mjs'), ...args], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: '' } });
  const wall = (performance.now() - t0) / 1000;
  const lines = r.stderr.trimEnd().split('\n');
  const [user, sys, rssKb] = (lines.pop() ?? '').split(' ').map(Number);
  return { wall, cpu: (user ?? NaN) + (sys ?? NaN), rssMb: (rssKb ?? NaN) / 1024, status: r.status, out: [r.stdout, lines.join('\n')].filter(Boolean).join('\n') };
}

try {
  const statsOut = join(work, 'stats.parquet');
  const stats = cli(['stats', '--input', fields, '--spec', specPath, '--out', statsOut, '--quiet']);
  if (stats.status !== 0) throw new Error(`zonalflow stats failed (${stats.status}): ${stats.out}`);
  const outDir = join(work, 'local');
  mkdirSync(outDir);
  const local = cli(['local', '--input', fields, '--spec', specPath, '--out', outDir, '--quiet', '--overwrite', '--features', layout]);
  const results = await readResultParquet(readFileSync(join(outDir, 'results.parquet')));
  const fids = new Set(results.rows.map((r) => r.fid));
  const printed = local.out.trim().split('\n').filter(Boolean);
  // the per-feature documents: one a file, or one a line of the JSON Lines files
  const docFids: number[] = [];
  const files = readdirSync(join(outDir, 'features'));
  for (const f of files) {
    const text = readFileSync(join(outDir, 'features', f), 'utf8');
    for (const line of f.endsWith('.jsonl') ? text.split('\n').filter(Boolean) : [text]) docFids.push(Number((JSON.parse(line) as { fid: unknown }).fid));
  }
  report('local', {
    features: n,
    local_status: local.status,
    local_wall_s: local.wall,
    local_cpu_s: local.cpu,
    local_peak_rss_mb: local.rssMb,
    stats_wall_s: stats.wall,
    stats_cpu_s: stats.cpu,
    stats_peak_rss_mb: stats.rssMb,
    ratio_local_over_stats: local.wall / stats.wall,
    goal_ratio: goal,
    goal_met: local.status === 0 && local.wall / stats.wall <= goal,
    cpu_ratio_local_over_stats: local.cpu / stats.cpu,
    rows: results.rows.length,
    distinct_fids: fids.size,
    every_fid_once: results.rows.length === n && fids.size === n,
    features_layout: layout,
    feature_json_files: files.length,
    feature_documents: docFids.length,
    every_fid_once_in_json: docFids.length === n && new Set(docFids).size === n,
    quiet_lines_printed: printed.length,
    quiet_output: printed.join(' | ').slice(0, 300),
  });
  if (local.status !== 0) process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
