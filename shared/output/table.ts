/**
 * The result table of a zonal job: one row per feature (and date, for time
 * series), columns `id`, `fid`, then `<band>_<stat>` in a fixed order, then
 * `error` (null when the feature was computed). Every writer (CSV, Parquet,
 * JSON) renders this one model, so the formats always agree.
 */
import type { Geometry } from '../geometry/types';

/** A cell: a number, null (undefined: no valid cell), a histogram, or text (time-series dates). */
export type CellValue = number | string | null | HistogramValue;

/** A histogram: `bins` are the nbins+1 edges, `counts` the (weighted) counts per bin. */
export interface HistogramValue { bins: number[]; counts: number[] }

/** A column: `number` statistics, `histogram`s, or `text` (the dates of time-series rows). */
export interface StatColumn { name: string; kind: 'number' | 'histogram' | 'text' }

/** One feature's row. `values[i]` belongs to `columns[i]`. */
export interface ResultRow {
  id: string;
  fid: number;
  values: CellValue[];
  /** Why this feature has no statistics (`CODE: message`), else null. */
  error: string | null;
  /** The feature's geometry in the input CRS, when the output asks for it. */
  geometry?: Geometry | null;
}

/** True for a histogram value. */
export function isHistogram(v: CellValue): v is HistogramValue {
  return v !== null && typeof v === 'object';
}

/** The row as a plain object keyed by column name (JSON output, tests). */
export function rowObject(columns: readonly StatColumn[], row: ResultRow): Record<string, unknown> {
  const out: Record<string, unknown> = { id: row.id, fid: row.fid };
  columns.forEach((c, i) => {
    out[c.name] = row.values[i] ?? null;
  });
  out.error = row.error;
  return out;
}
