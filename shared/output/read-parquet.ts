/** Reads a result table back from Parquet (batch parts, `zonalflow results`, tests). */
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import type { Geometry } from '../geometry/types';
import type { CellValue, HistogramValue, ResultRow, StatColumn } from './table';

/** The columns and rows of a result Parquet file written by `toParquet`. */
export async function readResultParquet(bytes: Uint8Array): Promise<{ columns: StatColumn[]; rows: ResultRow[]; geometry: boolean }> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const meta = parquetMetadata(file);
  const columns: StatColumn[] = [];
  let geometry = false;
  for (const s of meta.schema.slice(1)) {
    if (s.name === 'id' || s.name === 'fid' || s.name === 'error') continue;
    if (s.name === 'geometry') {
      geometry = true;
      continue;
    }
    const kind = s.converted_type === 'JSON' ? 'histogram'
      : s.converted_type === 'UTF8' || s.logical_type?.type === 'STRING' ? 'text'
        : s.converted_type === 'TIMESTAMP_MILLIS' || s.converted_type === 'TIMESTAMP_MICROS' || s.logical_type?.type === 'TIMESTAMP' ? 'timestamp'
          : s.type === 'BOOLEAN' ? 'boolean' : 'number';
    columns.push({ name: s.name, kind });
  }
  const objs = await parquetReadObjects({ file });
  const rows = objs.map((o): ResultRow => {
    const row: ResultRow = {
      id: String(o.id),
      fid: Number(o.fid),
      values: columns.map((c): CellValue => {
        const v = o[c.name] as unknown;
        if (v === null || v === undefined) return null;
        if (c.kind === 'histogram') return v as HistogramValue;
        if (c.kind === 'boolean') return v === true;
        if (c.kind === 'timestamp') return new Date(v instanceof Date ? v.getTime() : Number(v)).toISOString().replace('.000Z', 'Z');
        return c.kind === 'text' ? (typeof v === 'string' ? v : JSON.stringify(v)) : Number(v);
      }),
      error: o.error === null || o.error === undefined ? null : String(o.error),
    };
    if (geometry) row.geometry = (o.geometry ?? null) as Geometry | null;
    return row;
  });
  return { columns, rows, geometry };
}
