import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openGeoPackage } from '../../../shared/features/gpkg';
import { parseGpkgGeometry } from '../../../shared/geometry/wkb';
import { geometryBBox } from '../../../shared/geometry/bbox';
import { GeoPackageError, GeometryError } from '../../../shared/errors';
import { gpkgBlob, writeGeoPackage } from '../../helpers/gpkg-writer';
import type { Geometry } from '../../../shared/geometry/types';

const dir = mkdtempSync(join(tmpdir(), 'zf-gpkg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const REF = join(import.meta.dirname, '../../fixtures/reference/data');

const sq = (x: number, y: number, s = 1): [number, number][] => [[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]];

describe('GeoPackage geometry blobs', () => {
  const cases: Geometry[] = [
    { type: 'Point', coordinates: [1, 2] },
    { type: 'LineString', coordinates: [[0, 0], [1, 1]] },
    { type: 'Polygon', coordinates: [sq(0, 0, 4), sq(1, 1)] },
    { type: 'MultiPoint', coordinates: [[1, 2], [3, 4]] },
    { type: 'MultiLineString', coordinates: [[[0, 0], [1, 1]], [[2, 2], [3, 3]]] },
    { type: 'MultiPolygon', coordinates: [[sq(0, 0)], [sq(5, 5)]] },
    { type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [1, 2] }, { type: 'Polygon', coordinates: [sq(0, 0)] }] },
  ];
  for (const g of cases) {
    it(`${g.type}, 2D and with Z dropped`, () => {
      expect(parseGpkgGeometry(gpkgBlob(g, 4326))).toEqual(g);
      expect(parseGpkgGeometry(gpkgBlob(g, 4326, true))).toEqual(g);
    });
  }
  it('empty geometries read as null', () => {
    expect(parseGpkgGeometry(gpkgBlob(null, 4326))).toBeNull();
    expect(parseGpkgGeometry(gpkgBlob({ type: 'Point', coordinates: [NaN, NaN] }, 4326))).toBeNull();
  });
  it('big-endian WKB and garbage', () => {
    // POINT(1 2) big endian after a GP header without envelope
    const be = new Uint8Array(8 + 21);
    be.set([0x47, 0x50, 0, 0], 0);
    const dv = new DataView(be.buffer);
    dv.setUint8(8, 0);
    dv.setUint32(9, 1, false);
    dv.setFloat64(13, 1, false);
    dv.setFloat64(21, 2, false);
    expect(parseGpkgGeometry(be)).toEqual({ type: 'Point', coordinates: [1, 2] });
    expect(() => parseGpkgGeometry(gpkgBlob({ type: 'Polygon', coordinates: [sq(0, 0)] }, 4326).subarray(0, 60))).toThrow(GeometryError);
    expect(() => parseGpkgGeometry(Uint8Array.of(1, 2, 3))).toThrow(/not a GeoPackage geometry/);
  });
});

describe('openGeoPackage', () => {
  it('reads the reference layer with its CRS, ids and attributes', () => {
    const g = openGeoPackage(join(REF, 'lux/lux_cantons_2169.gpkg'));
    const layer = g.layer();
    expect(layer.name).toBe('lux_cantons');
    expect(layer.crs.epsg).toBe(2169);
    expect(layer.count()).toBe(12);
    const fs = [...layer.features({ idColumn: 'ID_2', batchSize: 5 })];
    expect(fs.map((f) => f.fid)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(fs[0]?.id).toBe('1');
    expect(fs[0]?.geometry?.type).toBe('Polygon');
    expect(layer.featuresByFid([3, 1]).map((f) => f.fid)).toEqual([3, 1]);
    // boxes(): the same features in the same order, each with the bbox of its parsed geometry
    const boxes = [...layer.boxes({ idColumn: 'ID_2', batchSize: 5 })];
    expect(boxes).toEqual(fs.map((f) => ({ fid: f.fid, id: f.id, bbox: f.geometry ? geometryBBox(f.geometry) : null })));
    g.close();
  });
  it('names the missing id column and lists the columns', () => {
    const g = openGeoPackage(join(REF, 'l7/l7_fields_4326.gpkg'));
    expect(() => [...g.layer().features({ idColumn: 'nope' })]).toThrow(/no column "nope" for the ids \(columns: fid, .*field_id/);
    g.close();
  });
  it('several layers: asks for one, lists them; unknown layer named', () => {
    const p = join(dir, 'two.gpkg');
    writeGeoPackage(p, [
      { name: 'a', srsId: 4326, features: [{ geometry: { type: 'Point', coordinates: [1, 2] } }] },
      { name: 'b', srsId: 4326, features: [] },
    ]);
    const g = openGeoPackage(p);
    expect(() => g.layer()).toThrow(/2 layers \(a, b\); choose one/);
    expect(() => g.layer('c')).toThrow(/no layer "c" \(layers: a, b\)/);
    expect(g.layer('b').count()).toBe(0);
    g.close();
  });
  it('not a GeoPackage, truncated, SQLite without gpkg tables', () => {
    const txt = join(dir, 'x.gpkg');
    writeFileSync(txt, 'hello '.repeat(100));
    expect(() => openGeoPackage(txt)).toThrow(/not a GeoPackage \(not an SQLite database\)/);
    const cut = join(dir, 'cut.gpkg');
    writeFileSync(cut, readFileSync(join(REF, 'l7/l7_fields_4326.gpkg')).subarray(0, 8192));
    expect(() => {
      const g = openGeoPackage(cut);
      return [...g.layer().features()].length;
    }).toThrow(GeoPackageError);
    expect(() => openGeoPackage(join(dir, 'missing.gpkg'))).toThrow(/does not exist/);
  });
  it('unreadable geometries become a per-feature problem, not an exception', () => {
    const p = join(dir, 'bad.gpkg');
    writeGeoPackage(p, [{ name: 'a', srsId: 4326, features: [{ geometry: { type: 'Point', coordinates: [1, 2] } }, { geometry: null }, { geometry: 'empty' }] }]);
    const g = openGeoPackage(p);
    const layer = g.layer();
    const fs = [...layer.features()];
    expect(fs.map((f) => f.geometry === null)).toEqual([false, true, true]);
    expect([...layer.boxes()].map((b) => b.bbox)).toEqual([{ xmin: 1, ymin: 2, xmax: 1, ymax: 2 }, null, null]);
    g.close();
  });
});
