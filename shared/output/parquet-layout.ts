/**
 * The one Parquet layout of the result table, shared by the in-memory renderer
 * (`toParquet`) and the streaming sink (`parquetSink`), so both write the same
 * schema and metadata:
 * - `id` STRING, or INT64 for an integer id column, DOUBLE for a real one (TableOptions.idKind;
 *   NULL ids, and ids that do not read as the column's type, as nulls), `fid` INT64 when every fid is an integer within int64
 *   (NULL fids as nulls), else STRING holding each fid as stored;
 * - batch parts only (`keyColumn`): `zf_key` DOUBLE, each row's feature key (`fid`), so
 *   NULL, text and int64 fids stay apart when Collect merges the parts;
 * - one nullable column per attribute and statistic: DOUBLE numbers, INT64 integers, STRING text, TIMESTAMP
 *   (millis, UTC) instants, BOOLEAN flags, JSON histograms, LIST<DOUBLE> lists
 *   (3-level Parquet LIST), `frac` either kept as JSON (batch parts) or expanded
 *   into one DOUBLE column `<column>_<v>` per distinct value;
 * - `error` STRING;
 * - with geometry: `geometry` WKB (BYTE_ARRAY), a `bbox` covering struct
 *   (xmin, ymin, xmax, ymax DOUBLE; GeoParquet 1.1 `covering.bbox`) and the
 *   GeoParquet 1.1 `geo` key-value metadata (written when the file ends, when the
 *   geometry types and the bounding box of all rows are known);
 * - `zonalflow_columns` key-value metadata: the columns' kinds, and `zonalflow_id_kind`
 *   (read back by read-parquet.ts).
 */
import { geojsonToWkb, schemaFromColumnData } from 'hyparquet-writer';
import type { ColumnSource } from 'hyparquet-writer';
import type { KeyValue, SchemaElement } from 'hyparquet';
import type { Geometry } from '../geometry/types';
import { geometryBBox } from '../geometry/bbox';
import { OutputError } from '../errors';
import type { CellValue, IdKind, ResultRow, StatColumn } from './table';
import { isFrac, isHistogram, isList, realId } from './table';

/**
 * The CRS of the geometry column: `lonlat` (WGS84 longitude/latitude, GeoParquet's
 * default: `crs` omitted), `unknown` (`crs: null`), or a PROJJSON object.
 */
export type GeoCrs = 'lonlat' | 'unknown' | { projjson: Record<string, unknown> };

/** The fixed layout of one output file. */
export interface ParquetLayout {
  /** The output statistic columns (frac expanded, or kept as JSON). */
  columns: StatColumn[];
  /** For each output column: the input column index and, for an expanded frac column, the value. */
  plan: { from: number; value: number | null }[];
  fid: 'INT64' | 'STRING';
  /** The id column's type (`integer`: INT64). */
  idKind: IdKind;
  /** Write the `zf_key` column (batch parts). */
  keyColumn: boolean;
  geometry: GeoCrs | null;
}

/** The value SinkOptions.geometry.crs takes for WGS84 longitude/latitude (GeoParquet's default CRS). */
export const CRS84 = 'OGC:CRS84';

/** The GeoCrs of a sink's `crs` option: PROJJSON text, `OGC:CRS84`, or null (unknown). */
export function geoCrs(crs: string | null): GeoCrs {
  if (crs === null) return 'unknown';
  if (crs === CRS84) return 'lonlat';
  let parsed: unknown;
  try {
    parsed = JSON.parse(crs);
  } catch (err) {
    throw new OutputError(`geometry CRS is not PROJJSON text: ${crs.slice(0, 80)}`, { cause: err });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new OutputError(`geometry CRS is not a PROJJSON object: ${crs.slice(0, 80)}`);
  return { projjson: parsed as Record<string, unknown> };
}

/**
 * The output columns and plan: each `frac` column kept (`fracValues` undefined for it) or
 * expanded into `<column>_<v>` for the given ascending values.
 */
export function planColumns(columns: readonly StatColumn[], fracValues: (name: string) => readonly number[] | undefined): Pick<ParquetLayout, 'columns' | 'plan'> {
  const out: StatColumn[] = [];
  const plan: ParquetLayout['plan'] = [];
  columns.forEach((c, i) => {
    const values = c.kind === 'frac' ? fracValues(c.name) : undefined;
    if (values === undefined) {
      out.push(c);
      plan.push({ from: i, value: null });
      return;
    }
    for (const x of values) {
      out.push({ name: `${c.name}_${String(x)}`, kind: 'number' });
      plan.push({ from: i, value: x });
    }
  });
  return { columns: out, plan };
}

const INT64 = /^-?\d+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The fid of a row as stored (text), null for NULL. */
export function fidText(r: Pick<ResultRow, 'fid' | 'fidText'>): string | null {
  return r.fidText === undefined ? String(r.fid) : r.fidText;
}

/** True when the fid fits an INT64 column (an integer within int64, or NULL). */
export function fidFitsInt64(r: Pick<ResultRow, 'fid' | 'fidText'>): boolean {
  const t = fidText(r);
  return t === null || (INT64.test(t) && BigInt(t) >= INT64_MIN && BigInt(t) <= INT64_MAX);
}

/** The Parquet schema of a layout (root first). */
export function layoutSchema(layout: ParquetLayout): SchemaElement[] {
  const top: SchemaElement[][] = [];
  const simple = (name: string, type: ColumnSource['type'], nullable = true): SchemaElement[] => schemaFromColumnData({ columnData: [{ name, data: [], type, nullable }] }).slice(1);
  top.push(simple('id', layout.idKind === 'integer' ? 'INT64' : layout.idKind === 'number' ? 'DOUBLE' : 'STRING'), simple('fid', layout.fid));
  if (layout.keyColumn) top.push(simple('zf_key', 'DOUBLE', false));
  for (const c of layout.columns) {
    if (c.kind === 'list') {
      top.push([
        { name: c.name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', type: 'DOUBLE', repetition_type: 'REQUIRED' },
      ]);
    } else top.push(simple(c.name, c.kind === 'timestamp' ? 'TIMESTAMP' : c.kind === 'integer' ? 'INT64' : c.kind === 'boolean' ? 'BOOLEAN' : c.kind === 'text' ? 'STRING' : c.kind === 'histogram' || c.kind === 'frac' ? 'JSON' : 'DOUBLE'));
  }
  top.push(simple('error', 'STRING'));
  if (layout.geometry) {
    top.push(simple('geometry', 'BYTE_ARRAY'));
    top.push([
      { name: 'bbox', repetition_type: 'OPTIONAL', num_children: 4 },
      ...['xmin', 'ymin', 'xmax', 'ymax'].map((name): SchemaElement => ({ name, type: 'DOUBLE', repetition_type: 'REQUIRED' })),
    ]);
  }
  return [{ name: 'root', num_children: top.length }, ...top.flat()];
}

/** Geometry types and bounding box of the rows written so far (for the `geo` metadata). */
export class GeoSummary {
  readonly types = new Set<string>();
  bbox: [number, number, number, number] | null = null;
  add(g: Geometry): { xmin: number; ymin: number; xmax: number; ymax: number } | null {
    this.types.add(g.type);
    const box = geometryBBox(g);
    if (box === null) return null;
    const b = this.bbox;
    this.bbox = b === null ? [box.xmin, box.ymin, box.xmax, box.ymax] : [Math.min(b[0], box.xmin), Math.min(b[1], box.ymin), Math.max(b[2], box.xmax), Math.max(b[3], box.ymax)];
    return box;
  }
}

/**
 * The column data of a group of rows. `geo` collects the geometry summary. A fid that does not
 * fit an INT64 layout is an OutputError naming the feature (the layout is chosen before rows
 * arrive; see parquetSink's `fid` option).
 */
export function layoutColumnData(layout: ParquetLayout, rows: readonly ResultRow[], geo: GeoSummary): ColumnSource[] {
  const cell = (r: ResultRow, k: number): CellValue => {
    const { from, value } = layout.plan[k] ?? { from: k, value: null };
    const v = r.values[from] ?? null;
    if (value === null) return v;
    if (v === null || !isFrac(v)) return null;
    const j = v.values.indexOf(value);
    return j < 0 ? null : (v.fracs[j] ?? null);
  };
  const data: ColumnSource[] = [
    { name: 'id', data: rows.map((r) => (r.idNull === true ? null : layout.idKind === 'integer' ? (INT64.test(r.id) ? BigInt(r.id) : null) : layout.idKind === 'number' ? realId(r.id) : r.id)) },
    {
      name: 'fid',
      data: rows.map((r) => {
        const t = fidText(r);
        if (t === null || layout.fid === 'STRING') return t;
        if (!fidFitsInt64(r)) throw new OutputError(`feature "${r.id}": fid ${t} is not an int64 but the Parquet fid column is INT64 (earlier rows had integer fids); write with fid type "string"`);
        return BigInt(t);
      }),
    },
  ];
  if (layout.keyColumn) data.push({ name: 'zf_key', data: rows.map((r) => r.fid) });
  layout.columns.forEach((c, k) => {
    const col = (f: (v: CellValue) => unknown): ColumnSource => ({ name: c.name, data: rows.map((r) => f(cell(r, k))) });
    if (c.kind === 'timestamp') data.push(col((v) => (typeof v === 'string' ? new Date(v) : null)));
    else if (c.kind === 'integer') data.push(col((v) => ((typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && INT64.test(v)) ? BigInt(v) : null)));
    else if (c.kind === 'boolean') data.push(col((v) => (typeof v === 'boolean' ? v : null)));
    else if (c.kind === 'text') data.push(col((v) => (typeof v === 'string' ? v : null)));
    else if (c.kind === 'histogram') data.push(col((v) => (v !== null && isHistogram(v) ? v : null)));
    else if (c.kind === 'frac') data.push(col((v) => (v !== null && isFrac(v) ? v : null)));
    else if (c.kind === 'list') data.push(col((v) => (v !== null && isList(v) ? v : null)));
    else data.push(col((v) => (typeof v === 'number' ? v : null)));
  });
  data.push({ name: 'error', data: rows.map((r) => r.error) });
  if (layout.geometry) {
    const boxes: ({ xmin: number; ymin: number; xmax: number; ymax: number } | null)[] = [];
    data.push({
      name: 'geometry',
      data: rows.map((r) => {
        const g = r.geometry ?? null;
        if (g === null) {
          boxes.push(null);
          return null;
        }
        boxes.push(geo.add(g));
        return geojsonToWkb(g);
      }),
    });
    data.push({ name: 'bbox', data: boxes });
  }
  return data;
}

/** The key-value metadata: the caller's, `zonalflow_columns`, and `geo` when geometry is written. */
export function layoutMetadata(layout: ParquetLayout, extra: Record<string, string> | undefined, geo: GeoSummary): KeyValue[] {
  const kv = Object.entries(extra ?? {}).map(([key, value]) => ({ key, value }));
  kv.push({ key: 'zonalflow_id_kind', value: layout.idKind });
  kv.push({ key: 'zonalflow_columns', value: JSON.stringify(layout.columns.map((c) => ({ name: c.name, kind: c.kind }))) });
  if (layout.geometry) kv.push({ key: 'geo', value: JSON.stringify(geoMetadata(layout.geometry, geo)) });
  return kv;
}

/** GeoParquet 1.1 file metadata for the WKB `geometry` column with its `bbox` covering. */
function geoMetadata(crs: GeoCrs, geo: GeoSummary): Record<string, unknown> {
  const column: Record<string, unknown> = { encoding: 'WKB', geometry_types: [...geo.types].sort() };
  if (geo.bbox) column.bbox = geo.bbox;
  // GeoParquet: an omitted crs means OGC:CRS84 (lon/lat); null means unknown.
  if (crs === 'unknown') column.crs = null;
  else if (crs !== 'lonlat') column.crs = crs.projjson;
  column.covering = { bbox: { xmin: ['bbox', 'xmin'], ymin: ['bbox', 'ymin'], xmax: ['bbox', 'xmax'], ymax: ['bbox', 'ymax'] } };
  return { version: '1.1.0', primary_column: 'geometry', columns: { geometry: column } };
}
