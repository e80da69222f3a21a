/**
 * The result table of a zonal job: one row per feature (and date, for time
 * series), columns `id`, `fid`, then `<band>_<stat>` in a fixed order, then
 * `error` (null when the feature was computed). Every writer (CSV, Parquet,
 * JSON) renders this one model, so the formats always agree.
 */
import type { Geometry } from '../geometry/types';

/** A cell: a number, null (undefined: no valid cell), a histogram, text, an instant (ISO 8601 UTC text, `timestamp` columns) or a flag (`boolean` columns). */
export type CellValue = number | string | boolean | null | HistogramValue;

/** A histogram: `bins` are the nbins+1 edges, `counts` the (weighted) counts per bin. */
export interface HistogramValue { bins: number[]; counts: number[] }

/** A column: `number` statistics, `histogram`s, `text`, `timestamp` (time-series dates: UTC instants, ISO text in rows, Parquet TIMESTAMP) or `boolean` (flags such as `interpolated`). */
export interface StatColumn { name: string; kind: 'number' | 'histogram' | 'text' | 'timestamp' | 'boolean' }

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
