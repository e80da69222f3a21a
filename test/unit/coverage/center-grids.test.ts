/**
 * `center` coverage (and `all_touched` and `exact` of points and lines) on real-world grids (Sentinel-2 10/20/60 m, Landsat 30 m, negative origins,
 * Web Mercator zoom 14, 1 arc-second geographic), where polygon vertices and edges lie exactly on
 * cell centres and cell edges in world coordinates: GDAL maps them to pixel space with its inverse
 * geotransform (1/res, not exact for these cells), and the cells it burns decide ties. Oracle:
 * fixtures/center-grids (make.py: GDAL 3.6.2 `gdal.RasterizeLayer` and rasterio 1.3.5
 * `geometry_mask`, which agree), cell for cell and count/sum/mean through a whole stats job.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { coverage, geometryWindow, subdivideWindow } from '../../../shared/coverage/coverage';
import { runStatsJob } from '../../../shared/engine/stats-job';
import { LOCAL_ONLY } from '../../../shared/io/uri';
import { rowObject } from '../../../shared/output/table';
import { parseJobSpec } from '../../../shared/spec';
import type { Geometry } from '../../../shared/geometry/types';
import type { RasterGrid } from '../../../shared/raster/grid';
import type { CoverageMode } from '../../../shared/coverage/coverage';
import { writeCog } from '../../helpers/cog-writer';
import { writeGeoPackage } from '../../helpers/gpkg-writer';

interface Grid { originX: number; originY: number; res: number; width: number; height: number; epsg: number }
interface Burned { cells: number[]; count: number; sum: number; mean: number | null }
interface Case { name: string; grid: string; geometry: Geometry; center: number[]; count: number; sum: number; mean: number | null; all_touched?: Burned; exact?: Burned }
const fixture = JSON.parse(readFileSync(join(__dirname, '../../fixtures/center-grids/expected.json'), 'utf8')) as { grids: Record<string, Grid>; cases: Case[] };
/** The fixture's value raster (make.py `value`). */
const value = (r: number, c: number): number => (37 * r + 11 * c) % 101;

function gridOf(name: string): RasterGrid {
  const g = fixture.grids[name] as Grid;
  return { width: g.width, height: g.height, originX: g.originX, originY: g.originY, resX: g.res, resY: g.res };
}

/** The selected cells as sorted row-major indices, over the geometry's window (or chunks of it). */
function cells(geom: Geometry, grid: RasterGrid, maxCells = Infinity, mode: CoverageMode = 'center'): number[] {
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

describe('center on real grids: the cells GDAL burns through its inverse geotransform', () => {
  it(`${fixture.cases.length} geometries on ${Object.keys(fixture.grids).length} grids, cell for cell`, () => {
    const bad = fixture.cases.filter((c) => JSON.stringify(cells(c.geometry, gridOf(c.grid))) !== JSON.stringify(c.center));
    expect(bad.map((c) => `${c.grid} ${c.name}`)).toEqual([]);
  });
  it('window chunks give the same cells', () => {
    for (const c of fixture.cases.filter((_, i) => i % 3 === 0)) {
      const grid = gridOf(c.grid);
      expect([c.name, cells(c.geometry, grid, 23)]).toEqual([c.name, c.center]);
    }
  });
  it('the fixture is about ties: on every grid, cases whose cells change when the geometry moves by 1e-6 cell', () => {
    // not an oracle check: it holds that the fixture puts coordinates exactly on centres and edges, where rounding decides
    const moved = (g: Geometry, dx: number, dy: number): Geometry => JSON.parse(JSON.stringify(g), (_k, v: unknown) => (Array.isArray(v) && typeof v[0] === 'number' ? [v[0] + dx, (v[1] as number) + dy] : v)) as Geometry;
    const ties: Record<string, number> = {};
    for (const c of fixture.cases) {
      const grid = gridOf(c.grid);
      const d = 1e-6 * grid.resX;
      const changes = [[d, 0], [-d, 0], [0, d], [0, -d]].some(([dx, dy]) => JSON.stringify(cells(moved(c.geometry, dx as number, dy as number), grid)) !== JSON.stringify(c.center));
      ties[c.grid] = (ties[c.grid] ?? 0) + (changes ? 1 : 0);
    }
    for (const name of Object.keys(fixture.grids)) expect([name, (ties[name] ?? 0) > 10]).toEqual([name, true]);
  });
  it('count, sum and mean through a stats job equal the oracle\'s, on each grid', async () => {
    expect(await jobDifferences('center', fixture.cases, (c) => ({ cells: c.center, count: c.count, sum: c.sum, mean: c.mean }))).toEqual([]);
  });
});

/** Writes each grid's value raster and its cases' layer, runs a stats job in `mode`, and lists the cases whose count, sum or mean differ from `expected`. */
async function jobDifferences(mode: CoverageMode, cases: readonly Case[], expected: (c: Case) => Burned): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'zf-centergrids-'));
  const bad: string[] = [];
  for (const [name, g] of Object.entries(fixture.grids)) {
    const these = cases.filter((c) => c.grid === name);
    if (these.length === 0) continue;
    const tif = join(dir, `${name}.tif`);
    writeCog(tif, { width: g.width, height: g.height, dtype: 'float32', epsg: g.epsg, transform: [g.originX, g.originY, g.res, g.res], value, tileSize: 16 });
    const gpkg = join(dir, `${name}.gpkg`);
    writeGeoPackage(gpkg, [{ name: 'f', srsId: g.epsg, columns: { name: 'TEXT' }, features: these.map((c) => ({ geometry: c.geometry, properties: { name: c.name } })) }]);
    const res = await runStatsJob({ input: gpkg, spec: parseJobSpec({ input: { idColumn: 'name' }, rasters: [{ name: 'v', uri: tif }], stats: ['count', 'sum', 'mean'], coverage: mode }), allowed: LOCAL_ONLY });
    for (const c of these) {
      const e = expected(c);
      const row = res.rows.find((x) => x.id === c.name);
      const o = row ? rowObject(res.columns, row) : {};
      const mean = o.v_mean as number | null;
      if (o.v_count !== e.count || o.v_sum !== e.sum || (e.mean === null ? mean !== null : Math.abs((mean ?? NaN) - e.mean) > 1e-12 * e.mean)) bad.push(`${name} ${c.name}: ${String(o.v_count)} ${String(o.v_sum)} ${String(mean)} != ${e.count} ${e.sum} ${String(e.mean)}`);
    }
  }
  return bad;
}

describe('all_touched points and lines on real grids: the cells GDAL burns with ALL_TOUCHED=TRUE', () => {
  const linear = fixture.cases.filter((c) => c.all_touched !== undefined);
  it(`${linear.length} points and lines on ${Object.keys(fixture.grids).length} grids, cell for cell (whole window and chunks)`, () => {
    // a point takes floor(u), floor(v) of GDAL's inverse geotransform as in center (GDALdllImagePoint): on Web
    // Mercator and 1 arc-second grids a point on a cell edge is in the other cell than (x - X0) / res gives, and one on
    // the raster's outer right or bottom edge burns nothing
    const bad = linear.filter((c) => JSON.stringify(cells(c.geometry, gridOf(c.grid), Infinity, 'all_touched')) !== JSON.stringify(c.all_touched?.cells));
    expect(bad.map((c) => `${c.grid} ${c.name}`)).toEqual([]);
    const chunked = linear.filter((c) => JSON.stringify(cells(c.geometry, gridOf(c.grid), 5, 'all_touched')) !== JSON.stringify(c.all_touched?.cells));
    expect(chunked.map((c) => `${c.grid} ${c.name}`)).toEqual([]);
  });
  it('count, sum and mean through an all_touched stats job equal the oracle\'s', async () => {
    expect(await jobDifferences('all_touched', linear, (c) => c.all_touched as Burned)).toEqual([]);
  });
});

describe('exact points on real grids: the cell exactextract\'s grid locates them in (Grid::get_column / get_row)', () => {
  // exactextract measures no points (it refuses them); make.py transcribes the rule it locates a coordinate by:
  // floor((x - xmin) / dx) and the last cell on the outer right or bottom edge, so exact and all_touched differ there
  const points = fixture.cases.filter((c) => c.exact !== undefined);
  it(`${points.length} points and multipoints, cell for cell, and through an exact stats job`, async () => {
    const bad = points.filter((c) => JSON.stringify(cells(c.geometry, gridOf(c.grid), Infinity, 'exact')) !== JSON.stringify(c.exact?.cells));
    expect(bad.map((c) => `${c.grid} ${c.name}`)).toEqual([]);
    expect(points.filter((c) => JSON.stringify(c.exact?.cells) !== JSON.stringify(c.all_touched?.cells)).length).toBeGreaterThan(20);
    expect(await jobDifferences('exact', points, (c) => c.exact as Burned)).toEqual([]);
  });
});

describe('center: points (and lines) on a cell edge take the cell GDAL burns', () => {
  // Web Mercator zoom 14: x = X0 + 5·res is column 5 for GDAL (u = 5.0 through its inverse geotransform), 4.99999999985
  // as (x − X0) / res; rasterio 1.3.5 geometry_mask (GDAL 3.6.2) on this 8 x 4 grid: the point burns cell 21 (row 2,
  // column 5), the vertical line from it up to row 0's centre cells 5, 13, 21
  const X0 = -20037508.342789244;
  const res = 9.554628535647032;
  const grid: RasterGrid = { width: 8, height: 4, originX: X0, originY: -X0, resX: res, resY: res };
  const p: [number, number] = [-20037460.569646567, 20037484.456217904];
  it('a point: column 5, not 4', () => {
    expect(cells({ type: 'Point', coordinates: p }, grid)).toEqual([21]);
    expect(cells({ type: 'MultiPoint', coordinates: [p, [X0 + 0.5 * res, -X0 - 0.5 * res]] }, grid)).toEqual([0, 21]);
  });
  it('a line starting there: column 5', () => {
    expect(cells({ type: 'LineString', coordinates: [p, [p[0], -X0 - 0.5 * res]] }, grid)).toEqual([5, 13, 21]);
  });
  it('a point on the raster\'s outer right or bottom edge burns nothing in center (GDAL), the last cell in exact', () => {
    // rasterio 1.3.5 geometry_mask on a 3 x 3 unit grid: (3, 1.5), (1.5, 0) and (3, 0) burn no cell
    const g3: RasterGrid = { width: 3, height: 3, originX: 0, originY: 3, resX: 1, resY: 1 };
    for (const q of [[3, 1.5], [1.5, 0], [3, 0]] as [number, number][]) {
      expect(cells({ type: 'Point', coordinates: q }, g3)).toEqual([]);
      expect(coverage({ type: 'Point', coordinates: q }, g3, 'exact')?.weights.some((v) => v > 0)).toBe(true);
    }
  });
});
