import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import nodeSqlite from 'node-sqlite3-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { openGeoPackage, openGeoPackageBytes } from '../../../shared/features/gpkg';
import { GeoPackageError } from '../../../shared/errors';
import { gpkgBlob, writeGeoPackage } from '../../helpers/gpkg-writer';
import type { Feature, Position } from '../../../shared/geometry/types';

const dir = mkdtempSync(join(tmpdir(), 'zf-gpkg-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const REF = join(import.meta.dirname, '../../fixtures/reference/data');
const sq = (x: number, y: number, s = 1): Position[] => [[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]];

function sql(path: string, statements: string): void {
  const db = new nodeSqlite.Database(path);
  try {
    db.exec(statements);
  } finally {
    db.close();
  }
}

describe('bad files: GeoPackageError naming the file and the problem', () => {
  it('an SQLite database without the gpkg tables', () => {
    const p = join(dir, 'plain.sqlite');
    sql(p, 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t (v) VALUES (\'x\');');
    const g = openGeoPackage(p);
    expect(() => g.layers()).toThrow(GeoPackageError);
    expect(() => g.layer()).toThrow(new RegExp(`${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is an SQLite file but not a GeoPackage \\(no gpkg_contents table\\)`));
    g.close();
  });
  it('a GeoPackage with attribute tables only', () => {
    const p = join(dir, 'attrs.gpkg');
    writeGeoPackage(p, []);
    sql(p, "CREATE TABLE stats (fid INTEGER PRIMARY KEY, v REAL); INSERT INTO gpkg_contents (table_name, data_type, identifier) VALUES ('stats', 'attributes', 'stats');");
    const g = openGeoPackage(p);
    expect(g.layers()).toEqual([]);
    expect(() => g.layer()).toThrow(/attrs\.gpkg has no feature layer with a geometry column \(attribute tables only: stats\)/);
    g.close();
  });
  it('a layer whose table lacks its registered geometry column, or the table itself', () => {
    const p = join(dir, 'nogeom.gpkg');
    writeGeoPackage(p, [{ name: 'a', srsId: 4326, features: [{ geometry: { type: 'Point', coordinates: [1, 2] } }] }]);
    sql(p, "UPDATE gpkg_geometry_columns SET column_name = 'shape' WHERE table_name = 'a';");
    const g = openGeoPackage(p);
    expect(() => g.layer('a')).toThrow(/nogeom\.gpkg: layer "a" has no geometry column "shape"/);
    g.close();
    sql(p, "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES ('ghost', 'features', 'ghost', 4326); INSERT INTO gpkg_geometry_columns VALUES ('ghost', 'geom', 'POINT', 4326, 0, 0);");
    const h = openGeoPackage(p);
    expect(() => h.layer('ghost')).toThrow(/layer "ghost" is listed but its table does not exist/);
    h.close();
  });
  it('a layer whose srs row is missing or undefined', () => {
    const p = join(dir, 'nosrs.gpkg');
    writeGeoPackage(p, [{ name: 'a', srsId: 4326, features: [] }]);
    sql(p, "UPDATE gpkg_geometry_columns SET srs_id = 9999; ");
    const g = openGeoPackage(p);
    expect(() => g.layer()).toThrow(/nosrs\.gpkg: layer "a": the srs_id 9999 of layer "a" is missing from gpkg_spatial_ref_sys/);
    g.close();
    sql(p, 'UPDATE gpkg_geometry_columns SET srs_id = -1;');
    const h = openGeoPackage(p);
    // an undefined CRS: the coordinates are taken as the raster's (GDAL, exactextract), with a warning from the engine
    expect(h.layer().crs).toMatchObject({ undefinedCrs: true, name: expect.stringMatching(/srs_id -1, undefined Cartesian/) as unknown });
    h.close();
  });
  it('a truncated file (cut at a page boundary and mid-page)', () => {
    const src = readFileSync(join(REF, 'l7/l7_fields_4326.gpkg'));
    for (const n of [4096, 8192 + 17, src.length - 4096]) {
      const p = join(dir, `cut${n}.gpkg`);
      writeFileSync(p, src.subarray(0, n));
      expect(() => openGeoPackage(p)).toThrow(new RegExp(`cut${n}\\.gpkg is truncated \\(${n} bytes; its header says \\d+ pages of \\d+ bytes`));
    }
  });
  it('garbage pages (corrupt) fail with the file named, at open, listing or reading', () => {
    const src = readFileSync(join(REF, 'l7/l7_fields_4326.gpkg'));
    const pageSize = src.readUInt16BE(16);
    const bad = Buffer.from(src);
    for (let i = pageSize; i < bad.length; i++) bad[i] = (i * 7919) & 0xff;
    const p = join(dir, 'garbage.gpkg');
    writeFileSync(p, bad);
    const read = (): number => {
      const g = openGeoPackage(p);
      try {
        return [...g.layer().features()].length;
      } finally {
        g.close();
      }
    };
    expect(read).toThrow(GeoPackageError);
    expect(read).toThrow(/garbage\.gpkg/);
  });
  it('not SQLite, too small, missing', () => {
    const t = join(dir, 'text.gpkg');
    writeFileSync(t, 'not a database '.repeat(20));
    expect(() => openGeoPackage(t)).toThrow(/text\.gpkg is not a GeoPackage \(not an SQLite database\)/);
    const s = join(dir, 'small.gpkg');
    writeFileSync(s, 'x');
    expect(() => openGeoPackage(s)).toThrow(/small\.gpkg is not a GeoPackage \(1 bytes\)/);
    expect(() => openGeoPackage(join(dir, 'nope.gpkg'))).toThrow(/nope\.gpkg does not exist/);
  });
});

describe('features(): keyset pages, ids, columns', () => {
  const p = join(dir, 'ids.gpkg');
  // fids with gaps, a negative fid, ids of every SQLite type and NULL
  writeGeoPackage(p, [
    {
      name: 'parcels',
      srsId: 4326,
      columns: { code: 'TEXT', num: 'INTEGER', ratio: 'REAL' },
      features: [
        { fid: -5, geometry: { type: 'Polygon', coordinates: [sq(0, 0)] }, properties: { code: 'neg', num: 10, ratio: 0.5 } },
        { fid: 1, geometry: { type: 'Polygon', coordinates: [sq(1, 0)] }, properties: { code: 'A-1', num: 11, ratio: 1.5 } },
        { fid: 2, geometry: null, properties: { code: null, num: null, ratio: 2 } },
        { fid: 7, geometry: { type: 'Point', coordinates: [3, 4] }, properties: { code: 'c7', num: 17, ratio: 3 } },
        { fid: 100, geometry: 'empty', properties: { code: 'c100', num: 100, ratio: 4.25 } },
        { fid: 101, geometry: { type: 'MultiPoint', coordinates: [[9, 9]] }, properties: { code: 'c101', num: 101, ratio: 5 } },
      ],
    },
  ]);
  const all = (opts: Parameters<ReturnType<ReturnType<typeof openGeoPackage>['layer']>['features']>[0]): Feature[] => {
    const g = openGeoPackage(p);
    try {
      return [...g.layer().features(opts)];
    } finally {
      g.close();
    }
  };
  it('every page size gives the same features in fid order, each once (gaps and negative fids)', () => {
    const ref = all({});
    expect(ref.map((f) => f.fid)).toEqual([-5, 1, 2, 7, 100, 101]);
    for (const batchSize of [1, 2, 3, 5, 6, 7, 1000]) expect(all({ batchSize })).toEqual(ref);
  });
  it('id from the id column as a string; a NULL id stays empty and flagged (never the fid, which may be another feature\'s id); default id = fid', () => {
    expect(all({ idColumn: 'code' }).map((f) => f.id)).toEqual(['neg', 'A-1', '', 'c7', 'c100', 'c101']);
    expect(all({ idColumn: 'code' }).map((f) => f.idNull === true)).toEqual([false, false, true, false, false, false]);
    expect(all({ idColumn: 'num' }).map((f) => f.id)).toEqual(['10', '11', '', '17', '100', '101']);
    expect(all({ idColumn: 'ratio' }).map((f) => f.id)).toEqual(['0.5', '1.5', '2', '3', '4.25', '5']);
    expect(all({}).some((f) => f.idNull === true)).toBe(false);
    expect(all({}).map((f) => f.id)).toEqual(['-5', '1', '2', '7', '100', '101']);
    expect(all({ idColumn: 'fid' }).map((f) => f.id)).toEqual(['-5', '1', '2', '7', '100', '101']);
  });
  it('properties: all attribute columns (not fid, not geometry), or only those asked for', () => {
    expect(all({})[1]?.properties).toEqual({ code: 'A-1', num: 11, ratio: 1.5 });
    expect(all({ columns: ['ratio'] })[1]?.properties).toEqual({ ratio: 1.5 });
    expect(all({ columns: [] })[1]?.properties).toEqual({});
    expect(() => all({ columns: ['ratio', 'nope'] })).toThrow(/no column "nope" \(columns: code, num, ratio\)/);
    expect(() => all({ idColumn: 'nope' })).toThrow(/ids\.gpkg: layer "parcels" has no column "nope" for the ids \(columns: fid, code, num, ratio\)/);
  });
  it('geometries: NULL and empty -> null, mixed kinds read', () => {
    expect(all({}).map((f) => f.geometry?.type ?? null)).toEqual(['Polygon', 'Polygon', null, 'Point', null, 'MultiPoint']);
  });
  it('an unreadable blob is a per-feature problem naming the reason; the others still read', () => {
    const q = join(dir, 'badblob.gpkg');
    writeGeoPackage(q, [{ name: 'a', srsId: 4326, features: [{ geometry: { type: 'Point', coordinates: [1, 2] } }, { geometry: { type: 'Point', coordinates: [3, 4] } }] }]);
    const blob = gpkgBlob({ type: 'Polygon', coordinates: [sq(0, 0)] }, 4326).subarray(0, 50);
    const db = new nodeSqlite.Database(q);
    db.run('UPDATE a SET geom = ? WHERE fid = 2', [blob]);
    db.close();
    const g = openGeoPackage(q);
    const fs = [...g.layer().features()];
    g.close();
    expect(fs[0]?.geometry).toEqual({ type: 'Point', coordinates: [1, 2] });
    expect(fs[1]?.geometry).toBeNull();
    expect(fs[1]?.problem).toMatch(/unreadable geometry: truncated WKB/);
  });
});

describe('layers(), count(), bbox(), bytes', () => {
  it('the reference files: layer info with GDAL feature counts, extent from gpkg_contents', () => {
    const g = openGeoPackage(join(REF, 'l7/l7_fields_4326.gpkg'));
    const [info] = g.layers();
    expect(info).toMatchObject({ name: 'fields', geometryColumn: 'geom', geometryType: 'POLYGON', srsId: 4326, featureCount: 200 });
    const layer = g.layer();
    expect(layer.count()).toBe(200);
    // the recorded extent equals the extent of the features
    const b = layer.bbox();
    let xmin = Infinity;
    let ymin = Infinity;
    let xmax = -Infinity;
    let ymax = -Infinity;
    for (const f of layer.features({ columns: [] })) {
      if (f.geometry?.type !== 'Polygon') throw new Error('polygon expected');
      for (const [x, y] of f.geometry.coordinates.flat()) {
        xmin = Math.min(xmin, x);
        ymin = Math.min(ymin, y);
        xmax = Math.max(xmax, x);
        ymax = Math.max(ymax, y);
      }
    }
    // GDAL writes the extent as text: equal to the last digit or two
    for (const [k, v] of Object.entries({ xmin, ymin, xmax, ymax })) expect(b?.[k as keyof typeof b], k).toBeCloseTo(v, 12);
    g.close();
  });
  it('bbox() without a recorded extent: computed from the geometries (same as recorded); null when empty', () => {
    const src = join(REF, 'lux/lux_cantons_4326.gpkg');
    const q = join(dir, 'noext.gpkg');
    writeFileSync(q, readFileSync(src));
    const ref = openGeoPackage(src);
    const recorded = ref.layer().bbox();
    ref.close();
    sql(q, 'UPDATE gpkg_contents SET min_x = NULL, min_y = NULL, max_x = NULL, max_y = NULL;');
    const g = openGeoPackage(q);
    const computed = g.layer().bbox();
    expect(computed).not.toBeNull();
    for (const k of ['xmin', 'ymin', 'xmax', 'ymax'] as const) expect(computed?.[k], k).toBeCloseTo(recorded?.[k] ?? NaN, 12);
    g.close();
    // the test writer records no extent
    const w = join(dir, 'computed.gpkg');
    writeGeoPackage(w, [
      { name: 'a', srsId: 4326, features: [{ geometry: { type: 'Polygon', coordinates: [sq(2, 3, 4)] } }, { geometry: null }, { geometry: { type: 'Point', coordinates: [-1, 10] } }] },
      { name: 'b', srsId: 4326, features: [{ geometry: 'empty' }] },
    ]);
    const c = openGeoPackage(w);
    expect(c.layers().map((l) => l.featureCount)).toEqual([undefined, undefined]);
    expect(c.layer('a').bbox()).toEqual({ xmin: -1, ymin: 3, xmax: 6, ymax: 10 });
    expect(c.layer('b').bbox()).toBeNull();
    c.close();
  });
  it('openGeoPackageBytes reads the same features and removes its temporary file on close', () => {
    const path = join(REF, 'lux/lux_cantons_2169.gpkg');
    const g = openGeoPackageBytes(readFileSync(path), 'lux.gpkg');
    const a = [...g.layer().features({ idColumn: 'ID_2' })];
    const h = openGeoPackage(path);
    expect(a).toEqual([...h.layer().features({ idColumn: 'ID_2' })]);
    h.close();
    expect(existsSync(g.path)).toBe(true);
    g.close();
    expect(existsSync(g.path)).toBe(false);
    expect(existsSync(dirname(g.path))).toBe(false);
    expect(() => openGeoPackageBytes(Buffer.from('hello'.repeat(50)))).toThrow(/not a GeoPackage/);
  });
});
