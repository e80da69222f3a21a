/**
 * Flat decoding of GeoPackage blobs (wkb-flat.ts) against wkb.ts `parseGpkgGeometry`: every kind it takes, in
 * every WKB flavour, encodes (prepare-flat.ts encodeFlat) to exactly what job-order.ts encodeGeometry makes of
 * the parsed geometry, and the view (flat-view.ts) equals the parsed geometry; empty geometries read as empty;
 * what it leaves to wkb.ts (collections, a part of another kind, garbled and SpatiaLite blobs) adds nothing.
 */
import { describe, expect, it } from 'vitest';
import { parseGpkgGeometry } from '../../../shared/geometry/wkb';
import { addFlat, FlatGeometries, flatChunk, FLAT_EMPTY } from '../../../shared/geometry/wkb-flat';
import { FlatView } from '../../../shared/geometry/flat-view';
import { encodeFlat } from '../../../shared/engine/prepare-flat';
import { concatEncoded, encodeGeometry } from '../../../shared/engine/job-order';
import type { Geometry, Position } from '../../../shared/geometry/types';
import { gp, SIMPLE_KINDS, square as sq, wkb, WKB_STYLES } from './wkb-writer';
import type { WkbStyle } from './wkb-writer';

const CASES: Geometry[] = [
  ...SIMPLE_KINDS,
  // empty rings and parts are dropped as wkb.ts drops them
  { type: 'Polygon', coordinates: [sq(0, 0, 4), [], sq(1, 1)] },
  { type: 'MultiPolygon', coordinates: [[sq(0, 0, 3)], [], [[], sq(7, 7)]] },
  { type: 'MultiLineString', coordinates: [[], [[0, 0], [1 / 3, Math.PI]]] },
];
const STYLES: WkbStyle[] = WKB_STYLES.map(([, s]) => s);

/** The blobs read flat as one chunk: encoded (null: left to wkb.ts), and each geometry as its view. */
function readFlat(blobs: (Uint8Array | null)[]): { encoded: (number[] | null)[]; views: (Geometry | null)[] } | null {
  const chunk = flatChunk(new FlatGeometries(), blobs.length);
  for (const [k, b] of blobs.entries()) if (!addFlat(chunk, k, b)) return null;
  const all = new Uint8Array(blobs.length).fill(1);
  for (let k = 0; k < blobs.length; k++) if ((chunk.shape[k] as number) < 0) all[k] = 0;
  const { data, starts } = encodeFlat(chunk, chunk.flat.xs, chunk.flat.ys, chunk.pos, all);
  const encoded = Array.from(starts, (s, k) => (s < 0 ? null : Array.from(data.subarray(s, s + (chunk.shapeLen[k] as number) + 2 * (chunk.posLen[k] as number)))));
  const view = new FlatView();
  // a view is valid until the next: compare each as it is made
  const views = blobs.map((_, k) => (chunk.shape[k] === FLAT_EMPTY ? null : structuredClone(view.of(chunk.flat.shape, chunk.shape[k] as number, chunk.flat.xs, chunk.flat.ys, chunk.pos[k] as number))));
  return { encoded, views };
}

describe('flat decoding of GeoPackage blobs', () => {
  it('every kind in every WKB flavour (one chunk) encodes as the parsed geometry and views as it', () => {
    const blobs = CASES.flatMap((g) => STYLES.flatMap((s) => [gp(wkb(g, s)), gp(wkb(g, s), { envelopeKind: 1, le: !s.le }), Uint8Array.from(wkb(g, s))]));
    const got = readFlat(blobs);
    const parsed = blobs.map((b) => parseGpkgGeometry(b));
    expect(got?.encoded).toEqual(parsed.map((g) => encodeGeometry(g)));
    expect(got?.views).toEqual(parsed);
    // and as one array as job-order.ts concatenates them
    const chunk = flatChunk(new FlatGeometries(), blobs.length);
    blobs.forEach((b, k) => addFlat(chunk, k, b));
    expect(encodeFlat(chunk, chunk.flat.xs, chunk.flat.ys, chunk.pos, new Uint8Array(blobs.length).fill(1))).toEqual(concatEncoded(parsed.map((g) => encodeGeometry(g))));
  });

  it('empty geometries (empty flag, POINT(NaN NaN), no parts, only empty parts) and absent blobs are empty', () => {
    const blobs = [
      gp(wkb({ type: 'Point', coordinates: [0, 0] }, STYLES[0] as WkbStyle), { empty: true }),
      gp(wkb({ type: 'Point', coordinates: [NaN, NaN] }, STYLES[0] as WkbStyle)),
      gp(wkb({ type: 'MultiPolygon', coordinates: [] }, STYLES[1] as WkbStyle)),
      gp(wkb({ type: 'Polygon', coordinates: [[], []] }, STYLES[0] as WkbStyle)),
      gp(wkb({ type: 'LineString', coordinates: [] }, STYLES[2] as WkbStyle)),
      null,
    ];
    for (const b of blobs) if (b) expect(parseGpkgGeometry(b)).toBeNull();
    expect(readFlat(blobs)).toEqual({ encoded: blobs.map(() => null), views: blobs.map(() => null) });
  });

  it('leaves collections, parts of another kind, garbled and SpatiaLite blobs to wkb.ts, adding nothing', () => {
    const le = STYLES[0] as WkbStyle;
    const point = wkb({ type: 'Point', coordinates: [1, 2] }, le, false);
    const multiWithLine = [1, 6, 0, 0, 0, 1, 0, 0, 0, ...wkb({ type: 'LineString', coordinates: [[0, 0], [1, 1]] }, le, false)];
    const left = [
      gp(wkb({ type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [1, 2] }] }, le)),
      gp(multiWithLine),
      gp(point.slice(0, 12)),
      Uint8Array.from([0x47, 0x50, 0, 1 | (5 << 1), 0, 0, 0, 0, ...point]),
      Uint8Array.from([9, 9, 9, 9, 9, 9]),
      gp([1, 17, 0, 0, 0]),
    ];
    const flat = new FlatGeometries();
    for (const b of left) {
      const chunk = flatChunk(flat, 1);
      expect(addFlat(chunk, 0, b)).toBe(false);
      expect([flat.positions, flat.shape.length]).toEqual([0, 0]);
    }
    // wkb.ts reads the collection, and says why it cannot read the others
    expect(parseGpkgGeometry(left[0] as Uint8Array)?.type).toBe('GeometryCollection');
    for (const b of left.slice(1)) expect(() => parseGpkgGeometry(b)).toThrow();
  });

  it('grows its arrays past their first size and keeps earlier positions', () => {
    const ring: Position[] = Array.from({ length: 3000 }, (_, i) => [Math.cos(i / 477.5) + i * 1e-9, Math.sin(i / 477.5)]);
    ring.push(ring[0] as Position);
    const blobs = [gp(wkb({ type: 'Polygon', coordinates: [ring] }, STYLES[1] as WkbStyle)), gp(wkb({ type: 'LineString', coordinates: ring }, STYLES[0] as WkbStyle))];
    expect(readFlat(blobs)?.encoded).toEqual(blobs.map((b) => encodeGeometry(parseGpkgGeometry(b))));
  });
});
