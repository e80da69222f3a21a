/**
 * Before a streamed job reads its features: each raster's transform of the features is chosen once
 * (crs/job-transform.ts: proj4js where PROJ's operation is a pure conversion and proj4js matches PROJ on
 * sample points of this layer, else PROJ), then PROJ's thread is ended when no transform needs it
 * (proj-thread.ts): on the 100k bench (EPSG:4326 -> UTM) PROJ's ~80 MB are not kept for the whole job.
 */
import type { Feature } from '../geometry/types';
import { forEachPosition } from '../geometry/bbox';
import type { LayerCentres } from '../features/gpkg-order';
import { chooseJobTransform } from '../crs/job-transform';
import type { Crs } from '../crs/crs';
import type { ZonalEngine } from './zonal';
import { projThreadRunning, releaseProjThread } from './proj-thread';

/** Grid points per side over the features' extent. */
const GRID = 21;
/** Feature centres taken (evenly spread over the input order), at most. */
const CENTRES = 2000;
/** Features whose every vertex is taken (evenly spread over the input order), at most. */
export const SAMPLE_FEATURES = 64;

/** Positions (in the features' CRS) that a job's transform is checked on: a grid over the extent of the centres (5 % wider), centres, then `features`' vertices. */
export function samplePoints(centres: Pick<LayerCentres, 'cx' | 'cy'>, features: readonly Feature[]): { xs: Float64Array; ys: Float64Array } {
  const xs: number[] = [];
  const ys: number[] = [];
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  const n = centres.cx.length;
  for (let i = 0; i < n; i++) {
    const x = centres.cx[i] as number;
    const y = centres.cy[i] as number;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  if (x0 <= x1) {
    const mx = (x1 - x0) * 0.05;
    const my = (y1 - y0) * 0.05;
    for (let i = 0; i < GRID; i++) {
      for (let j = 0; j < GRID; j++) {
        xs.push(x0 - mx + ((x1 - x0 + 2 * mx) * i) / (GRID - 1));
        ys.push(y0 - my + ((y1 - y0 + 2 * my) * j) / (GRID - 1));
      }
    }
    const step = Math.max(1, Math.floor(n / CENTRES));
    for (let i = 0; i < n; i += step) {
      const x = centres.cx[i] as number;
      const y = centres.cy[i] as number;
      if (Number.isFinite(x) && Number.isFinite(y)) {
        xs.push(x);
        ys.push(y);
      }
    }
  }
  for (const f of features) {
    if (f.geometry) forEachPosition(f.geometry, (p) => {
      xs.push(p[0]);
      ys.push(p[1]);
    });
  }
  return { xs: Float64Array.from(xs), ys: Float64Array.from(ys) };
}

/** Indexes of at most `k` items of `n`, evenly spread. */
export function spread(n: number, k: number): number[] {
  if (n <= k) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: k }, (_, i) => Math.floor((i * n) / k));
}

/**
 * Chooses the engine's transforms on `sample` (see {@link samplePoints}) and ends PROJ's thread when none
 * runs in PROJ. Returns whether PROJ is still needed for the job.
 */
export async function chooseTransforms(engine: ZonalEngine, featureCrs: Crs, sample: { xs: Float64Array; ys: Float64Array }): Promise<boolean> {
  const proj = engine.chooseTransforms((to) => chooseJobTransform(featureCrs, to, sample.xs, sample.ys));
  if (!proj && projThreadRunning()) await releaseProjThread();
  return proj;
}
