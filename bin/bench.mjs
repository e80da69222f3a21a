#!/usr/bin/env node
// `npm run bench [-- NAME ...] [-- --list] [-- --save] [-- --all]`: runs the benchmarks bench/<NAME>.bench.ts,
// each in its own process; `--all` runs every one (the sum of the durations `--list` shows, ~16 min here,
// most of it the 1M x 36 Collect), so with no name and no `--all` it only lists them (a bare `npm run bench`
// must not start a quarter of an hour of work). Names are exact (`npm run bench -- --list`).
// Results go to bench/.cache/results/<name>.json (ignored by git); `--save` also writes the
// tracked bench/results/<name>.json. Each run's duration goes to bench/.cache/runs/<name>.json;
// `--save` also records it in the tracked bench/results/durations.json, which `--list` shows when
// the bench has not run on this machine yet.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const names = args.filter((a) => !a.startsWith('--'));
const all = readdirSync(join(root, 'bench')).filter((f) => f.endsWith('.bench.ts')).map((f) => f.slice(0, -'.bench.ts'.length)).sort();

/** The first sentence of a bench file's doc comment. */
function summary(name) {
  const text = readFileSync(join(root, 'bench', `${name}.bench.ts`), 'utf8');
  const m = /\/\*\*([\s\S]*?)\*\//.exec(text);
  const doc = (m?.[1] ?? '').split('\n').map((l) => l.replace(/^\s*\*\s?/, '')).join(' ').replace(/\s+/g, ' ').trim();
  const first = doc.split(/(?<=\.)\s/)[0] ?? '';
  // cut at a word, marked, never mid-word
  return first.length <= 110 ? first : `${first.slice(0, 110).replace(/\s+\S*$/, '')} ...`;
}

/** Seconds the last run of a bench took on this machine (from its cached result), or null. */
function lastSeconds(name) {
  const f = join(root, 'bench', '.cache', 'runs', `${name}.json`);
  if (!existsSync(f)) return null;
  try { return JSON.parse(readFileSync(f, 'utf8')).seconds; } catch { return null; }
}

const savedDurations = join(root, 'bench', 'results', 'durations.json');
/** The durations recorded by `--save` runs (tracked): name -> { seconds, at }. */
function saved() {
  try { return JSON.parse(readFileSync(savedDurations, 'utf8')); } catch { return {}; }
}

/** How long a bench takes: its last run here, else the last `--save` run (with its date). */
function duration(name) {
  const here = lastSeconds(name);
  if (here !== null) return `last run ${fmtSeconds(here)}`;
  const s = saved()[name];
  return s ? `${fmtSeconds(s.seconds)} (${String(s.at).slice(0, 10)})` : 'not timed yet';
}

function fmtSeconds(s) {
  return s >= 120 ? `${(s / 60).toFixed(0)} min` : `${s.toFixed(0)} s`;
}

/** Seconds a bench takes: its last run here, else the last `--save` run's, else null. */
function seconds(name) {
  return lastSeconds(name) ?? saved()[name]?.seconds ?? null;
}

/** What `--all` takes by these durations: `~16 min` (`, and N not timed yet`). */
function allDuration() {
  const known = all.map(seconds).filter((s) => typeof s === 'number');
  const untimed = all.length - known.length;
  return `~${fmtSeconds(known.reduce((a, b) => a + b, 0))}${untimed > 0 ? ` and ${untimed} not timed yet` : ''}`;
}

function list(out) {
  for (const n of all) out.write(`${n.padEnd(18)} ${duration(n).padEnd(20)}  ${summary(n)}\n`);
  out.write(`${'(--all)'.padEnd(18)} ${allDuration().padEnd(20)}  every one, by the durations above (plus making the synthetic inputs on first use)\n`);
}
if (flags.includes('--list')) {
  list(process.stdout);
  process.exit(0);
}
if (names.length === 0 && !flags.includes('--all')) {
  process.stderr.write(`bench: name a benchmark (npm run bench -- NAME), or run every one with npm run bench -- --all (${allDuration()}); the benchmarks:\n`);
  list(process.stderr);
  process.exit(2);
}
const unknown = names.filter((n) => !all.includes(n));
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown benchmark ${unknown.join(', ')}; known: ${all.join(', ')} (npm run bench -- --list)\n`);
  process.exit(2);
}
let failed = 0;
for (const n of names.length > 0 ? names : all) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench', `${n}.bench.ts`), ...flags.filter((f) => f !== '--all')], {
    stdio: 'inherit', cwd: root, env: { ...process.env, ZONALFLOW_BENCH_SAVE: flags.includes('--save') ? '1' : (process.env.ZONALFLOW_BENCH_SAVE ?? '') },
  });
  if (r.status !== 0) failed++;
  else {
    // the bench's duration on this machine, for --list
    const dir = join(root, 'bench', '.cache', 'runs');
    mkdirSync(dir, { recursive: true });
    const run = { seconds: (Date.now() - t0) / 1000, at: new Date().toISOString() };
    writeFileSync(join(dir, `${n}.json`), `${JSON.stringify(run)}\n`);
    if (flags.includes('--save')) {
      const all = saved();
      all[n] = run;
      writeFileSync(savedDurations, `${JSON.stringify(Object.fromEntries(Object.entries(all).sort()), null, 2)}\n`);
    }
  }
}
process.exitCode = failed > 0 ? 1 : 0;
