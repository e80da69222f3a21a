/**
 * A row sink: where result rows go as they are computed, so no stage holds the
 * whole table (memory flat in the number of features). `zonalflow stats` opens
 * one sink for its `--out` file; Collect opens one per output object. Every
 * format (CSV, JSON, Parquet, GeoPackage, FlatGeobuf) implements it; the
 * in-memory renderers (`toCsv`, `toParquet`...) remain for small tables.
 *
 * Contract:
 * - `write` is called any number of times with rows in output order; a sink
 *   may buffer up to a bounded number of rows (a Parquet row group) but never
 *   the whole table.
 * - `close` finishes the output (footer, index, rename into place) and must be
 *   called exactly once after the last `write`; nothing is visible at the final
 *   path before it resolves.
 * - `abort` removes what was written (after a failure); safe to call after a
 *   failed `write` or `close`, and idempotent.
 * - `columns` are the table's columns as the engine made them: a sink that
 *   writes `frac` columns expanded (one column per distinct value) must learn
 *   the values first: either from `SinkOptions.fracValues` or by spooling rows
 *   to a temporary file and expanding on `close` (bounded memory either way).
 */
import type { ResultRow, StatColumn, TableOptions } from './table';

/** Options every sink accepts. */
export interface SinkOptions extends TableOptions {
  /** The table's columns (included attributes, then statistics; `id`, `fid` and `error` are implicit). */
  columns: readonly StatColumn[];
  /** Extra key-value metadata (job id, spec...) for formats that carry it (Parquet). */
  metadata?: Record<string, string> | undefined;
  /**
   * Write each row's `geometry` (in the input CRS). `crs` is the input CRS as
   * PROJJSON text (GeoParquet 1.1 `crs`), `OGC:CRS84` for WGS84 longitude/latitude
   * (parquet-layout.ts `CRS84`), or null when unknown.
   */
  geometry?: { crs: string | null } | undefined;
  /** Distinct values of each `frac` column, when known up front (column name -> ascending values). */
  fracValues?: ReadonlyMap<string, readonly number[]> | undefined;
  /**
   * GeoPackage and FlatGeobuf: each `frac` column as one JSON text column (`{"values":[...],"fracs":[...]}`) instead
   * of one column per value, for a table the format cannot hold otherwise (open-sink.ts); `fracValues` not needed.
   */
  fracAsJson?: boolean | undefined;
}

/** A destination of result rows, written as they come. */
export interface RowSink {
  write(rows: readonly ResultRow[]): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}
