/**
 * The result table of a zonal job: one row per feature (and date, for time
 * series), columns `id`, `fid`, then the input attributes carried along
 * (`--include-cols`, ordinary leading columns of kind text/integer/number/
 * boolean/timestamp), then `<band>_<stat>` in a fixed order, then `error`
 * (null when the feature was computed). Every writer (CSV, Parquet, JSON,
 * GeoPackage, FlatGeobuf) renders this one model, so the formats always agree.
 * The `id` column's type is the table's `idKind` (TableOptions): `integer`
 * when the input's id column is an integer column, else text.
 */
import type { Geometry } from '../geometry/types';
import { fracExpander } from './frac-columns';

/**
 * A cell: a number, null (undefined: no valid cell), a histogram, text, an instant (ISO 8601 UTC
 * text, `timestamp` columns), a flag (`boolean` columns), a list of numbers (`unique`, per-cell
 * lists) or the fractions of distinct values (`frac`). An `integer` column's cells are safe
 * integers as numbers and larger ones (int64, beyond 2^53) as their decimal digits (text).
 */
export type CellValue = number | string | boolean | null | HistogramValue | number[] | FracCell;

/** A histogram: `bins` are the nbins+1 edges, `counts` the (weighted) counts per bin. */
export interface HistogramValue { bins: number[]; counts: number[] }

/** `frac` / `weighted_frac` of one feature: distinct values ascending and their fractions (expanded to `<column>_<v>` columns by the writers). */
export interface FracCell { values: number[]; fracs: number[] }

/**
 * A column: `number` statistics, `histogram`s, `text`, `timestamp` (time-series dates: UTC instants,
 * ISO text in rows, Parquet TIMESTAMP), `boolean` (flags such as `interpolated`), `integer` (int64
 * attributes: Parquet INT64, JSON numbers; cells as described at CellValue), `list`s (JSON arrays
 * in CSV, list columns in Parquet) or `frac` (one number column per distinct value once the table is
 * complete: see expandFracColumns).
 */
export interface StatColumn { name: string; kind: 'number' | 'integer' | 'histogram' | 'text' | 'timestamp' | 'boolean' | 'list' | 'frac' }

/**
 * The type of the `id` column, the type the input declares for its id column: `integer` (INT64 in
 * Parquet, numbers in JSON, integer fields in GeoPackage/FlatGeobuf), `number` for a real column
 * (DOUBLE, numbers, real fields), else `text` (also the default id, the fid as text).
 */
export type IdKind = 'text' | 'integer' | 'number';

/** Table-level options every writer accepts. */
export interface TableOptions {
  /** The `id` column's type (default `text`). */
  idKind?: IdKind | undefined;
}

/** One feature's row. `values[i]` belongs to `columns[i]`. */
export interface ResultRow {
  /** The id as text (integer ids as their decimal digits); '' when `idNull`. */
  id: string;
  /** The input's id column is NULL for this feature (written as null / an empty field, reported as a warning). */
  idNull?: boolean;
  fid: number;
  /** The fid as stored when `fid` cannot say it (NULL, text, real, beyond 2^53); see Feature.fidText. */
  fidText?: string | null;
  values: CellValue[];
  /** Why this feature has no statistics (`CODE: message`), else null. */
  error: string | null;
  /** The feature's geometry in the input CRS, when the output asks for it. */
  geometry?: Geometry | null;
}

/** True for a histogram value. */
export function isHistogram(v: CellValue): v is HistogramValue {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && 'bins' in v;
}

/** True for a list value. */
export function isList(v: CellValue): v is number[] {
  return Array.isArray(v);
}

/** True for a frac value. */
export function isFrac(v: CellValue): v is FracCell {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && 'fracs' in v;
}

/**
 * The table with every `frac` column replaced by one number column per distinct value met in any
 * row, ascending: `<column>_<v>` (`elev_frac_3`; v as JavaScript prints it: integers without a
 * decimal point). A row without that value, or with no valid cell, gets null (an empty field:
 * exactextract reports no fraction for a value the feature does not hold). Other columns unchanged.
 */
export function expandFracColumns(columns: readonly StatColumn[], rows: readonly ResultRow[]): { columns: StatColumn[]; rows: ResultRow[] } {
  if (!columns.some((c) => c.kind === 'frac')) return { columns: [...columns], rows: [...rows] };
  // the distinct values met in any row, then the one row expansion streaming sinks use (frac-columns.ts)
  const values = new Map<string, number[]>();
  columns.forEach((c, i) => {
    if (c.kind !== 'frac') return;
    const seen = new Set<number>();
    for (const r of rows) {
      const v = r.values[i];
      if (v !== undefined && isFrac(v)) for (const x of v.values) seen.add(x);
    }
    values.set(c.name, [...seen]);
  });
  const expander = fracExpander(columns, values);
  return { columns: expander.columns, rows: rows.map((r) => expander.row(r)) };
}

/** The row as a plain object keyed by column name (JSON output, tests). */
export function rowObject(columns: readonly StatColumn[], row: ResultRow, opts: TableOptions = {}): Record<string, unknown> {
  if (columns.some((c) => c.kind === 'frac')) {
    // a single row: its own values only (whole tables are expanded by the writers)
    const e = expandFracColumns(columns, [row]);
    columns = e.columns;
    row = e.rows[0] ?? row;
  }
  const out: Record<string, unknown> = { id: idValue(row, opts.idKind), fid: fidValue(row) };
  columns.forEach((c, i) => {
    out[c.name] = row.values[i] ?? null;
  });
  out.error = row.error;
  return out;
}

/** The fid as outputs write it: the stored value (a number when it is a safe integer, else its text; null for NULL). */
export function fidValue(row: Pick<ResultRow, 'fid' | 'fidText'>): number | string | null {
  if (row.fidText === undefined) return row.fid;
  if (row.fidText === null) return null;
  const n = Number(row.fidText);
  return /^-?\d+$/.test(row.fidText) && Number.isSafeInteger(n) ? n : row.fidText;
}

/**
 * A feature that could not be computed, as `summary.json`, the job records and the report list it:
 * `fid` as stored (fidValue: a number when a safe integer, else its text; null for NULL), never the
 * internal key that stands in for a fid beyond 2^53 or a text fid; `id` the id's text; `reason` the row's error.
 */
export interface FeatureFailure { fid: number | string | null; id: string; reason: string }

/** Failures listed in a job's summary (the first ones met); its `failed` counts them all. */
export const MAX_LISTED_FAILURES = 1000;

/** The failure of a row with an error (`reason` its error). */
export function featureFailure(row: Pick<ResultRow, 'fid' | 'fidText' | 'id'>, reason: string): FeatureFailure {
  return { fid: fidValue(row), id: row.id, reason };
}

/** The fid's text in CSV ('' for NULL). */
export function fidCell(row: Pick<ResultRow, 'fid' | 'fidText'>): string {
  return row.fidText === undefined ? String(row.fid) : (row.fidText ?? '');
}

/**
 * The id as outputs write it: null for a NULL id; an integer id as a number when safe, else its
 * digits; a real id as its number (see {@link realId}); text as it is. An id that does not read as
 * its column's kind (SQLite stores any value in any column) stays text here.
 */
export function idValue(row: Pick<ResultRow, 'id' | 'idNull'>, kind: IdKind = 'text'): number | string | null {
  if (row.idNull === true) return null;
  if (kind === 'number') return realId(row.id) ?? row.id;
  if (kind !== 'integer') return row.id;
  const n = Number(row.id);
  return /^-?\d+$/.test(row.id) && Number.isSafeInteger(n) ? n : row.id;
}

/** JavaScript's number text (`String(n)`: 2.5, -7, 1e+21), the form ids of a real column are kept in. */
const NUMBER_TEXT = /^-?(?:\d+(?:\.\d+)?(?:e[+-]\d+)?|Infinity)$/;

/** The number an id of a real (`number`) id column holds, or null when its text is not a number's (a text stored in a REAL column). */
export function realId(id: string): number | null {
  return NUMBER_TEXT.test(id) ? Number(id) : null;
}

/**
 * A value as an `integer` cell: a safe integer as a number, a larger integer (bigint, or an
 * integral number beyond 2^53 given as digits) as its decimal digits; null for anything that is
 * not an integer (NULL, text, a fraction).
 */
export function integerCell(v: unknown): number | string | null {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : null;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  return null;
}
