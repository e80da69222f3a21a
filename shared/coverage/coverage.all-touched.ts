/**
 * All-touched selection of polygons: weight 1 for every cell whose exact
 * coverage fraction exceeds TOUCHED (1e-10). This is literally how the
 * reference data defines all_touched. GDAL's ALL_TOUCHED rasterizer (rasterio
 * geometry_mask, rasterstats) differs both ways: it burns cells touched only
 * along an edge or at a corner (zero area) or entered by <= 1e-10 of a cell,
 * and misses some covered cells (OSGeo/gdal#12129). Oracle and examples:
 * test/fixtures/all-touched (OGR intersection areas), README "What is computed".
 */
import type { Position } from '../geometry/types';
import type { RasterGrid, Window } from '../raster/grid';
import { exactCoverage } from './coverage.exact';

/** The exact coverage above which a cell counts as touched. */
export const TOUCHED = 1e-10;

/** All-touched coverage (0/1) of polygons over a window. */
export function allTouchedCoverage(polygons: readonly Position[][][], grid: RasterGrid, w: Window): Float64Array {
  const weights = exactCoverage(polygons, grid, w);
  for (let i = 0; i < weights.length; i++) weights[i] = (weights[i] as number) > TOUCHED ? 1 : 0;
  return weights;
}
