/**
 * Exact coverage written as exactextract's float32 weights by the kernel itself (CoverageScratch's
 * `float32Min`): bit for bit what engine/cells.ts `cellWeights` makes of the double fractions in its
 * `fraction` mode (the reference here: the slow path the engine took before, every cell rounded again),
 * for every threshold the engine passes (FLT_MIN by default, fround(minCoverageFrac) up to 1), single
 * polygons, holes and overlapping parts, geometries and encoded geometries, crossed cells measured again by
 * clipping; a window whose positive fractions were all dropped still counts as covered, as before. A polygon
 * of several rings is summed as exactextract sums it (add_ring_results on a Matrix<float>): each ring's double
 * fractions rounded to float32, added in float32 ring after ring (exterior +, hole −); the reference builds
 * that sum from each ring's own double coverage.
 */
import { describe, expect, it } from 'vitest';
import { coverage, coverageEncoded } from '../../../shared/coverage/coverage';
import type { CoverageWindow } from '../../../shared/coverage/coverage';
import { CoverageScratch, exactCoverage } from '../../../shared/coverage/coverage.exact';
import { cellWeights, float32Threshold, FLT_MIN } from '../../../shared/engine/cells';
import type { CellWeightOptions } from '../../../shared/engine/cells';
import { encodeGeometry } from '../../../shared/geometry/encoded';
import { EncodedRings } from '../../../shared/geometry/encoded-rings';
import type { Geometry, Position } from '../../../shared/geometry/types';
import type { RasterGrid, Window } from '../../../shared/raster/grid';

const sq = (x0: number, y0: number, x1: number, y1: number): Position[] => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];
const grid: RasterGrid = { width: 40, height: 40, originX: 600000, originY: 5000400, resX: 10, resY: 10 };
const all: Window = { row0: 0, col0: 0, rows: 40, cols: 40 };

/** Random star-shaped fields (5..40 vertices), every third with a second part overlapping it. */
function fields(): Geometry[] {
  let seed = 11;
  const rnd = (): number => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const out: Geometry[] = [];
  for (let f = 0; f < 30; f++) {
    const n = 5 + Math.floor(rnd() * 36);
    const cx = 600100 + rnd() * 200;
    const cy = 5000100 + rnd() * 200;
    const ring: Position[] = Array.from({ length: n }, (_, k) => {
      const t = (2 * Math.PI * k) / n;
      const r = 30 + rnd() * 60;
      return [cx + r * Math.cos(t), cy + r * Math.sin(t)];
    });
    ring.push(ring[0] as Position);
    // every fifth a hole: the star shrunk about its centre to 0.4, reversed (a hole crossing the cells its exterior crosses)
    const hole = ring.map(([x, y]) => [cx + 0.4 * ((x) - cx), cy + 0.4 * ((y) - cy)] as Position).reverse();
    out.push(f % 3 === 0 ? { type: 'MultiPolygon', coordinates: [[ring], [sq(cx - 25.5, cy - 13.3, cx + 20.25, cy + 31.7)]] } : f % 5 === 1 ? { type: 'Polygon', coordinates: [ring, hole] } : { type: 'Polygon', coordinates: [ring] });
  }
  // a ring clipping a cell's corner by 1e-9 of a cell (a crossed cell measured again by clipping)
  out.push({ type: 'Polygon', coordinates: [[[600010 - 1e-8, 5000380], [600010, 5000370], [600030, 5000370], [600030, 5000390], [600010, 5000390], [600010, 5000380 + 1e-8], [600010 - 1e-8, 5000380]]] });
  return out;
}

/**
 * The reference: the double fractions (no float32Min), then cellWeights as the engine ran it on every window; for
 * several rings, each ring's double fractions (measured as a polygon of its own) rounded to float32 and added in
 * float32, exterior + and hole −, in the rings' order, before cellWeights.
 */
function reference(g: Geometry, w: Window, opts: CellWeightOptions): CoverageWindow | null {
  const cov = coverage(g, grid, 'exact', w);
  if (cov === null) return null;
  const polygons = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
  const rings = polygons.flatMap((p) => p.map((ring, k) => ({ ring, sign: k === 0 ? 1 : -1 })));
  if (rings.length <= 1) return { window: cov.window, weights: cellWeights(cov.weights.slice(), cov.window, grid, opts) };
  const total = new Float64Array(w.rows * w.cols);
  for (const { ring, sign } of rings) {
    const one = coverage({ type: 'Polygon', coordinates: [ring] }, grid, 'exact', w);
    if (one === null) continue;
    expect(one.window).toEqual(w);
    one.weights.forEach((v, k) => {
      total[k] = Math.fround((total[k] as number) + sign * Math.fround(v));
    });
  }
  return { window: cov.window, weights: cellWeights(total, cov.window, grid, opts) };
}

function viaEncoded(g: Geometry, w: Window, scratch: CoverageScratch): CoverageWindow | null {
  const e = encodeGeometry(g) ?? [];
  return coverageEncoded(Float64Array.from(e), 0, grid, 'exact', w, scratch, new EncodedRings());
}

/** Bit-for-bit equality of two results (Object.is per weight), null as null. */
function sameBits(got: CoverageWindow | null, want: CoverageWindow | null): void {
  expect(got === null).toBe(want === null);
  if (got === null || want === null) return;
  const a = [...got.weights];
  const b = [...want.weights];
  expect(a.length).toBe(b.length);
  expect(a.map((v, k) => (Object.is(v, b[k]) ? -1 : k)).filter((k) => k >= 0)).toEqual([]);
}

/** Cells where the float32 ring-by-ring sum differs from the double sum rounded once (both thresholded). */
function ringSumsDiffer(opts: CellWeightOptions): number {
  let n = 0;
  for (const g of fields()) {
    const want = reference(g, all, opts);
    const once = coverage(g, grid, 'exact', all);
    if (want === null || once === null) continue;
    const rounded = cellWeights(once.weights.slice(), all, grid, opts);
    n += [...rounded].filter((v, k) => v !== want.weights[k]).length;
  }
  return n;
}

describe('float32 exact coverage from the kernel: cellWeights of the double fractions, bit for bit', () => {
  const windows: Window[] = [all, { row0: 5, col0: 3, rows: 17, cols: 30 }, { row0: 12, col0: 0, rows: 1, cols: 40 }];
  for (const minCoverageFrac of [0, 0.3, 0.5, 0.999, 1]) {
    it(`minCoverageFrac ${minCoverageFrac}: geometries and encoded geometries, every window`, () => {
      const opts: CellWeightOptions = { coverageWeight: 'fraction', minCoverageFrac };
      const min = float32Threshold(opts);
      expect(min).toBe(Math.max(Math.fround(minCoverageFrac), FLT_MIN));
      const scratch = new CoverageScratch(min);
      let crossedRounded = 0;
      for (const g of fields()) {
        for (const w of windows) {
          const want = reference(g, w, opts);
          const got = coverage(g, grid, 'exact', w, scratch);
          sameBits(got, want);
          if (got) expect(got.float32).toBe(true);
          sameBits(viaEncoded(g, w, scratch), want);
          // the fractions did need rounding (the test would pass on an identity otherwise)
          const double = coverage(g, grid, 'exact', w);
          if (double) crossedRounded += [...double.weights].filter((v) => Math.fround(v) !== v).length;
        }
      }
      expect(crossedRounded).toBeGreaterThan(1000);
      // the ring-by-ring sum differs from the rounded double sum somewhere (else holes and parts would not be tested)
      expect(ringSumsDiffer(opts)).toBeGreaterThan(0);
    });
  }

  it('the double fractions stay the default (no float32Min)', () => {
    const g = fields()[1] as Geometry;
    const plain = exactCoverage([(g as { coordinates: Position[][] }).coordinates], grid, all, new CoverageScratch());
    expect([...plain].some((v) => Math.fround(v) !== v)).toBe(true);
    expect(coverage(g, grid, 'exact', all, new CoverageScratch())?.float32).toBe(false);
  });

  it('other modes and kinds are not rounded (float32 false), whatever the last feature was', () => {
    const scratch = new CoverageScratch(FLT_MIN);
    const poly = fields()[1] as Geometry;
    const line: Geometry = { type: 'LineString', coordinates: [[600003.3, 5000011.1], [600377.7, 5000201.9]] };
    expect(coverage(poly, grid, 'exact', all, scratch)?.float32).toBe(true);
    const l = coverage(line, grid, 'exact', all, scratch);
    expect(l?.float32).toBe(false);
    expect([...(l?.weights ?? [])]).toEqual([...(coverage(line, grid, 'exact', all)?.weights ?? [])]);
    expect(coverage(poly, grid, 'all_touched', all, scratch)?.float32).toBe(false);
    expect(coverage(poly, grid, 'center', all, scratch)?.float32).toBe(false);
  });

  it('positive fractions all dropped: the window still counts as covered, its weights 0 (as cellWeights left them)', () => {
    // a quarter of one cell, under minCoverageFrac 0.5
    const quarter: Geometry = { type: 'Polygon', coordinates: [sq(600105, 5000105, 600110, 5000110)] };
    const opts: CellWeightOptions = { coverageWeight: 'fraction', minCoverageFrac: 0.5 };
    const got = coverage(quarter, grid, 'exact', all, new CoverageScratch(float32Threshold(opts)));
    expect(got).not.toBeNull();
    expect([...(got?.weights ?? [])].every((v) => v === 0)).toBe(true);
    sameBits(got, reference(quarter, all, opts));
    sameBits(viaEncoded(quarter, all, new CoverageScratch(float32Threshold(opts))), reference(quarter, all, opts));
    // a cell's corner clipped by 5e-41 of it (measured again by clipping): positive in double, below FLT_MIN in float32
    const g0: RasterGrid = { width: 3, height: 3, originX: 0, originY: 0, resX: 1, resY: 1 };
    const w0: Window = { row0: 0, col0: 0, rows: 3, cols: 3 };
    const corner: Geometry = { type: 'Polygon', coordinates: [[[0, -1e-20], [1e-20, 0], [1e-20, 1], [-1, 1], [-1, -1e-20], [0, -1e-20]]] };
    const double = coverage(corner, g0, 'exact', w0);
    expect(double?.weights[0]).toBeGreaterThan(0);
    expect(double?.weights[0]).toBeLessThan(FLT_MIN);
    const f32 = coverage(corner, g0, 'exact', w0, new CoverageScratch(FLT_MIN));
    expect(f32).not.toBeNull();
    expect([...(f32?.weights ?? [])]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('other coverage weights need cellWeights (no threshold for the kernel)', () => {
    for (const coverageWeight of ['none', 'area_cartesian', 'area_spherical_m2', 'area_spherical_km2'] as const) {
      expect(float32Threshold({ coverageWeight, minCoverageFrac: 0 })).toBeNull();
    }
  });
});
