/**
 * GeoPackage geometry blobs: the `GP` header (version, flags: byte order,
 * envelope kind 0-4, empty flag; srs id; envelope) then standard WKB in either
 * byte order, ISO (Z 1000 / M 2000 / ZM 3000) or EWKB-style high-bit flags.
 * Z and M are dropped; empty geometries (empty flag, zero parts, POINT(NaN NaN))
 * read as null.
 */
import { GeometryError } from '../errors';
import type { BBox, Geometry, Position } from './types';

const ENVELOPE_BYTES = [0, 32, 48, 48, 64];

/** EWKB's flag for an SRID after the type word (PostGIS): 4 more bytes to skip. */
export const WKB_SRID_FLAG = 0x20000000;

/** The base geometry type (1 Point .. 7 GeometryCollection) of a WKB type word: ISO's 1000/2000/3000 and EWKB's Z/M/SRID flags removed. */
export function wkbBaseType(raw: number): number {
  const type = raw & 0x0fffffff;
  return type >= 1000 && type < 4000 ? type % 1000 : type;
}

/** The numbers a position holds (2 to 4) by a WKB type word: ISO's Z/M (1000s: Z or M 3, ZM 4), else EWKB's Z and M flags. */
export function wkbDims(raw: number): number {
  const type = raw & 0x0fffffff;
  if (type >= 1000 && type < 4000) return Math.floor(type / 1000) === 3 ? 4 : 3;
  return 2 + (raw & 0x80000000 ? 1 : 0) + (raw & 0x40000000 ? 1 : 0);
}

/** Parses a GeoPackage geometry blob (null for an empty geometry). */
export function parseGpkgGeometry(blob: Uint8Array): Geometry | null {
  const wkb = gpkgWkb(blob);
  return wkb === null ? null : parseWkb(wkb);
}

/**
 * The bounding box of the finite positions of a GeoPackage geometry blob, without building the
 * geometry: equal to `geometryBBox(parseGpkgGeometry(blob))`, and null where that is null or would
 * throw (an unreadable blob; its reason comes from `parseGpkgGeometry`). The header's envelope is
 * not trusted: the coordinates are read.
 */
export function gpkgGeometryBBox(blob: Uint8Array): BBox | null {
  try {
    const wkb = gpkgWkb(blob);
    if (wkb === null) return null;
    const r = new WkbReader(wkb);
    const box = { xmin: Infinity, ymin: Infinity, xmax: -Infinity, ymax: -Infinity };
    r.box = box;
    return r.scan(0) !== null && box.xmin <= box.xmax ? box : null;
  } catch {
    return null;
  }
}

/** The WKB inside a GeoPackage blob (the blob itself when it is plain WKB); null for an empty geometry. */
function gpkgWkb(blob: Uint8Array): Uint8Array | null {
  if (blob.length < 8 || blob[0] !== 0x47 || blob[1] !== 0x50) {
    // SpatiaLite's own blob (its BLOB-Geometry format: 0x00, byte order, SRID, MBR, 0x7C ... 0xFE), which
    // `ST_GeomFromText` in a GeoPackage writes: read as WKB it would give a nonsense type code
    if (isSpatialiteBlob(blob)) throw new GeometryError('a SpatiaLite geometry blob, not a GeoPackage geometry (written by SpatiaLite SQL such as ST_GeomFromText); rewrite the layer with ogr2ogr -f GPKG, or use AsGPB() in SQL');
    // some writers store plain WKB: accept it
    if (blob.length >= 5 && (blob[0] === 0 || blob[0] === 1)) return blob;
    throw new GeometryError(`not a GeoPackage geometry (no "GP" magic, ${blob.length} bytes)`);
  }
  const flags = blob[3] ?? 0;
  const envelope = (flags >> 1) & 7;
  if (envelope > 4) throw new GeometryError(`invalid GeoPackage envelope indicator ${envelope}`);
  if ((flags >> 5) & 1) throw new GeometryError('extended GeoPackage geometries are not supported');
  const start = 8 + (ENVELOPE_BYTES[envelope] ?? 0);
  if ((flags >> 4) & 1) return null;
  if (blob.length < start + 5) throw new GeometryError(`truncated GeoPackage geometry (${blob.length} bytes, header needs ${start + 5})`);
  return blob.subarray(start);
}

/**
 * Whether `b` is a SpatiaLite BLOB-Geometry: START 0x00, ENDIAN 0x01 (little) or 0x00 (big), SRID (4 bytes),
 * MBR (4 doubles), MBR_END 0x7C at byte 38, the class type (4 bytes, that byte order), ..., END 0xFE as the
 * last byte (SpatiaLite's BLOB-Geometry format, https://www.gaia-gis.it/gaia-sins/BLOB-Geometry.html).
 * Big-endian WKB also starts with 0x00 (its type code follows, so byte 1 is 0, never 1): with byte 1 = 0
 * the class type must also be a SpatiaLite geometry class (1-7 in XY, XYZ, XYM, XYZM, plain or compressed).
 */
function isSpatialiteBlob(b: Uint8Array): boolean {
  if (b.length < 44 || b[0] !== 0x00 || b[38] !== 0x7c || b[b.length - 1] !== 0xfe) return false;
  if (b[1] === 0x01) return true;
  if (b[1] !== 0x00) return false;
  const type = new DataView(b.buffer, b.byteOffset + 39, 4).getUint32(0, false) % 1_000_000;
  return type % 1000 >= 1 && type % 1000 <= 7 && type < 4000;
}

/** Parses WKB (null when empty). */
export function parseWkb(bytes: Uint8Array): Geometry | null {
  return new WkbReader(bytes).read(0);
}

const PART_TYPES: Record<number, string> = { 4: 'Point', 5: 'LineString', 6: 'Polygon' };

/**
 * A cursor over WKB bytes. Methods on a class rather than closures per call: parsing a million
 * small polygons creates no function objects.
 */
class WkbReader {
  private readonly dv: DataView;
  private o = 0;
  private le = true;
  private dims = 2;

  constructor(private readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number): void {
    if (this.o + n > this.bytes.length) throw new GeometryError(`truncated WKB: needs ${this.o + n} bytes, has ${this.bytes.length}`);
  }

  private u32(): number {
    this.need(4);
    const v = this.dv.getUint32(this.o, this.le);
    this.o += 4;
    return v;
  }

  /** A count; each point takes dims*8 bytes, each ring at least 4 (its count), each part at least 5 (order + type). */
  private count(what: 'point' | 'ring' | 'part'): number {
    const n = this.u32();
    const min = what === 'point' ? this.dims * 8 : what === 'ring' ? 4 : 5;
    if (n * min > this.bytes.length - this.o) throw new GeometryError(`truncated WKB: ${n} ${what}s need at least ${n * min} bytes, ${this.bytes.length - this.o} left`);
    return n;
  }

  private pos(): Position {
    this.need(this.dims * 8);
    const p: Position = [this.dv.getFloat64(this.o, this.le), this.dv.getFloat64(this.o + 8, this.le)];
    this.o += this.dims * 8;
    return p;
  }

  private line(): Position[] {
    const n = this.count('point');
    this.need(n * this.dims * 8);
    const pts: Position[] = new Array<Position>(n);
    for (let i = 0; i < n; i++) pts[i] = this.pos();
    return pts;
  }

  private parts(t: number, depth: number): Geometry[] {
    const n = this.count('part');
    const out: Geometry[] = [];
    for (let i = 0; i < n; i++) {
      const g = this.read(depth + 1);
      if (g === null) continue;
      if (t !== 7 && g.type !== PART_TYPES[t]) throw new GeometryError(`a ${g.type} inside a WKB type ${t}`);
      out.push(g);
    }
    return out;
  }

  /** Reads a geometry's byte order and type at the cursor (sets `le` and `dims`); returns the base type (1..7). */
  private header(depth: number): number {
    if (depth > 32) throw new GeometryError('WKB nested too deeply');
    this.need(5);
    const order = this.bytes[this.o];
    if (order !== 0 && order !== 1) throw new GeometryError(`invalid WKB byte order ${order ?? '?'}`);
    this.le = order === 1;
    this.o += 1;
    const raw = this.dv.getUint32(this.o, this.le);
    this.o += 4;
    if (raw & WKB_SRID_FLAG) {
      this.need(4);
      this.o += 4; // EWKB SRID
    }
    this.dims = wkbDims(raw);
    return wkbBaseType(raw);
  }

  /** The geometry at the cursor (null when empty). */
  read(depth: number): Geometry | null {
    const type = this.header(depth);
    switch (type) {
      case 1: {
        const p = this.pos();
        return Number.isNaN(p[0]) && Number.isNaN(p[1]) ? null : { type: 'Point', coordinates: p };
      }
      case 2: {
        const c = this.line();
        return c.length === 0 ? null : { type: 'LineString', coordinates: c };
      }
      case 3: {
        const n = this.count('ring');
        const rings: Position[][] = [];
        for (let i = 0; i < n; i++) {
          const r = this.line();
          if (r.length > 0) rings.push(r);
        }
        return rings.length === 0 ? null : { type: 'Polygon', coordinates: rings };
      }
      case 4: {
        const ps = this.parts(4, depth) as { type: 'Point'; coordinates: Position }[];
        return ps.length === 0 ? null : { type: 'MultiPoint', coordinates: ps.map((p) => p.coordinates) };
      }
      case 5: {
        const ls = this.parts(5, depth) as { type: 'LineString'; coordinates: Position[] }[];
        return ls.length === 0 ? null : { type: 'MultiLineString', coordinates: ls.map((l) => l.coordinates) };
      }
      case 6: {
        const ps = this.parts(6, depth) as { type: 'Polygon'; coordinates: Position[][] }[];
        return ps.length === 0 ? null : { type: 'MultiPolygon', coordinates: ps.map((p) => p.coordinates) };
      }
      case 7: {
        const gs = this.parts(7, depth);
        return gs.length === 0 ? null : { type: 'GeometryCollection', geometries: gs };
      }
      default:
        throw new GeometryError(`unsupported WKB geometry type ${type} (curves and surfaces are not supported; convert with ogr2ogr -nlt CONVERT_TO_LINEAR)`);
    }
  }
  /** Where `scan` accumulates the finite positions. */
  box: BBox | null = null;

  private add(x: number, y: number): void {
    const b = this.box as BBox;
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    if (x < b.xmin) b.xmin = x;
    if (x > b.xmax) b.xmax = x;
    if (y < b.ymin) b.ymin = y;
    if (y > b.ymax) b.ymax = y;
  }

  /** Like `line`, into `box`: the number of points. */
  private scanLine(): number {
    const n = this.count('point');
    this.need(n * this.dims * 8);
    const step = this.dims * 8;
    for (let i = 0; i < n; i++, this.o += step) this.add(this.dv.getFloat64(this.o, this.le), this.dv.getFloat64(this.o + 8, this.le));
    return n;
  }

  /**
   * Like `read`, but the positions go into `box` and nothing is built: the geometry's type, or null
   * where `read` returns null (empty). Throws where `read` throws.
   */
  scan(depth: number): string | null {
    const type = this.header(depth);
    switch (type) {
      case 1: {
        this.need(this.dims * 8);
        const x = this.dv.getFloat64(this.o, this.le);
        const y = this.dv.getFloat64(this.o + 8, this.le);
        this.o += this.dims * 8;
        if (Number.isNaN(x) && Number.isNaN(y)) return null;
        this.add(x, y);
        return 'Point';
      }
      case 2:
        return this.scanLine() === 0 ? null : 'LineString';
      case 3: {
        const n = this.count('ring');
        let kept = 0;
        for (let i = 0; i < n; i++) if (this.scanLine() > 0) kept++;
        return kept === 0 ? null : 'Polygon';
      }
      case 4: case 5: case 6: case 7: {
        const n = this.count('part');
        let kept = 0;
        for (let i = 0; i < n; i++) {
          const t = this.scan(depth + 1);
          if (t === null) continue;
          if (type !== 7 && t !== PART_TYPES[type]) throw new GeometryError(`a ${t} inside a WKB type ${type}`);
          kept++;
        }
        return kept === 0 ? null : (['MultiPoint', 'MultiLineString', 'MultiPolygon', 'GeometryCollection'][type - 4] as string);
      }
      default:
        throw new GeometryError(`unsupported WKB geometry type ${type}`);
    }
  }
}
