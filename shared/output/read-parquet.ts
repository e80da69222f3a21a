/** Reads a result table back from Parquet (batch parts, `zonalflow results`, tests). */
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import type { Geometry } from '../geometry/types';
import type { CellValue, FracCell, HistogramValue, ResultRow, StatColumn } from './table';

/** The columns and rows of a result Parquet file written by `toParquet`. */
export async function readResultParquet(bytes: Uint8Array): Promise<{ columns: StatColumn[]; rows: ResultRow[]; geometry: boolean }> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const meta = parquetMetadata(file);
  const columns: StatColumn[] = [];
  const kinds = new Map<string, StatColumn['kind']>();
  const stored = meta.key_value_metadata?.find((k) => k.key === 'zonalflow_columns')?.value;
  if (stored !== undefined) for (const c of JSON.parse(stored) as StatColumn[]) kinds.set(c.name, c.kind);
  let geometry = false;
  for (const s of meta.schema.slice(1)) {
    if (s.name === 'id' || s.name === 'fid' || s.name === 'error') continue;
    if (s.name === 'geometry') {
      geometry = true;
      continue;
    }
    if (s.name === 'list' || s.name === 'element') continue; // the inner levels of a LIST column
    const kind = s.converted_type === 'JSON' ? 'histogram'
      : s.converted_type === 'UTF8' || s.logical_type?.type === 'STRING' ? 'text'
        : s.converted_type === 'TIMESTAMP_MILLIS' || s.converted_type === 'TIMESTAMP_MICROS' || s.logical_type?.type === 'TIMESTAMP' ? 'timestamp'
          : s.type === 'BOOLEAN' ? 'boolean' : 'number';
    columns.push({ name: s.name, kind: kinds.get(s.name) ?? kind });
  }
  const objs = await parquetReadObjects({ file });
  const rows = objs.map((o): ResultRow => {
    const row: ResultRow = {
      id: String(o.id),
      fid: typeof o.fid === 'bigint' && Number.isSafeInteger(Number(o.fid)) ? Number(o.fid) : typeof o.fid === 'number' ? o.fid : NaN,
      values: columns.map((c): CellValue => {
        const v = o[c.name] as unknown;
        if (v === null || v === undefined) return null;
        if (c.kind === 'histogram') return v as HistogramValue;
        if (c.kind === 'boolean') return v === true;
        if (c.kind === 'timestamp') return new Date(v instanceof Date ? v.getTime() : Number(v)).toISOString().replace('.000Z', 'Z');
        if (c.kind === 'frac') return v as FracCell;
        if (c.kind === 'list') return (v as unknown[]).map(Number);
        return c.kind === 'text' ? (typeof v === 'string' ? v : JSON.stringify(v)) : Number(v);
      }),
      error: o.error === null || o.error === undefined ? null : String(o.error),
    };
    const fidRaw = o.fid as unknown;
    if (fidRaw === null || fidRaw === undefined) row.fidText = null;
    else if (Number.isNaN(row.fid)) row.fidText = typeof fidRaw === 'string' ? fidRaw : typeof fidRaw === 'bigint' || typeof fidRaw === 'number' ? fidRaw.toString() : JSON.stringify(fidRaw);
    if (geometry) row.geometry = (o.geometry ?? null) as Geometry | null;
    return row;
  });
  return { columns, rows, geometry };
}
