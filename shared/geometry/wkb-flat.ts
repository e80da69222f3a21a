/**
 * GeoPackage geometry blobs decoded into flat coordinates, without building a GeoJSON-shaped
 * geometry (wkb.ts `parseGpkgGeometry` builds one array per position): a chunk's positions go into
 * two Float64Arrays (x, y), each geometry's structure into a shared list of counts (its "shape").
 *
 * A shape is the job spool's geometry encoding (job-order.ts `encodeGeometry`) without the
 * coordinates: a type code (0 Point, 1 MultiPoint, 2 LineString, 3 MultiLineString, 4 Polygon,
 * 5 MultiPolygon), then the part counts and run lengths where the encoding has them; a Point's one
 * position follows its code. Each geometry's positions are consecutive, in the order they are
 * written. Only these six kinds, read exactly as `parseGpkgGeometry` reads them (empty rings and
 * empty parts dropped, Z and M dropped, either byte order, ISO and EWKB flags); everything else
 * (collections, a part of another kind, an unreadable blob, a SpatiaLite blob) is left to
 * `parseGpkgGeometry` ({@link FLAT_UNSUPPORTED}), which gives the geometry or the reason it is
 * unreadable. Pure: no I/O.
 */
import { WKB_SRID_FLAG, wkbBaseType, wkbDims } from './wkb';

const ENVELOPE_BYTES = [0, 32, 48, 48, 64];

/** What {@link FlatGeometries.add} returns for a blob it leaves to wkb.ts `parseGpkgGeometry`. */
export const FLAT_UNSUPPORTED = -2;
/** What {@link FlatGeometries.add} returns for an empty geometry (wkb.ts: null). */
export const FLAT_EMPTY = -1;

/** Thrown inside the reader when a blob is left to wkb.ts (never escapes {@link FlatGeometries.add}). */
class Unsupported extends Error {}
const UNSUPPORTED = new Unsupported('left to parseGpkgGeometry');

/**
 * A chunk's geometries, flat: positions in `xs`/`ys` (the first `positions` of them), shapes in
 * `shape`. Reused from chunk to chunk ({@link clear}): its arrays only grow.
 */
export class FlatGeometries {
  xs = new Float64Array(1024);
  ys = new Float64Array(1024);
  /** Positions held. */
  positions = 0;
  /** The shapes, one after the other. */
  readonly shape: number[] = [];

  // the blob being read
  private dv: DataView = new DataView(new ArrayBuffer(8));
  private len = 0;
  private o = 0;
  private le = true;
  private dims = 2;

  /** Forgets every geometry (the arrays are kept). */
  clear(): void {
    this.positions = 0;
    this.shape.length = 0;
  }

  /**
   * Adds a GeoPackage geometry blob (or plain WKB, as wkb.ts accepts): the index of its shape in
   * `shape`, {@link FLAT_EMPTY} for an empty geometry, {@link FLAT_UNSUPPORTED} when it is left to
   * wkb.ts (nothing is added then).
   */
  add(blob: Uint8Array): number {
    const shape0 = this.shape.length;
    const pos0 = this.positions;
    try {
      const start = wkbStart(blob);
      if (start < 0) return FLAT_EMPTY;
      this.dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
      this.len = blob.byteLength;
      this.o = start;
      if (!this.geometry()) {
        this.shape.length = shape0;
        this.positions = pos0;
        return FLAT_EMPTY;
      }
      return shape0;
    } catch {
      this.shape.length = shape0;
      this.positions = pos0;
      return FLAT_UNSUPPORTED;
    }
  }

  private need(n: number): void {
    if (this.o + n > this.len) throw UNSUPPORTED;
  }

  private count(min: number): number {
    this.need(4);
    const n = this.dv.getUint32(this.o, this.le);
    this.o += 4;
    if (n * min > this.len - this.o) throw UNSUPPORTED;
    return n;
  }

  /** The byte order and type at the cursor (as wkb.ts WkbReader.header); the base type 1..7. */
  private header(): number {
    this.need(5);
    const order = this.dv.getUint8(this.o);
    if (order !== 0 && order !== 1) throw UNSUPPORTED;
    this.le = order === 1;
    const raw = this.dv.getUint32(this.o + 1, this.le);
    this.o += 5;
    if (raw & WKB_SRID_FLAG) {
      this.need(4);
      this.o += 4;
    }
    this.dims = wkbDims(raw);
    return wkbBaseType(raw);
  }

  private push(x: number, y: number): void {
    if (this.positions === this.xs.length) {
      const xs = new Float64Array(this.xs.length * 2);
      const ys = new Float64Array(this.xs.length * 2);
      xs.set(this.xs);
      ys.set(this.ys);
      this.xs = xs;
      this.ys = ys;
    }
    this.xs[this.positions] = x;
    this.ys[this.positions++] = y;
  }

  /** A run of positions (its count then the positions): their number. */
  private run(): number {
    const n = this.count(this.dims * 8);
    const step = this.dims * 8;
    for (let i = 0; i < n; i++, this.o += step) this.push(this.dv.getFloat64(this.o, this.le), this.dv.getFloat64(this.o + 8, this.le));
    return n;
  }

  /** A point's position at the cursor; false (nothing added) for POINT(NaN NaN). */
  private point(): boolean {
    this.need(this.dims * 8);
    const x = this.dv.getFloat64(this.o, this.le);
    const y = this.dv.getFloat64(this.o + 8, this.le);
    this.o += this.dims * 8;
    if (Number.isNaN(x) && Number.isNaN(y)) return false;
    this.push(x, y);
    return true;
  }

  /** A polygon's rings (its count, then each ring), empty rings dropped: the rings kept; the shape gets the count, then each kept ring's length. */
  private rings(): number {
    const n = this.count(4);
    const at = this.shape.length;
    this.shape.push(0);
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const len = this.run();
      if (len > 0) {
        this.shape.push(len);
        kept++;
      }
    }
    this.shape[at] = kept;
    return kept;
  }

  /** The geometry at the cursor into the shape; false when it is empty (the caller undoes what was added). */
  private geometry(): boolean {
    const type = this.header();
    switch (type) {
      case 1:
        this.shape.push(0);
        return this.point();
      case 2: {
        this.shape.push(2, 0);
        const n = this.run();
        this.shape[this.shape.length - 1] = n;
        return n > 0;
      }
      case 3:
        this.shape.push(4);
        return this.rings() > 0;
      case 4: case 5: case 6: {
        this.shape.push(type === 4 ? 1 : type === 5 ? 3 : 5, 0);
        const at = this.shape.length - 1;
        const n = this.count(5);
        let kept = 0;
        for (let i = 0; i < n; i++) if (this.part(type)) kept++;
        // a MultiPoint's shape is its run length: its points
        this.shape[at] = kept;
        return kept > 0;
      }
      default:
        // collections, curves, surfaces: wkb.ts reads them or says why not
        throw UNSUPPORTED;
    }
  }

  /** One part of a multi-geometry of type `multi` (4, 5, 6); false when empty (dropped, as wkb.ts drops it). */
  private part(multi: number): boolean {
    const type = this.header();
    // a part of another kind: wkb.ts throws, or drops it when empty
    if (type !== multi - 3) throw UNSUPPORTED;
    if (type === 1) return this.point();
    if (type === 2) {
      const at = this.shape.length;
      this.shape.push(0);
      const n = this.run();
      if (n === 0) {
        this.shape.length = at;
        return false;
      }
      this.shape[at] = n;
      return true;
    }
    const at = this.shape.length;
    if (this.rings() === 0) {
      this.shape.length = at;
      return false;
    }
    return true;
  }
}

/** Where the WKB starts in a GeoPackage blob (0: plain WKB), -1 for the empty flag; throws {@link UNSUPPORTED} where wkb.ts gpkgWkb throws (or reads SpatiaLite). */
function wkbStart(blob: Uint8Array): number {
  if (blob.length < 8 || blob[0] !== 0x47 || blob[1] !== 0x50) {
    // plain WKB starts with its byte order; a SpatiaLite blob (also 0x00 first) is left to wkb.ts
    if (blob.length >= 5 && (blob[0] === 1 || (blob[0] === 0 && blob[blob.length - 1] !== 0xfe))) return 0;
    throw UNSUPPORTED;
  }
  const flags = blob[3] ?? 0;
  const envelope = (flags >> 1) & 7;
  if (envelope > 4 || (flags >> 5) & 1) throw UNSUPPORTED;
  const start = 8 + (ENVELOPE_BYTES[envelope] ?? 0);
  if ((flags >> 4) & 1) return -1;
  if (blob.length < start + 5) throw UNSUPPORTED;
  return start;
}

/**
 * A chunk of features' geometries, flat: feature k's shape starts at `shape[k]` in `flat.shape` and
 * has `shapeLen[k]` entries ({@link FLAT_EMPTY}: no geometry), its positions are `flat.xs/ys` from
 * `pos[k]`, `posLen[k]` of them.
 */
export interface FlatChunk {
  flat: FlatGeometries;
  shape: Int32Array;
  shapeLen: Int32Array;
  pos: Int32Array;
  posLen: Int32Array;
}

/** An empty chunk of `n` features over `flat` (cleared). */
export function flatChunk(flat: FlatGeometries, n: number): FlatChunk {
  flat.clear();
  return { flat, shape: new Int32Array(n).fill(FLAT_EMPTY), shapeLen: new Int32Array(n), pos: new Int32Array(n), posLen: new Int32Array(n) };
}

/** Feature k's blob (null: no geometry) into the chunk; false when the blob is left to wkb.ts `parseGpkgGeometry` ({@link FLAT_UNSUPPORTED}). */
export function addFlat(c: FlatChunk, k: number, blob: Uint8Array | null): boolean {
  c.shape[k] = FLAT_EMPTY;
  if (blob === null) return true;
  const pos0 = c.flat.positions;
  const at = c.flat.add(blob);
  if (at === FLAT_UNSUPPORTED) return false;
  if (at === FLAT_EMPTY) return true;
  c.shape[k] = at;
  c.shapeLen[k] = c.flat.shape.length - at;
  c.pos[k] = pos0;
  c.posLen[k] = c.flat.positions - pos0;
  return true;
}
