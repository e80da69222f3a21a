/**
 * Which cells a feature covers and how much: the dispatcher over geometry
 * kinds and coverage modes, plus the window arithmetic (a geometry's window,
 * subdivision of huge windows so memory stays bounded).
 */
import type { Geometry, Position } from '../geometry/types';
import { geometryBBox } from '../geometry/bbox';
import type { RasterGrid, Window } from '../raster/grid';
import { exactCoverage } from './coverage.exact';
import { centerCoverage } from './coverage.center';
import { pointsCoverage } from './coverage.points';
import { linesCoverage } from './coverage.lines';

/** Per-cell weights over a window of the raster grid, row-major, rows*cols. */
export interface CoverageWindow { window: Window; weights: Float64Array }

/** `exact` (exactextract fractions), `center` (cell centres inside, GDAL rule), `all_touched` (exact > 1e-10). */
export type CoverageMode = 'exact' | 'center' | 'all_touched';

/** The threshold above which a cell counts as touched (the reference's definition of all_touched). */
export const TOUCHED = 1e-10;

/** The window of cells a geometry's bbox touches, clipped to the raster; null when outside. */
export function geometryWindow(g: Geometry, grid: RasterGrid): Window | null {
  const b = geometryBBox(g);
  if (!b) return null;
  const c0 = Math.floor((b.xmin - grid.originX) / grid.resX);
  const c1 = Math.ceil((b.xmax - grid.originX) / grid.resX);
  const r0 = Math.floor((grid.originY - b.ymax) / grid.resY);
  const r1 = Math.ceil((grid.originY - b.ymin) / grid.resY);
  // a point (or a vertical/horizontal line) on a grid line still needs its cell
  const col0 = Math.max(0, c0);
  const row0 = Math.max(0, r0);
  const col1 = Math.min(grid.width, Math.max(c1, c0 + 1));
  const row1 = Math.min(grid.height, Math.max(r1, r0 + 1));
  if (col1 <= col0 || row1 <= row0) {
    // a point exactly on the right/bottom outer edge belongs to the last cell
    if (g.type === 'Point' || g.type === 'MultiPoint') {
      const cc0 = Math.min(col0, grid.width - 1);
      const rr0 = Math.min(row0, grid.height - 1);
      if (b.xmin <= grid.originX + grid.width * grid.resX && b.ymin >= grid.originY - grid.height * grid.resY && b.xmax >= grid.originX && b.ymax <= grid.originY) return { row0: rr0, col0: cc0, rows: 1, cols: 1 };
    }
    return null;
  }
  return { row0, col0, rows: row1 - row0, cols: col1 - col0 };
}

/** Splits a window into row bands of at most `maxCells` cells (at least one row each; very wide rows are split in columns). */
export function subdivideWindow(w: Window, maxCells: number): Window[] {
  if (w.rows * w.cols <= maxCells) return [w];
  const out: Window[] = [];
  if (w.cols > maxCells) {
    for (let r = w.row0; r < w.row0 + w.rows; r++) {
      for (let c = w.col0; c < w.col0 + w.cols; c += maxCells) out.push({ row0: r, col0: c, rows: 1, cols: Math.min(maxCells, w.col0 + w.cols - c) });
    }
    return out;
  }
  const band = Math.max(1, Math.floor(maxCells / w.cols));
  for (let r = w.row0; r < w.row0 + w.rows; r += band) out.push({ row0: r, col0: w.col0, rows: Math.min(band, w.row0 + w.rows - r), cols: w.cols });
  return out;
}

interface Parts { polygons: Position[][][]; lines: Position[][]; points: Position[] }

function collect(g: Geometry, into: Parts): Parts {
  switch (g.type) {
    case 'Point': into.points.push(g.coordinates); break;
    case 'MultiPoint': into.points.push(...g.coordinates); break;
    case 'LineString': into.lines.push(g.coordinates); break;
    case 'MultiLineString': into.lines.push(...g.coordinates); break;
    case 'Polygon': into.polygons.push(g.coordinates); break;
    case 'MultiPolygon': into.polygons.push(...g.coordinates); break;
    case 'GeometryCollection': g.geometries.forEach((x) => collect(x, into)); break;
  }
  return into;
}

/**
 * Coverage of any geometry in one mode over `window` (default: the geometry's window);
 * null when nothing is covered. Collections take the largest weight of their members per cell.
 */
export function coverage(g: Geometry, grid: RasterGrid, mode: CoverageMode, window?: Window): CoverageWindow | null {
  const w = window ?? geometryWindow(g, grid);
  if (!w || w.rows <= 0 || w.cols <= 0) return null;
  const parts = collect(g, { polygons: [], lines: [], points: [] });
  const layers: Float64Array[] = [];
  if (parts.polygons.length > 0) {
    if (mode === 'center') layers.push(centerCoverage(parts.polygons, grid, w));
    else {
      const exact = exactCoverage(parts.polygons, grid, w);
      if (mode === 'all_touched') for (let i = 0; i < exact.length; i++) exact[i] = (exact[i] as number) > TOUCHED ? 1 : 0;
      layers.push(exact);
    }
  }
  if (parts.lines.length > 0) layers.push(linesCoverage(parts.lines, grid, w, mode === 'exact'));
  if (parts.points.length > 0) layers.push(pointsCoverage(parts.points, grid, w));
  const first = layers[0];
  if (!first) return null;
  for (const l of layers.slice(1)) for (let i = 0; i < first.length; i++) first[i] = Math.max(first[i] as number, l[i] as number);
  let any = false;
  for (let i = 0; i < first.length; i++) {
    if ((first[i] as number) > 0) {
      any = true;
      break;
    }
  }
  return any ? { window: w, weights: first } : null;
}
