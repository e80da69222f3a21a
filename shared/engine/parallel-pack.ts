/**
 * Geometries, windows and rows in typed arrays for the trip to and from a worker
 * thread: their buffers are transferred, not cloned object by object (cloning
 * 100,000 polygons as nested arrays costs the main thread as much as
 * reprojecting them). Geometries travel in the job spool's own encoding
 * (job-order.ts encodeGeometry), exact: the same float64 values come back.
 * Windows are 4 float64 each (NaN = no window).
 */
import type { Geometry } from '../geometry/types';
import type { Window } from '../raster/grid';
import type { CellValue, ResultRow } from '../output/table';
import { decodeGeometry } from './job-order';

/** Geometries as the job's spool encoded them (job-order.ts encodedGeometries): feature i's at starts[i], -1 for none. */
export interface EncodedGeometries { data: Float64Array; starts: Int32Array }

/** The `count` geometries of an encoded chunk, equal to the originals (null where none). */
export function unpackEncoded(p: EncodedGeometries, count: number): (Geometry | null)[] {
  if (p.starts.length !== count) throw new Error(`encoded geometries: ${p.starts.length} for ${count} features`);
  return Array.from(p.starts, (at) => (at < 0 ? null : decodeGeometry(p.data, at)));
}

/** Windows as 4 float64 each (row0, col0, rows, cols; NaN for none). */
export function packWindows(ws: readonly (Window | null)[]): Float64Array {
  const out = new Float64Array(ws.length * 4).fill(NaN);
  ws.forEach((w, i) => {
    if (w === null) return;
    out[i * 4] = w.row0;
    out[i * 4 + 1] = w.col0;
    out[i * 4 + 2] = w.rows;
    out[i * 4 + 3] = w.cols;
  });
  return out;
}

/** The windows {@link packWindows} packed. */
export function unpackWindows(a: Float64Array): (Window | null)[] {
  return Array.from({ length: a.length / 4 }, (_, i) => {
    const row0 = a[i * 4] as number;
    return Number.isNaN(row0) ? null : { row0, col0: a[i * 4 + 1] as number, rows: a[i * 4 + 2] as number, cols: a[i * 4 + 3] as number };
  });
}

/**
 * A part's rows on their way back: each row's values (`width` per row, NaN for null: a statistic is never NaN,
 * toCell makes it null) and its error; the ids and fids are the main thread's own.
 */
export interface PackedValues { width: number; values: Float64Array; errors: (string | null)[] }

/** Packs rows whose values are all numbers or null (with `width` values each); null when some value is not (lists, histograms, fracs). */
export function packValues(rows: readonly ResultRow[], width: number): PackedValues | null {
  const values = new Float64Array(rows.length * width);
  const errors = new Array<string | null>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as ResultRow;
    if (r.values.length !== width) return null;
    for (let k = 0; k < width; k++) {
      const v = r.values[k];
      if (v === null) values[i * width + k] = NaN;
      else if (typeof v === 'number' && v === v) values[i * width + k] = v;
      else return null;
    }
    errors[i] = r.error;
  }
  return { width, values, errors };
}

/** The rows {@link packValues} packed, with their features' ids and fids (in the same order). */
export function unpackValues(p: PackedValues, features: readonly { fid: number; fidText?: string | null | undefined; id: string }[]): ResultRow[] {
  const { width, values, errors } = p;
  return features.map((f, i) => {
    const cells = new Array<CellValue>(width);
    for (let k = 0; k < width; k++) {
      const v = values[i * width + k] as number;
      cells[k] = v === v ? v : null;
    }
    const row: ResultRow = { id: f.id, fid: f.fid, values: cells, error: errors[i] ?? null };
    if (f.fidText !== undefined) row.fidText = f.fidText;
    return row;
  });
}
