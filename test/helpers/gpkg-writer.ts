/**
 * A small GeoPackage writer for tests and benchmarks (node-sqlite3-wasm): the
 * required gpkg tables, one feature table with an INTEGER PRIMARY KEY fid,
 * GeoPackage geometry blobs (GP header with an XY envelope + ISO WKB, little
 * endian) and attribute columns. Options produce odd files on purpose (no
 * srs row, Z coordinates, empty geometries) for the bad-input tests.
 */
import { existsSync, rmSync } from 'node:fs';
import nodeSqlite from 'node-sqlite3-wasm';
import type { Geometry, Position } from '../../shared/geometry/types';
import { geometryBBox } from '../../shared/geometry/bbox';

const { Database } = nodeSqlite;

/** A feature to write: geometry (null = SQL NULL), `empty` writes an empty-flagged blob. */
export interface WriteFeature { fid?: number; geometry: Geometry | null | 'empty'; properties?: Record<string, string | number | null> }

/** One layer. */
export interface WriteLayer {
  name: string;
  srsId: number;
  /** WKT definition of the srs (for srs ids not in the default table). */
  srsWkt?: string;
  /** `definition_12_063` (WKT2), adds the extension column. */
  srsWkt2?: string;
  geometryType?: string;
  columns?: Record<string, 'TEXT' | 'INTEGER' | 'REAL'>;
  features: Iterable<WriteFeature>;
  /** Write Z coordinates (value 100) to test that they are dropped. */
  withZ?: boolean;
}

const WGS84_WKT = 'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]]';

/** Writes a GeoPackage with the given layers (the file is replaced). */
export function writeGeoPackage(path: string, layers: WriteLayer[]): void {
  if (existsSync(path)) rmSync(path);
  const db = new Database(path);
  try {
    db.exec('PRAGMA application_id = 1196444487; PRAGMA user_version = 10400; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;');
    const wkt2 = layers.some((l) => l.srsWkt2 !== undefined);
    db.exec(`CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT${wkt2 ? ', definition_12_063 TEXT' : ''});`);
    db.exec('CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT \'\', last_change DATETIME NOT NULL DEFAULT (strftime(\'%Y-%m-%dT%H:%M:%fZ\',\'now\')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);');
    db.exec('CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name));');
    const srs = (id: number, name: string, org: string, code: number, def: string, def2?: string): void => {
      db.run(`INSERT INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, organization_coordsys_id, definition${wkt2 ? ', definition_12_063' : ''}) VALUES (?, ?, ?, ?, ?${wkt2 ? ', ?' : ''})`, wkt2 ? [name, id, org, code, def, def2 ?? 'undefined'] : [name, id, org, code, def]);
    };
    srs(4326, 'WGS 84', 'EPSG', 4326, WGS84_WKT);
    srs(-1, 'Undefined cartesian SRS', 'NONE', -1, 'undefined');
    srs(0, 'Undefined geographic SRS', 'NONE', 0, 'undefined');
    for (const layer of layers) {
      if (layer.srsId > 0 && layer.srsId !== 4326) srs(layer.srsId, `srs ${layer.srsId}`, layer.srsWkt ? 'NONE' : 'EPSG', layer.srsWkt ? layer.srsId : layer.srsId, layer.srsWkt ?? 'undefined', layer.srsWkt2);
      const cols = Object.entries(layer.columns ?? {});
      db.exec(`CREATE TABLE "${layer.name}" (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom BLOB${cols.map(([c, t]) => `, "${c}" ${t}`).join('')});`);
      db.run('INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES (?, \'features\', ?, ?)', [layer.name, layer.name, layer.srsId]);
      db.run('INSERT INTO gpkg_geometry_columns VALUES (?, \'geom\', ?, ?, ?, 0)', [layer.name, layer.geometryType ?? 'GEOMETRY', layer.srsId, layer.withZ ? 1 : 0]);
      const names = ['fid', 'geom', ...cols.map(([c]) => c)];
      const stmt = db.prepare(`INSERT INTO "${layer.name}" (${names.map((n) => `"${n}"`).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`);
      db.exec('BEGIN');
      try {
        for (const f of layer.features) {
          const blob = f.geometry === null ? null : gpkgBlob(f.geometry === 'empty' ? null : f.geometry, layer.srsId, layer.withZ === true);
          stmt.run([f.fid ?? null, blob, ...cols.map(([c]) => f.properties?.[c] ?? null)]);
        }
        db.exec('COMMIT');
      } finally {
        stmt.finalize();
      }
    }
  } finally {
    db.close();
  }
}

/** A GeoPackage geometry blob: GP header (XY envelope, or the empty flag) + ISO WKB little endian. */
export function gpkgBlob(g: Geometry | null, srsId: number, withZ = false): Uint8Array {
  const wkb = g === null ? wkbOf({ type: 'GeometryCollection', geometries: [] }, false) : wkbOf(g, withZ);
  const env = g === null ? null : envelope(g);
  const header = new DataView(new ArrayBuffer(8 + (env ? 32 : 0)));
  header.setUint8(0, 0x47);
  header.setUint8(1, 0x50);
  header.setUint8(2, 0);
  header.setUint8(3, (env ? 1 << 1 : 0) | (g === null ? 1 << 4 : 0) | 1);
  header.setInt32(4, srsId, true);
  if (env) env.forEach((v, i) => header.setFloat64(8 + i * 8, v, true));
  const out = new Uint8Array(header.byteLength + wkb.length);
  out.set(new Uint8Array(header.buffer), 0);
  out.set(wkb, header.byteLength);
  return out;
}

function envelope(g: Geometry): [number, number, number, number] | null {
  const b = geometryBBox(g);
  return b === null ? null : [b.xmin, b.xmax, b.ymin, b.ymax]; // the GeoPackage envelope order
}

const TYPE: Record<Geometry['type'], number> = { Point: 1, LineString: 2, Polygon: 3, MultiPoint: 4, MultiLineString: 5, MultiPolygon: 6, GeometryCollection: 7 };

/** ISO WKB (little endian) of a geometry, with a constant Z of 100 when `withZ`. */
export function wkbOf(g: Geometry, withZ: boolean): Uint8Array {
  const bytes: Uint8Array[] = [];
  const u8 = (v: number): void => { bytes.push(Uint8Array.of(v)); };
  const u32 = (v: number): void => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v, true); bytes.push(b); };
  const f64 = (v: number): void => { const b = new Uint8Array(8); new DataView(b.buffer).setFloat64(0, v, true); bytes.push(b); };
  const pos = (p: Position): void => { f64(p[0]); f64(p[1]); if (withZ) f64(100); };
  const head = (t: Geometry['type']): void => { u8(1); u32(TYPE[t] + (withZ ? 1000 : 0)); };
  const ring = (r: Position[]): void => { u32(r.length); r.forEach(pos); };
  const write = (x: Geometry): void => {
    head(x.type);
    switch (x.type) {
      case 'Point': pos(x.coordinates); break;
      case 'LineString': ring(x.coordinates); break;
      case 'Polygon': u32(x.coordinates.length); x.coordinates.forEach(ring); break;
      case 'MultiPoint': u32(x.coordinates.length); x.coordinates.forEach((p) => write({ type: 'Point', coordinates: p })); break;
      case 'MultiLineString': u32(x.coordinates.length); x.coordinates.forEach((l) => write({ type: 'LineString', coordinates: l })); break;
      case 'MultiPolygon': u32(x.coordinates.length); x.coordinates.forEach((p) => write({ type: 'Polygon', coordinates: p })); break;
      case 'GeometryCollection': u32(x.geometries.length); x.geometries.forEach(write); break;
    }
  };
  write(g);
  const total = bytes.reduce((a, b) => a + b.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const b of bytes) { out.set(b, o); o += b.length; }
  return out;
}
