/**
 * Where each feature of a GeoPackage layer lies, known before any geometry is read: the layer's
 * rowids (= fids) in rowid order (the input order) and the centre of each feature's bbox, from the
 * layer's R-tree (`rtree_<table>_<geometry column>`, which GDAL writes by default) when the file
 * has one, else from the envelopes in the geometry blobs' headers (GeoPackage 1.3 §2.1.3; the
 * coordinates of a blob without an envelope are scanned). `stats` orders its reading by these
 * centres (read-order.ts) and reads the features by fid in that order.
 *
 * Only the order depends on this: the features themselves are read from the table, so a stale
 * or partial R-tree makes a worse order, never a wrong result. node-sqlite3-wasm is built without
 * SQLite's rtree module: the R-tree's shadow table `<rtree>_node` is read as the plain table it
 * is (SQLite's rtree.c node format: a 2-byte tree depth (root only), a 2-byte cell count, then
 * cells of an 8-byte id and minx, maxx, miny, maxy as 4-byte floats, all big-endian). Any node
 * that does not fit that format makes the R-tree unusable and the envelopes are read instead.
 */
import { GeoPackageError } from '../errors';
import { gpkgGeometryBBox } from '../geometry/wkb';
import type { GeoPackage } from './gpkg';

/** The layer's features in rowid order and the centres of their bboxes. */
export interface LayerCentres {
  /** Every rowid (= fid) of the layer, increasing: feature i of the input order has fid `fids[i]`. */
  fids: Float64Array;
  /** Centre of each feature's bbox in the layer's CRS (NaN: NULL, empty or unreadable geometry, or no R-tree entry). */
  cx: Float64Array;
  cy: Float64Array;
  /** Where the centres came from. */
  source: 'rtree' | 'envelopes';
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;
/** Rows per keyset page of the passes over the table. */
const PAGE = 5000;
/** Envelope bytes by the header's envelope indicator (0 none, 1 xy, 2 xyz, 3 xym, 4 xyzm). */
const ENVELOPE_BYTES = [0, 32, 48, 48, 64];
/** Bytes of an R-tree cell of a 2-D index: the id, then 4 float32. */
const CELL = 24;
/** Deeper than any R-tree of 2^53 entries (at least 2 cells a node): a depth beyond this is corruption. */
const MAX_DEPTH = 64;

/**
 * The centres of layer `table` (geometry column `geometryColumn`): from its R-tree when `useRtree` and the
 * file has a readable one, else from the geometry blobs' headers. Null when a rowid is not a safe integer
 * (keys beyond 2^53: `zonalflow stats` then spools the features, prepare-job.ts). GeoPackageError when the table cannot be read.
 */
export function layerCentres(gpkg: GeoPackage, table: string, geometryColumn: string, opts: { useRtree?: boolean } = {}): LayerCentres | null {
  if ((opts.useRtree ?? true) && hasRtreeIndex(gpkg, table, geometryColumn)) {
    const fids = rowids(gpkg, table);
    if (fids === null) return null;
    const fromIndex = rtreeCentres(gpkg, `rtree_${table}_${geometryColumn}_node`, fids);
    if (fromIndex !== null) return { fids, ...fromIndex, source: 'rtree' };
  }
  return envelopeCentres(gpkg, table, geometryColumn);
}

/** Whether layer `table` has the shadow table of an R-tree on `geometryColumn` (then {@link layerCentres} tries it first). */
export function hasRtreeIndex(gpkg: GeoPackage, table: string, geometryColumn: string): boolean {
  const n = gpkg.rows<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?", [`rtree_${table}_${geometryColumn}_node`])[0]?.n ?? 0;
  return Number(n) > 0;
}

/**
 * The centres {@link layerCentres} reads from the blobs' envelopes (`source: 'envelopes'`), collected from the rows
 * of a read of the whole layer in rowid order that has each blob and its bbox anyway (Plan's first pass): the same
 * numbers, without a second pass over the table. Null, as there, when a rowid is beyond 2^53 (a non-integer key).
 */
export class RowEnvelopeCentres {
  private fids = new Float64Array(1024);
  private cx = new Float64Array(1024);
  private cy = new Float64Array(1024);
  private n = 0;
  private beyond = false;

  /** The next row: its key, its geometry blob (null: NULL) and, when the caller has it, that blob's gpkgGeometryBBox (else read here when needed). */
  push(fid: number, blob: Uint8Array | null, known?: { xmin: number; ymin: number; xmax: number; ymax: number } | null): void {
    if (!Number.isInteger(fid)) this.beyond = true;
    if (this.n === this.fids.length) {
      this.fids = grow(this.fids);
      this.cx = grow(this.cx);
      this.cy = grow(this.cy);
    }
    const c = blob === null ? null : envelopeCentre(blob);
    const box = c === 'scan' && blob !== null ? (known !== undefined ? known : gpkgGeometryBBox(blob)) : null;
    const scanned = c === 'scan' && box !== null;
    this.fids[this.n] = fid;
    this.cx[this.n] = scanned ? (box.xmin + box.xmax) / 2 : c === null || c === 'scan' ? NaN : c[0];
    this.cy[this.n] = scanned ? (box.ymin + box.ymax) / 2 : c === null || c === 'scan' ? NaN : c[1];
    this.n++;
  }

  /** The centres of the rows pushed (null when a key stood for a rowid beyond 2^53). */
  centres(): LayerCentres | null {
    if (this.beyond) return null;
    return { fids: this.fids.slice(0, this.n), cx: this.cx.slice(0, this.n), cy: this.cy.slice(0, this.n), source: 'envelopes' };
  }
}

/** Every rowid of `table`, increasing (null when one is not a safe integer). */
function rowids(gpkg: GeoPackage, table: string): Float64Array | null {
  let out = new Float64Array(1024);
  let n = 0;
  try {
    for (const page of pages<{ r: unknown }>(gpkg, `SELECT rowid AS r FROM ${quote(table)}`)) {
      for (const row of page) {
        if (typeof row.r !== 'number') return null;
        if (n === out.length) out = grow(out);
        out[n++] = row.r;
      }
    }
  } catch (err) {
    throw new GeoPackageError(`${gpkg.path}: layer "${table}" is corrupt or truncated: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return out.slice(0, n);
}

/**
 * The rows of `select` (a SELECT naming the rowid `r`, with no WHERE or ORDER BY), {@link PAGE} at a time in
 * rowid order by keyset pagination (`WHERE rowid > last`); its statements are finalized when the caller stops.
 * A page's last `r` must be a number for the next page (callers stop at a non-number rowid first).
 */
function* pages<T extends { r: unknown }>(gpkg: GeoPackage, select: string): Generator<T[]> {
  const first = gpkg.prepare(`${select} ORDER BY rowid LIMIT ${PAGE}`);
  const next = gpkg.prepare(`${select} WHERE rowid > ? ORDER BY rowid LIMIT ${PAGE}`);
  try {
    let after: unknown = null;
    for (;;) {
      const page = (after === null ? first.all() : next.all([after as number])) as T[];
      yield page;
      if (page.length < PAGE) return;
      after = page[page.length - 1]?.r;
    }
  } finally {
    finalize(first, next);
  }
}

/**
 * The centres of the R-tree's leaf cells, placed by binary search on `fids` (cells naming no rowid of the
 * table are ignored: a stale index). Null when a node is missing or does not have the rtree.c format.
 */
function rtreeCentres(gpkg: GeoPackage, nodeTable: string, fids: Float64Array): { cx: Float64Array; cy: Float64Array } | null {
  const cx = new Float64Array(fids.length).fill(NaN);
  const cy = new Float64Array(fids.length).fill(NaN);
  let stmt: ReturnType<GeoPackage['prepare']>;
  try {
    stmt = gpkg.prepare(`SELECT data FROM ${quote(nodeTable)} WHERE nodeno = ?`);
  } catch {
    return null; // a node table without the rtree.c columns
  }
  try {
    const node = (no: number): DataView | null => {
      const data = (stmt.all([no]) as { data: unknown }[])[0]?.data;
      return data instanceof Uint8Array && data.length >= 4 ? new DataView(data.buffer, data.byteOffset, data.byteLength) : null;
    };
    const root = node(1);
    if (root === null) return null;
    const depth = root.getUint16(0, false);
    if (depth > MAX_DEPTH) return null;
    // depth-first from the root; each node visited once (a cycle or a shared child is corruption)
    const seen = new Set<number>([1]);
    const stack: [DataView, number][] = [[root, depth]];
    for (;;) {
      const top = stack.pop();
      if (top === undefined) break;
      const [view, d] = top;
      const cells = view.getUint16(2, false);
      if (4 + cells * CELL > view.byteLength) return null;
      for (let c = 0, at = 4; c < cells; c++, at += CELL) {
        const id = Number(view.getBigInt64(at, false));
        if (d > 0) {
          if (seen.has(id)) return null;
          seen.add(id);
          const child = node(id);
          if (child === null) return null;
          stack.push([child, d - 1]);
          continue;
        }
        const i = indexOf(fids, id);
        if (i < 0) continue;
        cx[i] = (view.getFloat32(at + 8, false) + view.getFloat32(at + 12, false)) / 2;
        cy[i] = (view.getFloat32(at + 16, false) + view.getFloat32(at + 20, false)) / 2;
      }
    }
  } catch {
    return null; // unreadable nodes: the envelopes' pass reads the table (and names a corrupt file)
  } finally {
    finalize(stmt);
  }
  return { cx, cy };
}

/** The centres from the geometry blobs' envelopes, one keyset pass over the table (blobs without one: their coordinates, fetched by rowid). */
function envelopeCentres(gpkg: GeoPackage, table: string, geometryColumn: string): LayerCentres | null {
  let fids = new Float64Array(1024);
  let cx = new Float64Array(1024);
  let cy = new Float64Array(1024);
  let n = 0;
  const whole = gpkg.prepare(`SELECT rowid AS r, ${quote(geometryColumn)} AS g FROM ${quote(table)} WHERE rowid IN (SELECT value FROM json_each(?))`);
  try {
    for (const page of pages<{ r: unknown; h: unknown }>(gpkg, `SELECT rowid AS r, substr(${quote(geometryColumn)}, 1, 72) AS h FROM ${quote(table)}`)) {
      // rows whose header has no envelope: their position by rowid
      const scan = new Map<number, number>();
      for (const row of page) {
        if (typeof row.r !== 'number') return null;
        if (n === fids.length) {
          fids = grow(fids);
          cx = grow(cx);
          cy = grow(cy);
        }
        fids[n] = row.r;
        const c = row.h instanceof Uint8Array ? envelopeCentre(row.h) : null;
        if (c === 'scan') scan.set(row.r, n);
        cx[n] = c === null || c === 'scan' ? NaN : c[0];
        cy[n] = c === null || c === 'scan' ? NaN : c[1];
        n++;
      }
      if (scan.size > 0) {
        for (const row of whole.all([JSON.stringify([...scan.keys()])]) as { r: number; g: unknown }[]) {
          const at = scan.get(row.r);
          const box = row.g instanceof Uint8Array ? gpkgGeometryBBox(row.g) : null;
          if (at === undefined || box === null) continue;
          cx[at] = (box.xmin + box.xmax) / 2;
          cy[at] = (box.ymin + box.ymax) / 2;
        }
      }
    }
  } catch (err) {
    throw new GeoPackageError(`${gpkg.path}: layer "${table}" is corrupt or truncated: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    finalize(whole);
  }
  return { fids: fids.slice(0, n), cx: cx.slice(0, n), cy: cy.slice(0, n), source: 'envelopes' };
}

/**
 * The centre of the envelope in the first bytes of a GeoPackage geometry blob; 'scan' when the blob has no
 * envelope (or is plain WKB: its coordinates are read); null when empty or not a geometry header.
 */
export function envelopeCentre(head: Uint8Array): [number, number] | 'scan' | null {
  if (head.length < 8 || head[0] !== 0x47 || head[1] !== 0x50) return head.length >= 5 && (head[0] === 0 || head[0] === 1) ? 'scan' : null;
  const flags = head[3] ?? 0;
  if ((flags >> 4) & 1) return null; // empty
  const kind = (flags >> 1) & 7;
  const bytes = ENVELOPE_BYTES[kind];
  if (bytes === undefined) return null;
  if (bytes === 0) return 'scan';
  if (head.length < 8 + 32) return null;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const little = (flags & 1) === 1;
  // four reads, not a map over [0, 1, 2, 3] (an array, a closure and boxed numbers per feature)
  const minx = view.getFloat64(8, little);
  const maxx = view.getFloat64(16, little);
  const miny = view.getFloat64(24, little);
  const maxy = view.getFloat64(32, little);
  if (!(Number.isFinite(minx) && Number.isFinite(maxx) && Number.isFinite(miny) && Number.isFinite(maxy))) return 'scan';
  return [(minx + maxx) / 2, (miny + maxy) / 2];
}

/** Position of `v` in the increasing `a`, or -1. */
function indexOf(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = a[mid] as number;
    if (x === v) return mid;
    if (x < v) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function grow(a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

function finalize(...stmts: { finalize(): void }[]): void {
  for (const s of stmts) {
    try {
      s.finalize();
    } catch {
      // the database was closed first
    }
  }
}
