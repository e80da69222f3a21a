/**
 * What Collect can merge within one Lambda run (15 minutes, no checkpoint).
 *
 * Collect's cost is linear in the result rows (features x dates for a time series). The
 * collect bench (`npm run bench -- collect`, 2026-11-30, README "Benchmarks") merged 1,000,000
 * features x 36 dates = 36,000,000 rows from 2,000 parts into results.parquet + results.csv in
 * 330 CPU s, 415 s wall (load ~5), 1,008 MB peak: 46 % of the 900 s. That run is the largest
 * job measured to finish, so it is the bound: Plan refuses a job of more rows (a clear
 * LimitError naming the rows; split the input), and the synth check holds Plan's feature limit
 * (MAX_FEATURES_PER_JOB, one row a feature without dates) under it. `npm run bench --
 * scale-model` prints Collect's modelled seconds for its job next to the 900 s. The state
 * machine never retries a Collect that timed out (infra/state-machine.ts COLLECT_RETRIERS).
 */
import { LimitError } from '../errors';

/** Result rows Collect is known to merge within 15 minutes (the collect bench's 36M-row run: 415 s). */
export const MAX_COLLECT_ROWS = 36_000_000;

/** Lambda's maximum timeout, Collect's (seconds). */
export const LAMBDA_MAX_SECONDS = 900;

/**
 * Throws a LimitError when `features` x `datesPerFeature` rows exceed `maxRows` (default
 * MAX_COLLECT_ROWS). `datesPerFeature` is 1 for a job without dates.
 */
export function checkCollectRows(features: number, datesPerFeature: number, maxRows: number = MAX_COLLECT_ROWS): void {
  const dates = Math.max(1, datesPerFeature);
  const rows = features * dates;
  if (rows <= maxRows) return;
  const what = dates > 1 ? `${features} features x ${dates} dates = ${rows} result rows` : `${rows} result rows`;
  throw new LimitError(`the job would have ${what}; Collect merges at most ${maxRows} rows within a Lambda's ${LAMBDA_MAX_SECONDS / 60} minutes (MAX_COLLECT_ROWS, measured): split the input or narrow the dates`);
}
