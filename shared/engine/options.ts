/** The engine's options from a job spec (the same for `zonalflow stats`, the worker and `zonalflow local`). */
import type { JobSpec } from '../spec';
import { parseStatNames } from '../stats/names';
import type { ZonalOptions } from './zonal';
import type { ZonalRaster, OpenRastersOptions } from './rasters';
import { openZonalRasters } from './rasters';

/** Opens the spec's weights raster (its one band), or undefined when the spec has none. */
export async function openWeightsRaster(spec: JobSpec, opts: OpenRastersOptions): Promise<ZonalRaster | undefined> {
  const w = spec.weights;
  if (w === undefined) return undefined;
  const [r] = await openZonalRasters([{ name: 'weights', uri: w.uri, bands: [w.band], ...(w.nodata !== undefined ? { nodata: w.nodata } : {}) }], opts);
  return r;
}

/** ZonalOptions of a spec, with its opened weights raster. */
export function zonalOptions(spec: JobSpec, weights: ZonalRaster | undefined, keepGeometry: boolean): ZonalOptions {
  return {
    stats: parseStatNames(spec.stats),
    coverage: spec.coverage,
    histogram: spec.histogram,
    maxCellsInMemory: spec.limits.maxCellsInMemory,
    maxCellsPerFeature: spec.limits.maxCellsPerFeature,
    keepGeometry,
    coverageWeight: spec.coverageWeight,
    minCoverageFrac: spec.minCoverageFrac,
    defaultValue: spec.defaultValue,
    defaultWeight: spec.defaultWeight,
    weights,
    bandMath: spec.stac === undefined ? spec.bands : undefined,
  };
}
