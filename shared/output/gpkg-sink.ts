/**
 * GeoPackage 1.3 output (`--out x.gpkg`), a RowSink written with node-sqlite3-wasm (SQLite in
 * WebAssembly, the library zonalflow reads GeoPackages with): `gpkg_spatial_ref_sys` (the
 * three rows the standard requires plus the input CRS: its EPSG code as srs_id when PROJJSON
 * names one, else srs_id 100000, WKT1 from PROJ; an input without a CRS uses srs_id -1),
 * `gpkg_contents` (extent), `gpkg_geometry_columns` (`geom`, the geometry type met: one type
 * name or GEOMETRY), and one features table named after the file: `ogc_fid` INTEGER PRIMARY KEY
 * (row number: the input fid may be NULL, text or repeated, so it is an ordinary column), `geom`
 * (GeoPackage geometry blobs: GP header with the XY envelope, ISO WKB little endian), then the
 * fields of geo-fields.ts (`id`, `fid`, statistics, `error`). Rows are inserted as they come,
 * one transaction per write; the file is built beside the path and renamed into place on close.
 * Memory: the first 10,000 rows (they decide the fid field's type), then one write's rows.
 */
import { randomBytes } from 'node:crypto';
import { statfsSync } from 'node:fs';
import { chmod, rename, rm } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import nodeSqlite from 'node-sqlite3-wasm';
import type { Database as Db, Statement } from 'node-sqlite3-wasm';
import { geojsonToWkb } from 'hyparquet-writer';
import { OutputError, OutputSpaceError, ZonalflowError } from '../errors';
import { writeFailure } from './file-output';
import type { Geometry } from '../geometry/types';
import { geometryBBox } from '../geometry/bbox';
import type { RowSink, SinkOptions } from './sink';
import type { ResultRow } from './table';
import type { GeoField, GeoFieldType, GeoSrs } from './geo-fields';
import { geoFields, geoSrs } from './geo-fields';

const { Database } = nodeSqlite;

/** srs_id of a CRS without an authority code (GeoPackage reserves ids below 32768 for EPSG-like ones by convention; GDAL uses 100000 upwards). */
const CUSTOM_SRS_ID = 100000;
const FIRST_ROWS = 10_000;

const WGS84_WKT = 'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]';

const SQL_TYPE: Record<GeoFieldType, string> = { text: 'TEXT', integer: 'INTEGER', real: 'REAL', boolean: 'BOOLEAN', datetime: 'DATETIME' };
const GPKG_TYPE: Record<Geometry['type'], string> = { Point: 'POINT', LineString: 'LINESTRING', Polygon: 'POLYGON', MultiPoint: 'MULTIPOINT', MultiLineString: 'MULTILINESTRING', MultiPolygon: 'MULTIPOLYGON', GeometryCollection: 'GEOMETRYCOLLECTION' };

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * A RowSink writing a GeoPackage at `path` (the layer is named after the file); `label` names it in errors (default
 * `output <path>`; the CLI's `--out <path>`). PROJ must be loaded when a CRS is given.
 */
export function gpkgSink(path: string, opts: SinkOptions, label = `output ${path}`): RowSink {
  return new GpkgSink(path, opts, label);
}

/** Free bytes below which a device that failed SQLite's write counts as full (a page or a journal's worth). */
const FULL_BELOW_BYTES = 1024 * 1024;

/**
 * The error of a failed write of the GeoPackage being built at `partial`: a typed error as it is; SQLite in
 * WebAssembly reports a full device as `disk I/O error` or `database or disk is full` without the errno, so one of
 * those on a device with less than {@link FULL_BELOW_BYTES} free (statfs) is an OutputSpaceError (`OUTPUT_FULL`);
 * anything else an OutputError naming the output.
 */
function gpkgFailure(label: string, partial: string, err: unknown): ZonalflowError {
  if (err instanceof ZonalflowError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/disk I\/O error|database or disk is full/i.test(message)) {
    const free = freeBytes(dirname(partial));
    if (free !== null && free < FULL_BELOW_BYTES) {
      return new OutputSpaceError(`${label}: writing failed: no space left on its device (SQLite: ${message}; ${free} bytes free there); free space there or write the output elsewhere`, { cause: err, context: { freeBytes: free } });
    }
  }
  return writeFailure(label, err, (reason) => `cannot write the GeoPackage: ${reason}`);
}

/** Bytes available to this process on the device holding `dir` (statfs), or null when it cannot be asked. */
function freeBytes(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return null;
  }
}

/** A GeoPackage geometry blob: GP header (version 0, little endian, XY envelope or the empty flag) + ISO WKB. */
export function gpkgGeometryBlob(g: Geometry, srsId: number): Uint8Array {
  const wkb = geojsonToWkb(g);
  const box = geometryBBox(g);
  const header = new DataView(new ArrayBuffer(box ? 40 : 8));
  header.setUint8(0, 0x47); // 'G'
  header.setUint8(1, 0x50); // 'P'
  header.setUint8(2, 0); // version 1 (0)
  header.setUint8(3, (box ? 1 << 1 : 1 << 4) | 1); // envelope [minx, maxx, miny, maxy] or empty; little endian
  header.setInt32(4, srsId, true);
  if (box) [box.xmin, box.xmax, box.ymin, box.ymax].forEach((v, i) => header.setFloat64(8 + i * 8, v, true));
  const out = new Uint8Array(header.byteLength + wkb.length);
  out.set(new Uint8Array(header.buffer), 0);
  out.set(wkb, header.byteLength);
  return out;
}

class GpkgSink implements RowSink {
  private readonly partial: string;
  private readonly layer: string;
  private db: Db | null = null;
  private insert: Statement | null = null;
  private fields: GeoField[] | null = null;
  private pending: ResultRow[] = [];
  private srsId = -1;
  private readonly types = new Set<string>();
  private extent: [number, number, number, number] | null = null;
  private state: 'open' | 'closed' | 'aborted' = 'open';

  constructor(private readonly path: string, private readonly opts: SinkOptions, private readonly label: string) {
    this.partial = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.partial`);
    this.layer = basename(path, extname(path)) || 'results';
  }

  async write(rows: readonly ResultRow[]): Promise<void> {
    if (this.state !== 'open') throw new OutputError(`${this.path}: write after ${this.state}`);
    try {
      if (this.fields === null) {
        for (const r of rows) this.pending.push(r);
        if (this.pending.length < FIRST_ROWS) return;
        this.start();
        rows = this.pending.splice(0);
      }
      this.insertRows(rows);
    } catch (err) {
      throw gpkgFailure(this.label, this.partial, err);
    }
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.state !== 'open') throw new OutputError(`${this.path}: close after ${this.state}`);
    this.state = 'closed';
    try {
      if (this.fields === null) {
        this.start();
        this.insertRows(this.pending.splice(0));
      }
      const db = this.requireDb();
      const type = this.types.size === 1 ? ([...this.types][0] ?? 'GEOMETRY') : 'GEOMETRY';
      db.run('UPDATE gpkg_geometry_columns SET geometry_type_name = ? WHERE table_name = ?', [type, this.layer]);
      const e = this.extent;
      if (e) db.run('UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ? WHERE table_name = ?', [e[0], e[1], e[2], e[3], this.layer]);
      this.insert?.finalize();
      this.insert = null;
      db.close();
      this.db = null;
      await chmod(this.partial, 0o644); // SQLite creates its files owner-only; an output is an ordinary file
      await rename(this.partial, this.path);
    } catch (err) {
      await this.abort();
      throw gpkgFailure(this.label, this.partial, err);
    }
  }

  async abort(): Promise<void> {
    this.state = this.state === 'closed' ? 'closed' : 'aborted';
    this.pending = [];
    try {
      this.insert?.finalize();
    } catch {
      // already finalized
    }
    this.insert = null;
    try {
      if (this.db?.isOpen) this.db.close();
    } catch {
      // closing a failed database
    }
    this.db = null;
    await rm(this.partial, { force: true });
  }

  private requireDb(): Db {
    if (this.db === null) throw new OutputError(`${this.path}: the GeoPackage is not open`);
    return this.db;
  }

  /** Creates the file, the gpkg tables and the features table (fields decided by the pending rows). */
  private start(): void {
    const fields = geoFields(this.opts, this.pending);
    this.fields = fields;
    const srs: GeoSrs | null = geoSrs(this.opts.geometry?.crs ?? null);
    let db: Db;
    try {
      db = new Database(this.partial);
    } catch (err) {
      throw new OutputError(`${this.path}: cannot be created: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    this.db = db;
    db.exec('PRAGMA application_id = 1196444487; PRAGMA user_version = 10300; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;');
    db.exec(`CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), CONSTRAINT uk_gc_table_name UNIQUE (table_name), CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name), CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));`);
    const addSrs = (name: string, id: number, org: string, code: number, def: string, description: string | null): void => {
      db.run('INSERT INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, organization_coordsys_id, definition, description) VALUES (?, ?, ?, ?, ?, ?)', [name, id, org, code, def, description]);
    };
    // the three rows GeoPackage requires
    addSrs('WGS 84 geodetic', 4326, 'EPSG', 4326, WGS84_WKT, 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');
    addSrs('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system');
    addSrs('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');
    if (srs !== null) {
      this.srsId = srs.org === 'EPSG' ? srs.code : CUSTOM_SRS_ID;
      if (this.srsId !== 4326) addSrs(srs.name, this.srsId, srs.org ?? 'NONE', srs.org ? srs.code : this.srsId, srs.wkt || 'undefined', null);
    }
    db.run('INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES (?, \'features\', ?, ?)', [this.layer, this.layer, this.srsId]);
    db.run('INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m) VALUES (?, \'geom\', \'GEOMETRY\', ?, 0, 0)', [this.layer, this.srsId]);
    db.exec(`CREATE TABLE ${quote(this.layer)} (ogc_fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom GEOMETRY${fields.map((f) => `, ${quote(f.name)} ${SQL_TYPE[f.type]}`).join('')})`);
    this.insert = db.prepare(`INSERT INTO ${quote(this.layer)} (geom${fields.map((f) => `, ${quote(f.name)}`).join('')}) VALUES (?${fields.map(() => ', ?').join('')})`);
  }

  private insertRows(rows: readonly ResultRow[]): void {
    if (rows.length === 0) return;
    const db = this.requireDb();
    const stmt = this.insert;
    const fields = this.fields;
    if (stmt === null || fields === null) throw new OutputError(`${this.path}: the GeoPackage is not open`);
    db.exec('BEGIN');
    try {
      for (const r of rows) {
        const g = r.geometry ?? null;
        let blob: Uint8Array | null = null;
        if (g !== null) {
          this.types.add(GPKG_TYPE[g.type]);
          const b = geometryBBox(g);
          if (b) this.extent = this.extent === null ? [b.xmin, b.ymin, b.xmax, b.ymax] : [Math.min(this.extent[0], b.xmin), Math.min(this.extent[1], b.ymin), Math.max(this.extent[2], b.xmax), Math.max(this.extent[3], b.ymax)];
          blob = gpkgGeometryBlob(g, this.srsId);
        }
        stmt.run([blob, ...fields.map((f) => { const v = f.value(r); return typeof v === 'boolean' ? (v ? 1 : 0) : v; })]);
      }
      db.exec('COMMIT');
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw err;
    }
  }
}
