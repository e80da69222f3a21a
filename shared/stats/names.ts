/** Statistic names and their validation. */
import { SpecError } from '../errors';

/** A statistic: the fixed names, or `qNN` (a quantile, NN in 0..100, decimals allowed: q2.5). */
export type StatName =
  | 'count' | 'sum' | 'mean' | 'min' | 'max' | 'stdev' | 'variance' | 'median'
  | 'majority' | 'minority' | 'variety' | 'nodata_count' | 'histogram'
  | 'range' | 'coefficient_of_variation' | 'unique' | 'frac' | 'weighted_frac'
  | 'weighted_mean' | 'weighted_sum' | 'weighted_stdev' | 'weighted_variance'
  | 'values' | 'coverage' | 'weights' | 'cell_id' | 'center_x' | 'center_y'
  | `q${number}`;

/** The fixed statistic names, in documentation order. */
export const FIXED_STATS = [
  'count', 'sum', 'mean', 'min', 'max', 'stdev', 'variance', 'median', 'majority', 'minority', 'variety', 'nodata_count', 'histogram',
  'range', 'coefficient_of_variation', 'unique', 'frac', 'weighted_frac', 'weighted_mean', 'weighted_sum', 'weighted_stdev', 'weighted_variance',
  'values', 'coverage', 'weights', 'cell_id', 'center_x', 'center_y',
] as const;

/** Statistics that need a weights raster (exactextract's `weighted_*`, and the per-cell `weights` list). */
export const WEIGHTED_STATS: ReadonlySet<string> = new Set(['weighted_frac', 'weighted_mean', 'weighted_sum', 'weighted_stdev', 'weighted_variance', 'weights']);

/** Per-cell lists (one entry per cell of the feature, row-major): computed by the engine, not the accumulator. */
export const CELL_LIST_STATS: ReadonlySet<string> = new Set(['values', 'coverage', 'weights', 'cell_id', 'center_x', 'center_y']);

/** Statistics with one column per distinct value (`<name>_frac_<v>`). */
export const FRAC_STATS: ReadonlySet<string> = new Set(['frac', 'weighted_frac']);

/** The column kind of a statistic's value. */
export function statKind(name: string): 'number' | 'histogram' | 'list' | 'frac' {
  if (name === 'histogram') return 'histogram';
  if (name === 'unique' || CELL_LIST_STATS.has(name)) return 'list';
  if (FRAC_STATS.has(name)) return 'frac';
  return 'number';
}

const QUANTILE = /^q(\d{1,3}(?:\.\d+)?)$/;

/** The quantile of a `qNN` name as a fraction (q25 -> 0.25), or null for other names. */
export function quantileOf(name: string): number | null {
  const m = QUANTILE.exec(name);
  if (!m?.[1]) return null;
  const q = Number(m[1]);
  return q >= 0 && q <= 100 ? q / 100 : null;
}

/** Validates statistic names (duplicates removed, order kept); unknown names give one SpecError listing them and the valid ones. */
export function parseStatNames(names: readonly string[]): StatName[] {
  const bad = names.filter((n) => !(FIXED_STATS as readonly string[]).includes(n) && quantileOf(n) === null);
  // a quantile's name with its number out of 0..100 (q150): said as such, not as an unknown name
  const outOfRange = bad.filter((n) => QUANTILE.test(n));
  if (outOfRange.length > 0 && outOfRange.length === bad.length) {
    throw new SpecError(`${outOfRange.map((b) => JSON.stringify(b)).join(', ')}: a quantile qNN needs NN from 0 to 100 (q10, q90, q2.5)`);
  }
  if (bad.length > 0) {
    throw new SpecError(`unknown statistic${bad.length > 1 ? 's' : ''} ${bad.map((b) => JSON.stringify(b)).join(', ')}; valid: ${FIXED_STATS.join(', ')}, and qNN for a quantile (q10, q90, q2.5)`);
  }
  return [...new Set(names)] as StatName[];
}
