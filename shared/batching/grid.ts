/**
 * The grids batches are cut along, and the choice of a grid's resolution from
 * a target cell area: H3 resolution (0..15), S2 level (0..25) or MGRS precision
 * (0 = 100 km squares .. 3 = 100 m squares).
 */
import { SpecError } from '../errors';
import { H3_MAX_RESOLUTION, h3AverageAreaKm2 } from './grid.h3';
import { MGRS_MAX_PRECISION, mgrsSideKm } from './grid.mgrs';
import { S2_MAX_LEVEL, s2AverageAreaKm2 } from './grid.s2';

/** Grid kinds. */
export type GridKind = 'h3' | 's2' | 'mgrs';

/** Largest resolution accepted for a grid kind. */
export function maxResolution(grid: GridKind): number {
  return grid === 'h3' ? H3_MAX_RESOLUTION : grid === 's2' ? S2_MAX_LEVEL : MGRS_MAX_PRECISION;
}

/** Average cell area of a grid kind at a resolution, km². */
export function cellAreaKm2(grid: GridKind, resolution: number): number {
  if (grid === 'h3') return h3AverageAreaKm2(resolution);
  if (grid === 's2') return s2AverageAreaKm2(resolution);
  return mgrsSideKm(resolution) ** 2;
}

/** The resolution of `grid` whose average cell area is closest to `areaKm2` (on a log scale). */
export function resolutionForArea(grid: GridKind, areaKm2: number): number {
  let best = 0;
  let bestGap = Infinity;
  for (let r = 0; r <= maxResolution(grid); r++) {
    const gap = Math.abs(Math.log(cellAreaKm2(grid, r) / areaKm2));
    if (gap < bestGap) {
      best = r;
      bestGap = gap;
    }
  }
  return best;
}

/** Checks a resolution given by the user (integer within the grid's range). */
export function checkResolution(grid: GridKind, resolution: number): number {
  if (!Number.isInteger(resolution) || resolution < 0 || resolution > maxResolution(grid)) {
    throw new SpecError(`batching resolution ${resolution} is invalid for grid '${grid}': expected an integer in 0..${maxResolution(grid)}`, { context: { grid, resolution } });
  }
  return resolution;
}
