/**
 * Parquet rendering of the result table (hyparquet-writer, pure JS): `id`
 * STRING (INT64 for an integer id column; nullable when some id is NULL),
 * `fid` INT64 (STRING when some stored fid is text or real), the included
 * attributes (`integer` as INT64, text, DOUBLE, BOOLEAN, TIMESTAMP), one
 * nullable DOUBLE per numeric statistic, histograms
 * as JSON, lists (`unique`, per-cell values) as LIST<DOUBLE> columns, `frac`
 * expanded into one DOUBLE column per distinct value, `error` STRING, and with
 * `geometry` a WKB column plus GeoParquet 1.1 `geo` metadata so GDAL, DuckDB
 * and GeoPandas read it as a geo table. The column kinds are also stored in the
 * `zonalflow_columns` key-value metadata (read back by read-parquet.ts).
 */
import { geojsonToWkb, parquetWriteBuffer, schemaFromColumnData } from 'hyparquet-writer';
import type { ColumnSource } from 'hyparquet-writer';
import type { Geometry } from '../geometry/types';
import { geometryBBox } from '../geometry/bbox';
import type { ResultRow, StatColumn, TableOptions } from './table';
import { expandFracColumns, isFrac, isHistogram, isList } from './table';

/** Options of the Parquet writer. */
export interface ParquetOptions extends TableOptions {
  /**
   * Write the rows' geometries as a GeoParquet `geometry` column: `lonlat` when
   * they are WGS84 longitude/latitude (the default CRS of GeoParquet, readable
   * everywhere), `unknown` when the input CRS could not be expressed so.
   */
  geometry?: { crs: 'lonlat' | 'unknown' } | undefined;
  /** Extra key-value metadata (job id, spec hash...). */
  metadata?: Record<string, string>;
  /**
   * Keep `frac` columns as one JSON column each (batch parts, merged by Collect, whose final
   * file expands them); default false: one DOUBLE column per distinct value.
   */
  keepFrac?: boolean;
  /**
   * Batch parts: also write each row's feature key (`fid`, the input's rowid or position; unique per job)
   * as a `zf_key` DOUBLE column, so NULL, text and int64 fids stay apart when Collect merges the parts.
   */
  keyColumn?: boolean;
}

/** Renders the table as one Parquet file. */
export function toParquet(columnsIn: readonly StatColumn[], rowsIn: readonly ResultRow[], opts: ParquetOptions = {}): Uint8Array {
  const { columns, rows } = opts.keepFrac ? { columns: [...columnsIn], rows: rowsIn } : expandFracColumns(columnsIn, rowsIn);
  const lists = new Set<string>();
  const data: ColumnSource[] = [
    idColumn(rows, opts.idKind ?? 'text'),
    fidColumn(rows),
    ...(opts.keyColumn ? [{ name: 'zf_key', data: rows.map((r) => r.fid), type: 'DOUBLE' as const, nullable: false }] : []),
  ];
  columns.forEach((c, i) => {
    if (c.kind === 'timestamp') {
      // UTC instants (Parquet TIMESTAMP_MILLIS, adjusted to UTC), not strings
      data.push({ name: c.name, data: rows.map((r) => { const v = r.values[i]; return typeof v === 'string' ? new Date(v) : null; }), type: 'TIMESTAMP' });
    } else if (c.kind === 'boolean') {
      data.push({ name: c.name, data: rows.map((r) => { const v = r.values[i]; return typeof v === 'boolean' ? v : null; }), type: 'BOOLEAN' });
    } else if (c.kind === 'integer') {
      data.push({ name: c.name, data: rows.map((r) => { const v = r.values[i]; return (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && INT64.test(v)) ? BigInt(v) : null; }), type: 'INT64' });
    } else if (c.kind === 'text') {
      data.push({ name: c.name, data: rows.map((r) => { const v = r.values[i]; return typeof v === 'string' ? v : null; }), type: 'STRING' });
    } else if (c.kind === 'histogram') {
      data.push({ name: c.name, data: rows.map((r) => { const v = r.values[i]; return v !== undefined && v !== null && isHistogram(v) ? v : null; }), type: 'JSON' });
    } else if (c.kind === 'frac') {
      data.push({ name: c.name, data: rows.map((r) => { const v = r.values[i]; return v !== undefined && v !== null && isFrac(v) ? v : null; }), type: 'JSON' });
    } else if (c.kind === 'list') {
      lists.add(c.name);
      data.push({ name: c.name, data: rows.map((r) => { const v = r.values[i]; return v !== undefined && v !== null && isList(v) ? v : null; }) });
    } else {
      data.push({ name: c.name, data: rows.map((r) => { const v = r.values[i]; return typeof v === 'number' ? v : null; }), type: 'DOUBLE' });
    }
  });
  data.push({ name: 'error', data: rows.map((r) => r.error), type: 'STRING' });
  const kv = Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value }));
  kv.push({ key: 'zonalflow_id_kind', value: opts.idKind ?? 'text' });
  kv.push({ key: 'zonalflow_columns', value: JSON.stringify(columns.map((c) => ({ name: c.name, kind: c.kind }))) });
  if (opts.geometry) {
    const types = new Set<string>();
    let bbox: [number, number, number, number] | null = null;
    const wkb = rows.map((r) => {
      const g = r.geometry ?? null;
      if (g === null) return null;
      types.add(g.type);
      bbox = extendBBox(bbox, g);
      return geojsonToWkb(g);
    });
    data.push({ name: 'geometry', data: wkb, type: 'BYTE_ARRAY' });
    kv.push({ key: 'geo', value: JSON.stringify(geoMetadata([...types].sort(), bbox, opts.geometry.crs)) });
  }
  if (lists.size === 0) return new Uint8Array(parquetWriteBuffer({ columnData: data, kvMetadata: kv, createdBy: 'zonalflow' }));
  // list columns need an explicit schema: a 3-level LIST of DOUBLE (the Parquet LIST convention)
  const schema: ReturnType<typeof schemaFromColumnData> = [{ name: 'root', num_children: data.length }];
  for (const col of data) {
    if (lists.has(col.name)) {
      schema.push({ name: col.name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 }, { name: 'list', repetition_type: 'REPEATED', num_children: 1 }, { name: 'element', type: 'DOUBLE', repetition_type: 'REQUIRED' });
    } else schema.push(...schemaFromColumnData({ columnData: [col] }).slice(1));
  }
  return new Uint8Array(parquetWriteBuffer({ columnData: data.map(({ type: _type, nullable: _nullable, ...c }) => c), schema, kvMetadata: kv, createdBy: 'zonalflow' }));
}

const INT64 = /^-?\d+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The `id` column: INT64 for an integer id column (NULL ids as nulls), else STRING. */
function idColumn(rows: readonly ResultRow[], kind: 'text' | 'integer'): ColumnSource {
  const nullable = rows.some((r) => r.idNull === true);
  if (kind === 'integer') {
    const data = rows.map((r) => (r.idNull === true || !INT64.test(r.id) ? null : BigInt(r.id)));
    return { name: 'id', data, type: 'INT64', nullable: data.some((v) => v === null) };
  }
  return { name: 'id', data: rows.map((r) => (r.idNull === true ? null : r.id)), type: 'STRING', nullable };
}

/**
 * The `fid` column: INT64 when every stored fid is an integer within int64 (NULL fids as
 * nulls), else STRING holding each fid as stored (text or real fids).
 */
function fidColumn(rows: readonly ResultRow[]): ColumnSource {
  const texts = rows.map((r) => (r.fidText === undefined ? String(r.fid) : r.fidText));
  const integral = texts.every((t) => t === null || (INT64.test(t) && BigInt(t) >= INT64_MIN && BigInt(t) <= INT64_MAX));
  const nullable = texts.some((t) => t === null);
  if (integral) return { name: 'fid', data: texts.map((t) => (t === null ? null : BigInt(t))), type: 'INT64', nullable };
  return { name: 'fid', data: texts, type: 'STRING', nullable };
}

/** GeoParquet 1.1 file metadata for one WKB geometry column. */
function geoMetadata(types: string[], bbox: [number, number, number, number] | null, crs: 'lonlat' | 'unknown'): Record<string, unknown> {
  const column: Record<string, unknown> = { encoding: 'WKB', geometry_types: types };
  if (bbox) column.bbox = bbox;
  // GeoParquet: an omitted crs means OGC:CRS84 (lon/lat); null means unknown.
  if (crs === 'unknown') column.crs = null;
  return { version: '1.1.0', primary_column: 'geometry', columns: { geometry: column } };
}

function extendBBox(b: [number, number, number, number] | null, g: Geometry): [number, number, number, number] | null {
  const box = geometryBBox(g);
  if (box === null) return b;
  return b === null ? [box.xmin, box.ymin, box.xmax, box.ymax] : [Math.min(b[0], box.xmin), Math.min(b[1], box.ymin), Math.max(b[2], box.xmax), Math.max(b[3], box.ymax)];
}
