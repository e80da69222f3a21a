/** Statistic names and their validation. */
import { SpecError } from '../errors';
import { nearestNames } from '../nearest';
import { parseOperation } from './operation';

/**
 * A statistic: the fixed names, `qNN` (a quantile, NN in 0..100, decimals allowed: q2.5), or exactextract's
 * `quantile(q=F)` (F in 0..1, written as JavaScript writes the number: quantile(q=0.25)).
 */
export type StatName =
  | 'count' | 'sum' | 'mean' | 'min' | 'max' | 'stdev' | 'variance' | 'median'
  | 'majority' | 'minority' | 'variety' | 'nodata_count' | 'histogram'
  | 'range' | 'coefficient_of_variation' | 'unique' | 'frac' | 'weighted_frac'
  | 'weighted_mean' | 'weighted_sum' | 'weighted_stdev' | 'weighted_variance'
  | 'values' | 'coverage' | 'weights' | 'cell_id' | 'center_x' | 'center_y'
  | 'mode' | 'min_center_x' | 'max_center_x' | 'min_center_y' | 'max_center_y'
  | `q${number}` | `quantile(q=${number})`;

/** The fixed statistic names, in documentation order. */
export const FIXED_STATS = [
  'count', 'sum', 'mean', 'min', 'max', 'stdev', 'variance', 'median', 'majority', 'minority', 'variety', 'nodata_count', 'histogram',
  'range', 'coefficient_of_variation', 'unique', 'frac', 'weighted_frac', 'weighted_mean', 'weighted_sum', 'weighted_stdev', 'weighted_variance',
  'values', 'coverage', 'weights', 'cell_id', 'center_x', 'center_y',
  'mode', 'min_center_x', 'max_center_x', 'min_center_y', 'max_center_y',
] as const;

/** Statistics that need a weights raster (exactextract's `weighted_*`, and the per-cell `weights` list). */
export const WEIGHTED_STATS: ReadonlySet<string> = new Set(['weighted_frac', 'weighted_mean', 'weighted_sum', 'weighted_stdev', 'weighted_variance', 'weights']);

/** Per-cell lists (one entry per cell of the feature, row-major): computed by the engine, not the accumulator. */
export const CELL_LIST_STATS: ReadonlySet<string> = new Set(['values', 'coverage', 'weights', 'cell_id', 'center_x', 'center_y']);

/**
 * exactextract's `min_center_x`... : the centre of the first cell (row-major) holding the feature's min or max
 * value, among the cells min and max see. Computed by the engine's per-cell stage, not the accumulator.
 */
export const POSITION_STATS: ReadonlySet<string> = new Set(['min_center_x', 'max_center_x', 'min_center_y', 'max_center_y']);

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
const EE_QUANTILE = /^quantile\(q=([^()]+)\)$/;

/** The quantile of a `qNN` or `quantile(q=F)` name as a fraction (q25 and quantile(q=0.25) -> 0.25), or null for other names. */
export function quantileOf(name: string): number | null {
  const ee = EE_QUANTILE.exec(name);
  if (ee?.[1] !== undefined) {
    const q = Number(ee[1]);
    return q >= 0 && q <= 1 ? q : null;
  }
  const m = QUANTILE.exec(name);
  if (!m?.[1]) return null;
  const q = Number(m[1]);
  return q >= 0 && q <= 100 ? q / 100 : null;
}

/** The canonical name of exactextract's `quantile(q=...)` (the number as JavaScript writes it: 0.25, 1e-7). */
export function quantileName(q: number): `quantile(q=${number})` {
  return `quantile(q=${q === 0 ? 0 : q})`;
}

/**
 * The column suffix of a statistic: its name, except exactextract's `quantile(q=F)`, written as exactextract
 * 0.3.1 names it, `quantile_<N>` with N = the integer part of F × 100 computed in double precision
 * (q=0.25 -> quantile_25, q=0.025 -> quantile_2, and, as exactextract, q=0.29 -> quantile_28 since
 * 0.29 × 100 = 28.999999999999996).
 */
export function statColumnName(name: string): string {
  if (!EE_QUANTILE.test(name)) return name;
  const q = quantileOf(name);
  return q === null ? name : `quantile_${String(Math.trunc(q * 100))}`;
}

/** Other tools' names for zonalflow's statistics: rasterstats' std and nodata, SQL's avg (rasterstats' percentile_NN is qNN: PERCENTILE). */
const OTHER_NAMES: Readonly<Record<string, string>> = { std: 'stdev', nodata: 'nodata_count', avg: 'mean', average: 'mean' };
const PERCENTILE = /^(?:percentile_|p)(\d{1,3}(?:\.\d+)?)$/i;

/**
 * The statistics a mistyped name most likely meant: other tools' names first (`std` -> stdev, `nodata` ->
 * nodata_count, `avg` -> mean, `percentile_90` -> q90), a quantile in capitals (`Q10` -> q10), else the fixed names nearest
 * (nearestNames: at most 2 edits, fewer than half the name's length, letter case free, ties all): `meen` -> mean,
 * `MEAN` -> mean, `medain` -> median (a swap is one edit); none for `foo`.
 */
export function nearestStats(name: string): string[] {
  const alias = OTHER_NAMES[name.toLowerCase()];
  if (alias !== undefined) return [alias];
  const pct = PERCENTILE.exec(name)?.[1];
  const quantile = pct !== undefined ? `q${pct}` : name.toLowerCase();
  if (quantileOf(quantile) !== null) return [quantile];
  return nearestNames(name, FIXED_STATS);
}

/** Where every statistic is listed, for a line that cannot list them all (35 names and the quantile forms). */
const STATS_POINTER = 'common: count, sum, mean, min, max, stdev, median, majority, qNN (q10, q2.5); all: `zonalflow stats --help`';

/**
 * Why a list of statistics holds an empty or blank name (`--stats mean,,max`, `"stats": ["mean", ""]`), or null:
 * one line naming the positions, 1-based, and a neighbour to find them by
 * (`empty statistic name at position 2 of 3 (after "mean")`).
 */
export function emptyStatNamesProblem(names: readonly string[]): string | null {
  const empty = names.flatMap((n, i) => (n.trim() === '' ? [i] : []));
  const first = empty[0];
  if (first === undefined) return null;
  if (names.length === 1) return 'empty statistic name; name one (count, mean...) or leave the statistics out for the default';
  if (empty.length > 1) return `empty statistic names at positions ${empty.map((i) => String(i + 1)).join(', ')} of ${names.length}; name statistics there or remove them`;
  const before = names.slice(0, first).findLast((n) => n.trim() !== '');
  const after = names.slice(first + 1).find((n) => n.trim() !== '');
  const where = before !== undefined ? `after ${JSON.stringify(before.trim())}` : `before ${JSON.stringify(after?.trim() ?? '')}`;
  return `empty statistic name at position ${first + 1} of ${names.length} (${where}); name a statistic there or remove it`;
}

/**
 * Validates statistic names (duplicates removed, order kept): the fixed names, qNN, and exactextract's
 * `quantile(q=F)` (returned in its canonical form). Unknown names give one SpecError naming them, each with its
 * suggestion (nearestStats), and where the statistics are listed when one has none; a malformed exactextract
 * form one naming its problem. exactextract's raster and option arguments
 * (`mean(b04)`, `mean(min_coverage_frac=0.5)`) are the job's to resolve (parseJobSpec: spec-operations.ts):
 * here they are refused, never dropped. Two statistics with one column name (exactextract's quantile_99 for
 * q=0.995 and q=0.999) are refused too.
 */
export function parseStatNames(input: readonly string[]): StatName[] {
  const empty = emptyStatNamesProblem(input);
  if (empty !== null) throw new SpecError(empty);
  const syntax: string[] = [];
  const withArgs: string[] = [];
  const names = input.map((n) => {
    try {
      const op = parseOperation(n);
      if (op.rasters.length > 0 || Object.keys(op.options).length > 0) withArgs.push(op.text);
      return op.q !== undefined ? quantileName(op.q) : op.name;
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      syntax.push(err.message);
      return null;
    }
  });
  if (syntax.length > 0) throw new SpecError(syntax.join('; '));
  const named = names as string[];
  const bad = named.filter((n) => !(FIXED_STATS as readonly string[]).includes(n) && quantileOf(n) === null);
  // a quantile's name with its number out of 0..100 (q150): said as such, not as an unknown name
  const outOfRange = bad.filter((n) => QUANTILE.test(n));
  if (outOfRange.length > 0 && outOfRange.length === bad.length) {
    throw new SpecError(`${outOfRange.map((b) => JSON.stringify(b)).join(', ')}: a quantile qNN needs NN from 0 to 100 (q10, q90, q2.5)`);
  }
  if (bad.length > 0) {
    // one readable line: each name's suggestion; the pointer to the full list only when a name has none
    const near = bad.map((b) => ({ b, near: nearestStats(b) }));
    const listed = near.map((x) => (x.near.length === 0 ? JSON.stringify(x.b) : `${JSON.stringify(x.b)} (did you mean ${x.near.join(' or ')}?)`));
    const pointer = near.some((x) => x.near.length === 0) ? `; ${STATS_POINTER}` : '';
    throw new SpecError(`unknown statistic${bad.length > 1 ? 's' : ''} ${listed.join(', ')}${pointer}`);
  }
  const unique = [...new Set(named)];
  const byColumn = new Map<string, string>();
  for (const n of unique) {
    const col = statColumnName(n);
    const other = byColumn.get(col);
    if (other !== undefined) throw new SpecError(`${other} and ${n} would both be written as the column ${col} (exactextract names quantile(q=F) quantile_<integer part of 100 F>); ask one of them as qNN (q99.5, q99.9), which names it exactly`);
    byColumn.set(col, n);
  }
  if (withArgs.length > 0) throw new SpecError(`${withArgs.map((b) => JSON.stringify(b)).join(', ')}: exactextract's raster and option arguments are the job's rasters and settings, resolved when the job spec is read (parseJobSpec)`);
  return unique as StatName[];
}
