/**
 * The per-cell stage between coverage and statistics, as exactextract's
 * RasterStats::process does it (src/raster_stats.h, raster_area.h):
 *
 * - `cellWeights`: the weight c of each cell from its coverage fraction f,
 *   taken as exactextract takes it: its coverage is a float32 raster
 *   (RasterCellIntersection's Matrix<float>; RasterStats::process reads
 *   `float pct_cov`), so f is first rounded to float32 (Math.fround). Cells with
 *   f < max(`minCoverageFrac` in float32, FLT_MIN = 2^-126, exactextract's
 *   default min_coverage_fraction) are dropped (c = 0); then `fraction`: c = f;
 *   `none`: c = 1; `area_cartesian`: c = f · |resX · resY| (CRS units²);
 *   `area_spherical_m2` / `_km2`: c = f · A(row), A the area of a cell of the
 *   row on a sphere of radius R = 6,378,137 m:
 *   A = R² · π/180 · |sin(φ_min) − sin(φ_max)| · Δλ (degrees; · 1e-6 for km²),
 *   the product rounded to float32 as exactextract's float rasters do. The
 *   statistics then use c as a double, as exactextract's process_value does
 *   (`static_cast<double>(coverage)`): Σc, Σxc, Σcw, the frequency table, the
 *   `coverage` list. So cells of mathematically equal coverage (1/3 each) weigh
 *   bit for bit the same, as there, and majority/minority ties are decided by its
 *   tie rule rather than by the last bits of 64-bit fractions
 *   (test/fixtures/float32-coverage). Weights of 0 and 1 (`center`, `all_touched`,
 *   points, interior cells) are exact in float32 and stay 0 and 1. In the `fraction`
 *   mode exact polygon coverage writes these weights itself (`float32Threshold`,
 *   coverage.exact.ts CoverageScratch): the zonal engine calls `cellWeights` only
 *   for other modes, kinds and weights.
 * - `fillDefault`: `defaultValue` replaces nodata (and NaN) cells of a window
 *   read from inside the raster (the engine's windows always are).
 * - `CellLists`: the per-cell lists `values`, `coverage` (c), `weights`,
 *   `cell_id` (row × width + col on the full raster), `center_x`, `center_y`
 *   of the valid cells with c > 0, row-major, appended window by window;
 *   and exactextract's `min_center_x`, `max_center_x`, `min_center_y`, `max_center_y`: the centre of the
 *   first of those cells (row-major) holding the smallest / largest value (exactextract's RasterStats keeps
 *   the first: `val < min`; checked against its binary: test/fixtures/exactextract-ops/make.py, case l7_ee_forms).
 */
import type { RasterGrid, Window } from '../raster/grid';
import { POSITION_STATS } from '../stats/names';

/** exactextract's `coverage_weight`. */
export type CoverageWeight = 'fraction' | 'none' | 'area_cartesian' | 'area_spherical_m2' | 'area_spherical_km2';

/** exactextract's sphere (WGS 84 semi-major axis), metres. */
export const EARTH_RADIUS_M = 6378137;

/** How coverage fractions become cell weights. */
export interface CellWeightOptions { coverageWeight: CoverageWeight; minCoverageFrac: number }

/** Area of one cell of grid row `row` on the sphere (grid in degrees), in m² (or km²). */
export function sphericalCellArea(grid: RasterGrid, row: number, unit: 'm2' | 'km2'): number {
  const y = grid.originY - (row + 0.5) * grid.resY;
  const ymin = y - 0.5 * grid.resY;
  const ymax = y + 0.5 * grid.resY;
  const k = Math.PI / 180;
  return EARTH_RADIUS_M * EARTH_RADIUS_M * k * Math.abs(Math.sin(ymin * k) - Math.sin(ymax * k)) * grid.resX * (unit === 'km2' ? 1e-6 : 1);
}

/** exactextract's default min_coverage_fraction: the smallest normal float32 (`std::numeric_limits<float>::min()`). */
export const FLT_MIN = 2 ** -126;

/** The threshold under which a cell's float32 fraction is dropped: max(fround(minCoverageFrac), FLT_MIN). */
function coverageThreshold(opts: CellWeightOptions): number {
  return Math.max(Math.fround(opts.minCoverageFrac), FLT_MIN);
}

/**
 * In the `fraction` mode, c is the float32 fraction or 0 below the threshold: what exact polygon coverage
 * writes itself when given this threshold (coverage.exact.ts, CoverageScratch's `float32Min`), so that
 * `cellWeights` need not walk the window again. The threshold, or null when another mode (or a threshold
 * above 1, which would drop interior cells) needs `cellWeights`.
 */
export function float32Threshold(opts: CellWeightOptions): number | null {
  const min = coverageThreshold(opts);
  return opts.coverageWeight === 'fraction' && min <= 1 ? min : null;
}

/**
 * The cell weights c of a coverage window, written into `out` (a new array unless given; `fractions` itself may
 * be given, to round it in place).
 */
export function cellWeights(fractions: Float64Array, w: Window, grid: RasterGrid, opts: CellWeightOptions, out: Float64Array = new Float64Array(fractions.length)): Float64Array {
  const min = coverageThreshold(opts);
  const weight = opts.coverageWeight;
  if (weight === 'fraction') {
    // the default, on every cell of every window: one tight loop (no per-row factor, no branch on the weight)
    const n = w.rows * w.cols;
    for (let k = 0; k < n; k++) {
      const f = Math.fround(fractions[k] as number);
      out[k] = f >= min ? f : 0;
    }
    return out;
  }
  for (let r = 0, k = 0; r < w.rows; r++) {
    let factor = 1;
    if (weight === 'area_cartesian') factor = Math.fround(Math.abs(grid.resX * grid.resY));
    else if (weight === 'area_spherical_m2') factor = Math.fround(sphericalCellArea(grid, w.row0 + r, 'm2'));
    else if (weight === 'area_spherical_km2') factor = Math.fround(sphericalCellArea(grid, w.row0 + r, 'km2'));
    for (let c = 0; c < w.cols; c++, k++) {
      // exactextract's `float pct_cov`, compared with its float min_coverage_fraction (NaN fails too)
      const f = Math.fround(fractions[k] as number);
      if (!(f >= min)) out[k] = 0;
      else if (weight === 'none') out[k] = 1;
      else out[k] = Math.fround(f * factor);
    }
  }
  return out;
}

/** Replaces nodata and NaN cells by `value` (they become valid). */
export function fillDefault(values: Float64Array, valid: Uint8Array, value: number): void {
  for (let i = 0; i < values.length; i++) {
    if (valid[i] === 0 || values[i] !== values[i]) {
      values[i] = value;
      valid[i] = 1;
    }
  }
}

/** Which per-cell lists to keep. */
export type CellListName = 'values' | 'coverage' | 'weights' | 'cell_id' | 'center_x' | 'center_y';

/** The positions of the min and max cells. */
export type CellPositionName = 'min_center_x' | 'max_center_x' | 'min_center_y' | 'max_center_y';

/** Per-cell lists of one feature and band. */
export class CellLists {
  readonly lists: Record<CellListName, number[]> = { values: [], coverage: [], weights: [], cell_id: [], center_x: [], center_y: [] };
  private min = Infinity;
  private max = -Infinity;
  private readonly at = { min_center_x: NaN, min_center_y: NaN, max_center_x: NaN, max_center_y: NaN };
  private readonly positions: boolean;
  constructor(private readonly wanted: ReadonlySet<string>) {
    this.positions = [...POSITION_STATS].some((s) => wanted.has(s));
  }

  /** A cell position statistic: NaN when the feature has no valid cell. */
  position(name: CellPositionName): number {
    return this.at[name];
  }

  /** Appends the valid cells with c > 0 of a window (row-major). `cellWeights[i]`: the weights raster's value (NaN: none). */
  add(w: Window, grid: RasterGrid, c: Float64Array, values: Float64Array, valid: Uint8Array, cellWeights?: Float64Array, valueGrid: RasterGrid = grid): void {
    const L = this.lists;
    for (let r = 0, k = 0; r < w.rows; r++) {
      const row = w.row0 + r;
      for (let col0 = 0; col0 < w.cols; col0++, k++) {
        const cw = c[k] as number;
        const x = values[k] as number;
        if (!(cw > 0) || valid[k] === 0 || x !== x) continue;
        const col = w.col0 + col0;
        if (this.wanted.has('values')) L.values.push(x);
        if (this.wanted.has('coverage')) L.coverage.push(cw);
        if (this.wanted.has('weights')) L.weights.push(cellWeights ? (cellWeights[k] as number) : NaN);
        const x0 = grid.originX + (col + 0.5) * grid.resX;
        const y0 = grid.originY - (row + 0.5) * grid.resY;
        // the cell of the value raster holding this cell's centre (the same cell unless a finer weights grid is used)
        if (this.wanted.has('cell_id')) L.cell_id.push(valueGrid === grid ? row * grid.width + col : Math.floor((valueGrid.originY - y0) / valueGrid.resY) * valueGrid.width + Math.floor((x0 - valueGrid.originX) / valueGrid.resX));
        if (this.wanted.has('center_x')) L.center_x.push(x0);
        if (this.wanted.has('center_y')) L.center_y.push(y0);
        if (this.positions) {
          if (x < this.min) {
            this.min = x;
            this.at.min_center_x = x0;
            this.at.min_center_y = y0;
          }
          if (x > this.max) {
            this.max = x;
            this.at.max_center_x = x0;
            this.at.max_center_y = y0;
          }
        }
      }
    }
  }
}
