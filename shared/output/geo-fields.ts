/**
 * The attribute fields of the geo formats (GeoPackage, FlatGeobuf): `id` (text, or integer for
 * an integer id column), `fid` (integer when the first rows' fids are all int64, else text),
 * the attribute and statistic columns (numbers REAL, integers INTEGER, flags BOOLEAN, instants
 * DATETIME as ISO 8601 text, text; histograms and lists as JSON text; `frac` expanded into one
 * REAL per value from SinkOptions.fracValues), then `error` text. And the CRS those formats
 * store: authority code, name and WKT1, from the sink's PROJJSON through PROJ.
 */
import { OutputError } from '../errors';
import { projSrs } from '../crs/proj';
import type { CellValue, IdKind, ResultRow, StatColumn } from './table';
import { isFrac, realId } from './table';
import { fidFitsInt64, fidText, planColumns } from './parquet-layout';

/** A field's storage type. */
export type GeoFieldType = 'text' | 'integer' | 'real' | 'boolean' | 'datetime';

/** A cell as the geo formats store it (integers beyond 2^53 as bigint). */
export type GeoValue = string | number | bigint | boolean | null;

/** One field and how a row gives its value. */
export interface GeoField { name: string; type: GeoFieldType; value(row: ResultRow): GeoValue }

const INT = /^-?\d+$/;

/** The integer as a number when safe, else a bigint (null for anything else). */
function integer(v: unknown): number | bigint | null {
  if (typeof v === 'number') return Number.isInteger(v) ? v : null;
  if (typeof v === 'string' && INT.test(v)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : BigInt(v);
  }
  return null;
}

/**
 * The fields of a table. `first` (the first rows written) decides the fid field's type; a later
 * fid that an integer field cannot hold is an OutputError naming the feature (see `value`).
 */
export function geoFields(opts: { columns: readonly StatColumn[]; fracValues?: ReadonlyMap<string, readonly number[]> | undefined; fracAsJson?: boolean | undefined; idKind?: IdKind | undefined }, first: readonly ResultRow[]): GeoField[] {
  const missing = opts.fracAsJson === true ? undefined : opts.columns.find((c) => c.kind === 'frac' && opts.fracValues?.get(c.name) === undefined);
  if (missing) throw new OutputError(`column ${missing.name}: the values of a frac column must be known before a GeoPackage or FlatGeobuf file is written (fracValues)`);
  // a frac column kept (fracAsJson) is one text field of its JSON, as histograms and lists
  const { columns, plan } = planColumns(opts.columns, (name) => (opts.fracAsJson === true ? undefined : opts.fracValues?.get(name)));
  const fields: GeoField[] = [];
  fields.push(opts.idKind === 'integer'
    ? { name: 'id', type: 'integer', value: (r) => (r.idNull === true ? null : integer(r.id)) }
    : opts.idKind === 'number'
      ? { name: 'id', type: 'real', value: (r) => (r.idNull === true ? null : realId(r.id)) }
      : { name: 'id', type: 'text', value: (r) => (r.idNull === true ? null : r.id) });
  if (first.every(fidFitsInt64)) {
    fields.push({
      name: 'fid',
      type: 'integer',
      value: (r) => {
        const t = fidText(r);
        if (t === null) return null;
        if (!fidFitsInt64(r)) throw new OutputError(`feature "${r.id}": fid ${t} is not an int64 but the fid field is an integer (earlier rows had integer fids)`);
        return integer(t);
      },
    });
  } else fields.push({ name: 'fid', type: 'text', value: (r) => fidText(r) });
  columns.forEach((c, k) => {
    const { from, value: fracValue } = plan[k] ?? { from: k, value: null };
    const cell = (r: ResultRow): CellValue => {
      const v = r.values[from] ?? null;
      if (fracValue === null) return v;
      if (v === null || !isFrac(v)) return null;
      const j = v.values.indexOf(fracValue);
      return j < 0 ? null : (v.fracs[j] ?? null);
    };
    if (c.kind === 'number') fields.push({ name: c.name, type: 'real', value: (r) => { const v = cell(r); return typeof v === 'number' ? v : null; } });
    else if (c.kind === 'integer') fields.push({ name: c.name, type: 'integer', value: (r) => integer(cell(r)) });
    else if (c.kind === 'boolean') fields.push({ name: c.name, type: 'boolean', value: (r) => { const v = cell(r); return typeof v === 'boolean' ? v : null; } });
    else if (c.kind === 'timestamp') fields.push({ name: c.name, type: 'datetime', value: (r) => { const v = cell(r); return typeof v === 'string' ? new Date(v).toISOString() : null; } });
    else if (c.kind === 'text') fields.push({ name: c.name, type: 'text', value: (r) => { const v = cell(r); return typeof v === 'string' ? v : null; } });
    else fields.push({ name: c.name, type: 'text', value: (r) => { const v = cell(r); return v === null ? null : JSON.stringify(v); } }); // histogram, list, frac kept
  });
  fields.push({ name: 'error', type: 'text', value: (r) => r.error });
  return fields;
}

/** The CRS as the geo formats store it. */
export interface GeoSrs {
  /** Authority (`EPSG`) and code when PROJJSON names one, else null / 0. */
  org: string | null;
  code: number;
  name: string;
  /** WKT1 as GDAL exports it ('' when PROJ cannot say it in WKT1). */
  wkt: string;
}

/** The CRS of PROJJSON text (null: unknown). PROJ must be loaded. */
export function geoSrs(projjson: string | null): GeoSrs | null {
  if (projjson === null) return null;
  let doc: { name?: unknown; id?: { authority?: unknown; code?: unknown } };
  try {
    doc = JSON.parse(projjson) as typeof doc;
  } catch (err) {
    throw new OutputError(`geometry CRS is not PROJJSON text: ${projjson.slice(0, 80)}`, { cause: err });
  }
  const org = typeof doc.id?.authority === 'string' ? doc.id.authority : null;
  const code = typeof doc.id?.code === 'number' ? doc.id.code : 0;
  return { org: org !== null && code !== 0 ? org : null, code: org !== null ? code : 0, name: typeof doc.name === 'string' ? doc.name : 'unnamed', wkt: projSrs(projjson).wkt };
}
