/**
 * What Collect can merge within one Lambda run (15 minutes, no checkpoint).
 *
 * Collect's cost grows with the result rows (features x dates for a time series) and with the
 * parts it fetches and decodes (one or more a batch). Two measurements on this machine
 * (2026-11-30, CPU seconds, the in-process S3 stand-in included):
 * - the collect bench (`npm run bench -- collect`): 36,000,000 rows (1M features x 36 dates)
 *   from 2,000 parts, results.parquet + results.csv: 330 CPU s, 415 s wall (load ~5);
 * - scale-model's sample job (`npm run bench -- scale-model`): 10,322 rows from 31 parts:
 *   0.51 CPU s.
 * The line through both: 8.4 CPU us a row + 13.7 CPU ms a part; wall = CPU x 415/330. Plan
 * refuses a job whose modelled Collect exceeds the 900 s, or whose rows exceed the 36M-row run
 * (the largest measured to finish), with a LimitError naming rows, parts and seconds (split the
 * input, or larger batches); scale-model prints Collect's modelled seconds next to the 900 s; the
 * state machine never retries a Collect that timed out (infra/state-machine.ts COLLECT_RETRIERS).
 */
import { LimitError } from '../errors';

/** Result rows of the largest job Collect was measured to finish (the collect bench's 36M-row run: 415 s). */
export const MAX_COLLECT_ROWS = 36_000_000;

/** Lambda's maximum timeout, Collect's (seconds). */
export const LAMBDA_MAX_SECONDS = 900;

/** Collect's measured cost (see above): CPU seconds a row and a part, and wall seconds a CPU second. */
export const COLLECT_COST = { cpuSecondsPerRow: 8.4e-6, cpuSecondsPerPart: 13.7e-3, wallPerCpu: 415 / 330 } as const;

/** Collect's modelled wall seconds for `rows` result rows from `parts` parts. */
export function collectSeconds(rows: number, parts: number): number {
  return (rows * COLLECT_COST.cpuSecondsPerRow + parts * COLLECT_COST.cpuSecondsPerPart) * COLLECT_COST.wallPerCpu;
}

/**
 * Throws a LimitError when Collect could not merge `features` x `datesPerFeature` rows from
 * `parts` parts (at least one a batch) within the 900 s, or when the rows exceed `maxRows`
 * (default MAX_COLLECT_ROWS). `datesPerFeature` is 1 for a job without dates.
 */
export function checkCollectRows(features: number, datesPerFeature: number, parts = 0, maxRows: number = MAX_COLLECT_ROWS): void {
  const dates = Math.max(1, datesPerFeature);
  const rows = features * dates;
  const what = dates > 1 ? `${features} features x ${dates} dates = ${rows} result rows` : `${rows} result rows`;
  if (rows > maxRows) throw new LimitError(`the job would have ${what}; Collect merges at most ${maxRows} rows within a Lambda's ${LAMBDA_MAX_SECONDS / 60} minutes (MAX_COLLECT_ROWS, measured): split the input or narrow the dates`);
  const seconds = collectSeconds(rows, parts);
  if (seconds > LAMBDA_MAX_SECONDS) throw new LimitError(`the job would have ${what} in ${parts} batches: Collect would take about ${Math.round(seconds)} s (measured cost: 8.4 us a row + 13.7 ms a part), over a Lambda's ${LAMBDA_MAX_SECONDS} s: split the input or use larger batches (batching.maxFeatures)`);
}
