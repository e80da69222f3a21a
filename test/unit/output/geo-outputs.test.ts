/**
 * GeoPackage and FlatGeobuf outputs of test/fixtures/outputs/features_2169.gpkg, read back
 * without GDAL (SQLite through node-sqlite3-wasm, zonalflow's GeoPackage reader, the
 * flatgeobuf package's deserializer) and compared with what GDAL and pyproj say about the
 * input (expected.json, make.py). When GDAL's python bindings are installed the same files are
 * also handed to the GDAL oracle (check.py: ogr + validate_gpkg.py).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodeSqlite from 'node-sqlite3-wasm';
import { deserialize } from 'flatgeobuf/lib/mjs/generic/featurecollection.js';
import { parseProperties } from 'flatgeobuf/lib/mjs/generic/feature.js';
import type { IFeature } from 'flatgeobuf/lib/mjs/generic/feature.js';
import { fromGeometry } from 'flatgeobuf/lib/mjs/geojson/geometry.js';
import type { Feature as FgbFeature } from 'flatgeobuf/lib/mjs/flat-geobuf/feature.js';
import type { HeaderMeta } from 'flatgeobuf/lib/mjs/header-meta.js';
import { gpkgSink } from '../../../shared/output/gpkg-sink';
import { fgbSink } from '../../../shared/output/fgb-sink';
import { openFeatureSource } from '../../../shared/features/open';
import type { RowSink } from '../../../shared/output/sink';
import type { ResultRow } from '../../../shared/output/table';
import { columns, expected, fixtureRows } from './fixture-rows';

let dir: string;
let rows: ResultRow[];
let projjson: string | null;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'geo-out-'));
  ({ rows, projjson } = await fixtureRows());
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function writeWith(open: (path: string) => RowSink, name: string): Promise<string> {
  const path = join(dir, name);
  const sink = open(path);
  await sink.write(rows.slice(0, 2));
  await sink.write(rows.slice(2));
  await sink.close();
  return path;
}

const values = expected.features.map((f) => [f.name, f.fid, f.geometry ? f.fid * 1.5 : null]);

describe('GeoPackage output', () => {
  let path: string;
  beforeAll(async () => {
    path = await writeWith((p) => gpkgSink(p, { columns, geometry: { crs: projjson } }), 'out.gpkg');
  });

  it('is a GeoPackage 1.3 with the gpkg tables, the input CRS and the extent GDAL gives', () => {
    const db = new nodeSqlite.Database(path, { readOnly: true });
    try {
      expect(db.get('PRAGMA application_id')).toEqual({ application_id: 0x47504b47 });
      expect(db.get('PRAGMA user_version')).toEqual({ user_version: 10300 });
      const code = Number(expected.crs_authority.split(':')[1]);
      expect(db.all('SELECT srs_id, organization, organization_coordsys_id FROM gpkg_spatial_ref_sys ORDER BY srs_id')).toEqual([
        { srs_id: -1, organization: 'NONE', organization_coordsys_id: -1 }, { srs_id: 0, organization: 'NONE', organization_coordsys_id: 0 },
        { srs_id: code, organization: 'EPSG', organization_coordsys_id: code }, { srs_id: 4326, organization: 'EPSG', organization_coordsys_id: 4326 },
      ]);
      expect(db.get('SELECT table_name, data_type, min_x, min_y, max_x, max_y, srs_id FROM gpkg_contents')).toEqual({ table_name: 'out', data_type: 'features', min_x: expected.extent[0], min_y: expected.extent[1], max_x: expected.extent[2], max_y: expected.extent[3], srs_id: code });
      expect(db.get('SELECT table_name, column_name, geometry_type_name, srs_id, z, m FROM gpkg_geometry_columns')).toEqual({ table_name: 'out', column_name: 'geom', geometry_type_name: 'GEOMETRY', srs_id: code, z: 0, m: 0 });
      const feats = db.all('SELECT ogc_fid, id, fid, b_mean, error IS NULL AS ok, geom FROM out ORDER BY ogc_fid');
      expect(feats.map((f) => [f.id, f.fid, f.b_mean])).toEqual(values);
      expect(feats.map((f) => f.ok === 1)).toEqual(expected.features.map((f) => f.geometry !== null));
      // each blob's header envelope (minx, maxx, miny, maxy) is GDAL's envelope of the feature
      expect(feats.map((f) => {
        const b = f.geom;
        if (!(b instanceof Uint8Array)) return null;
        const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
        expect([b[0], b[1], b[2], (b[3] ?? 0) & 0b1111, v.getInt32(4, true)]).toEqual([0x47, 0x50, 0, 0b0011, code]);
        return [v.getFloat64(8, true), v.getFloat64(24, true), v.getFloat64(16, true), v.getFloat64(32, true)];
      })).toEqual(expected.features.map((f) => f.bbox));
    } finally {
      db.close();
    }
  });

  it('reads back (zonalflow\'s reader) with GDAL\'s geometries and the input CRS', async () => {
    const src = await openFeatureSource(path);
    try {
      expect(src.crs.epsg).toBe(Number(expected.crs_authority.split(':')[1]));
      const got: unknown[] = [];
      for await (const f of src.features({ idColumn: 'id', columns: ['b_mean'] })) got.push([f.id, f.geometry]);
      expect(got).toEqual(expected.features.map((f) => [f.name, f.geometry]));
    } finally {
      src.close();
    }
  });
});

describe('FlatGeobuf output', () => {
  let path: string;
  beforeAll(async () => {
    path = await writeWith((p) => fgbSink(p, { columns, geometry: { crs: projjson } }), 'out.fgb');
  });

  it('has a header with the input CRS, the count and extent, and GDAL\'s geometries', async () => {
    let header: HeaderMeta | null = null;
    const feats: { geometry: unknown; properties: Record<string, unknown> }[] = [];
    // the package's GeoJSON reader cannot take a feature without geometry: its generic reader can
    const fromFeature = (_id: number, f: FgbFeature, h: HeaderMeta): IFeature => {
      const g = f.geometry();
      return { geometry: g ? fromGeometry(g, h.geometryType) : null, properties: parseProperties(f, h.columns) } as IFeature;
    };
    for await (const f of deserialize(new Uint8Array(readFileSync(path)), { fromFeature, headerMetaFn: (h: HeaderMeta) => { header = h; } })) feats.push(f as unknown as { geometry: unknown; properties: Record<string, unknown> });
    const h = header as HeaderMeta | null;
    expect(h?.crs?.org).toBe('EPSG');
    expect(h?.crs?.code).toBe(Number(expected.crs_authority.split(':')[1]));
    expect(h?.crs?.name).toBe(expected.crs_name);
    expect(h?.featuresCount).toBe(expected.features.length);
    expect(h?.indexNodeSize).toBe(0);
    expect(Array.from(h?.envelope ?? [])).toEqual(expected.extent);
    expect(h?.columns?.map((c) => c.name)).toEqual(['id', 'fid', 'b_mean', 'error']);
    expect(feats.map((f) => [f.properties.id, Number(f.properties.fid), f.properties.b_mean ?? null])).toEqual(values);
    expect(feats.map((f) => f.geometry ?? null)).toEqual(expected.features.map((f) => f.geometry));
  });
});

describe('geo outputs', () => {
  it('leave nothing behind after abort', async () => {
    const sub = mkdtempSync(join(dir, 'abort-'));
    for (const open of [(p: string) => gpkgSink(p, { columns, geometry: { crs: projjson } }), (p: string) => fgbSink(p, { columns, geometry: { crs: projjson } })]) {
      const sink = open(join(sub, 'x.out'));
      await sink.write(rows);
      await sink.abort();
    }
    expect(readdirSync(sub)).toEqual([]);
  });

  const python = '/usr/bin/python3';
  const hasGdal = existsSync(python) && (() => { try { execFileSync(python, ['-c', 'from osgeo import ogr; from osgeo_utils.samples import validate_gpkg'], { stdio: 'ignore' }); return true; } catch { return false; } })();
  it.skipIf(!hasGdal)('open in GDAL as expected (check.py: ogr and validate_gpkg.py)', () => {
    const out = execFileSync(python, [join(import.meta.dirname, '../../fixtures/outputs/check.py'), join(dir, 'out.gpkg'), join(dir, 'out.fgb')], { encoding: 'utf8' });
    expect(out).toMatch(/out\.gpkg: OK \(GPKG.*validate_gpkg clean\)\n.*out\.fgb: OK \(FlatGeobuf/);
  });
});
