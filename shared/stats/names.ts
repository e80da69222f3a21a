/** Statistic names and their validation. */
import { SpecError } from '../errors';

/** A statistic: the fixed names, or `qNN` (a quantile, NN in 0..100, decimals allowed: q2.5). */
export type StatName =
  | 'count' | 'sum' | 'mean' | 'min' | 'max' | 'stdev' | 'variance' | 'median'
  | 'majority' | 'minority' | 'variety' | 'nodata_count' | 'histogram' | `q${number}`;

/** The fixed statistic names, in documentation order. */
export const FIXED_STATS = ['count', 'sum', 'mean', 'min', 'max', 'stdev', 'variance', 'median', 'majority', 'minority', 'variety', 'nodata_count', 'histogram'] as const;

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
  if (bad.length > 0) {
    throw new SpecError(`unknown statistic${bad.length > 1 ? 's' : ''} ${bad.map((b) => JSON.stringify(b)).join(', ')}; valid: ${FIXED_STATS.join(', ')}, and qNN for a quantile (q10, q90, q2.5)`);
  }
  return [...new Set(names)] as StatName[];
}
