/**
 * Which cells a feature covers and how much: the dispatcher over geometry
 * kinds and coverage modes, plus the window arithmetic (a geometry's window,
 * subdivision of huge windows so memory stays bounded).
 */
import type { Geometry, Position } from '../geometry/types';
import { geometryBBox } from '../geometry/bbox';
import { GeometryError } from '../errors';
import type { RasterGrid, Window } from '../raster/grid';
import { exactCoverage, exactCoverageEncoded } from './coverage.exact';
import type { CoverageScratch } from './coverage.exact';
import { decodeGeometry } from '../geometry/encoded';
import type { EncodedRings } from '../geometry/encoded-rings';
import { centerCoverage } from './coverage.center';
import { gdalInvGeoTransform } from './coverage.lines-gdal';
import { pointsCoverage } from './coverage.points';
import { linesCoverage } from './coverage.lines';
import { allTouchedCoverage, TOUCHED } from './coverage.all-touched';

/** The exact coverage above which a cell counts as touched (re-exported from coverage.all-touched). */
export { TOUCHED };

/**
 * Per-cell weights over a window of the raster grid, row-major, rows*cols. `float32`: they are exactextract's
 * float32 coverage already (exact polygons measured with a CoverageScratch's `float32Min`; engine/cells.ts).
 */
export interface CoverageWindow { window: Window; weights: Float64Array; float32?: boolean }

/** `exact` (exactextract fractions), `center` (cell centres inside, GDAL rule), `all_touched` (exact > 1e-10). */
export type CoverageMode = 'exact' | 'center' | 'all_touched';

/** Placeholder of geometryWindow's inverse geotransform for polygons (it is read only for points and lines). */
const NO_INVERSE: readonly [number, number, number, number] = [0, 0, 0, 0];

/** The window of cells a geometry's bbox touches, clipped to the raster; null when outside. */
export function geometryWindow(g: Geometry, grid: RasterGrid): Window | null {
  const b = geometryBBox(g);
  if (!b) return null;
  const c0 = Math.floor((b.xmin - grid.originX) / grid.resX);
  const c1 = Math.ceil((b.xmax - grid.originX) / grid.resX);
  const r0 = Math.floor((grid.originY - b.ymax) / grid.resY);
  const r1 = Math.ceil((grid.originY - b.ymin) / grid.resY);
  // a point (or a vertical/horizontal line) on a grid line still needs its cell
  // (in center mode the cell GDAL's inverse geotransform gives, which can be one further than (x - X0) / res: the
  // window of points and lines takes both)
  const linear = hasLinesOrPoints(g);
  // (polygons, every feature of a polygon layer, need no inverse geotransform)
  const [inv0, inv1, inv3, inv5] = linear ? gdalInvGeoTransform(grid) : NO_INVERSE;
  const col0 = Math.max(0, linear ? Math.min(c0, Math.floor(inv0 + b.xmin * inv1)) : c0);
  const row0 = Math.max(0, linear ? Math.min(r0, Math.floor(inv3 + b.ymax * inv5)) : r0);
  // GDAL's line burning (center / all_touched) takes the cell beyond an end lying exactly on a cell edge, and a
  // point on a cell edge takes the cell right of / below it (coverage.points.ts): a MultiPoint or a collection
  // whose rightmost or lowest point lies on a cell edge needs that cell too
  const col1 = Math.min(grid.width, Math.max(linear ? Math.max(Math.floor((b.xmax - grid.originX) / grid.resX), Math.floor(inv0 + b.xmax * inv1)) + 1 : c1, c0 + 1));
  const row1 = Math.min(grid.height, Math.max(linear ? Math.max(Math.floor((grid.originY - b.ymin) / grid.resY), Math.floor(inv3 + b.ymin * inv5)) + 1 : r1, r0 + 1));
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

/** True for a line or a point, or a collection holding one. */
function hasLinesOrPoints(g: Geometry): boolean {
  if (g.type === 'GeometryCollection') return g.geometries.some(hasLinesOrPoints);
  return g.type !== 'Polygon' && g.type !== 'MultiPolygon';
}

/**
 * Splits a window into row bands of at most `maxCells` cells (at least one row each; very wide rows
 * are split in columns). `maxCells` below 1 counts as 1. Coverage computed per chunk is bit-for-bit
 * the coverage of the whole window (see coverage.exact.ts).
 * `tileHeight` (> 1: the raster's tile rows, on a grid whose rows are the file's): no band straddles a
 * tile row boundary, so the tiles of one band are the tiles of one tile row or of whole tile rows, each
 * decoded once while a band holds it (a band of 364 rows over 512-row tiles needed two tile rows, and
 * they did not fit the tile cache together: 270 MB read from a 187 MB file for one whole-raster polygon).
 * The bands are in row order either way, so the cells reach the statistics in the same order.
 */
export function subdivideWindow(w: Window, maxCellsIn: number, tileHeight = 1): Window[] {
  const maxCells = Number.isFinite(maxCellsIn) ? Math.max(1, Math.floor(maxCellsIn)) : Infinity;
  if (w.rows * w.cols <= maxCells) return [w];
  const out: Window[] = [];
  if (w.cols > maxCells) {
    for (let r = w.row0; r < w.row0 + w.rows; r++) {
      for (let c = w.col0; c < w.col0 + w.cols; c += maxCells) out.push({ row0: r, col0: c, rows: 1, cols: Math.min(maxCells, w.col0 + w.cols - c) });
    }
    return out;
  }
  const band = Math.max(1, Math.floor(maxCells / w.cols));
  if (Number.isInteger(tileHeight) && tileHeight > 1) return tileAlignedBands(w, band, tileHeight);
  for (let r = w.row0; r < w.row0 + w.rows; r += band) out.push({ row0: r, col0: w.col0, rows: Math.min(band, w.row0 + w.rows - r), cols: w.cols });
  return out;
}

/**
 * Row bands of at most `band` rows whose boundaries fall on tile row boundaries (multiples of `th`):
 * whole tile rows when a band holds one, else each tile row split into equal pieces.
 */
function tileAlignedBands(w: Window, band: number, th: number): Window[] {
  const out: Window[] = [];
  const end = w.row0 + w.rows;
  const whole = band >= th;
  // rows per band: whole tile rows, or ceil(th / pieces) <= band with pieces = ceil(th / band)
  const step = whole ? Math.floor(band / th) * th : Math.ceil(th / Math.ceil(th / band));
  for (let r = w.row0; r < end;) {
    const t0 = Math.floor(r / th) * th;
    const next = Math.min(end, whole ? (Math.floor(r / step) + 1) * step : Math.min(t0 + th, t0 + (Math.floor((r - t0) / step) + 1) * step));
    out.push({ row0: r, col0: w.col0, rows: next - r, cols: w.cols });
    r = next;
  }
  return out;
}

/**
 * Coverage of one geometry kind (not a collection) over `w`: polygons by mode,
 * lines by traversal (length-weighted in `exact`), points by their cell.
 */
function kindCoverage(g: Exclude<Geometry, { type: 'GeometryCollection' }>, grid: RasterGrid, mode: CoverageMode, w: Window, scratch?: CoverageScratch): Float64Array {
  switch (g.type) {
    case 'Polygon':
    case 'MultiPolygon': {
      const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
      if (mode === 'center') return centerCoverage(polygons, grid, w);
      if (mode === 'all_touched') return allTouchedCoverage(polygons, grid, w);
      return exactCoverage(polygons, grid, w, scratch);
    }
    case 'LineString':
      return linesCoverage([g.coordinates], grid, w, mode);
    case 'MultiLineString':
      return linesCoverage(g.coordinates, grid, w, mode);
    case 'Point':
      return pointsCoverage([g.coordinates], grid, w, mode !== 'exact');
    case 'MultiPoint':
      return pointsCoverage(g.coordinates, grid, w, mode !== 'exact');
  }
}

/**
 * Why `g` cannot be measured in `mode`, or null: in `exact` mode a GeometryCollection mixing kinds (polygons,
 * lines, points), whose weights (area fractions, lengths, counts) do not add up. exactextract 0.3.1 refuses a
 * collection of polygons and lines ("Mixed-type geometries not supported", test/fixtures/overlapping-parts
 * `refused`) and measures no points. `center` and `all_touched` burn every member, as GDAL does.
 */
export function coverageProblem(g: Geometry, mode: CoverageMode): string | null {
  if (mode !== 'exact' || g.type !== 'GeometryCollection') return null;
  const members: Members = { polygons: [], lines: [], points: [] };
  collectMembers(g, members);
  return mixedProblem(members);
}

/** The reason a collection of these members is refused in `exact` mode, or null when they are of one kind. */
function mixedProblem(m: Members): string | null {
  const kinds = [m.polygons.length > 0 ? 'polygons' : '', m.lines.length > 0 ? 'lines' : '', m.points.length > 0 ? 'points' : ''].filter((k) => k !== '');
  if (kinds.length < 2) return null;
  const named = kinds.length === 2 ? kinds.join(' and ') : `${kinds.slice(0, -1).join(', ')} and ${kinds[kinds.length - 1] as string}`;
  return `a GeometryCollection mixing ${named} has no exact coverage (exactextract refuses it: "Mixed-type geometries not supported"); use coverage center or all_touched, or one feature per kind`;
}

/**
 * Weights of a geometry over `w`. A collection's members of one kind count as one geometry of that kind, as
 * exactextract processes a GeometryCollection (its members' coverage adds, like a MultiPolygon's parts: in
 * `exact` mode a cell two overlapping polygons cover weighs 2, two overlapping lines add their lengths; in
 * `center` and `all_touched` a cell is selected once, as GDAL burns each member). A collection mixing kinds
 * (polygons, lines, points) is refused in `exact` mode (GeometryError, {@link coverageProblem}); in `center`
 * and `all_touched` every member is burned and a cell is selected when any member selects it.
 */
function weightsOf(g: Geometry, grid: RasterGrid, mode: CoverageMode, w: Window, scratch?: CoverageScratch): Float64Array {
  if (g.type !== 'GeometryCollection') return kindCoverage(g, grid, mode, w, scratch);
  const members: Members = { polygons: [], lines: [], points: [] };
  collectMembers(g, members);
  const mixed = mode === 'exact' ? mixedProblem(members) : null;
  if (mixed !== null) throw new GeometryError(mixed, { context: { geometryType: g.type } });
  const layers: Float64Array[] = [];
  if (members.polygons.length > 0) layers.push(kindCoverage({ type: 'MultiPolygon', coordinates: members.polygons }, grid, mode, w, scratch));
  if (members.lines.length > 0) layers.push(kindCoverage({ type: 'MultiLineString', coordinates: members.lines }, grid, mode, w));
  if (members.points.length > 0) layers.push(kindCoverage({ type: 'MultiPoint', coordinates: members.points }, grid, mode, w));
  if (layers.length === 1) return layers[0] as Float64Array;
  const out = new Float64Array(w.rows * w.cols);
  for (const layer of layers) {
    for (let i = 0; i < out.length; i++) if ((layer[i] as number) > (out[i] as number)) out[i] = layer[i] as number;
  }
  return out;
}

/** A collection's members by kind, nested collections flattened. */
interface Members { polygons: Position[][][]; lines: Position[][]; points: Position[] }

/** Adds `g`'s parts to `m` by kind. */
function collectMembers(g: Geometry, m: Members): void {
  switch (g.type) {
    case 'Polygon': m.polygons.push(g.coordinates); break;
    case 'MultiPolygon': for (const part of g.coordinates) m.polygons.push(part); break;
    case 'LineString': m.lines.push(g.coordinates); break;
    case 'MultiLineString': for (const line of g.coordinates) m.lines.push(line); break;
    case 'Point': m.points.push(g.coordinates); break;
    case 'MultiPoint': for (const p of g.coordinates) m.points.push(p); break;
    case 'GeometryCollection': for (const member of g.geometries) collectMembers(member, m); break;
  }
}

/** Throws GeometryError when a coordinate is NaN or infinite (it would silently drop edges otherwise). */
function assertFinite(g: Geometry): void {
  // runs for every feature: allocates nothing; the message is built only for a bad coordinate
  switch (g.type) {
    case 'Point': if (!finitePosition(g.coordinates)) nonFinite(g, g.coordinates, 'Point'); break;
    case 'MultiPoint':
      for (let j = 0; j < g.coordinates.length; j++) {
        const p = g.coordinates[j] as Position;
        if (!finitePosition(p)) nonFinite(g, p, `MultiPoint position ${j}`);
      }
      break;
    case 'LineString': checkRun(g, g.coordinates, g.type, -1, 0); break;
    case 'MultiLineString': checkRings(g, g.coordinates, g.type, -1); break;
    case 'Polygon': checkRings(g, g.coordinates, g.type, -1); break;
    case 'MultiPolygon': for (let k = 0; k < g.coordinates.length; k++) checkRings(g, g.coordinates[k] as Position[][], g.type, k); break;
    case 'GeometryCollection': g.geometries.forEach(assertFinite); break;
  }
}

function finitePosition(p: readonly number[]): boolean {
  return Number.isFinite(p[0]) && Number.isFinite(p[1]);
}

function checkRings(g: Geometry, rs: readonly (readonly Position[])[], kind: string, part: number): void {
  for (let i = 0; i < rs.length; i++) checkRun(g, rs[i] as readonly Position[], kind, part, i);
}

function checkRun(g: Geometry, ring: readonly Position[], kind: string, part: number, i: number): void {
  for (let j = 0; j < ring.length; j++) {
    const p = ring[j] as Position;
    if (!finitePosition(p)) nonFinite(g, p, `${part < 0 ? kind : `${kind} part ${part}`} ring/line ${i} position ${j}`);
  }
}

function nonFinite(g: Geometry, p: readonly number[], where: string): never {
  throw new GeometryError(`${where} has a non-finite coordinate (${String(p[0])}, ${String(p[1])}): no coverage can be computed`, { context: { geometryType: g.type } });
}

/**
 * Coverage of any geometry in one mode over `window` (default: the geometry's window);
 * null when nothing is covered. A collection's members of one kind add as one geometry (see weightsOf).
 * With `scratch` (exact polygons), the weights are a view of its buffer, valid until its next use.
 */
export function coverage(g: Geometry, grid: RasterGrid, mode: CoverageMode, window?: Window, scratch?: CoverageScratch): CoverageWindow | null {
  assertFinite(g);
  const w = window ?? geometryWindow(g, grid);
  if (!w || w.rows <= 0 || w.cols <= 0) return null;
  // set again by exact polygon coverage with the scratch (lines, points, center and all_touched leave them)
  if (scratch) {
    scratch.float32 = false;
    scratch.dropped = false;
  }
  const weights = weightsOf(g, grid, mode, w, scratch);
  return covered(w, weights, scratch);
}

/**
 * The window and its weights when a cell is covered: a weight > 0, or (float32 weights) a positive fraction
 * zeroed under the threshold, so that a window counts as covered whether or not its weights were rounded.
 */
function covered(window: Window, weights: Float64Array, scratch: CoverageScratch | undefined): CoverageWindow | null {
  const float32 = scratch?.float32 === true;
  for (let i = 0; i < weights.length; i++) if ((weights[i] as number) > 0) return { window, weights, float32 };
  return float32 && scratch?.dropped === true ? { window, weights, float32 } : null;
}

/**
 * {@link coverage} of the geometry encoded in `a` at `at` (geometry/encoded.ts) over `window`: the same
 * result. Exact coverage of a Polygon or MultiPolygon reads its rings where they lie in `a` (listed into
 * `rings`, reused) instead of building the geometry; any other kind or mode is decoded and measured by
 * {@link coverage}. With exact polygons the weights are a view of `scratch`'s buffer, valid until its next use.
 */
export function coverageEncoded(a: Float64Array, at: number, grid: RasterGrid, mode: CoverageMode, window: Window, scratch: CoverageScratch, rings: EncodedRings): CoverageWindow | null {
  if (mode !== 'exact' || !rings.list(a, at)) return coverage(decodeGeometry(a, at), grid, mode, window, scratch);
  for (let k = 0; k < rings.count; k++) {
    const start = rings.start[k] as number;
    const end = start + 2 * (rings.size[k] as number);
    // a non-finite coordinate: the decoded geometry fails as coverage() fails it (the same message)
    for (let j = start; j < end; j++) if (!Number.isFinite(a[j])) assertFinite(decodeGeometry(a, at));
  }
  if (window.rows <= 0 || window.cols <= 0) return null;
  return covered(window, exactCoverageEncoded(a, at, rings, grid, window, scratch), scratch);
}
