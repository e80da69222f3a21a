/**
 * Planning 1,000,000 field polygons into batches: the GeoPackage read
 * (streamed), one point per feature, the grid keys and the packing; seconds
 * and peak RSS, for each grid kind. Targets: < 60 s, < 1.5 GB.
 */
import { ensureFields } from './synthetic';
import { peakRssMb, report } from './report';
import { openGeoPackage } from '../shared/features/gpkg';
import { geometryBBox } from '../shared/geometry/bbox';
import { planBatches } from '../shared/batching/plan';
import type { PlanFeature } from '../shared/batching/plan';

const n = Number(process.env.BENCH_PLAN_FEATURES ?? 1_000_000);
const path = ensureFields(n);
const figures: Record<string, number> = { features: n };
const t0 = performance.now();
const layer = openGeoPackage(path).layer();
const points: PlanFeature[] = [];
for (const f of layer.features({ columns: [] })) {
  const b = f.geometry ? geometryBBox(f.geometry) : null;
  points.push({ fid: f.fid, lon: b ? (b.xmin + b.xmax) / 2 : 0, lat: b ? (b.ymin + b.ymax) / 2 : 0 });
}
figures.read_gpkg_s = (performance.now() - t0) / 1000;
figures.rss_after_read_mb = process.memoryUsage().rss / 1e6;
for (const grid of ['h3', 's2', 'mgrs'] as const) {
  const t = performance.now();
  const plan = planBatches(points, { grid, maxFeatures: 500 });
  figures[`${grid}_plan_s`] = (performance.now() - t) / 1000;
  figures[`${grid}_batches`] = plan.stats.batches;
  figures[`${grid}_cells`] = plan.stats.cells;
  figures[`${grid}_resolution`] = plan.stats.resolution;
}
figures.total_s = (performance.now() - t0) / 1000;
figures.peak_rss_mb = peakRssMb();
report('plan-1m', figures);
