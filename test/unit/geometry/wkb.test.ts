import { describe, expect, it } from 'vitest';
import { gpkgGeometryBBox, parseGpkgGeometry, parseWkb } from '../../../shared/geometry/wkb';
import { geometryBBox } from '../../../shared/geometry/bbox';
import { GeometryError } from '../../../shared/errors';
import type { Geometry } from '../../../shared/geometry/types';
import { gp, SIMPLE_KINDS, square as sq, wkb, WKB_STYLES } from './wkb-writer';
import type { WkbStyle } from './wkb-writer';

const CASES: Geometry[] = [
  ...SIMPLE_KINDS,
  { type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [1, 2] }, { type: 'Polygon', coordinates: [sq(0, 0)] }, { type: 'MultiPoint', coordinates: [[8, 9]] }] },
];
const STYLES = WKB_STYLES;

describe('parseGpkgGeometry: every type x every WKB flavour, Z and M dropped', () => {
  for (const [name, style] of STYLES) {
    for (const g of CASES) {
      it(`${g.type}, ${name}`, () => {
        expect(parseGpkgGeometry(gp(wkb(g, style)))).toEqual(g);
        expect(parseWkb(Uint8Array.from(wkb(g, style)))).toEqual(g);
      });
    }
  }
  it('envelope indicators 0..4 (0, 4, 6, 6, 8 doubles) with a big-endian header', () => {
    const g: Geometry = { type: 'Polygon', coordinates: [sq(2, 3, 2)] };
    for (let kind = 0; kind <= 4; kind++) {
      expect(parseGpkgGeometry(gp(wkb(g, STYLES[1]?.[1] as WkbStyle), { envelopeKind: kind, le: false }))).toEqual(g);
    }
  });
  it('a mixed-endian collection (each part states its own byte order)', () => {
    const a = wkb({ type: 'Point', coordinates: [1, 2] }, { le: true, z: false, m: false, ewkb: false });
    const b = wkb({ type: 'Point', coordinates: [3, 4] }, { le: false, z: true, m: false, ewkb: false });
    const head = [0, 0, 0, 0, 4, 0, 0, 0, 2]; // big endian MultiPoint with 2 parts
    expect(parseWkb(Uint8Array.from([...head, ...a, ...b]))).toEqual({ type: 'MultiPoint', coordinates: [[1, 2], [3, 4]] });
  });
  it('a blob inside a larger buffer (byteOffset != 0) reads the same', () => {
    const blob = gp(wkb(CASES[2] as Geometry, STYLES[0]?.[1] as WkbStyle));
    const big = new Uint8Array(blob.length + 13);
    big.set(blob, 5);
    expect(parseGpkgGeometry(big.subarray(5, 5 + blob.length))).toEqual(CASES[2]);
  });
});

describe('empty geometries read as null', () => {
  const xy: WkbStyle = { le: true, z: false, m: false, ewkb: false };
  it('the GP empty flag', () => {
    expect(parseGpkgGeometry(gp(wkb({ type: 'GeometryCollection', geometries: [] }, xy), { empty: true }))).toBeNull();
    // the flag wins even when a point follows (GDAL writes POINT(NaN NaN) with the flag)
    expect(parseGpkgGeometry(gp(wkb({ type: 'Point', coordinates: [NaN, NaN] }, xy), { empty: true }))).toBeNull();
  });
  it('zero points, zero rings, zero parts, POINT(NaN NaN), collections of empties', () => {
    expect(parseGpkgGeometry(gp(wkb({ type: 'Point', coordinates: [NaN, NaN] }, xy)))).toBeNull();
    expect(parseGpkgGeometry(gp(wkb({ type: 'LineString', coordinates: [] }, xy)))).toBeNull();
    expect(parseGpkgGeometry(gp(wkb({ type: 'Polygon', coordinates: [] }, xy)))).toBeNull();
    expect(parseGpkgGeometry(gp(wkb({ type: 'MultiPolygon', coordinates: [] }, xy)))).toBeNull();
    expect(parseGpkgGeometry(gp(wkb({ type: 'MultiPoint', coordinates: [[NaN, NaN]] }, xy)))).toBeNull();
    expect(parseGpkgGeometry(gp(wkb({ type: 'GeometryCollection', geometries: [{ type: 'LineString', coordinates: [] }] }, xy)))).toBeNull();
    // an empty part among real ones is skipped
    expect(parseGpkgGeometry(gp(wkb({ type: 'MultiPoint', coordinates: [[NaN, NaN], [1, 2]] }, xy)))).toEqual({ type: 'MultiPoint', coordinates: [[1, 2]] });
  });
});

describe('garbled blobs are GeometryErrors with a reason', () => {
  const xy: WkbStyle = { le: true, z: false, m: false, ewkb: false };
  const poly = gp(wkb({ type: 'Polygon', coordinates: [sq(0, 0, 4), sq(1, 1)] }, xy));
  it('every truncation of a polygon blob throws (never a wrong geometry)', () => {
    for (let n = 0; n < poly.length; n++) {
      expect(() => parseGpkgGeometry(poly.subarray(0, n)), `length ${n}`).toThrow(GeometryError);
    }
  });
  it('no magic, bad byte order, bad envelope, extended type, unknown type, huge counts, wrong part type', () => {
    expect(() => parseGpkgGeometry(Uint8Array.of(1, 2, 3))).toThrow(/not a GeoPackage geometry/);
    const badOrder = Uint8Array.from(poly);
    badOrder[8] = 7;
    expect(() => parseGpkgGeometry(badOrder)).toThrow(/byte order 7/);
    const badEnv = Uint8Array.from(poly);
    badEnv[3] = 1 | (5 << 1);
    expect(() => parseGpkgGeometry(badEnv)).toThrow(/envelope indicator 5/);
    const ext = Uint8Array.from(poly);
    ext[3] = 1 | (1 << 5);
    expect(() => parseGpkgGeometry(ext)).toThrow(/extended/);
    const circ = Uint8Array.from(poly);
    circ[9] = 8; // CircularString
    expect(() => parseGpkgGeometry(circ)).toThrow(/unsupported WKB geometry type 8/);
    const huge = Uint8Array.from(poly);
    new DataView(huge.buffer).setUint32(13, 0x7fffffff, true); // ring count
    expect(() => parseGpkgGeometry(huge)).toThrow(GeometryError);
    const lineInMultiPoly = Uint8Array.from([1, 6, 0, 0, 0, 1, 0, 0, 0, ...wkb({ type: 'LineString', coordinates: [[0, 0], [1, 1]] }, xy)]);
    expect(() => parseWkb(lineInMultiPoly)).toThrow(/a LineString inside a WKB type 6/);
  });
  it('deeply nested collections are refused, not a stack overflow', () => {
    let body = wkb({ type: 'Point', coordinates: [1, 2] }, xy);
    for (let i = 0; i < 40; i++) body = [1, 7, 0, 0, 0, 1, 0, 0, 0, ...body];
    expect(() => parseWkb(Uint8Array.from(body))).toThrow(/nested too deeply/);
  });
});

describe('gpkgGeometryBBox: the bbox without building the geometry', () => {
  const xy: WkbStyle = { le: true, z: false, m: false, ewkb: false };
  // the oracle: the parsed geometry's bbox (geometryBBox), null where parsing gives null or throws
  const oracle = (blob: Uint8Array): ReturnType<typeof geometryBBox> => {
    try {
      const g = parseGpkgGeometry(blob);
      return g === null ? null : geometryBBox(g);
    } catch {
      return null;
    }
  };
  it('every type x every WKB flavour x every envelope kind: the bbox of the parsed geometry', () => {
    for (const [, style] of STYLES) {
      for (const g of CASES) {
        for (let kind = 0; kind <= 4; kind++) {
          const blob = gp(wkb(g, style), { envelopeKind: kind, le: kind % 2 === 0 });
          expect(gpkgGeometryBBox(blob)).toEqual(oracle(blob));
          expect(gpkgGeometryBBox(blob)).not.toBeNull();
        }
      }
    }
    // written out for one: sq(0, 0, 3) and sq(5, 5) -> 0..6 x 0..6
    expect(gpkgGeometryBBox(gp(wkb(CASES[5] as Geometry, xy)))).toEqual({ xmin: 0, ymin: 0, xmax: 6, ymax: 6 });
  });
  it('the header envelope is not trusted: the coordinates are read', () => {
    // gp() writes envelope doubles 1000, 1001, ... that do not match the polygon
    expect(gpkgGeometryBBox(gp(wkb({ type: 'Polygon', coordinates: [sq(2, 3, 2)] }, xy), { envelopeKind: 1 }))).toEqual({ xmin: 2, ymin: 3, xmax: 4, ymax: 5 });
  });
  it('empties, NaN positions, truncations and garbled blobs give null exactly where the parse does', () => {
    const blobs: Uint8Array[] = [
      gp(wkb({ type: 'Point', coordinates: [NaN, NaN] }, xy)),
      gp(wkb({ type: 'Polygon', coordinates: [] }, xy)),
      gp(wkb({ type: 'GeometryCollection', geometries: [] }, xy), { empty: true }),
      gp(wkb({ type: 'MultiPoint', coordinates: [[NaN, NaN], [1, 2]] }, xy)),
      gp(wkb({ type: 'LineString', coordinates: [[NaN, 1], [2, 3], [Infinity, 0]] }, xy)),
      Uint8Array.of(1, 2, 3),
      Uint8Array.from([1, 6, 0, 0, 0, 1, 0, 0, 0, ...wkb({ type: 'LineString', coordinates: [[0, 0], [1, 1]] }, xy)]),
    ];
    const poly = gp(wkb({ type: 'MultiPolygon', coordinates: [[sq(0, 0, 4), sq(1, 1)], [sq(9, 9)]] }, xy));
    for (let n = 0; n <= poly.length; n++) blobs.push(poly.subarray(0, n));
    for (const [i, blob] of blobs.entries()) expect(gpkgGeometryBBox(blob), `blob ${i}`).toEqual(oracle(blob));
    expect(gpkgGeometryBBox(blobs[4] as Uint8Array)).toEqual({ xmin: 2, ymin: 3, xmax: 2, ymax: 3 });
  });
});

describe('a SpatiaLite geometry blob in a GeoPackage', () => {
  // GDAL 3.6 with SpatiaLite (the oracle): ogrinfo x.gpkg -dialect sqlite -sql
  // "SELECT hex(ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))', 4326)), hex(ST_GeomFromText('POINT(1 2)', 4326))"
  const polygon = '0001E610000000000000000000000000000000000000000000000000F03F000000000000F03F7C03000000010000000400000000000000000000000000000000000000000000000000F03F0000000000000000000000000000F03F000000000000F03F00000000000000000000000000000000FE';
  const point = '0001E6100000000000000000F03F0000000000000040000000000000F03F00000000000000407C01000000000000000000F03F0000000000000040FE';
  it('is named as one, with the fix, instead of read as WKB with a nonsense type code', () => {
    for (const hex of [polygon, point]) expect(() => parseGpkgGeometry(Uint8Array.from(Buffer.from(hex, 'hex')))).toThrow(/a SpatiaLite geometry blob, not a GeoPackage geometry.*ogr2ogr/);
  });
  it('big-endian plain WKB (also starting with 0x00) still reads', () => {
    // POINT(1 2), big-endian WKB: 00 00000001 then two doubles
    const be = Uint8Array.from(Buffer.from('00000000013FF00000000000004000000000000000', 'hex'));
    expect(parseGpkgGeometry(be)).toEqual({ type: 'Point', coordinates: [1, 2] });
  });
});

