/**
 * Opens any supported vector input as a FeatureSource. The format is decided by the
 * file's first bytes (SQLite -> GeoPackage, PAR1 -> GeoParquet, fgb -> FlatGeobuf,
 * PK zip -> zipped Shapefile, ESRI's 9994 -> Shapefile), then by its suffix for text
 * (`.geojson`/`.json` -> GeoJSON, `.geojsonl`/`.geojsons`/`.geojsonseq`/`.ndjson` ->
 * GeoJSONSeq, or a first line that is a whole Feature). Anything else: InputError
 * naming the formats read.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { InputError } from '../errors';
import type { FeatureSource } from './source';
import { openGpkgSource } from './source.gpkg';
import { checkOnlyLayer } from './missing-name';
import { identifiedCrs } from './crs-of';
import type { Crs } from '../crs/crs';

/** The formats read, for messages and --help. */
export const FORMATS_READ = 'GeoPackage (.gpkg), GeoParquet (.parquet), FlatGeobuf (.fgb), GeoJSON (.geojson), GeoJSONSeq (.geojsonl, .geojsons), Shapefile (.shp with .dbf/.prj, or a .zip)';

/** Options of `openFeatureSource`. */
export interface OpenSourceOptions {
  /**
   * Layer: a GeoPackage's table, a zip's shapefile; for a format of one layer its name as GDAL gives it (the file
   * stem; a FlatGeobuf's header name, a GeoJSON FeatureCollection's "name"), else an InputError. Letter case free, as GDAL.
   */
  layer?: string | undefined;
  /** The file is this process's own download (GeoPackage: a WAL-mode file may be patched in place). */
  owned?: boolean;
  /**
   * The caller reads columns (an id column or attributes): a GeoJSON FeatureCollection then establishes its fields in
   * the pass that finds its name and CRS, one pass over the file fewer (source.geojson.ts). The other formats ignore it.
   */
  fields?: boolean;
}

/** `source`, when `layer` (if given) names its one layer as GDAL does; else closed, and the usage error (checkOnlyLayer). */
function onlyLayer(source: FeatureSource, layer: string | undefined): FeatureSource {
  try {
    checkOnlyLayer(source, layer);
  } catch (err) {
    void source.close();
    throw err;
  }
  return source;
}

/**
 * `source` with its CRS as GDAL identifies a WKT naming no code (identifiedCrs: a Shapefile's ESRI `.prj`, a
 * FlatGeobuf's bare WKT); closed on an error.
 */
async function identified(source: FeatureSource, path: string): Promise<FeatureSource> {
  try {
    const crs = await identifiedCrs(source.crs, path);
    // the sources' `crs` is a plain field, set once here before anyone reads it
    if (crs !== source.crs) (source as { crs: Crs }).crs = crs;
  } catch (err) {
    void source.close();
    throw err;
  }
  return source;
}

function sniff(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(512);
    const n = readSync(fd, b, 0, 512, 0);
    return b.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** The format of a file (null when not one zonalflow reads). */
export function detectFormat(path: string): 'gpkg' | 'parquet' | 'fgb' | 'geojson' | 'geojsonseq' | 'shp' | null {
  const head = sniff(path);
  if (head.toString('latin1', 0, 16) === 'SQLite format 3\0') return 'gpkg';
  if (head.toString('latin1', 0, 4) === 'PAR1') return 'parquet';
  if (head[0] === 0x66 && head[1] === 0x67 && head[2] === 0x62 && head[3] === 3) return 'fgb';
  if (head[0] === 0x50 && head[1] === 0x4b) return 'shp';
  if (head.length >= 4 && head.readUInt32BE(0) === 9994) return 'shp';
  const lower = path.toLowerCase();
  if (/\.(geojsonl|geojsons|geojsonseq|ndjson|jsonl)$/.test(lower)) return 'geojsonseq';
  const text = head.toString('utf8').replace(/^\uFEFF/, '').split(String.fromCharCode(0x1e)).join('').trimStart();
  if (text.startsWith('{')) {
    if (/\.(geojson|json)$/.test(lower)) return 'geojson';
    const firstLine = text.split('\n')[0] ?? '';
    if (/"type"\s*:\s*"Feature"/.test(firstLine) && !/"FeatureCollection"/.test(firstLine)) return 'geojsonseq';
    return 'geojson';
  }
  // not recognised by content: the suffix decides, so the format's reader names the problem
  const bySuffix: [RegExp, 'gpkg' | 'parquet' | 'fgb' | 'shp'][] = [[/\.gpkg$/, 'gpkg'], [/\.(geo)?parquet$/, 'parquet'], [/\.fgb$/, 'fgb'], [/\.(shp|zip)$/, 'shp']];
  return bySuffix.find(([re]) => re.test(lower))?.[1] ?? null;
}

/**
 * Opens `path` in its format. InputError (or the format's typed error) naming the file. A format's reader
 * (and its library: hyparquet, flatgeobuf, @streamparser/json, shapefile) is loaded only when a file of that
 * format is opened; the GeoPackage reader is always loaded (it is the common case).
 */
export async function openFeatureSource(path: string, opts: OpenSourceOptions = {}): Promise<FeatureSource> {
  if (!existsSync(path)) throw new InputError(`${path} does not exist`);
  const st = statSync(path);
  if (st.isDirectory()) throw new InputError(`${path} is a directory; give the features file (${FORMATS_READ})`);
  // whatever its suffix says: nothing to read (an interrupted download or copy), not a format question
  if (st.size === 0) throw new InputError(`${path} is empty (0 bytes)`);
  const format = detectFormat(path);
  switch (format) {
    case 'gpkg':
      return openGpkgSource(path, opts.layer, opts.owned ? { owned: true } : {});
    case 'parquet':
      return onlyLayer(new (await import('./source.parquet')).ParquetSource(path), opts.layer);
    case 'fgb':
      return identified(onlyLayer(new (await import('./source.fgb')).FgbSource(path), opts.layer), path);
    case 'geojson':
      return onlyLayer(new (await import('./source.geojson')).GeoJsonSource(path, { fields: opts.fields === true }), opts.layer);
    case 'geojsonseq':
      return onlyLayer(new (await import('./source.geojson')).GeoJsonSeqSource(path), opts.layer);
    case 'shp':
      return identified(new (await import('./source.shp')).ShapefileSource(path, opts.layer), path);
    default:
      throw new InputError(`${path} is not in a format zonalflow reads; formats read: ${FORMATS_READ} (convert others with ogr2ogr -f GPKG)`);
  }
}
