/** Reads a result table back from Parquet (batch parts, `zonalflow results`, the Parquet sink's spool, tests). */
import { parquetMetadata, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import type { AsyncBuffer, FileMetaData } from 'hyparquet';
import type { Geometry } from '../geometry/types';
import type { CellValue, FracCell, HistogramValue, IdKind, ResultRow, StatColumn } from './table';
import { integerCell } from './table';

/**
 * The columns and rows of a result Parquet file written by `toParquet` or `parquetSink`, and the
 * id column's kind. A batch part's `zf_key` column (keyColumn) gives each row's feature key back
 * as `fid`, with the stored fid in `fidText` where the two differ (NULL, text, real or int64 fids).
 */
export async function readResultParquet(bytes: Uint8Array): Promise<{ columns: StatColumn[]; rows: ResultRow[]; geometry: boolean; idKind: IdKind }> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const meta = parquetMetadata(file);
  const { columns, geometry, idKind } = resultColumns(meta);
  const objs = await parquetReadObjects({ file });
  const rows = objs.map((o) => resultRow(columns, geometry, o));
  return { columns, rows, geometry, idKind };
}

/** The rows of one row group of a result Parquet file, with the file's columns. */
export interface ResultRowGroup { columns: StatColumn[]; geometry: boolean; idKind: IdKind; crs: string | null; rows: ResultRow[] }

/**
 * The rows of a result Parquet file one row group at a time (memory: one row group's rows), from any
 * hyparquet AsyncBuffer (a local file: asyncBufferFromFile; an S3 object: pipeline/part-source.ts);
 * `known`: the file's metadata when the caller has read it already.
 */
export async function* resultRowGroups(file: AsyncBuffer, known?: FileMetaData): AsyncGenerator<ResultRowGroup> {
  const metadata = known ?? (await parquetMetadataAsync(file));
  const { columns, geometry, idKind, crs } = resultColumns(metadata);
  let start = 0;
  for (const g of metadata.row_groups) {
    const end = start + Number(g.num_rows);
    if (end > start) {
      const objs = await parquetReadObjects({ file, metadata, rowStart: start, rowEnd: end });
      yield { columns, geometry, idKind, crs, rows: objs.map((o) => resultRow(columns, geometry, o)) };
    }
    start = end;
  }
}

/**
 * The attribute and statistic columns of a result Parquet file (top-level columns other than
 * `id`, `fid`, `zf_key`, `error`, the geometry and its covering `bbox`), with their kinds from
 * `zonalflow_columns`; whether it holds geometry; the id column's kind.
 */
export function resultColumns(meta: FileMetaData): { columns: StatColumn[]; geometry: boolean; idKind: IdKind; crs: string | null } {
  const columns: StatColumn[] = [];
  const kv = (key: string): string | undefined => meta.key_value_metadata?.find((k) => k.key === key)?.value;
  const kinds = new Map<string, StatColumn['kind']>();
  const stored = kv('zonalflow_columns');
  if (stored !== undefined) for (const c of JSON.parse(stored) as StatColumn[]) kinds.set(c.name, c.kind);
  const geoText = kv('geo');
  const geo = geoText === undefined ? null : (JSON.parse(geoText) as { primary_column?: string; columns?: Record<string, { crs?: unknown; covering?: { bbox?: { xmin?: string[] } } }> });
  const geomName = geo?.primary_column ?? 'geometry';
  const covering = geo?.columns?.[geomName]?.covering?.bbox?.xmin?.[0];
  let geometry = false;
  for (const child of parquetSchema(meta).children) {
    const s = child.element;
    if (s.name === 'id' || s.name === 'fid' || s.name === 'error' || s.name === 'zf_key' || s.name === covering) continue;
    if (s.name === geomName) {
      geometry = true;
      continue;
    }
    const kind = s.converted_type === 'JSON' ? 'histogram'
      : s.converted_type === 'LIST' ? 'list'
        : s.converted_type === 'UTF8' || s.logical_type?.type === 'STRING' ? 'text'
          : s.converted_type === 'TIMESTAMP_MILLIS' || s.converted_type === 'TIMESTAMP_MICROS' || s.logical_type?.type === 'TIMESTAMP' ? 'timestamp'
            : s.type === 'BOOLEAN' ? 'boolean' : s.type === 'INT64' ? 'integer' : 'number';
    columns.push({ name: s.name, kind: kinds.get(s.name) ?? kind });
  }
  const idType = meta.schema.find((s) => s.name === 'id')?.type;
  const storedIdKind = kv('zonalflow_id_kind');
  const idKind: IdKind = storedIdKind === 'integer' || storedIdKind === 'number' ? storedIdKind : storedIdKind === undefined && idType === 'INT64' ? 'integer' : storedIdKind === undefined && idType === 'DOUBLE' ? 'number' : 'text';
  // the geometry's CRS as a sink takes it: PROJJSON text, OGC:CRS84 when omitted (GeoParquet's default), null when unknown
  const crsMeta = geo?.columns?.[geomName];
  const crs = crsMeta === undefined || !('crs' in crsMeta) ? 'OGC:CRS84' : crsMeta.crs === null || crsMeta.crs === undefined ? null : JSON.stringify(crsMeta.crs);
  return { columns, geometry, idKind, crs };
}

/** One row object of a result Parquet file (as hyparquet reads it) as a ResultRow. */
export function resultRow(columns: readonly StatColumn[], geometry: boolean, o: Record<string, unknown>): ResultRow {
  const key = o.zf_key;
  const id = o.id;
  const row: ResultRow = {
    id: id === null || id === undefined ? '' : typeof id === 'string' ? id : typeof id === 'bigint' || typeof id === 'number' ? id.toString() : JSON.stringify(id),
    fid: typeof key === 'number' ? key : typeof o.fid === 'bigint' && Number.isSafeInteger(Number(o.fid)) ? Number(o.fid) : typeof o.fid === 'number' ? o.fid : NaN,
    values: columns.map((c): CellValue => {
      const v = o[c.name];
      if (v === null || v === undefined) return null;
      if (c.kind === 'histogram') return v as HistogramValue;
      if (c.kind === 'boolean') return v === true;
      if (c.kind === 'timestamp') return new Date(v instanceof Date ? v.getTime() : Number(v)).toISOString().replace('.000Z', 'Z');
      if (c.kind === 'frac') return v as FracCell;
      if (c.kind === 'list') return (v as unknown[]).map(Number);
      if (c.kind === 'integer') return integerCell(v);
      return c.kind === 'text' ? (typeof v === 'string' ? v : JSON.stringify(v)) : Number(v);
    }),
    error: typeof o.error === 'string' ? o.error : o.error === null || o.error === undefined ? null : JSON.stringify(o.error),
  };
  if (id === null || id === undefined) row.idNull = true;
  const fidRaw = o.fid;
  const fidText = fidRaw === null || fidRaw === undefined ? null : typeof fidRaw === 'string' ? fidRaw : typeof fidRaw === 'bigint' || typeof fidRaw === 'number' ? fidRaw.toString() : JSON.stringify(fidRaw);
  if (fidText === null || Number.isNaN(row.fid) || (typeof key === 'number' && fidText !== String(key))) row.fidText = fidText;
  if (geometry) row.geometry = (o.geometry ?? null) as Geometry | null;
  return row;
}
