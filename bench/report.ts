/**
 * Bench output: a readable table on stdout and JSON in bench/.cache/results/<name>.json (ignored
 * by git); with `npm run bench -- NAME --save` also in the tracked bench/results/<name>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, totalmem } from 'node:os';

/** Prints the figures and writes them as JSON (with the machine and the date) for comparison over time. */
export function report(name: string, figures: Record<string, unknown>): void {
  const width = Math.max(...Object.keys(figures).map((k) => k.length));
  process.stdout.write(`\n== ${name}\n`);
  for (const [k, v] of Object.entries(figures)) process.stdout.write(`${k.padEnd(width)}  ${typeof v === 'number' ? fmt(v) : JSON.stringify(v)}\n`);
  const machine = { node: process.version, cpu: cpus()[0]?.model ?? '?', cores: cpus().length, memGB: Math.round(totalmem() / 1e9) };
  const text = JSON.stringify({ name, date: new Date().toISOString(), machine, figures }, null, 2) + '\n';
  const dirs = [join(import.meta.dirname, '.cache', 'results')];
  if (process.env.ZONALFLOW_BENCH_SAVE === '1' || process.argv.includes('--save')) dirs.push(join(import.meta.dirname, 'results'));
  for (const dir of dirs) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.json`), text);
  }
}

function fmt(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4);
}

/** Peak resident set size of this process in MB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}
