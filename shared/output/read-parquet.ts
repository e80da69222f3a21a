/** Reads a result table back from Parquet (batch parts, `zonalflow results`, tests). */
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import type { Geometry } from '../geometry/types';
import type { CellValue, FracCell, HistogramValue, IdKind, ResultRow, StatColumn } from './table';
import { integerCell } from './table';

/**
 * The columns and rows of a result Parquet file written by `toParquet`, and the id column's kind.
 * A batch part's `zf_key` column (keyColumn) gives each row's feature key back as `fid`, with the
 * stored fid in `fidText` where the two differ (NULL, text, real or int64 fids).
 */
export async function readResultParquet(bytes: Uint8Array): Promise<{ columns: StatColumn[]; rows: ResultRow[]; geometry: boolean; idKind: IdKind }> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const meta = parquetMetadata(file);
  const columns: StatColumn[] = [];
  const kinds = new Map<string, StatColumn['kind']>();
  const stored = meta.key_value_metadata?.find((k) => k.key === 'zonalflow_columns')?.value;
  if (stored !== undefined) for (const c of JSON.parse(stored) as StatColumn[]) kinds.set(c.name, c.kind);
  let geometry = false;
  for (const s of meta.schema.slice(1)) {
    if (s.name === 'id' || s.name === 'fid' || s.name === 'error' || s.name === 'zf_key') continue;
    if (s.name === 'geometry') {
      geometry = true;
      continue;
    }
    if (s.name === 'list' || s.name === 'element') continue; // the inner levels of a LIST column
    const kind = s.converted_type === 'JSON' ? 'histogram'
      : s.converted_type === 'UTF8' || s.logical_type?.type === 'STRING' ? 'text'
        : s.converted_type === 'TIMESTAMP_MILLIS' || s.converted_type === 'TIMESTAMP_MICROS' || s.logical_type?.type === 'TIMESTAMP' ? 'timestamp'
          : s.type === 'BOOLEAN' ? 'boolean' : s.type === 'INT64' ? 'integer' : 'number';
    columns.push({ name: s.name, kind: kinds.get(s.name) ?? kind });
  }
  const idType = meta.schema.find((s) => s.name === 'id')?.type;
  const storedIdKind = meta.key_value_metadata?.find((k) => k.key === 'zonalflow_id_kind')?.value;
  const idKind: IdKind = storedIdKind === 'integer' || (storedIdKind === undefined && idType === 'INT64') ? 'integer' : 'text';
  const objs = await parquetReadObjects({ file });
  const rows = objs.map((o): ResultRow => {
    const key = o.zf_key as unknown;
    const row: ResultRow = {
      id: o.id === null || o.id === undefined ? '' : String(o.id as string | bigint | number),
      fid: typeof key === 'number' ? key : typeof o.fid === 'bigint' && Number.isSafeInteger(Number(o.fid)) ? Number(o.fid) : typeof o.fid === 'number' ? o.fid : NaN,
      values: columns.map((c): CellValue => {
        const v = o[c.name] as unknown;
        if (v === null || v === undefined) return null;
        if (c.kind === 'histogram') return v as HistogramValue;
        if (c.kind === 'boolean') return v === true;
        if (c.kind === 'timestamp') return new Date(v instanceof Date ? v.getTime() : Number(v)).toISOString().replace('.000Z', 'Z');
        if (c.kind === 'frac') return v as FracCell;
        if (c.kind === 'list') return (v as unknown[]).map(Number);
        if (c.kind === 'integer') return integerCell(v);
        return c.kind === 'text' ? (typeof v === 'string' ? v : JSON.stringify(v)) : Number(v);
      }),
      error: o.error === null || o.error === undefined ? null : String(o.error),
    };
    if (o.id === null || o.id === undefined) row.idNull = true;
    const fidRaw = o.fid as unknown;
    const fidText = fidRaw === null || fidRaw === undefined ? null : typeof fidRaw === 'string' ? fidRaw : typeof fidRaw === 'bigint' || typeof fidRaw === 'number' ? fidRaw.toString() : JSON.stringify(fidRaw);
    if (fidText === null || Number.isNaN(row.fid) || (typeof key === 'number' && fidText !== String(key))) row.fidText = fidText;
    if (geometry) row.geometry = (o.geometry ?? null) as Geometry | null;
    return row;
  });
  return { columns, rows, geometry, idKind };
}
