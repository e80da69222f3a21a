/**
 * `center` coverage where cell centres lie exactly on a polygon's boundary, and `all_touched`
 * where edges lie exactly on cell boundaries: 419 hand-written and seeded random polygons
 * (fixtures/center-ties, make.py: GDAL 3.6.2 through rasterio 1.3.5 `geometry_mask`/`rasterize`
 * and `gdal.RasterizeLayer`, OGR/GEOS intersection areas), cell for cell, whatever the rings' orientation.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coverage, geometryWindow, subdivideWindow } from '../../../shared/coverage/coverage';
import { ogrIsClockwise } from '../../../shared/coverage/coverage.center';
import type { Geometry, Position } from '../../../shared/geometry/types';
import type { RasterGrid } from '../../../shared/raster/grid';

interface Grid { originX: number; originY: number; res: number; width: number; height: number }
interface Case { name: string; grid: string; geometry: Geometry; center: number[]; all_touched_gdal: number[]; touched?: number[] }
interface Summary { valid_cases: number; gdal_extra_cells: number; gdal_extra_zero_area: number; gdal_missing_cells: number }
interface Mixed { name: string; grid: string; geometry: Geometry; center: number[]; all_touched: number[] }
const fixture = JSON.parse(readFileSync(join(__dirname, '../../fixtures/center-ties/expected.json'), 'utf8')) as { grids: Record<string, Grid>; summary: Summary; cases: Case[]; mixed: Mixed[] };

function gridOf(name: string): RasterGrid {
  const g = fixture.grids[name] as Grid;
  return { width: g.width, height: g.height, originX: g.originX, originY: g.originY, resX: g.res, resY: g.res };
}

/** The selected cells as sorted row-major indices, over the geometry's window (or chunks of it). */
function cells(geom: Geometry, grid: RasterGrid, mode: 'center' | 'all_touched', maxCells = Infinity): number[] {
  const w = geometryWindow(geom, grid);
  if (w === null) return [];
  const out: number[] = [];
  for (const chunk of subdivideWindow(w, maxCells)) {
    const cov = coverage(geom, grid, mode, chunk);
    if (cov === null) continue;
    cov.weights.forEach((v, k) => {
      if (v > 0) out.push((cov.window.row0 + Math.floor(k / cov.window.cols)) * grid.width + cov.window.col0 + (k % cov.window.cols));
    });
  }
  return out.sort((a, b) => a - b);
}

/** Every ring reversed. */
function reversed(g: Geometry): Geometry {
  const rings = (rs: Position[][]): Position[][] => rs.map((r) => [...r].reverse());
  if (g.type === 'Polygon') return { type: 'Polygon', coordinates: rings(g.coordinates) };
  if (g.type === 'MultiPolygon') return { type: 'MultiPolygon', coordinates: g.coordinates.map(rings) };
  if (g.type === 'GeometryCollection') return { type: 'GeometryCollection', geometries: g.geometries.map(reversed) };
  return g;
}

describe('center: cell centres on edges and vertices select what GDAL selects', () => {
  it(`${fixture.cases.length} cases equal GDAL's cells, and with every ring reversed too`, () => {
    const bad: string[] = [];
    for (const c of fixture.cases) {
      const grid = gridOf(c.grid);
      const want = [...c.center].sort((a, b) => a - b);
      if (JSON.stringify(cells(c.geometry, grid, 'center')) !== JSON.stringify(want)) bad.push(c.name);
      if (JSON.stringify(cells(reversed(c.geometry), grid, 'center')) !== JSON.stringify(want)) bad.push(`${c.name} (reversed)`);
    }
    expect(bad).toEqual([]);
  });
  it('window chunks give the same cells', () => {
    for (const c of fixture.cases.slice(0, 80)) {
      const grid = gridOf(c.grid);
      expect(cells(c.geometry, grid, 'center', 7)).toEqual(cells(c.geometry, grid, 'center'));
    }
  });
  it('the report: the square 0.5..3.5 on a unit 12x12 grid takes rows 0..3, columns 1..3, either way round', () => {
    const grid: RasterGrid = { width: 12, height: 12, originX: 0, originY: 12, resX: 1, resY: 1 };
    const ring: Position[] = [[0.5, 11.5], [3.5, 11.5], [3.5, 8.5], [0.5, 8.5], [0.5, 11.5]];
    // centre rows v = 0.5 (top edge) and 3.5 (bottom edge) are in; centre columns u = 0.5 (left edge) out, 3.5 (right edge) in
    const want = [1, 2, 3, 13, 14, 15, 25, 26, 27, 37, 38, 39];
    expect(cells({ type: 'Polygon', coordinates: [ring] }, grid, 'center')).toEqual(want);
    expect(cells({ type: 'Polygon', coordinates: [[...ring].reverse()] }, grid, 'center')).toEqual(want);
  });
  it("OGR's isClockwise: sign of the turn at the lowest rightmost vertex, closing open rings", () => {
    const ccw: Position[] = [[0, 0], [2, 0], [2, 1], [0, 1], [0, 0]];
    expect(ogrIsClockwise(ccw)).toBe(false);
    expect(ogrIsClockwise([...ccw].reverse())).toBe(true);
    expect(ogrIsClockwise(ccw.slice(0, 4))).toBe(false);
    // a bow-tie: the turn at (1, 0) decides, whatever the signed area (0 here)
    expect(ogrIsClockwise([[0, 0], [1, 0], [0, 1], [1, 1], [0, 0]])).toBe(false);
  });
});

describe('all_touched on edges exactly on cell boundaries', () => {
  const valid = fixture.cases.filter((c) => c.touched !== undefined);
  it(`${valid.length} valid polygons: exact coverage > 1e-10 (OGR intersection areas), cell for cell`, () => {
    const bad = valid.filter((c) => JSON.stringify(cells(c.geometry, gridOf(c.grid), 'all_touched')) !== JSON.stringify([...(c.touched as number[])].sort((a, b) => a - b)));
    expect(bad.map((c) => c.name)).toEqual([]);
  });
  it("GDAL's ALL_TOUCHED takes every one of those cells, plus cells the polygon only touches (zero area)", () => {
    let extra = 0;
    for (const c of valid) {
      const gdal = new Set(c.all_touched_gdal);
      const ours = cells(c.geometry, gridOf(c.grid), 'all_touched');
      expect(ours.filter((k) => !gdal.has(k))).toEqual([]);
      extra += gdal.size - ours.length;
    }
    expect(fixture.summary.gdal_missing_cells).toBe(0);
    expect(extra).toBe(fixture.summary.gdal_extra_cells);
    expect(fixture.summary.gdal_extra_zero_area).toBe(fixture.summary.gdal_extra_cells);
  });
});

describe('GeometryCollections mixing polygons, lines and points: every member burned, as GDAL burns them', () => {
  it(`${fixture.mixed.length} collections: center = GDAL's cells, all_touched = the polygons' touched cells and GDAL's for the rest; exact refused`, () => {
    for (const m of fixture.mixed) {
      const grid = gridOf(m.grid);
      expect([m.name, cells(m.geometry, grid, 'center')]).toEqual([m.name, [...m.center].sort((a, b) => a - b)]);
      expect([m.name, cells(m.geometry, grid, 'all_touched')]).toEqual([m.name, m.all_touched]);
      expect(() => coverage(m.geometry, grid, 'exact')).toThrow(/^a GeometryCollection mixing polygons and (lines|points)|^a GeometryCollection mixing polygons, lines and points/);
    }
  });
});
