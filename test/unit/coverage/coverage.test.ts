import { describe, expect, it } from 'vitest';
import { coverage, geometryWindow, subdivideWindow } from '../../../shared/coverage/coverage';
import { CoverageScratch, exactCoverage } from '../../../shared/coverage/coverage.exact';
import type { Geometry, Position } from '../../../shared/geometry/types';
import type { RasterGrid } from '../../../shared/raster/grid';
import { pointInPolygon, slowExactCoverage } from '../../helpers/coverage-reference';

const g3: RasterGrid = { width: 3, height: 3, originX: 0, originY: 3, resX: 1, resY: 1 };
const sq = (x0: number, y0: number, x1: number, y1: number): Position[] => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];
const weights = (g: Geometry, grid = g3, mode: 'exact' | 'center' | 'all_touched' = 'exact', full = true): number[] => {
  const w = full ? { row0: 0, col0: 0, rows: grid.height, cols: grid.width } : undefined;
  return [...(coverage(g, grid, mode, w)?.weights ?? [])];
};

describe('exact coverage: exactextract hand cases', () => {
  it('3x3 unit cells, square 0.5..2.5', () => {
    expect(weights({ type: 'Polygon', coordinates: [sq(0.5, 0.5, 2.5, 2.5)] })).toEqual([0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25]);
  });
  it('a square exactly on cell edges gives exact 0 and 1', () => {
    expect(weights({ type: 'Polygon', coordinates: [sq(1, 0, 3, 2)] })).toEqual([0, 0, 0, 0, 1, 1, 0, 1, 1]);
  });
  it('orientation does not matter', () => {
    const ring = sq(0.5, 0.5, 2.5, 2.5);
    expect(weights({ type: 'Polygon', coordinates: [[...ring].reverse()] })).toEqual(weights({ type: 'Polygon', coordinates: [ring] }));
  });
  it('a hole subtracts; multipolygon parts in one cell add', () => {
    expect(weights({ type: 'Polygon', coordinates: [sq(0, 0, 3, 3), sq(1.25, 1.25, 1.75, 1.75)] })[4]).toBeCloseTo(0.75, 15);
    expect(weights({ type: 'MultiPolygon', coordinates: [[sq(1, 1, 1.5, 2)], [sq(1.5, 1, 1.75, 2)]] })[4]).toBeCloseTo(0.75, 15);
  });
  it('a triangle: half of each cell under its diagonal', () => {
    const w = weights({ type: 'Polygon', coordinates: [[[0, 0], [3, 0], [3, 3], [0, 0]]] });
    expect(w).toEqual([0, 0, 0.5, 0, 0.5, 1, 0.5, 1, 1]);
  });
  it('partly outside the raster: only cells inside count; wholly outside: null', () => {
    expect(weights({ type: 'Polygon', coordinates: [sq(-1, -1, 0.5, 0.5)] }, g3, 'exact', false)).toEqual([0.25]);
    expect(coverage({ type: 'Polygon', coordinates: [sq(10, 10, 11, 11)] }, g3, 'exact')).toBeNull();
  });
  it('a thin sliver along a cell edge', () => {
    const w = weights({ type: 'Polygon', coordinates: [sq(0.999, 0, 1.001, 3)] });
    expect(w[0]).toBeCloseTo(0.001, 12);
    expect(w[1]).toBeCloseTo(0.001, 12);
  });
});

function shoelace(r: Position[]): number {
  let a = 0;
  for (let i = 0; i + 1 < r.length; i++) a += (r[i] as Position)[0] * (r[i + 1] as Position)[1] - (r[i + 1] as Position)[0] * (r[i] as Position)[1];
  return a / 2;
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function star(rnd: () => number, cx: number, cy: number, r: number, n: number): Position[] {
  const ring: Position[] = [];
  for (let i = 0; i < n; i++) {
    const a = (i / n) * 2 * Math.PI;
    const rr = r * (0.3 + 0.7 * rnd());
    ring.push([cx + rr * Math.cos(a), cy + rr * Math.sin(a)]);
  }
  ring.push(ring[0] as Position);
  return ring;
}

describe('exact coverage vs an independent slow clipper', () => {
  it('on 300 random star polygons (some with holes) over an irregular grid', () => {
    const rnd = seeded(11);
    const grid: RasterGrid = { width: 40, height: 30, originX: 1000.3, originY: 5000.7, resX: 2.5, resY: 3.25 };
    for (let t = 0; t < 300; t++) {
      const cx = grid.originX + rnd() * grid.width * grid.resX;
      const cy = grid.originY - rnd() * grid.height * grid.resY;
      const r = 2 + rnd() * 30;
      const rings = [star(rnd, cx, cy, r, 3 + Math.floor(rnd() * 40))];
      if (t % 3 === 0) rings.push(star(rnd, cx, cy, r * 0.2, 8).reverse());
      const g: Geometry = { type: 'Polygon', coordinates: rings };
      const cov = coverage(g, grid, 'exact');
      const w = geometryWindow(g, grid);
      if (!w) continue;
      const ref = slowExactCoverage([rings], grid, w);
      const got = cov?.weights ?? new Float64Array(ref.length);
      for (let i = 0; i < ref.length; i++) expect(Math.abs((got[i] ?? 0) - (ref[i] ?? 0))).toBeLessThan(1e-9);
    }
  });
  it('center = brute-force point in polygon at cell centres; all_touched = exact > 1e-10', () => {
    const rnd = seeded(5);
    const grid: RasterGrid = { width: 30, height: 30, originX: 0.123, originY: 100.456, resX: 1.7, resY: 1.3 };
    for (let t = 0; t < 100; t++) {
      const rings = [star(rnd, grid.originX + 5 + rnd() * 40, grid.originY - 5 - rnd() * 30, 3 + rnd() * 12, 5 + Math.floor(rnd() * 20))];
      const g: Geometry = { type: 'Polygon', coordinates: rings };
      const w = geometryWindow(g, grid);
      if (!w) continue;
      const center = coverage(g, grid, 'center', w)?.weights ?? new Float64Array(w.rows * w.cols);
      const touched = coverage(g, grid, 'all_touched', w)?.weights ?? new Float64Array(w.rows * w.cols);
      const exact = slowExactCoverage([rings], grid, w);
      for (let r = 0; r < w.rows; r++) {
        for (let c = 0; c < w.cols; c++) {
          const p: Position = [grid.originX + (w.col0 + c + 0.5) * grid.resX, grid.originY - (w.row0 + r + 0.5) * grid.resY];
          expect(center[r * w.cols + c]).toBe(pointInPolygon(p, rings) ? 1 : 0);
          expect(touched[r * w.cols + c]).toBe((exact[r * w.cols + c] ?? 0) > 1e-9 ? 1 : 0);
        }
      }
    }
  });
});

describe('subdivision keeps memory bounded and weights unchanged', () => {
  it('chunks of a window give the same weights as the whole window', () => {
    const grid: RasterGrid = { width: 500, height: 400, originX: 0, originY: 400, resX: 1, resY: 1 };
    const rnd = seeded(3);
    const g: Geometry = { type: 'Polygon', coordinates: [star(rnd, 250, 200, 190, 500)] };
    const w = geometryWindow(g, grid);
    if (!w) throw new Error('window expected');
    const whole = coverage(g, grid, 'exact', w)?.weights ?? new Float64Array(0);
    const chunks = subdivideWindow(w, 10_000);
    expect(chunks.length).toBeGreaterThan(10);
    expect(chunks.every((c) => c.rows * c.cols <= 10_000)).toBe(true);
    let sumChunks = 0;
    for (const c of chunks) {
      const part = coverage(g, grid, 'exact', c);
      if (!part) continue;
      for (let r = 0; r < c.rows; r++) {
        for (let k = 0; k < c.cols; k++) {
          const v = part.weights[r * c.cols + k] ?? 0;
          sumChunks += v;
          // bit-for-bit, not just close: the fixed-point carry makes the prefix sum order-free
          expect(v).toBe(whole[(c.row0 - w.row0 + r) * w.cols + (c.col0 - w.col0 + k)] ?? 0);
        }
      }
    }
    expect(sumChunks).toBeCloseTo(whole.reduce((a, b) => a + b, 0), 8);
    // and the sum is the ring's area (in cells: resX = resY = 1)
    if (g.type !== 'Polygon') throw new Error('polygon expected');
    expect(sumChunks).toBeCloseTo(Math.abs(shoelace(g.coordinates[0] ?? [])), 6);
  });
});

describe('points and lines', () => {
  it('a point takes its cell; on a shared edge the cell right/below; on the outer right/bottom edge the last cell', () => {
    expect(weights({ type: 'Point', coordinates: [1.5, 1.5] })).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(weights({ type: 'Point', coordinates: [1, 2] })).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(weights({ type: 'Point', coordinates: [3, 0] })).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(coverage({ type: 'Point', coordinates: [3.1, 0] }, g3, 'exact')).toBeNull();
  });
  it('a line covers the cells it crosses; exact weighs the length inside each cell', () => {
    const line: Geometry = { type: 'LineString', coordinates: [[0.5, 2.5], [2.5, 2.5]] };
    expect(weights(line, g3, 'center')).toEqual([1, 1, 1, 0, 0, 0, 0, 0, 0]);
    expect(weights(line, g3, 'exact')).toEqual([0.5, 1, 0.5, 0, 0, 0, 0, 0, 0]);
    const diag: Geometry = { type: 'LineString', coordinates: [[0, 3], [3, 0]] };
    const d = weights(diag, g3, 'exact');
    expect(d[0]).toBeCloseTo(Math.SQRT2, 12);
    expect(d[4]).toBeCloseTo(Math.SQRT2, 12);
    expect(d[8]).toBeCloseTo(Math.SQRT2, 12);
  });
});

describe('exact coverage with a reused scratch', () => {
  it('gives bit for bit the freshly allocated weights, window after window of different sizes', () => {
    const grid = { width: 100, height: 100, originX: 0, originY: 100, resX: 1, resY: 1 };
    const scratch = new CoverageScratch();
    let s = 7;
    const rnd = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    for (let n = 0; n < 200; n++) {
      const cx = 10 + rnd() * 80;
      const cy = 10 + rnd() * 80;
      const r = 0.3 + rnd() * (n % 3 === 0 ? 9 : 2);
      const k = 3 + Math.floor(rnd() * 6);
      const ring = Array.from({ length: k }, (_, j) => [cx + r * Math.cos((j / k) * 2 * Math.PI + n), cy + r * Math.sin((j / k) * 2 * Math.PI + n)] as [number, number]);
      ring.push(ring[0] as [number, number]);
      const w = { row0: Math.floor(100 - cy - r) - 1, col0: Math.floor(cx - r) - 1, rows: Math.ceil(2 * r) + 3, cols: Math.ceil(2 * r) + 3 };
      const fresh = exactCoverage([[ring]], grid, w);
      const reused = exactCoverage([[ring]], grid, w, scratch);
      expect(Array.from(reused)).toStrictEqual(Array.from(fresh));
    }
  });
});
