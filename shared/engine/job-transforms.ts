/**
 * Before a streamed job reads its features: each raster's transform of the features is chosen once
 * (crs/job-transform.ts: proj4js where PROJ's operation is a pure conversion and proj4js matches PROJ on
 * sample points of this layer, else PROJ), then PROJ's thread is ended when no transform needs it
 * (proj-thread.ts): on the 100k bench (EPSG:4326 -> UTM) PROJ's ~80 MB are not kept for the whole job.
 */
import type { Feature } from '../geometry/types';
import { finiteBox, forEachPosition } from '../geometry/bbox';
import type { LayerCentres, RowEnvelopeCentres } from '../features/gpkg-order';
import { chooseJobTransform, recordJobTransform, type RecordedTransform } from '../crs/job-transform';
import type { Crs } from '../crs/crs';
import { crsEquivalent, isGeographic } from '../crs/transform';
import { CrsError } from '../errors';
import type { FeatureLayer } from '../features/gpkg';
import type { FeatureSource } from '../features/source';
import { GpkgSource } from '../features/source.gpkg';
import type { ZonalEngine } from './zonal';
import { projThreadRunning, releaseProjThread } from './proj-thread';

/** Grid points per side over the features' extent. */
const GRID = 21;
/** Feature centres taken (evenly spread over the input order), at most. */
const CENTRES = 2000;
/** Features whose every vertex is taken (evenly spread over the input order), at most. */
export const SAMPLE_FEATURES = 64;

/**
 * Positions (in the features' CRS) that a job's transform is checked on: a 21 x 21 grid over the extent of
 * the centres widened by 5 % or by the largest half-size of `features` (a feature at the edge reaches that far
 * beyond its centre), whichever is more, and for a longitude/latitude layer (`geographic`) cut to latitudes
 * within ±90°; then up to 2,000 centres and every vertex of `features`. Points outside their bounding box are
 * later computed by PROJ (crs/conversion.ts withinChecked).
 */
export function samplePoints(centres: Pick<LayerCentres, 'cx' | 'cy'>, features: readonly Feature[], geographic = false): { xs: Float64Array; ys: Float64Array } {
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
  // every vertex of the sampled features, and their largest half-size
  const vx: number[] = [];
  const vy: number[] = [];
  let half = 0;
  for (const f of features) {
    if (!f.geometry) continue;
    let fx0 = Infinity;
    let fy0 = Infinity;
    let fx1 = -Infinity;
    let fy1 = -Infinity;
    forEachPosition(f.geometry, (p) => {
      vx.push(p[0]);
      vy.push(p[1]);
      if (!Number.isFinite(p[0]) || !Number.isFinite(p[1])) return;
      fx0 = Math.min(fx0, p[0]);
      fx1 = Math.max(fx1, p[0]);
      fy0 = Math.min(fy0, p[1]);
      fy1 = Math.max(fy1, p[1]);
    });
    if (fx0 <= fx1) half = Math.max(half, (fx1 - fx0) / 2, (fy1 - fy0) / 2);
  }
  if (x0 <= x1) {
    const mx = Math.max((x1 - x0) * 0.05, half);
    const my = Math.max((y1 - y0) * 0.05, half);
    const gx0 = x0 - mx;
    const gx1 = x1 + mx;
    const gy0 = geographic ? Math.max(-90, y0 - my) : y0 - my;
    const gy1 = geographic ? Math.min(90, y1 + my) : y1 + my;
    for (let i = 0; i < GRID; i++) {
      for (let j = 0; j < GRID; j++) {
        xs.push(gx0 + ((gx1 - gx0) * i) / (GRID - 1));
        ys.push(gy0 + ((gy1 - gy0) * j) / (GRID - 1));
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
  const out = { xs: new Float64Array(xs.length + vx.length), ys: new Float64Array(ys.length + vy.length) };
  out.xs.set(xs);
  out.ys.set(ys);
  out.xs.set(vx, xs.length);
  out.ys.set(vy, ys.length);
  return out;
}

/** Indexes of at most `k` items of `n`, evenly spread. */
export function spread(n: number, k: number): number[] {
  if (n <= k) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: k }, (_, i) => Math.floor((i * n) / k));
}

/**
 * The sample a job's transforms are chosen on ({@link samplePoints}): the layer's centres and every vertex of
 * {@link SAMPLE_FEATURES} of its features, evenly spread over the input order. One function for `zonalflow stats`
 * (prepare-job.ts) and Plan (pipeline/plan.ts), so both choose on the same points.
 */
export function layerSample(table: Pick<FeatureLayer, 'featuresAt'>, centres: LayerCentres, crs: Crs): { xs: Float64Array; ys: Float64Array } {
  const probe = table.featuresAt(spread(centres.fids.length, SAMPLE_FEATURES).map((i) => centres.fids[i] as number), { columns: [] });
  return samplePoints(centres, probe, isGeographic(crs));
}

/**
 * {@link layerSample} of a GeoPackage layer with centres (gpkg-order.ts; `envelopes`: collected on a read of every
 * row, gpkg.ts centres); null for another format or a rowid beyond 2^53 (no choice: PROJ).
 */
export function sampleOfLayer(layer: FeatureSource, envelopes?: RowEnvelopeCentres): { xs: Float64Array; ys: Float64Array } | null {
  if (!(layer instanceof GpkgSource)) return null;
  const centres = layer.table.centres(envelopes === undefined ? {} : { envelopes });
  return centres === null ? null : layerSample(layer.table, centres, layer.crs);
}

/**
 * Plan's choice for each raster CRS of `rasterCrss` (distinct `def`s, not equivalent to `featureCrs`) on `sample`,
 * as the batch files carry it: what {@link chooseTransforms} gives `zonalflow stats` on the same sample. A CRS PROJ
 * has no operation to is left out (CrsError): the Worker's engine meets it and fails the batch with its own line.
 */
export function recordTransforms(featureCrs: Crs, rasterCrss: readonly Crs[], sample: { xs: Float64Array; ys: Float64Array }): RecordedTransform[] {
  const out: RecordedTransform[] = [];
  for (const to of rasterCrss) {
    if (crsEquivalent(featureCrs, to) || out.some((r) => r.to === to.def)) continue;
    try {
      out.push(recordJobTransform(to, chooseJobTransform(featureCrs, to, sample.xs, sample.ys)));
    } catch (err) {
      if (!(err instanceof CrsError)) throw err;
    }
  }
  return out;
}

/**
 * Names the engine's CRS operations at the centre of `sample`'s extent (ZonalEngine.placeCrsNotes), chooses
 * its transforms on `sample` (see {@link samplePoints}) and, with `release`, ends PROJ's thread when none
 * runs in PROJ. Returns whether PROJ is still needed for the job.
 */
export async function chooseTransforms(engine: ZonalEngine, featureCrs: Crs, sample: { xs: Float64Array; ys: Float64Array }, release = true): Promise<boolean> {
  engine.placeCrsNotes(finiteBox(sample.xs, sample.ys));
  const proj = engine.chooseTransforms((to) => chooseJobTransform(featureCrs, to, sample.xs, sample.ys));
  if (release && !proj && projThreadRunning()) await releaseProjThread();
  return proj;
}
