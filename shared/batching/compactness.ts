/**
 * How compact a plan is: the bounding box of each batch's features (lon/lat;
 * a batch across the antimeridian gets the narrower box, with xmax > 180) and
 * its area in km² (equirectangular at the box's mid latitude).
 */
import type { BBox } from '../geometry/types';
import type { BatchPlan } from './plan';

const KM_PER_DEG_LAT = 110.574;
const KM_PER_DEG_LON = 111.32;

/** The lon/lat box of each batch (null when none of its features has a finite location). */
export function batchBBoxes(plan: Pick<BatchPlan, 'batches'>, locate: (fid: number) => { lon: number; lat: number } | undefined): (BBox | null)[] {
  return plan.batches.map((b) => {
    let x0 = Infinity;
    let x1 = -Infinity;
    let w0 = Infinity; // the same longitudes in [0, 360)
    let w1 = -Infinity;
    let y0 = Infinity;
    let y1 = -Infinity;
    for (const f of b.fids) {
      const p = locate(f);
      if (!p || !Number.isFinite(p.lon) || !Number.isFinite(p.lat)) continue;
      const w = p.lon < 0 ? p.lon + 360 : p.lon;
      if (p.lon < x0) x0 = p.lon;
      if (p.lon > x1) x1 = p.lon;
      if (w < w0) w0 = w;
      if (w > w1) w1 = w;
      if (p.lat < y0) y0 = p.lat;
      if (p.lat > y1) y1 = p.lat;
    }
    if (x0 > x1) return null;
    return w1 - w0 < x1 - x0 ? { xmin: w0, ymin: y0, xmax: w1, ymax: y1 } : { xmin: x0, ymin: y0, xmax: x1, ymax: y1 };
  });
}

/** Area of a lon/lat box in km² (lon span scaled by the cosine of the mid latitude). */
export function bboxAreaKm2(b: BBox): number {
  const mid = ((b.ymin + b.ymax) / 2) * (Math.PI / 180);
  return (b.xmax - b.xmin) * KM_PER_DEG_LON * Math.cos(mid) * (b.ymax - b.ymin) * KM_PER_DEG_LAT;
}

/** Mean and median batch box area (km²) of a plan: lower is more compact. */
export function compactness(plan: Pick<BatchPlan, 'batches'>, locate: (fid: number) => { lon: number; lat: number } | undefined): { meanAreaKm2: number; medianAreaKm2: number } {
  const areas = batchBBoxes(plan, locate).flatMap((b) => (b ? [bboxAreaKm2(b)] : []));
  if (areas.length === 0) return { meanAreaKm2: 0, medianAreaKm2: 0 };
  const sorted = Float64Array.from(areas).sort();
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { meanAreaKm2: areas.reduce((s, a) => s + a, 0) / areas.length, medianAreaKm2: median };
}
