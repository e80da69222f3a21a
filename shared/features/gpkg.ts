/**
 * GeoPackage reading with node-sqlite3-wasm (pure WASM: runs on Lambda arm64;
 * reads the file through its own VFS page by page, never whole). Features
 * stream by keyset pagination (`WHERE fid > ? ORDER BY fid LIMIT n`), so
 * memory stays flat for millions of rows. Path-based (Lambda downloads the
 * object to /tmp first); `openGeoPackageBytes` copies bytes to a temporary file.
 */
import { existsSync, openSync, readSync, closeSync, statSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodeSqlite from 'node-sqlite3-wasm';
import type { Database as Db, Statement } from 'node-sqlite3-wasm';
import { GeoPackageError, InputError, ZonalflowError } from '../errors';
import { BigFidKeys } from './big-fid-keys';
import type { BBox, Feature } from '../geometry/types';
import { gpkgGeometryBBox, parseGpkgGeometry } from '../geometry/wkb';
import { addFlat } from '../geometry/wkb-flat';
import type { FlatChunk } from '../geometry/wkb-flat';
import type { FeatureBox } from './source';
import { privateView } from './gpkg-snapshot';
import { columnMatches, findColumn, findLayer, missingLayer } from './missing-name';
import { hasRtreeIndex, layerCentres } from './gpkg-order';
import type { LayerCentres, RowEnvelopeCentres } from './gpkg-order';
import { geometryBBox } from '../geometry/bbox';
import { crsFromSrs } from '../crs/srs';
import type { SrsRow } from '../crs/srs';
import type { Crs } from '../crs/crs';

const { Database } = nodeSqlite;

/** A feature layer as listed by `gpkg_contents`. */
export interface LayerInfo {
  name: string;
  geometryColumn: string;
  geometryType: string;
  srsId: number;
  /** Feature count from GDAL's gpkg_ogr_contents when the file has it (cheap), else undefined. */
  featureCount?: number;
}

/** Options of `features()`. */
export interface FeatureOptions {
  /** Attribute holding the user's id (default: the fid). */
  idColumn?: string | undefined;
  /** Attributes to return in `properties` (default: all). */
  columns?: readonly string[] | undefined;
  /** Rows per query page (default 1000). */
  batchSize?: number | undefined;
  /** `features()`: each feature carries its geometry blob as stored (`Feature.blob`; Plan's batch files) instead of the geometry parsed. */
  blobs?: boolean | undefined;
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Options of `openGeoPackage`. */
export interface OpenOptions {
  /** The file belongs to this process (a download in a temporary folder): a WAL-mode file may be patched in place. */
  owned?: boolean;
}

/**
 * Opens a GeoPackage file read-only, never in place (see gpkg-snapshot.ts): no lock
 * file, journal or `-shm` is ever created beside it, stale `.lock` directories and
 * concurrent readers do not matter, and WAL-mode files are read with the committed
 * content of their `-wal` file. GeoPackageError naming the file when it is not one.
 */
export function openGeoPackage(path: string, opts: OpenOptions = {}): GeoPackage {
  if (!existsSync(path)) throw new GeoPackageError(`${path} does not exist`);
  const size = statSync(path).size;
  if (size < 100) throw new GeoPackageError(`${path} is not a GeoPackage (${size} bytes)`);
  const fd = openSync(path, 'r');
  const head = Buffer.alloc(100);
  try {
    readSync(fd, head, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  if (head.toString('latin1', 0, 16) !== 'SQLite format 3\0') throw new GeoPackageError(`${path} is not a GeoPackage (not an SQLite database)`);
  // SQLite header: page size at 16 (1 = 65536), page count at 28, valid when the change counter (24) equals 92
  const pageSize = head.readUInt16BE(16) === 1 ? 65536 : head.readUInt16BE(16);
  const pages = head.readUInt32BE(28);
  if (pages > 0 && head.readUInt32BE(24) === head.readUInt32BE(92) && size < pageSize * pages) {
    throw new GeoPackageError(`${path} is truncated (${size} bytes; its header says ${pages} pages of ${pageSize} bytes = ${pageSize * pages})`);
  }
  const view = privateView(path, head, opts);
  let db: Db;
  try {
    db = new Database(view.path, { readOnly: true, fileMustExist: true });
  } catch (err) {
    view.dispose();
    throw new GeoPackageError(`${path} is not a readable GeoPackage: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  try {
    // the view is private to this reader: hold the read lock from the first read to close, instead of
    // the VFS creating and removing its lock directory around every statement (3 s of 1M features' Plan)
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    db.get('SELECT count(*) AS n FROM sqlite_master');
  } catch (err) {
    db.close();
    view.dispose();
    throw new GeoPackageError(`${path} is not a readable GeoPackage: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const g = new GeoPackage(path, db);
  g.onClose(() => view.dispose());
  return g;
}

/**
 * Opens a GeoPackage held in memory: the bytes are written to a temporary file
 * (SQLite reads files, not buffers), removed again by `close()`.
 */
export function openGeoPackageBytes(bytes: Uint8Array, name = 'input.gpkg'): GeoPackage {
  const dir = mkdtempSync(join(tmpdir(), 'zf-gpkg-'));
  const path = join(dir, name.replace(/[^A-Za-z0-9._-]/g, '_') || 'input.gpkg');
  try {
    writeFileSync(path, bytes);
    const g = openGeoPackage(path, { owned: true });
    g.onClose(() => rmSync(dir, { recursive: true, force: true }));
    return g;
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** An open GeoPackage. */
export class GeoPackage {
  private readonly closers: (() => void)[] = [];
  private closed = false;
  constructor(readonly path: string, private readonly db: Db) {}

  /** Registers cleanup to run after `close()`. */
  onClose(fn: () => void): void {
    this.closers.push(fn);
  }

  /** A prepared statement (GeoPackageError naming the file when it cannot be prepared). */
  prepare(sql: string): Statement {
    try {
      return this.db.prepare(sql);
    } catch (err) {
      throw new GeoPackageError(`${this.path} is corrupt or truncated: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  private query<T>(sql: string, values?: unknown[]): T[] {
    try {
      return this.db.all(sql, values as never) as T[];
    } catch (err) {
      throw new GeoPackageError(`${this.path} is corrupt or truncated: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  /** The feature layers. */
  layers(): LayerInfo[] {
    const tables = this.query<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('gpkg_contents', 'gpkg_geometry_columns', 'gpkg_spatial_ref_sys')").map((r) => r.name);
    for (const t of ['gpkg_contents', 'gpkg_geometry_columns', 'gpkg_spatial_ref_sys']) {
      if (!tables.includes(t)) throw new GeoPackageError(`${this.path} is an SQLite file but not a GeoPackage (no ${t} table)`);
    }
    const counts = new Map<string, number>();
    const ogr = this.query<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'gpkg_ogr_contents'")[0]?.n ?? 0;
    if (Number(ogr) > 0) {
      for (const r of this.query<{ t: string; c: number | null }>('SELECT table_name AS t, feature_count AS c FROM gpkg_ogr_contents')) {
        if (r.c !== null && r.c !== undefined) counts.set(r.t, Number(r.c));
      }
    }
    return this.query<{ name: string; col: string; type: string; srs: number }>(
      "SELECT c.table_name AS name, g.column_name AS col, g.geometry_type_name AS type, g.srs_id AS srs FROM gpkg_contents c JOIN gpkg_geometry_columns g ON g.table_name = c.table_name WHERE c.data_type = 'features' ORDER BY c.table_name",
    ).map((r) => {
      const info: LayerInfo = { name: r.name, geometryColumn: r.col, geometryType: r.type, srsId: Number(r.srs) };
      const n = counts.get(r.name);
      if (n !== undefined) info.featureCount = n;
      return info;
    });
  }

  /** A layer by name; the only one when `name` is omitted. */
  layer(name?: string): FeatureLayer {
    const layers = this.layers();
    if (layers.length === 0) {
      const attrs = this.query<{ n: string }>("SELECT table_name AS n FROM gpkg_contents WHERE data_type = 'attributes'");
      throw new GeoPackageError(`${this.path} has no feature layer with a geometry column${attrs.length > 0 ? ` (attribute tables only: ${attrs.map((a) => a.n).join(', ')})` : ''}`);
    }
    let info: LayerInfo | undefined;
    if (name === undefined) {
      if (layers.length > 1) throw new InputError(`${this.path} has ${layers.length} layers (${layers.map((l) => l.name).join(', ')}); choose one (--layer / input.layer)`);
      info = layers[0];
    } else {
      // as GDAL's GetLayerByName: the name as spelled, else in another letter case (missing-name.ts findLayer)
      const found = findLayer(name, layers.map((l) => l.name));
      info = layers.find((l) => l.name === found);
      if (!info) throw missingLayer(this.path, name, layers.map((l) => l.name));
    }
    const l = info as LayerInfo;
    const cols = this.query<{ name: string; type: string; pk: number }>(`PRAGMA table_info(${quote(l.name)})`);
    if (cols.length === 0) throw new GeoPackageError(`${this.path}: layer "${l.name}" is listed but its table does not exist`);
    const pk = cols.filter((c) => c.pk > 0);
    const fidColumn = pk.length === 1 && /INT/i.test(pk[0]?.type ?? '') ? (pk[0]?.name ?? 'fid') : null;
    if (!fidColumn) throw new GeoPackageError(`${this.path}: layer "${l.name}" has no INTEGER PRIMARY KEY (fid) column`);
    if (!cols.some((c) => c.name === l.geometryColumn)) throw new GeoPackageError(`${this.path}: layer "${l.name}" has no geometry column "${l.geometryColumn}"`);
    const srs = this.query<SrsRow>(`SELECT * FROM gpkg_spatial_ref_sys WHERE srs_id = ?`, [l.srsId])[0];
    let crs: Crs;
    try {
      if (!srs) throw new GeoPackageError(`the srs_id ${l.srsId} of layer "${l.name}" is missing from gpkg_spatial_ref_sys`);
      crs = crsFromSrs(srs);
    } catch (err) {
      if (err instanceof ZonalflowError) throw new GeoPackageError(`${this.path}: layer "${l.name}": ${err.message}`, { cause: err });
      throw err;
    }
    const attributes = cols.map((c) => c.name).filter((c) => c !== fidColumn && c !== l.geometryColumn);
    const layer = new FeatureLayer(this, this.path, l, fidColumn, attributes, crs);
    for (const c of cols) layer.declaredTypes.set(c.name, c.type);
    return layer;
  }

  /** Runs a query (for the layer). */
  rows<T>(sql: string, values?: unknown[]): T[] {
    return this.query<T>(sql, values);
  }

  /** Closes the database. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.db.close();
    } catch {
      // already closed
    }
    for (const fn of this.closers.splice(0)) fn();
  }
}

/** One feature layer. */
export class FeatureLayer {
  readonly name: string;
  constructor(
    private readonly gpkg: GeoPackage,
    private readonly path: string,
    private readonly info: LayerInfo,
    readonly fidColumn: string,
    /** Attribute columns (not fid, not geometry). */
    readonly columns: readonly string[],
    readonly crs: Crs,
  ) {
    this.name = info.name;
  }

  /** Each column's declared SQL type (PRAGMA table_info). */
  readonly declaredTypes = new Map<string, string>();

  /**
   * The kind of a column from its declared type (GeoPackage 1.3 table 1, as GDAL maps them): BOOLEAN;
   * TINYINT/SMALLINT/MEDIUMINT/INT/INTEGER integer; FLOAT/DOUBLE/REAL number; DATETIME timestamp;
   * TEXT, DATE, BLOB and anything else text.
   */
  columnKind(name: string): 'text' | 'integer' | 'number' | 'boolean' | 'timestamp' {
    // a name in another letter case, as features() reads it (SQLite's column names differ by more than case)
    const column = columnMatches(name, [...this.declaredTypes.keys()])[0] ?? name;
    const t = (this.declaredTypes.get(column) ?? '').toUpperCase();
    if (t.startsWith('BOOL')) return 'boolean';
    if (/INT/.test(t)) return 'integer';
    if (/^(FLOAT|DOUBLE|REAL|NUMERIC|DECIMAL)/.test(t)) return 'number';
    if (t === 'DATETIME' || t === 'TIMESTAMP') return 'timestamp';
    return 'text';
  }

  /** Number of features (counted once: the file is a private snapshot, gpkg-snapshot.ts; or taken from {@link centres}, which reads every rowid). */
  count(): number {
    this.counted ??= Number(this.gpkg.rows<{ n: number }>(`SELECT count(*) AS n FROM ${quote(this.name)}`)[0]?.n ?? 0);
    return this.counted;
  }

  private counted: number | undefined;

  /** The layer's extent: from gpkg_contents, else computed from every geometry (one scan; null when the layer has none). */
  bbox(): BBox | null {
    const r = this.gpkg.rows<{ a: number | null; b: number | null; c: number | null; d: number | null }>('SELECT min_x AS a, min_y AS b, max_x AS c, max_y AS d FROM gpkg_contents WHERE table_name = ?', [this.name])[0];
    if (r && r.a !== null && r.b !== null && r.c !== null && r.d !== null) return { xmin: r.a, ymin: r.b, xmax: r.c, ymax: r.d };
    // (the R-tree index cannot help: node-sqlite3-wasm is built without the rtree module)
    let box: BBox | null = null;
    for (const f of this.features({ columns: [] })) {
      const b = f.geometry ? geometryBBox(f.geometry) : null;
      if (!b) continue;
      box = box === null ? b : { xmin: Math.min(box.xmin, b.xmin), ymin: Math.min(box.ymin, b.ymin), xmax: Math.max(box.xmax, b.xmax), ymax: Math.max(box.ymax, b.ymax) };
    }
    return box;
  }

  /**
   * The query of `opts`' columns, found as GDAL finds fields (missing-name.ts findColumn: `id_2` reads ID_2); `props`:
   * the names the attributes were asked by, which key each row's values (`AS`) and the features' properties.
   */
  private select(opts: FeatureOptions): { sql: string; props: string[]; id: string | null } {
    const idColumn = opts.idColumn === undefined ? undefined : findColumn(this.path, this.name, opts.idColumn, [this.fidColumn, ...this.columns], 'ids');
    const props = [...(opts.columns ?? this.columns)];
    const read = props.map((c) => findColumn(this.path, this.name, c, this.columns, 'attribute'));
    const id = idColumn === undefined || idColumn === this.fidColumn ? null : idColumn;
    const cols = ['rowid AS "__rowid"', `${quote(this.fidColumn)} AS "__fid"`, `${quote(this.info.geometryColumn)} AS "__geom"`, ...(id ? [`${quote(id)} AS "__id"`] : []), ...read.map((c, i) => (c === props[i] ? quote(c) : `${quote(c)} AS ${quote(props[i] as string)}`))];
    return { sql: `SELECT ${cols.join(', ')} FROM ${quote(this.name)}`, props, id };
  }

  /** Keys of rows whose rowid is beyond 2^53 (non-integer keys, never a real rowid) and back. */
  private readonly bigRowids = new BigFidKeys();

  /**
   * The feature key of a row: its rowid (= the fid of an INTEGER PRIMARY KEY table) when a
   * safe integer, else a non-integer key mapped back to the exact rowid.
   */
  private keyOf(rowid: unknown): number {
    if (typeof rowid === 'number') return rowid;
    return this.bigRowids.key(BigInt(rowid as bigint));
  }

  /** A row's key, stored fid (when the key cannot say it) and id (see Feature). */
  private identity(r: Record<string, unknown>, id: string | null): { fid: number; fidText: string | null | undefined; id: string; idNull: boolean } {
    const fid = this.keyOf(r.__rowid);
    const stored = r.__fid;
    const fidText = stored === fid ? undefined : stored === null || stored === undefined ? null : stored instanceof Uint8Array ? Buffer.from(stored).toString('hex') : typeof stored === 'string' ? stored : typeof stored === 'number' || typeof stored === 'bigint' ? stored.toString() : JSON.stringify(stored);
    const rawId = id ? r.__id : null;
    const idNull = id !== null && (rawId === null || rawId === undefined);
    return { fid, fidText, idNull, id: idNull ? '' : id ? idText(rawId, fid) : fidText === undefined ? String(fid) : (fidText ?? '') };
  }

  private toFeature(r: Record<string, unknown>, props: string[], id: string | null, blobs = false): Feature {
    const f = this.rowFeature(r, props, id);
    const blob = r.__geom;
    if (blob instanceof Uint8Array && blobs) f.blob = blob;
    else if (blob instanceof Uint8Array) {
      try {
        f.geometry = parseGpkgGeometry(blob);
      } catch (err) {
        f.problem = `unreadable geometry: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    return f;
  }

  /** A row as a feature without its geometry (null: {@link toFeature} reads it). */
  private rowFeature(r: Record<string, unknown>, props: string[], id: string | null): Feature {
    const who = this.identity(r, id);
    const properties: Record<string, unknown> = {};
    for (const p of props) properties[p] = r[p] ?? null;
    const f: Feature = { fid: who.fid, id: who.id, geometry: null, properties };
    if (who.idNull) f.idNull = true;
    if (who.fidText !== undefined) f.fidText = who.fidText;
    return f;
  }

  /**
   * Streams every feature in rowid order (= fid order for INTEGER PRIMARY KEY tables), one
   * page of `batchSize` rows at a time (keyset pagination on the rowid: `WHERE rowid > ?`),
   * so NULL, text, real and int64-extreme fids are all read, each exactly once.
   */
  *features(opts: FeatureOptions = {}): Generator<Feature> {
    const { sql, props, id } = this.select(opts);
    for (const r of this.pages(sql, opts.batchSize)) yield this.toFeature(r, props, id, opts.blobs === true);
  }

  /**
   * The features of `features()`, in the same order, with the bbox of their geometry instead of the
   * geometry (`gpkgGeometryBBox`: null when empty or unreadable); no geometry is built.
   */
  *boxes(opts: { idColumn?: string | undefined; batchSize?: number | undefined } = {}): Generator<FeatureBox> {
    const { sql, id } = this.select({ idColumn: opts.idColumn, columns: [] });
    for (const r of this.pages(sql, opts.batchSize)) {
      const who = this.identity(r, id);
      const blob = r.__geom;
      yield { fid: who.fid, id: who.id, ...(who.idNull ? { idNull: true } : {}), ...(who.fidText !== undefined ? { fidText: who.fidText } : {}), bbox: blob instanceof Uint8Array ? gpkgGeometryBBox(blob) : null };
    }
  }

  /** The rows of `sql` (a SELECT of this layer) in rowid order, by keyset pages of `batchSize` (default 1000). */
  private *pages(sql: string, batchSize?: number): Generator<Record<string, unknown>> {
    const size = Math.max(1, Math.floor(batchSize ?? 1000));
    const first = this.gpkg.prepare(`${sql} ORDER BY rowid LIMIT ${size}`);
    const stmt = this.gpkg.prepare(`${sql} WHERE rowid > ? ORDER BY rowid LIMIT ${size}`);
    try {
      let after: number | bigint | null = null;
      for (;;) {
        let page: Record<string, unknown>[];
        try {
          page = after === null ? first.all() : stmt.all([after]);
        } catch (err) {
          throw new GeoPackageError(`${this.path}: layer "${this.name}" is corrupt or truncated after fid ${String(after)}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        }
        yield* page;
        if (page.length < size) return;
        const last = page[page.length - 1]?.__rowid;
        after = typeof last === 'bigint' ? last : Number(last);
      }
    } finally {
      for (const s of [first, stmt]) {
        try {
          s.finalize();
        } catch {
          // the database was closed first
        }
      }
    }
  }

  /**
   * Every feature's fid in input (rowid) order and the centre of its bbox, without building geometries:
   * from the layer's R-tree when it has one (and `useRtree` is not false), else from the blobs' envelopes
   * (gpkg-order.ts), or from `envelopes` collected on a read of every row when those are what it would read.
   * Null when a rowid is beyond 2^53.
   */
  centres(opts: { useRtree?: boolean; envelopes?: RowEnvelopeCentres } = {}): LayerCentres | null {
    // envelopes collected on a whole read: what layerCentres would read from them (not when it reads an R-tree first)
    const collected = opts.envelopes !== undefined && !((opts.useRtree ?? true) && hasRtreeIndex(this.gpkg, this.name, this.info.geometryColumn));
    const centres = collected ? (opts.envelopes as RowEnvelopeCentres).centres() : layerCentres(this.gpkg, this.name, this.info.geometryColumn, opts);
    // every rowid of the table was read: its number is the count, which need not be scanned for again
    if (centres !== null) this.counted ??= centres.fids.length;
    return centres;
  }

  /**
   * The features with the given fids (safe-integer rowids, as {@link centres} gives them), in the order given;
   * GeoPackageError when one is missing. One query of the whole list (SQLite seeks each rowid in turn).
   */
  featuresAt(fids: readonly number[], opts: FeatureOptions = {}): Feature[] {
    const { rows, props, id } = this.rowsAt(fids, opts);
    const byFid = new Map<number, Feature>();
    for (const r of rows) {
      const f = this.toFeature(r, props, id);
      byFid.set(f.fid, f);
    }
    return fids.map((fid) => this.found(byFid.get(fid), fid));
  }

  /**
   * {@link featuresAt} with the geometries flat (wkb-flat.ts) into `chunk` (feature k's at k, of `fids.length`)
   * and each feature's `geometry` null; null when some blob is left to wkb.ts `parseGpkgGeometry` (a
   * collection, an unreadable blob...): then {@link featuresAt} reads the chunk.
   */
  flatFeaturesAt(fids: readonly number[], opts: FeatureOptions, chunk: FlatChunk): Feature[] | null {
    const at = new Map<number, number>();
    for (let k = 0; k < fids.length; k++) at.set(fids[k] as number, k);
    // a fid asked twice: featuresAt reads the chunk
    if (at.size < fids.length) return null;
    const features = new Array<Feature | undefined>(fids.length);
    const { stmt, props, id } = this.byFidStatement(opts);
    try {
      // row by row as SQLite finds them, each blob decoded at its feature's place: no row outlives its turn
      for (const r of stmt.iterate([JSON.stringify(fids)]) as Iterable<Record<string, unknown>>) {
        const f = this.rowFeature(r, props, id);
        const k = at.get(f.fid);
        if (k === undefined) continue;
        features[k] = f;
        const blob = r.__geom;
        if (!addFlat(chunk, k, blob instanceof Uint8Array ? blob : null)) return null;
      }
    } catch (err) {
      throw this.unreadable(err);
    }
    // built by push, not fids.map: the caller's fid arrays come in two elements kinds (small integers, or doubles when
    // made in optimized code), and map's inlined builtin deoptimized this function on each change (27 times a 100k job)
    const out: Feature[] = [];
    for (let k = 0; k < fids.length; k++) out.push(this.found(features[k], fids[k] as number));
    return out;
  }

  /** What {@link featuresAt} found for `fid`; GeoPackageError when it found nothing. */
  private found<T>(v: T | undefined, fid: number): T {
    if (v === undefined) throw new GeoPackageError(`${this.path}: layer "${this.name}" has no feature with fid ${fid} any more`);
    return v;
  }

  /** The rows of the given fids, in SQLite's order (one query of the whole list, by {@link byFidStatement}). */
  private rowsAt(fids: readonly number[], opts: FeatureOptions): { rows: Record<string, unknown>[]; props: string[]; id: string | null } {
    const { stmt, props, id } = this.byFidStatement(opts);
    try {
      return { rows: stmt.all([JSON.stringify(fids)]), props, id };
    } catch (err) {
      throw this.unreadable(err);
    }
  }

  /** The statement reading the selection of `opts` for a JSON list of fids (one per selection), with its properties and id column. */
  private byFidStatement(opts: FeatureOptions): { stmt: Statement; props: string[]; id: string | null } {
    const { sql, props, id } = this.select({ ...opts, columns: opts.columns ?? [] });
    const key = `${sql}\u0000${props.join(',')}`;
    if (this.byFid?.key !== key) {
      this.byFid?.stmt.finalize();
      const stmt = this.gpkg.prepare(`${sql} WHERE rowid IN (SELECT value FROM json_each(?))`);
      this.byFid = { key, stmt };
      // finalized after the database's close (which then completes): an open statement would keep it open
      this.gpkg.onClose(() => {
        if (!stmt.isFinalized) stmt.finalize();
      });
    }
    return { stmt: this.byFid.stmt, props, id };
  }

  /** An SQLite error while reading the layer, as the GeoPackageError naming the file. */
  private unreadable(err: unknown): GeoPackageError {
    return new GeoPackageError(`${this.path}: layer "${this.name}" is corrupt or truncated: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }

  /** The size of the file in bytes. */
  fileBytes(): number {
    return statSync(this.path).size;
  }

  /** Sets SQLite's page cache of the file to `kib` KiB (PRAGMA cache_size; SQLite's default is 2,000 KiB). */
  pageCache(kib: number): void {
    this.gpkg.rows(`PRAGMA cache_size = ${-Math.max(1, Math.floor(kib))}`);
  }

  /** The prepared statement of {@link featuresAt} (one per selection), finalized when the file closes. */
  private byFid: { key: string; stmt: Statement } | null = null;

  /** The features with the given fids, in the order given (missing fids are skipped). */
  featuresByFid(fids: readonly number[], opts: FeatureOptions = {}): Feature[] {
    const { sql, props, id } = this.select({ ...opts, columns: opts.columns ?? [] });
    const byFid = new Map<number, Feature>();
    for (let i = 0; i < fids.length; i += 500) {
      const chunk = fids.slice(i, i + 500).map((k) => this.bigRowids.value(k) ?? k);
      const rows = this.gpkg.rows<Record<string, unknown>>(`${sql} WHERE rowid IN (${chunk.map(() => '?').join(',')})`, chunk);
      for (const r of rows) {
        const f = this.toFeature(r, props, id);
        byFid.set(f.fid, f);
      }
    }
    return fids.map((f) => byFid.get(f)).filter((f): f is Feature => f !== undefined);
  }
}

/** Files up to this size are cached whole while read by fid ({@link byFidCacheKiB}). */
const WHOLE_FILE_CACHE = 24 * 1024 * 1024;

/**
 * The page cache (KiB) for reading a GeoPackage of `bytes` by fid in an order other than the file's (stats'
 * reading order): room for the whole file when it is at most 24 MiB, so that each page is read once (SQLite reads
 * its file a page per call: 100k fields, 18 MB, read 16 times over with 8 MiB), else 8 MiB (memory flat in the
 * number of features; SQLite's default is 2,000 KiB). SQLite counts its own header of each cached page against the
 * size (~5 % of a 4 KiB page): a cache of exactly the file's size holds a few pages less, and every pass over the
 * table then evicts the pages the next pass needs first (LRU), hence 1/4 more.
 */
export function byFidCacheKiB(bytes: number): number {
  return bytes <= WHOLE_FILE_CACHE ? Math.max(8 * 1024, Math.ceil((bytes * 1.25) / 1024)) : 8 * 1024;
}

/** The id as text: strings as they are, numbers without a trailing .0, blobs in hex; NULL -> the fid. */
function idText(v: unknown, fid: number): string {
  if (v === null || v === undefined) return String(fid);
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  return JSON.stringify(v);
}
