/**
 * Named hand cases (exactextract's own tests and the issues it had), written
 * as arithmetic, plus degenerate input, collections, points, lines and window
 * subdivision. Grids are unit cells unless said otherwise.
 */
import { describe, expect, it } from 'vitest';
import { coverage, coverageProblem, geometryWindow, subdivideWindow } from '../../../shared/coverage/coverage';
import type { CoverageMode } from '../../../shared/coverage/coverage';
import type { Geometry, Position } from '../../../shared/geometry/types';
import type { RasterGrid, Window } from '../../../shared/raster/grid';
import { pointInPolygon, slowExactCoverage, slowLineLengths } from '../../helpers/coverage-reference';
import { GeometryError } from '../../../shared/errors';

const g3: RasterGrid = { width: 3, height: 3, originX: 0, originY: 3, resX: 1, resY: 1 };
const all3: Window = { row0: 0, col0: 0, rows: 3, cols: 3 };
/** Counter-clockwise square ring. */
const sq = (x0: number, y0: number, x1: number, y1: number): Position[] => [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];
const poly = (...rings: Position[][]): Geometry => ({ type: 'Polygon', coordinates: rings });
const w3 = (g: Geometry, mode: CoverageMode = 'exact', grid = g3, win: Window | undefined = grid === g3 ? all3 : undefined): number[] => [...(coverage(g, grid, mode, win)?.weights ?? [])];
const sum = (a: ArrayLike<number>): number => Array.from(a).reduce((s, v) => s + v, 0);

describe('exact: exactextract hand cases', () => {
  it('basic: square 0.5..2.5 over 3x3 -> quarter corners, half edges, full centre; count 4', () => {
    const w = w3(poly(sq(0.5, 0.5, 2.5, 2.5)));
    expect(w).toEqual([0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25]);
    expect(sum(w)).toBe(4);
  });
  it('edges exactly on cell edges, far from the origin (UTM-sized coordinates, 30 m cells): exact 1 and 0', () => {
    const grid: RasterGrid = { width: 4, height: 4, originX: 500000, originY: 9100000, resX: 30, resY: 30 };
    const g = poly(sq(500030, 9100000 - 90, 500090, 9100000 - 30));
    expect(w3(g, 'exact', grid, { row0: 0, col0: 0, rows: 4, cols: 4 })).toEqual([0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
    expect(geometryWindow(g, grid)).toEqual({ row0: 1, col0: 1, rows: 2, cols: 2 });
  });
  it('edges on cell edges with non-dyadic cells (0.1): fractions 0/1 within 1e-12, and all_touched takes no neighbour', () => {
    const grid: RasterGrid = { width: 5, height: 5, originX: 0.3, originY: 0.8, resX: 0.1, resY: 0.1 };
    const g = poly(sq(0.4, 0.5, 0.6, 0.7));
    const w = w3(g, 'exact', grid, { row0: 0, col0: 0, rows: 5, cols: 5 });
    const inside = (r: number, c: number): boolean => r >= 1 && r <= 2 && c >= 1 && c <= 2;
    w.forEach((v, k) => expect(Math.abs(v - (inside(Math.floor(k / 5), k % 5) ? 1 : 0))).toBeLessThan(1e-12));
    expect(w3(g, 'all_touched', grid, { row0: 0, col0: 0, rows: 5, cols: 5 })).toEqual(w.map((_, k) => (inside(Math.floor(k / 5), k % 5) ? 1 : 0)));
  });
  it('triangle (0,0),(3,0),(3,3): half of each diagonal cell, full below it', () => {
    expect(w3(poly([[0, 0], [3, 0], [3, 3], [0, 0]]))).toEqual([0, 0, 0.5, 0, 0.5, 1, 0.5, 1, 1]);
  });
  it('triangle with a vertex inside a cell: (0.5,0.5),(2.5,0.5),(0.5,2.5) against the clipper', () => {
    const ring: Position[] = [[0.5, 0.5], [2.5, 0.5], [0.5, 2.5], [0.5, 0.5]];
    const w = w3(poly(ring));
    // cell (row 1, col 1) = [1,2]x[1,2] under x + y <= 3: area 1 - 1/2 = 0.5; (row 2, col 0) = [0,1]x[0,1] from x,y >= 0.5: 0.25
    expect(w[4]).toBeCloseTo(0.5, 15);
    expect(w[6]).toBeCloseTo(0.25, 15);
    expect(sum(w)).toBeCloseTo(2, 14);
    const ref = slowExactCoverage([[ring]], g3, all3);
    w.forEach((v, k) => expect(v).toBeCloseTo(ref[k] ?? NaN, 14));
  });
  it('clockwise and counter-clockwise rings give the same weights (exterior and hole)', () => {
    const tri: Position[] = [[0.2, 0.1], [2.9, 0.7], [1.1, 2.6], [0.2, 0.1]];
    const hole: Position[] = [[1, 1], [1.5, 1], [1.5, 1.5], [1, 1]];
    const ccw = w3(poly(tri, [...hole].reverse()));
    expect(w3(poly([...tri].reverse(), hole))).toEqual(ccw);
    expect(w3(poly(tri, hole))).toEqual(ccw);
    expect(w3(poly([...tri].reverse(), [...hole].reverse()))).toEqual(ccw);
    expect(sum(ccw)).toBeCloseTo(Math.abs((0.2 * 0.7 - 2.9 * 0.1 + 2.9 * 2.6 - 1.1 * 0.7 + 1.1 * 0.1 - 0.2 * 2.6) / 2) - 0.125, 13);
  });
  it('a polygon with a hole: 0..3 minus 0.5..2.5 -> 1 minus the basic case', () => {
    expect(w3(poly(sq(0, 0, 3, 3), sq(0.5, 0.5, 2.5, 2.5)))).toEqual([0.75, 0.5, 0.75, 0.5, 0, 0.5, 0.75, 0.5, 0.75]);
  });
  it('multipolygon parts in one cell add; overlapping parts add unclamped, as exactextract (a cell two parts cover weighs 2)', () => {
    const mp: Geometry = { type: 'MultiPolygon', coordinates: [[sq(1, 1, 1.5, 2)], [sq(1.5, 1, 1.75, 2)]] };
    expect(w3(mp)[4]).toBe(0.75);
    const overlap: Geometry = { type: 'MultiPolygon', coordinates: [[sq(1, 1, 2, 2)], [sq(1, 1, 2, 2)]] };
    expect(w3(overlap)).toEqual([0, 0, 0, 0, 2, 0, 0, 0, 0]);
    const halves: Geometry = { type: 'MultiPolygon', coordinates: [[sq(1, 1, 1.5, 2)], [sq(1, 1, 1.5, 2)]] };
    expect(w3(halves)[4]).toBe(1);
    // 0.5..2.5 (the basic case) and 0..2 over it: the lower-left 2x2 cells get both parts' fractions
    const two: Geometry = { type: 'MultiPolygon', coordinates: [[sq(0.5, 0.5, 2.5, 2.5)], [sq(0, 0, 2, 2)]] };
    expect(w3(two)).toEqual([0.25, 0.5, 0.25, 1.5, 2, 0.5, 1.25, 1.5, 0.25]);
    // three identical parts wholly over the window: interior cells snapped to exactly 3 (no float noise)
    expect(w3({ type: 'MultiPolygon', coordinates: [[sq(-1, -1, 4, 4)], [sq(-1, -1, 4, 4)], [sq(-1, -1, 4, 4)]] })).toEqual([3, 3, 3, 3, 3, 3, 3, 3, 3]);
    // center and all_touched select a cell once however many parts hold it (GDAL burns each part: the union, weights 1)
    const union = (a: number[], b: number[]): number[] => a.map((v, k) => Math.max(v, b[k] ?? 0));
    expect(w3(two, 'center')).toEqual(union(w3(poly(sq(0.5, 0.5, 2.5, 2.5)), 'center'), w3(poly(sq(0, 0, 2, 2)), 'center')));
    expect(w3(two, 'all_touched')).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });
  it('a GeometryCollection adds its polygons as one MultiPolygon (and its lines as one MultiLineString), as exactextract', () => {
    const gc: Geometry = { type: 'GeometryCollection', geometries: [poly(sq(1, 1, 1.5, 2)), { type: 'GeometryCollection', geometries: [poly(sq(1, 1, 1.5, 2))] }, { type: 'MultiPolygon', coordinates: [[sq(0, 0, 2, 2)]] }] };
    expect(w3(gc)).toEqual([0, 0, 0, 1, 2, 0, 1, 1, 0]);
    expect(w3(gc, 'center')).toEqual([0, 0, 0, 1, 1, 0, 1, 1, 0]);
    // along the middle of row 0: 0.5..2.5 gives 0.5, 1, 0.5; 1.5..2.5 adds 0.5, 0.5
    const lines: Geometry = { type: 'GeometryCollection', geometries: [{ type: 'LineString', coordinates: [[0.5, 2.5], [2.5, 2.5]] }, { type: 'LineString', coordinates: [[1.5, 2.5], [2.5, 2.5]] }] };
    expect(w3(lines)).toEqual([0.5, 1.5, 1, 0, 0, 0, 0, 0, 0]);
  });
  it('a GeometryCollection mixing kinds has no exact coverage (exactextract refuses it); center and all_touched burn every member', () => {
    const gc: Geometry = { type: 'GeometryCollection', geometries: [poly(sq(1, 1, 1.5, 2)), poly(sq(1, 1, 1.5, 2)), { type: 'Point', coordinates: [0.5, 2.5] }, { type: 'Point', coordinates: [1.25, 1.5] }] };
    expect(() => w3(gc)).toThrow(GeometryError);
    expect(() => w3(gc)).toThrow(/^a GeometryCollection mixing polygons and points has no exact coverage \(exactextract refuses it: "Mixed-type geometries not supported"\); use coverage center or all_touched, or one feature per kind$/);
    const line: Geometry = { type: 'LineString', coordinates: [[0.5, 2.5], [2.5, 2.5]] };
    const three: Geometry = { type: 'GeometryCollection', geometries: [{ type: 'GeometryCollection', geometries: [line] }, poly(sq(1, 1, 1.5, 2)), { type: 'MultiPoint', coordinates: [[0.5, 0.5]] }] };
    expect(() => w3(three)).toThrow(/mixing polygons, lines and points has no exact coverage/);
    expect(coverageProblem(three, 'exact')).toMatch(/^a GeometryCollection mixing polygons, lines and points/);
    expect(coverageProblem(three, 'center')).toBeNull();
    expect(coverageProblem({ type: 'GeometryCollection', geometries: [line, line] }, 'exact')).toBeNull();
    // center / all_touched: a cell is selected when any member selects it (GDAL burns each member; center checked
    // with rasterio 1.3.5 geometry_mask, GDAL 3.6.2, which in all_touched also takes cell 7, below the polygon's bottom edge)
    const half: Geometry = { type: 'GeometryCollection', geometries: [poly(sq(1, 1, 1.5, 2)), { type: 'Point', coordinates: [0.5, 2.5] }] };
    expect(w3(half, 'all_touched')).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(w3(half, 'center')).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(w3(three, 'center')).toEqual([1, 1, 1, 0, 1, 0, 1, 0, 0]);
  });
  it('partly outside the raster: only cells inside; wholly outside or only touching the edge: null', () => {
    const g = poly(sq(-1, -1, 0.5, 0.5));
    expect(geometryWindow(g, g3)).toEqual({ row0: 2, col0: 0, rows: 1, cols: 1 });
    expect([...(coverage(g, g3, 'exact')?.weights ?? [])]).toEqual([0.25]);
    expect(coverage(poly(sq(10, 10, 11, 11)), g3, 'exact')).toBeNull();
    expect(coverage(poly(sq(3, 0, 4, 3)), g3, 'exact')).toBeNull();
    expect(coverage(poly(sq(3, 0, 4, 3)), g3, 'exact', all3)).toBeNull();
  });
  it('thin slivers along a cell edge: 0.002 wide straddling x = 1; 1e-12 wide is not touched; 1e-8 wide is', () => {
    const w = w3(poly(sq(0.999, 0, 1.001, 3)));
    // 0.999 and 1.001 are not binary fractions: 1.001 - 1 is 0.001 only to ~2e-13
    for (const k of [0, 3, 6]) expect(w[k]).toBeCloseTo(0.001, 12);
    for (const k of [1, 4, 7]) expect(w[k]).toBeCloseTo(0.001, 12);
    expect(sum(w)).toBeCloseTo(0.006, 11);
    expect(coverage(poly(sq(1, 0, 1 + 1e-12, 3)), g3, 'all_touched', all3)).toBeNull();
    expect(w3(poly(sq(1, 0, 1 + 1e-8, 3)), 'all_touched')).toEqual([0, 1, 0, 0, 1, 0, 0, 1, 0]);
  });
  it('degenerate rings do not crash: collinear (zero area) -> null, repeated points and an unclosed ring change nothing', () => {
    expect(coverage(poly([[0.5, 0.5], [1.5, 1.5], [2.5, 2.5], [0.5, 0.5]]), g3, 'exact')).toBeNull();
    expect(coverage(poly([[1, 1], [1, 1], [1, 1], [1, 1]]), g3, 'exact')).toBeNull();
    const base = w3(poly(sq(0.5, 0.5, 2.5, 2.5)));
    expect(w3(poly([[0.5, 0.5], [0.5, 0.5], [2.5, 0.5], [2.5, 0.5], [2.5, 2.5], [0.5, 2.5], [0.5, 2.5], [0.5, 0.5]]))).toEqual(base);
    expect(w3(poly([[0.5, 0.5], [2.5, 0.5], [2.5, 2.5], [0.5, 2.5]]))).toEqual(base);
    expect(w3(poly(sq(0.5, 0.5, 2.5, 2.5), [[1, 1], [2, 2], [1, 1]]))).toEqual(base);
  });
});

describe('center: GDAL scanline rule', () => {
  it('square 0.5..2.5 (edges through cell centres): left crossing in, right out, top out, bottom in -> 6 cells', () => {
    // this is the reference's tiny__r3x3_1to9 fid 1 (count 6, sum 2+3+5+6+8+9 = 33)
    expect(w3(poly(sq(0.5, 0.5, 2.5, 2.5)), 'center')).toEqual([0, 1, 1, 0, 1, 1, 0, 1, 1]);
  });
  it('a hole removes the centres it holds; parts are unioned', () => {
    expect(w3(poly(sq(0, 0, 3, 3), sq(1.2, 1.2, 1.8, 1.8)), 'center')).toEqual([1, 1, 1, 1, 0, 1, 1, 1, 1]);
    const mp: Geometry = { type: 'MultiPolygon', coordinates: [[sq(0, 0, 2, 2)], [sq(1, 1, 3, 3)]] };
    expect(w3(mp, 'center')).toEqual([0, 1, 1, 1, 1, 1, 1, 1, 0]);
  });
  it('a polygon holding no centre: null', () => {
    expect(coverage(poly(sq(0.6, 0.6, 1.4, 1.4)), g3, 'center', all3)).toBeNull();
  });
});

describe('points', () => {
  it('MultiPoint: several points in one cell weigh 1 once; points outside are ignored', () => {
    const mp: Geometry = { type: 'MultiPoint', coordinates: [[0.2, 2.2], [0.7, 2.9], [2.5, 0.5], [9, 9]] };
    for (const mode of ['exact', 'center', 'all_touched'] as const) expect(w3(mp, mode)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 1]);
  });
  it('edges: top-left corner -> cell (0,0); shared edge -> right/below; outer right/bottom edge -> last cell; beyond -> null', () => {
    expect(w3({ type: 'Point', coordinates: [0, 3] })).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(w3({ type: 'Point', coordinates: [2, 1] })).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(geometryWindow({ type: 'Point', coordinates: [3, 1.5] }, g3)).toEqual({ row0: 1, col0: 2, rows: 1, cols: 1 });
    expect(coverage({ type: 'Point', coordinates: [1.5, -0.001] }, g3, 'exact')).toBeNull();
    expect(coverage({ type: 'Point', coordinates: [-0.001, 1.5] }, g3, 'center')).toBeNull();
  });
  it("a MultiPoint's (or a collection's) rightmost or lowest point on a cell edge is in its own window (it was cut off)", () => {
    // (2, 1) is the top-left corner of cell (2, 2): the window of the bbox 0.5..2 x 1..2.5 must reach column and row 2
    // (rasterio 1.3.5 geometry_mask, GDAL 3.6.2: cells 0 and 8, with and without all_touched)
    const mp: Geometry = { type: 'MultiPoint', coordinates: [[0.5, 2.5], [2, 1]] };
    const gc: Geometry = { type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [0.5, 2.5] }, { type: 'Point', coordinates: [2, 1] }] };
    for (const g of [mp, gc]) {
      expect(geometryWindow(g, g3)).toEqual({ row0: 0, col0: 0, rows: 3, cols: 3 });
      for (const mode of ['exact', 'center', 'all_touched'] as const) expect([...(coverage(g, g3, mode)?.weights ?? [])]).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 1]);
    }
  });
});

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe('lines', () => {
  it('exact = length inside each cell in CRS units (exactextract collect_lengths); a line along a grid line goes below', () => {
    expect(w3({ type: 'LineString', coordinates: [[0.5, 2], [2.5, 2]] })).toEqual([0, 0, 0, 0.5, 1, 0.5, 0, 0, 0]);
    const grid: RasterGrid = { width: 3, height: 3, originX: 0, originY: 30, resX: 10, resY: 10 };
    const w = w3({ type: 'LineString', coordinates: [[5, 25], [25, 25], [25, 5]] }, 'exact', grid, all3);
    expect(w).toEqual([5, 10, 10, 0, 0, 10, 0, 0, 5]);
    expect(sum(w)).toBe(40);
  });
  it('center/all_touched: every crossed cell and the cells of the vertices weigh 1', () => {
    const line: Geometry = { type: 'LineString', coordinates: [[0.5, 2.5], [1, 2]] };
    // ends exactly on the corner of cells (0,0),(0,1),(1,0),(1,1): crosses only (0,0); its end point's cell is (1,1)
    expect(w3(line, 'center')).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(w3(line, 'exact')).toEqual([Math.hypot(0.5, 0.5), 0, 0, 0, 0, 0, 0, 0, 0]);
  });
  it('200 random polylines: exact lengths = cell-by-cell clipping to 1e-9; crossed cells = cells with clipped length > 0', () => {
    const rnd = seeded(21);
    const grid: RasterGrid = { width: 25, height: 20, originX: 100.37, originY: 700.11, resX: 3.3, resY: 2.1 };
    for (let t = 0; t < 200; t++) {
      const line: Position[] = [];
      const n = 2 + Math.floor(rnd() * 6);
      for (let i = 0; i < n; i++) line.push([grid.originX - 5 + rnd() * 95, grid.originY + 5 - rnd() * 52]);
      const g: Geometry = { type: 'LineString', coordinates: line };
      const w = geometryWindow(g, grid);
      if (!w) continue;
      const exact = coverage(g, grid, 'exact', w)?.weights ?? new Float64Array(w.rows * w.cols);
      const touched = coverage(g, grid, 'all_touched', w)?.weights ?? new Float64Array(w.rows * w.cols);
      const ref = slowLineLengths([line], grid, w);
      for (let k = 0; k < ref.length; k++) {
        expect(Math.abs((exact[k] ?? NaN) - (ref[k] ?? NaN))).toBeLessThan(1e-9);
        if ((ref[k] ?? 0) > 1e-9) expect(touched[k]).toBe(1);
      }
    }
  });
});

describe('subdivideWindow', () => {
  it('tiles a window exactly (disjoint, covering, each chunk <= maxCells), also when a row is wider than maxCells', () => {
    for (const [w, max] of [[{ row0: 3, col0: 5, rows: 17, cols: 9 }, 20], [{ row0: 0, col0: 0, rows: 4, cols: 50 }, 7], [{ row0: 2, col0: 1, rows: 5, cols: 5 }, 25], [{ row0: 0, col0: 0, rows: 100, cols: 3 }, 1]] as const) {
      const seen = new Uint8Array(w.rows * w.cols);
      for (const c of subdivideWindow(w, max)) {
        expect(c.rows * c.cols).toBeLessThanOrEqual(max);
        expect(c.rows).toBeGreaterThan(0);
        for (let r = c.row0; r < c.row0 + c.rows; r++) for (let k = c.col0; k < c.col0 + c.cols; k++) {
          const i = (r - w.row0) * w.cols + (k - w.col0);
          seen[i] = (seen[i] ?? 0) + 1;
        }
      }
      expect([...seen].every((x) => x === 1)).toBe(true);
    }
    expect(subdivideWindow({ row0: 0, col0: 0, rows: 2, cols: 2 }, 0)).toHaveLength(4);
    expect(subdivideWindow({ row0: 0, col0: 0, rows: 2, cols: 2 }, Infinity)).toHaveLength(1);
  });
  it('with a tile height: bands in row order, covering, each <= maxCells, none across a tile row boundary, as few as a tile row allows', () => {
    const cases: [Window, number, number][] = [
      [{ row0: 0, col0: 0, rows: 10980, cols: 10980 }, 4_000_000, 512], // 364-row bands before: 256 now (2 per tile row)
      [{ row0: 0, col0: 0, rows: 10980, cols: 1000 }, 4_000_000, 512], // 4000 rows fit: 7 tile rows (3584 rows) per band
      [{ row0: 37, col0: 5, rows: 1000, cols: 9 }, 20 * 9, 16], // 20 rows: tile rows of 16 split in 1 piece
      [{ row0: 3, col0: 0, rows: 200, cols: 10 }, 70, 16], // 7 rows: 16-row tiles in 3 pieces of <= 6
      [{ row0: -5, col0: 0, rows: 40, cols: 4 }, 400, 8],
    ];
    for (const [w, max, th] of cases) {
      const bands = subdivideWindow(w, max, th);
      let next = w.row0;
      for (const c of bands) {
        expect(c).toMatchObject({ row0: next, col0: w.col0, cols: w.cols });
        expect(c.rows).toBeGreaterThan(0);
        expect(c.rows * c.cols).toBeLessThanOrEqual(max);
        // its first and last rows lie in one tile row, or it is made of whole tile rows
        const firstTile = Math.floor(c.row0 / th);
        const lastTile = Math.floor((c.row0 + c.rows - 1) / th);
        if (lastTile !== firstTile) {
          expect(c.row0 === w.row0 || c.row0 % th === 0).toBe(true);
          expect(c.row0 + c.rows === w.row0 + w.rows || (c.row0 + c.rows) % th === 0).toBe(true);
        }
        next = c.row0 + c.rows;
      }
      expect(next).toBe(w.row0 + w.rows);
      // no more bands than the tile rows' pieces: ceil(th / band) per tile row, or tile rows grouped
      const band = Math.floor(max / w.cols);
      const tileRows = Math.floor((w.row0 + w.rows - 1) / th) - Math.floor(w.row0 / th) + 1;
      expect(bands.length).toBeLessThanOrEqual(band >= th ? tileRows : tileRows * Math.ceil(th / band));
    }
    expect(subdivideWindow({ row0: 0, col0: 0, rows: 10980, cols: 10980 }, 4_000_000, 512).map((c) => c.rows).slice(0, 3)).toStrictEqual([256, 256, 256]);
    expect(subdivideWindow({ row0: 0, col0: 0, rows: 10980, cols: 1000 }, 4_000_000, 512).map((c) => c.rows)).toStrictEqual([3584, 3584, 3584, 228]);
  });
  it('every mode gives bit-identical weights per chunk and on the whole window (random polygons with holes, multipolygons)', () => {
    const rnd = seeded(77);
    const grid: RasterGrid = { width: 120, height: 90, originX: 354000.25, originY: 9120000.5, resX: 28.5, resY: 28.5 };
    const star = (cx: number, cy: number, r: number, n: number): Position[] => {
      const ring: Position[] = [];
      for (let i = 0; i < n; i++) {
        const a = (i / n) * 2 * Math.PI;
        const rr = r * (0.4 + 0.6 * rnd());
        ring.push([cx + rr * Math.cos(a), cy + rr * Math.sin(a)]);
      }
      ring.push(ring[0] as Position);
      return ring;
    };
    for (let t = 0; t < 12; t++) {
      const cx = grid.originX + (0.2 + 0.6 * rnd()) * grid.width * grid.resX;
      const cy = grid.originY - (0.2 + 0.6 * rnd()) * grid.height * grid.resY;
      const r = 200 + rnd() * 1200;
      const g: Geometry = t % 2 === 0
        ? poly(star(cx, cy, r, 30 + Math.floor(rnd() * 300)), star(cx, cy, r * 0.3, 12).reverse())
        : { type: 'MultiPolygon', coordinates: [[star(cx, cy, r * 0.5, 40)], [star(cx + r, cy - r, r * 0.4, 25)]] };
      const w = geometryWindow(g, grid);
      if (!w) continue;
      for (const mode of ['exact', 'center', 'all_touched'] as const) {
        const whole = coverage(g, grid, mode, w)?.weights ?? new Float64Array(w.rows * w.cols);
        for (const [max, th] of [[37, 1], [500, 1], [500, 16], [37, 7]] as const) {
          for (const c of subdivideWindow(w, max, th)) {
            const part = coverage(g, grid, mode, c)?.weights ?? new Float64Array(c.rows * c.cols);
            for (let rr = 0; rr < c.rows; rr++) {
              for (let k = 0; k < c.cols; k++) {
                const a = part[rr * c.cols + k];
                const b = whole[(c.row0 - w.row0 + rr) * w.cols + (c.col0 - w.col0 + k)];
                if (a !== b) expect({ mode, t, max, row: c.row0 + rr, col: c.col0 + k, a }).toEqual({ mode, t, max, row: c.row0 + rr, col: c.col0 + k, a: b });
              }
            }
          }
        }
        if (mode === 'center' && g.type === 'Polygon') {
          // and center equals a brute-force point-in-polygon at every cell centre
          for (let k = 0; k < whole.length; k++) {
            const p: Position = [grid.originX + (w.col0 + (k % w.cols) + 0.5) * grid.resX, grid.originY - (w.row0 + Math.floor(k / w.cols) + 0.5) * grid.resY];
            expect(whole[k]).toBe(pointInPolygon(p, g.coordinates) ? 1 : 0);
          }
        }
      }
    }
  });
});

describe('numerical care and bad input', () => {
  it('UTM-sized coordinates (x ~ 3.5e5, y ~ 9.1e6, 30 m cells): 100 random polygons with holes = the clipper to 1e-9', () => {
    const rnd = seeded(99);
    const grid: RasterGrid = { width: 60, height: 50, originX: 354015, originY: 9120045, resX: 30, resY: 30 };
    for (let t = 0; t < 100; t++) {
      const cx = grid.originX + rnd() * 1800;
      const cy = grid.originY - rnd() * 1500;
      const r = 40 + rnd() * 500;
      const ring = (rr: number, n: number): Position[] => {
        const out: Position[] = [];
        for (let i = 0; i < n; i++) {
          const a = (i / n) * 2 * Math.PI;
          const q = rr * (0.35 + 0.65 * rnd());
          out.push([cx + q * Math.cos(a), cy + q * Math.sin(a)]);
        }
        out.push(out[0] as Position);
        return out;
      };
      const rings = t % 2 === 0 ? [ring(r, 5 + Math.floor(rnd() * 60)), ring(r * 0.3, 7)] : [ring(r, 5 + Math.floor(rnd() * 60))];
      const g = poly(...rings);
      const w = geometryWindow(g, grid);
      if (!w) continue;
      const got = coverage(g, grid, 'exact', w)?.weights ?? new Float64Array(w.rows * w.cols);
      const ref = slowExactCoverage([rings], grid, w);
      for (let k = 0; k < ref.length; k++) expect(Math.abs((got[k] ?? NaN) - (ref[k] ?? NaN))).toBeLessThan(1e-9);
    }
  });
  it('a NaN or infinite coordinate is a GeometryError naming the position, not silently missing edges', () => {
    expect(() => coverage(poly([[0.5, 0.5], [2.5, 0.5], [NaN, 2.5], [0.5, 0.5]]), g3, 'exact')).toThrow(GeometryError);
    expect(() => coverage(poly([[0.5, 0.5], [2.5, 0.5], [NaN, 2.5], [0.5, 0.5]]), g3, 'exact')).toThrow(/Polygon ring\/line 0 position 2 has a non-finite coordinate/);
    expect(() => coverage({ type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [Infinity, 1] }] }, g3, 'center', all3)).toThrow(GeometryError);
  });
});
