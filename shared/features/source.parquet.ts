/**
 * GeoParquet (1.0 / 1.1) as a FeatureSource (hyparquet): the file is read through
 * ranged reads, one row group at a time, only the columns needed. The `geo` metadata
 * names the primary geometry column, its encoding (WKB, or the GeoArrow encodings
 * point / linestring / polygon / multipoint / multilinestring / multipolygon) and its
 * CRS as PROJJSON (absent: OGC:CRS84; null: undefined, refused). Without `geo`
 * metadata a BYTE_ARRAY column named `geometry`/`geom`/`wkb_geometry` is read as WKB
 * lon/lat. fid: an integer `fid`/`ogc_fid` column when present, else the 0-based row.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import type { AsyncBuffer, FileMetaData } from 'hyparquet';
import type { Crs } from '../crs/crs';
import { crsFromEpsg } from '../crs/epsg';
import { InputError } from '../errors';
import type { Feature, Geometry, Position } from '../geometry/types';
import { geometryFromGeoJson } from '../geometry/geojson';
import { parseWkb } from '../geometry/wkb';
import type { AttributeKind, FeatureSource, SourceFeatureOptions } from './source';
import { checkColumns, makeFeature } from './source.memory';
import { crsFromProjJson } from './crs-of';
import { fileStem } from './missing-name';

interface GeoColumn { encoding?: string; crs?: unknown }
interface GeoMetadata { primary_column?: string; columns?: Record<string, GeoColumn> }

/** An AsyncBuffer over a file descriptor (ranged reads; the file is never loaded whole). */
function fileBuffer(fd: number): AsyncBuffer {
  const byteLength = fstatSync(fd).size;
  return {
    byteLength,
    slice(start: number, end?: number): ArrayBuffer {
      const stop = Math.min(end ?? byteLength, byteLength);
      const buf = new Uint8Array(Math.max(0, stop - start));
      let off = 0;
      while (off < buf.length) {
        const n = readSync(fd, buf, off, buf.length - off, start + off);
        if (n <= 0) break;
        off += n;
      }
      return buf.buffer;
    },
  };
}

/** Reads the footer (metadata) synchronously from the end of the file. */
function readMetadata(fd: number, path: string): FileMetaData {
  const size = fstatSync(fd).size;
  if (size < 12) throw new InputError(`${path} is not a Parquet file (${size} bytes)`);
  const tail = Buffer.alloc(8);
  readSync(fd, tail, 0, 8, size - 8);
  if (tail.toString('latin1', 4, 8) !== 'PAR1') throw new InputError(`${path} is not a Parquet file (no PAR1 footer)`);
  const len = tail.readUInt32LE(0);
  if (len + 8 > size) throw new InputError(`${path} is truncated (its footer claims ${len} bytes)`);
  const footer = Buffer.alloc(len + 8);
  readSync(fd, footer, 0, len + 8, size - len - 8);
  return parquetMetadata(new Uint8Array(footer).buffer);
}

const toPos = (p: unknown): Position => {
  if (Array.isArray(p)) return [Number(p[0]), Number(p[1])];
  const o = p as { x: number; y: number };
  return [Number(o.x), Number(o.y)];
};

/** A GeoArrow-encoded value (nested lists of points) as GeoJSON-shaped geometry. */
function fromGeoArrow(encoding: string, v: unknown): Geometry | null {
  if (v === null || v === undefined) return null;
  const list = (x: unknown): unknown[] => (Array.isArray(x) ? (x as unknown[]) : []);
  switch (encoding) {
    case 'point':
      return geometryFromGeoJson({ type: 'Point', coordinates: toPos(v) });
    case 'linestring':
      return geometryFromGeoJson({ type: 'LineString', coordinates: list(v).map(toPos) });
    case 'polygon':
      return geometryFromGeoJson({ type: 'Polygon', coordinates: list(v).map((r) => list(r).map(toPos)) });
    case 'multipoint':
      return geometryFromGeoJson({ type: 'MultiPoint', coordinates: list(v).map(toPos) });
    case 'multilinestring':
      return geometryFromGeoJson({ type: 'MultiLineString', coordinates: list(v).map((l) => list(l).map(toPos)) });
    case 'multipolygon':
      return geometryFromGeoJson({ type: 'MultiPolygon', coordinates: list(v).map((p) => list(p).map((r) => list(r).map(toPos))) });
    default:
      throw new InputError(`unsupported GeoParquet geometry encoding "${encoding}"`);
  }
}

/** A GeoParquet file. */
export class ParquetSource implements FeatureSource {
  readonly format = 'GeoParquet' as const;
  readonly layer: string;
  readonly crs: Crs;
  readonly columns: readonly string[];
  private readonly fd: number;
  private readonly meta: FileMetaData;
  private readonly geometryColumn: string;
  private readonly encoding: string;
  private readonly fidColumn: string | null;
  constructor(readonly path: string) {
    this.layer = fileStem(path); // GDAL's Parquet driver: the file name without its suffix
    this.fd = openSync(path, 'r');
    try {
      try {
        this.meta = readMetadata(this.fd, path);
      } catch (err) {
        if (err instanceof InputError) throw err;
        throw new InputError(`${path} is not a readable Parquet file: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      const names = topNames(this.meta);
      const geoText = this.meta.key_value_metadata?.find((kv) => kv.key === 'geo')?.value;
      let geo: GeoMetadata | null = null;
      if (geoText) {
        try {
          geo = JSON.parse(geoText) as GeoMetadata;
        } catch (err) {
          throw new InputError(`${path}: the "geo" metadata is not JSON`, { cause: err });
        }
      }
      const primary = geo?.primary_column ?? names.find((n) => ['geometry', 'geom', 'wkb_geometry'].includes(n.toLowerCase()));
      if (!primary || !names.includes(primary)) {
        throw new InputError(`${path} has no geometry column (no GeoParquet "geo" metadata naming one, and no column named geometry/geom/wkb_geometry; columns: ${names.join(', ')})`);
      }
      this.geometryColumn = primary;
      const col = geo?.columns?.[primary];
      this.encoding = (col?.encoding ?? 'WKB').toLowerCase();
      this.crs = geo ? crsFromProjJson(col ? col.crs : undefined, path) : crsFromEpsg(4326);
      this.fidColumn = names.find((n) => n === 'fid' || n === 'ogc_fid') ?? null;
      this.columns = names.filter((n) => n !== primary && n !== this.fidColumn && !isCovering(geo, n));
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }
  count(): Promise<number | null> {
    return Promise.resolve(Number(this.meta.num_rows));
  }
  /** From the Parquet schema: INT32/INT64 integer (DATE/TIME/TIMESTAMP annotations excepted), FLOAT/DOUBLE number, BOOLEAN, TIMESTAMP; text otherwise. */
  columnKind(name: string): AttributeKind {
    const el = this.meta.schema.find((s) => s.name === name && (s.num_children ?? 0) === 0);
    if (!el) return 'text';
    const logical = el.logical_type?.type;
    const converted = el.converted_type;
    if (logical === 'TIMESTAMP' || converted === 'TIMESTAMP_MILLIS' || converted === 'TIMESTAMP_MICROS') return 'timestamp';
    if (logical === 'DATE' || logical === 'TIME' || converted === 'DATE' || converted === 'TIME_MILLIS' || converted === 'TIME_MICROS' || logical === 'DECIMAL' || converted === 'DECIMAL') return el.type === 'DOUBLE' ? 'number' : 'text';
    if (el.type === 'INT32' || el.type === 'INT64') return 'integer';
    if (el.type === 'FLOAT' || el.type === 'DOUBLE') return 'number';
    if (el.type === 'BOOLEAN') return 'boolean';
    return 'text';
  }
  async *features(opts: SourceFeatureOptions = {}): AsyncGenerator<Feature> {
    const read = checkColumns(this.path, this.layer, this.columns, opts);
    const want = [...new Set([this.geometryColumn, ...(this.fidColumn ? [this.fidColumn] : []), ...(read.idColumn === undefined ? [] : [read.idColumn]), ...(read.columns ?? [])])];
    const file = fileBuffer(this.fd);
    let row = 0;
    for (const rg of this.meta.row_groups) {
      const n = Number(rg.num_rows);
      const objs = await parquetReadObjects({ file, metadata: this.meta, columns: want, rowStart: row, rowEnd: row + n });
      for (const [i, o] of objs.entries()) {
        const index = row + i;
        const rawFid = this.fidColumn ? (o[this.fidColumn] as unknown) : null;
        const fid = typeof rawFid === 'bigint' && rawFid >= BigInt(Number.MIN_SAFE_INTEGER) && rawFid <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(rawFid) : typeof rawFid === 'number' && Number.isSafeInteger(rawFid) ? rawFid : index;
        let geometry: Geometry | null = null;
        let problem: string | undefined;
        try {
          geometry = this.geometry(o[this.geometryColumn] as unknown);
        } catch (err) {
          problem = `unreadable geometry: ${err instanceof Error ? err.message : String(err)}`;
        }
        yield makeFeature(fid, geometry, o as Record<string, unknown>, read, problem);
      }
      row += n;
    }
  }
  private geometry(v: unknown): Geometry | null {
    if (v === null || v === undefined) return null;
    if (this.encoding === 'wkb') {
      if (v instanceof Uint8Array) return parseWkb(v);
      if (typeof v === 'object' && 'type' in v) return geometryFromGeoJson(v); // hyparquet decoded the WKB already
      throw new InputError(`a WKB geometry value is a ${typeof v}`);
    }
    return fromGeoArrow(this.encoding, v);
  }
  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // closed already
    }
  }
}

/** The top-level column names of the schema (nested children skipped). */
function topNames(meta: FileMetaData): string[] {
  const names: string[] = [];
  const schema = meta.schema;
  let i = 1;
  const skip = (at: number): number => {
    const el = schema[at];
    let next = at + 1;
    for (let c = 0; c < (el?.num_children ?? 0); c++) next = skip(next);
    return next;
  };
  while (i < schema.length) {
    const el = schema[i];
    if (el) names.push(el.name);
    i = skip(i);
  }
  return names;
}

/** True for a GeoParquet 1.1 bbox covering column. */
function isCovering(geo: GeoMetadata | null, name: string): boolean {
  const cols = geo?.columns ?? {};
  return Object.values(cols).some((c) => {
    const cov = (c as { covering?: { bbox?: Record<string, unknown> } }).covering?.bbox;
    return cov !== undefined && Object.values(cov).some((p) => Array.isArray(p) && p[0] === name);
  });
}
