/**
 * Shapefile as a FeatureSource (npm `shapefile`, streamed record by record): `x.shp`
 * with `x.dbf` (attributes; encoding from `x.cpg`, else ISO-8859-1/windows-1252 as
 * GDAL assumes) and `x.prj` (WKT; missing: CrsError, as the CRS is unknown), or a
 * `.zip` holding one shapefile (extracted to a private temporary folder, removed by
 * `close()`; `--layer` picks one of several). fid: the 0-based record number (GDAL's).
 */
import { didYouMean } from '../nearest';
import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { unzipSync } from 'fflate';
import { open as openShapefile } from 'shapefile';
import type { Crs } from '../crs/crs';
import { CrsError, InputError } from '../errors';
import type { Feature, Geometry } from '../geometry/types';
import { geometryFromGeoJson } from '../geometry/geojson';
import type { AttributeKind, FeatureSource, SourceFeatureOptions } from './source';
import { checkColumns, makeFeature } from './source.memory';
import { crsFromWkt } from './crs-of';
import { checkOnlyLayer, fileStem, findLayer } from './missing-name';

/**
 * Field names and record count from a .dbf header. A file shorter than its header states (its records of
 * the stated length after the header) is refused, never read as empty attributes: `shapefile` reads the
 * missing records' fields as empty, and GDAL says `fread(...) failed on DBF file` for each one.
 */
function dbfHeader(path: string, shown: string): { fields: string[]; kinds: AttributeKind[]; records: number } {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(32);
    const size = fstatSync(fd).size;
    if (readSync(fd, head, 0, 32, 0) < 32) throw new InputError(`${shown}: ${basename(path)} is truncated: ${size} bytes, shorter than a .dbf header (32 bytes)`);
    const records = head.readUInt32LE(4);
    const headerSize = head.readUInt16LE(8);
    const recordSize = head.readUInt16LE(10);
    const stated = headerSize + records * recordSize;
    if (size < stated) throw new InputError(`${shown}: ${basename(path)} is truncated: its header states ${records} records of ${recordSize} bytes after ${headerSize} bytes of header (${stated} bytes) and the file has ${size} bytes`);
    const buf = Buffer.alloc(Math.max(0, headerSize - 32));
    readSync(fd, buf, 0, buf.length, 32);
    const fields: string[] = [];
    const kinds: AttributeKind[] = [];
    for (let o = 0; o + 32 <= buf.length && buf[o] !== 0x0d; o += 32) {
      const raw = buf.subarray(o, o + 11);
      const end = raw.indexOf(0);
      fields.push(raw.toString('latin1', 0, end < 0 ? 11 : end).trim());
      kinds.push(dbfKind(String.fromCharCode(buf[o + 11] ?? 0x43), buf[o + 16] ?? 0, buf[o + 17] ?? 0));
    }
    return { fields, kinds, records };
  } finally {
    closeSync(fd);
  }
}

/** Finds a sidecar file whatever the case of its extension. */
function sidecar(shp: string, ext: string): string | null {
  const base = shp.replace(/\.shp$/i, '');
  for (const e of [ext, ext.toUpperCase()]) if (existsSync(`${base}.${e}`)) return `${base}.${e}`;
  return null;
}

/** A Shapefile (`.shp` + sidecars, or a `.zip`). */
export class ShapefileSource implements FeatureSource {
  readonly format = 'Shapefile' as const;
  readonly layer: string;
  readonly crs: Crs;
  readonly columns: readonly string[];
  private readonly shp: string;
  private readonly dbf: string | null;
  private readonly encoding: string;
  private readonly records: number | null;
  private readonly cleanup: (() => void) | null;
  constructor(readonly path: string, layer?: string) {
    let shp = path;
    let cleanup: (() => void) | null = null;
    if (/\.zip$/i.test(path)) {
      const dir = mkdtempSync(join(tmpdir(), 'zf-shp-'));
      cleanup = () => rmSync(dir, { recursive: true, force: true });
      try {
        shp = extractShapefile(path, dir, layer);
      } catch (err) {
        cleanup();
        throw err;
      }
    }
    this.cleanup = cleanup;
    try {
      this.shp = shp;
      this.layer = fileStem(shp);
      if (!existsSync(shp)) throw new InputError(`${path}: ${shp} does not exist`);
      if (cleanup === null) checkOnlyLayer(this, layer);
      this.dbf = sidecar(shp, 'dbf');
      const prj = sidecar(shp, 'prj');
      if (!prj) throw new CrsError(`${path}: the shapefile has no .prj file, so its CRS is unknown; add one (ogr2ogr -a_srs EPSG:...)`);
      this.crs = crsFromWkt(readFileSync(prj, 'utf8').trim(), null, path);
      const cpg = sidecar(shp, 'cpg');
      const enc = cpg ? readFileSync(cpg, 'utf8').trim().toLowerCase() : '';
      this.encoding = enc === '' ? 'windows-1252' : /^(utf-?8|65001)$/.test(enc) ? 'utf-8' : /^\d+$/.test(enc) ? `windows-${enc}` : enc;
      const h = this.dbf ? dbfHeader(this.dbf, path) : { fields: [], kinds: [], records: -1 };
      this.columns = h.fields;
      this.kinds = h.kinds;
      this.records = h.records >= 0 ? h.records : null;
    } catch (err) {
      cleanup?.();
      throw err;
    }
  }
  private readonly kinds: AttributeKind[] = [];
  /** From the DBF field type: N without decimals (up to 18 digits) integer, N/F with decimals number, L boolean, D and C text. */
  columnKind(name: string): AttributeKind {
    return this.kinds[this.columns.indexOf(name)] ?? 'text';
  }
  count(): Promise<number | null> {
    return Promise.resolve(this.records);
  }
  async *features(opts: SourceFeatureOptions = {}): AsyncGenerator<Feature> {
    const read = checkColumns(this.path, this.layer, this.columns, opts);
    let src;
    try {
      src = await openShapefile(this.shp, this.dbf ?? undefined, { encoding: this.encoding });
    } catch (err) {
      throw new InputError(`${this.path} is not a readable shapefile: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    let index = 0;
    for (;;) {
      let r: { done: boolean; value: { geometry: unknown; properties: unknown } | undefined };
      try {
        r = await src.read();
      } catch (err) {
        throw new InputError(`${this.path}: record ${index} cannot be read: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
      if (r.done || !r.value) break;
      let geometry: Geometry | null = null;
      let problem: string | undefined;
      try {
        geometry = geometryFromGeoJson(r.value.geometry);
      } catch (err) {
        problem = `unreadable geometry: ${err instanceof Error ? err.message : String(err)}`;
      }
      yield makeFeature(index, geometry, dbfDates((r.value.properties ?? {}) as Record<string, unknown>), read, problem);
      index++;
    }
  }
  close(): void {
    this.cleanup?.();
  }
}

/** Extracts the files of one shapefile from a zip into `dir`; returns the .shp path. */
function extractShapefile(zip: string, dir: string, layer?: string): string {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(readFileSync(zip), { filter: (f) => /\.(shp|shx|dbf|prj|cpg)$/i.test(f.name) && !f.name.startsWith('__MACOSX/') });
  } catch (err) {
    throw new InputError(`${zip} is not a readable zip file: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const shps = Object.keys(files).filter((n) => /\.shp$/i.test(n));
  const stemOf = (n: string): string => basename(n).replace(/\.shp$/i, '');
  if (shps.length === 0) throw new InputError(`${zip} holds no .shp file`);
  let chosen = shps[0] as string;
  if (layer !== undefined) {
    const stem = findLayer(layer, shps.map(stemOf));
    const hit = shps.find((n) => stemOf(n) === stem);
    if (!hit) throw new InputError(`${zip} has no shapefile "${layer}" (shapefiles: ${shps.map(stemOf).join(', ')})${didYouMean(layer, shps.map(stemOf))}`);
    chosen = hit;
  } else if (shps.length > 1) {
    throw new InputError(`${zip} holds ${shps.length} shapefiles (${shps.map(stemOf).join(', ')}); choose one (--layer / input.layer)`);
  }
  const prefix = chosen.replace(/\.shp$/i, '');
  for (const [name, bytes] of Object.entries(files)) {
    if (name.replace(/\.[^.]+$/, '') !== prefix) continue;
    writeFileSync(join(dir, basename(name)), bytes);
  }
  return join(dir, basename(chosen));
}

/** A DBF field's kind, as GDAL's Shapefile driver types it: N with 0 decimals and width < 19 Integer/Integer64, N/F Real, L Boolean. */
function dbfKind(type: string, width: number, decimals: number): AttributeKind {
  if ((type === 'N' || type === 'F') && decimals === 0 && width < 19) return 'integer';
  if (type === 'N' || type === 'F' || type === 'O') return 'number';
  if (type === 'L') return 'boolean';
  return 'text';
}

/**
 * DBF dates (D fields) as `YYYY-MM-DD` text, as GDAL reads them. The `shapefile` package makes a
 * local-time Date of the 8 digits, and of a blank or all-zero field the Date of "year 0, month -1,
 * day 0" (1899-11-30): that one is an empty date (null), as GDAL reads it.
 */
function dbfDates(props: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(props)) {
    if (!(v instanceof Date)) continue;
    if (Number.isNaN(v.getTime()) || v.getTime() === BLANK_DBF_DATE) props[k] = null;
    else props[k] = `${String(v.getFullYear()).padStart(4, '0')}-${String(v.getMonth() + 1).padStart(2, '0')}-${String(v.getDate()).padStart(2, '0')}`;
  }
  return props;
}
const BLANK_DBF_DATE = new Date(0, -1, 0).getTime();
