/**
 * Coverage read from encoded geometries (coverage.ts coverageEncoded: the rings where they lie in the
 * job's Float64Array, never decoded into arrays): the weights of the decoded geometry, bit for bit, and
 * exactextract's on the tiny-coverage fixtures; the slow cell-by-cell clipping of the test helpers as the
 * independent reference for the hand cases.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coverage, coverageEncoded } from '../../../shared/coverage/coverage';
import type { CoverageMode } from '../../../shared/coverage/coverage';
import { CoverageScratch } from '../../../shared/coverage/coverage.exact';
import { encodeGeometry } from '../../../shared/geometry/encoded';
import { EncodedRings } from '../../../shared/geometry/encoded-rings';
import type { Geometry, Position } from '../../../shared/geometry/types';
import { GeometryError } from '../../../shared/errors';
import type { RasterGrid, Window } from '../../../shared/raster/grid';
import { slowExactCoverage } from '../../helpers/coverage-reference';

const g3: RasterGrid = { width: 3, height: 3, originX: 0, originY: 3, resX: 1, resY: 1 };
const all3: Window = { row0: 0, col0: 0, rows: 3, cols: 3 };
const closed = (r: Position[]): Position[] => (r.length > 0 && (r[0]?.[0] !== r.at(-1)?.[0] || r[0]?.[1] !== r.at(-1)?.[1]) ? [...r, r[0] as Position] : r);
const sq = (x0: number, y0: number, x1: number, y1: number): Position[] => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];

/** The geometry encoded after `pad` other numbers (a chunk's Float64Array), and where it starts. */
function encoded(g: Geometry, pad = 3): { a: Float64Array; at: number } {
  const e = encodeGeometry(g) ?? [];
  const a = new Float64Array(pad + e.length + 2).fill(12345.5);
  a.set(e, pad);
  return { a, at: pad };
}

/** coverageEncoded's weights (a copy: they are a view of the scratch), or null. */
function viaEncoded(g: Geometry, grid: RasterGrid, mode: CoverageMode, w: Window, scratch = new CoverageScratch(), rings = new EncodedRings()): number[] | null {
  const { a, at } = encoded(g);
  const cov = coverageEncoded(a, at, grid, mode, w, scratch, rings);
  return cov ? [...cov.weights] : null;
}

function viaGeometry(g: Geometry, grid: RasterGrid, mode: CoverageMode, w: Window): number[] | null {
  const cov = coverage(g, grid, mode, w);
  return cov ? [...cov.weights] : null;
}

/** Bit-for-bit equality (Object.is: 0 and -0 differ, as the output's text would). */
function sameBits(got: number[] | null, want: number[] | null): void {
  expect(got === null).toBe(want === null);
  if (got === null || want === null) return;
  expect(got.length).toBe(want.length);
  const differ = got.map((v, k) => (Object.is(v, want[k]) ? -1 : k)).filter((k) => k >= 0);
  expect(differ).toEqual([]);
}

// a rotated square, a ring that is not closed, a polygon with a hole (either orientation), a multipolygon
// whose parts overlap, a ring clipping a cell's corner by 1e-9 (a crossed cell measured again by clipping)
const rot: Position[] = [[1.5, 0.2], [2.8, 1.5], [1.5, 2.8], [0.2, 1.5], [1.5, 0.2]];
const cases: [string, Geometry][] = [
  ['square 0.5..2.5', { type: 'Polygon', coordinates: [sq(0.5, 0.5, 2.5, 2.5)] }],
  ['rotated square', { type: 'Polygon', coordinates: [rot] }],
  ['open ring', { type: 'Polygon', coordinates: [[[0.3, 0.3], [2.7, 0.4], [2.1, 2.6], [0.2, 1.9]]] }],
  ['hole', { type: 'Polygon', coordinates: [sq(0.1, 0.1, 2.9, 2.9), sq(1.2, 1.2, 1.7, 1.9)] }],
  ['hole, clockwise', { type: 'Polygon', coordinates: [sq(0.1, 0.1, 2.9, 2.9).reverse(), sq(1.2, 1.2, 1.7, 1.9).reverse()] }],
  ['multipolygon', { type: 'MultiPolygon', coordinates: [[sq(0.1, 0.1, 1.6, 1.6)], [rot, sq(1.4, 1.4, 1.6, 1.6)], [sq(2.2, 0.3, 2.9, 2.95)]] }],
  ['corner clipped by 1e-9', { type: 'Polygon', coordinates: [[[1 - 1e-9, 2], [1, 1], [3, 1], [3, 3], [1, 3], [1, 2 + 1e-9], [1 - 1e-9, 2]]] }],
  ['empty ring and a degenerate one', { type: 'MultiPolygon', coordinates: [[[]], [[[1, 1], [1, 1], [1, 1], [1, 1]]], [sq(0.5, 0.5, 1.5, 2.5)]] }],
];

describe('coverageEncoded: the weights of the decoded geometry, bit for bit', () => {
  const scratch = new CoverageScratch();
  const rings = new EncodedRings();
  for (const [name, g] of cases) {
    it(`${name}: exact, as coverage() and as the slow reference`, () => {
      for (const w of [all3, { row0: 1, col0: 0, rows: 2, cols: 3 }, { row0: 0, col0: 2, rows: 3, cols: 1 }]) {
        const got = viaEncoded(g, g3, 'exact', w, scratch, rings);
        sameBits(got, viaGeometry(g, g3, 'exact', w));
        // the reference takes closed rings
        const polygons = (g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : []).map((p) => p.map(closed));
        const slow = slowExactCoverage(polygons, g3, w);
        [...slow].forEach((v, k) => expect(got?.[k] ?? 0).toBeCloseTo(v, 12));
      }
    });
  }

  it('a world grid (UTM-sized coordinates, 10 m cells), scratch and rings reused from feature to feature', () => {
    const grid: RasterGrid = { width: 40, height: 40, originX: 600000, originY: 5000400, resX: 10, resY: 10 };
    const w: Window = { row0: 0, col0: 0, rows: 40, cols: 40 };
    let seed = 7;
    const rnd = (): number => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let f = 0; f < 30; f++) {
      // a star-shaped ring of 5..40 vertices about a random centre (irregular fields)
      const n = 5 + Math.floor(rnd() * 36);
      const cx = 600100 + rnd() * 200;
      const cy = 5000100 + rnd() * 200;
      const ring: Position[] = Array.from({ length: n }, (_, k) => {
        const t = (2 * Math.PI * k) / n;
        const r = 30 + rnd() * 60;
        return [cx + r * Math.cos(t), cy + r * Math.sin(t)];
      });
      ring.push(ring[0] as Position);
      const g: Geometry = f % 3 === 0 ? { type: 'MultiPolygon', coordinates: [[ring], [sq(600010, 5000010, 600055.5, 5000033.3)]] } : { type: 'Polygon', coordinates: [ring] };
      sameBits(viaEncoded(g, grid, 'exact', w, scratch, rings), viaGeometry(g, grid, 'exact', w));
    }
  });

  it('other kinds and modes are measured as coverage() measures them', () => {
    const line: Geometry = { type: 'LineString', coordinates: [[0.2, 0.2], [2.7, 1.9]] };
    const point: Geometry = { type: 'Point', coordinates: [1.5, 1.5] };
    const collection: Geometry = { type: 'GeometryCollection', geometries: [point, { type: 'Polygon', coordinates: [sq(0.5, 0.5, 1.5, 1.5)] }] };
    for (const g of [line, point, collection, ...cases.map((c) => c[1])]) {
      for (const mode of ['exact', 'center', 'all_touched'] as CoverageMode[]) {
        // a collection mixing kinds has no exact coverage: both ways fail with the same GeometryError
        if (g === collection && mode === 'exact') {
          expect(() => viaEncoded(g, g3, mode, all3)).toThrow(/^a GeometryCollection mixing polygons and points has no exact coverage/);
          expect(() => viaGeometry(g, g3, mode, all3)).toThrow(/^a GeometryCollection mixing polygons and points has no exact coverage/);
          continue;
        }
        sameBits(viaEncoded(g, g3, mode, all3), viaGeometry(g, g3, mode, all3));
      }
    }
  });

  it('nothing covered: null, as coverage()', () => {
    expect(viaEncoded({ type: 'Polygon', coordinates: [sq(10, 10, 11, 11)] }, g3, 'exact', all3)).toBeNull();
    expect(viaEncoded({ type: 'Polygon', coordinates: [sq(3, 0, 4, 3)] }, g3, 'exact', all3)).toBeNull();
  });

  it('a non-finite coordinate fails with coverage()\'s GeometryError and message', () => {
    const g: Geometry = { type: 'MultiPolygon', coordinates: [[sq(0.1, 0.1, 1, 1)], [[[0.5, 0.5], [2.5, 0.5], [NaN, 2.5], [0.5, 0.5]]]] };
    const { a, at } = encoded(g);
    const run = (): unknown => coverageEncoded(a, at, g3, 'exact', all3, new CoverageScratch(), new EncodedRings());
    expect(run).toThrow(GeometryError);
    expect(run).toThrow(/^MultiPolygon part 1 ring\/line 0 position 2 has a non-finite coordinate/);
  });
});

describe('coverageEncoded on the tiny-coverage fixtures (exactextract: coverage > 0 counts)', () => {
  const DIR = join(import.meta.dirname, '../../fixtures/tiny-coverage');
  const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as { features: Record<string, { geotransform: number[]; width: number; height: number; cells: [number, number, number][] }> };
  const fields = JSON.parse(readFileSync(join(DIR, 'fields_32631.geojson'), 'utf8')) as { features: { properties: { field_id: string }; geometry: { coordinates: Position[][] } }[] };
  it.each(Object.keys(expected.features))('%s: positive on exactly exactextract\'s cells, with its fractions', (id) => {
    const e = expected.features[id];
    const f = fields.features.find((x) => x.properties.field_id === id);
    if (e === undefined || f === undefined) throw new Error(`no feature ${id}`);
    const [originX, resX, , originY, , negResY] = e.geotransform as [number, number, number, number, number, number];
    const grid: RasterGrid = { width: e.width, height: e.height, originX, originY, resX, resY: -negResY };
    const got = viaEncoded({ type: 'Polygon', coordinates: f.geometry.coordinates }, grid, 'exact', { row0: 0, col0: 0, rows: e.height, cols: e.width }) ?? [];
    const covered = got.map((v, k) => (v > 0 ? k : -1)).filter((k) => k >= 0);
    expect(covered).toEqual(e.cells.map((c) => c[0]).sort((x, y) => x - y));
    for (const [k, frac] of e.cells) {
      if (frac < 1e-13) expect(got[k] as number).toBeGreaterThan(0);
      else expect(got[k] as number).toBeCloseTo(frac, 6);
    }
  });
});
