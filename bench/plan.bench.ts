/**
 * Planning 1,000,000 features into batches (issue 4): seeded synthetic points
 * (fields clustered in villages over six farming regions, regional scatter,
 * and uniform over the land latitudes), planned on each grid. Prints seconds,
 * RSS, cells, batches, fill, and compactness (mean batch box area vs the same
 * batches dealt at random, and vs a k-d partition, near ideal), and the cost of h3's
 * latLngToCell. Writes bench/results/plan.json. Targets: < 60 s, < 1.5 GB.
 *   npx tsx bench/plan.bench.ts        (BENCH_PLAN_FEATURES=… to change n)
 */
import { latLngToCell } from 'h3-js';
import { peakRssMb, report } from './report';
import { seeded } from './synthetic';
import { planBatches } from '../shared/batching/plan';
import type { BatchPlan, PlanFeature } from '../shared/batching/plan';
import { compactness } from '../shared/batching/compactness';
import { s2Position } from '../shared/batching/grid.s2';

const n = Number(process.env.BENCH_PLAN_FEATURES ?? 1_000_000);
const maxFeatures = Number(process.env.BENCH_PLAN_MAX ?? 500);
const figures: Record<string, number | string> = { features: n, maxFeatures };

// -- synthetic features (fid = index + 1), kept in typed arrays
const t0 = performance.now();
const rnd = seeded(20261124);
const lon = new Float64Array(n);
const lat = new Float64Array(n);
const regions = [[6.1, 49.6], [-47.9, -15.8], [120.5, 30.2], [-100, 40], [30.5, 50.4], [178.5, -17.8]] as const; // Fiji straddles the antimeridian
const villages = regions.map(([x, y]) => Array.from({ length: 300 }, () => [x + (rnd() - 0.5) * 6, y + (rnd() - 0.5) * 6] as const));
for (let i = 0; i < n; i++) {
  const u = rnd();
  const r = Math.floor(rnd() * regions.length);
  if (u < 0.7) {
    const vs = villages[r] ?? [];
    const v = vs[Math.floor(rnd() * vs.length)] ?? [0, 0];
    lon[i] = v[0] + (rnd() - 0.5) * 0.1;
    lat[i] = v[1] + (rnd() - 0.5) * 0.1;
  } else if (u < 0.9) {
    const c = regions[r] ?? [0, 0];
    lon[i] = c[0] + (rnd() - 0.5) * 8;
    lat[i] = c[1] + (rnd() - 0.5) * 8;
  } else {
    lon[i] = rnd() * 360 - 180;
    lat[i] = rnd() * 130 - 60;
  }
  if ((lon[i] as number) >= 180) lon[i] = (lon[i] as number) - 360;
}
figures.generate_s = (performance.now() - t0) / 1000;
function* features(): Generator<PlanFeature> {
  for (let i = 0; i < n; i++) yield { fid: i + 1, lon: lon[i] as number, lat: lat[i] as number };
}
const where = (fid: number): { lon: number; lat: number } => ({ lon: lon[fid - 1] as number, lat: lat[fid - 1] as number });

// -- the hot calls, alone
{
  const m = Math.min(n, 200_000);
  let t = performance.now();
  let sink = 0;
  for (let i = 0; i < m; i++) sink += latLngToCell(lat[i] as number, lon[i] as number, 8).length;
  figures.h3_latLngToCell_us = ((performance.now() - t) * 1000) / m;
  t = performance.now();
  for (let i = 0; i < m; i++) sink += s2Position(lat[i] as number, lon[i] as number, 25);
  figures.s2_position_us = ((performance.now() - t) * 1000) / m;
  if (sink === 0) process.stdout.write('\n');
}

function shuffled(plan: BatchPlan): BatchPlan {
  const fids = new Float64Array(plan.stats.features);
  let k = 0;
  for (const b of plan.batches) for (const f of b.fids) fids[k++] = f;
  const r = seeded(7);
  for (let i = fids.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    const t = fids[i] as number;
    fids[i] = fids[j] as number;
    fids[j] = t;
  }
  k = 0;
  return { ...plan, batches: plan.batches.map((b) => ({ ...b, fids: Array.from(fids.subarray(k, (k += b.fids.length))) })) };
}

/** A near-ideal compact partition for reference: a k-d split (median of the wider side, lon scaled by cos(lat)) into leaves of <= maxFeatures. */
function kdPlan(template: BatchPlan): BatchPlan {
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const leaves: number[][] = [];
  const split = (a: number, b: number): void => {
    if (b - a <= maxFeatures) {
      leaves.push(Array.from(idx.subarray(a, b), (i) => i + 1));
      return;
    }
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (let k = a; k < b; k++) {
      const i = idx[k] as number;
      x0 = Math.min(x0, lon[i] as number); x1 = Math.max(x1, lon[i] as number);
      y0 = Math.min(y0, lat[i] as number); y1 = Math.max(y1, lat[i] as number);
    }
    const key = (x1 - x0) * Math.cos((((y0 + y1) / 2) * Math.PI) / 180) > y1 - y0 ? lon : lat;
    idx.subarray(a, b).sort((p, q) => (key[p] as number) - (key[q] as number));
    // split at a multiple of maxFeatures near the middle, so leaves are full
    const half = Math.max(1, Math.round((b - a) / maxFeatures / 2)) * maxFeatures;
    split(a, a + half);
    split(a + half, b);
  };
  split(0, n);
  return { ...template, batches: leaves.map((fids, i) => ({ batchId: String(i), cell: '', fids })) };
}

const rssBase = process.memoryUsage().rss / 1e6;
figures.rss_before_plans_mb = rssBase;
let kd: { meanAreaKm2: number; medianAreaKm2: number } | undefined;
for (const grid of ['h3', 's2', 'mgrs'] as const) {
  const t = performance.now();
  const plan = planBatches(features(), { grid, maxFeatures });
  figures[`${grid}_plan_s`] = (performance.now() - t) / 1000;
  figures[`${grid}_rss_after_mb`] = process.memoryUsage().rss / 1e6;
  figures[`${grid}_resolution`] = plan.stats.resolution;
  figures[`${grid}_cells`] = plan.stats.cells;
  figures[`${grid}_batches`] = plan.stats.batches;
  figures[`${grid}_fill`] = n / (plan.stats.batches * maxFeatures);
  figures[`${grid}_min_max_batch`] = `${plan.stats.minBatch}..${plan.stats.maxBatch}`;
  const ours = compactness(plan, where);
  const random = compactness(shuffled(plan), where);
  figures[`${grid}_mean_box_km2`] = ours.meanAreaKm2;
  figures[`${grid}_median_box_km2`] = ours.medianAreaKm2;
  figures[`${grid}_random_mean_box_km2`] = random.meanAreaKm2;
  figures[`${grid}_vs_random`] = ours.meanAreaKm2 / random.meanAreaKm2;
  if (!kd) {
    const tk = performance.now();
    kd = compactness(kdPlan(plan), where);
    figures.kd_reference_s = (performance.now() - tk) / 1000;
    figures.kd_mean_box_km2 = kd.meanAreaKm2;
    figures.kd_median_box_km2 = kd.medianAreaKm2;
  }
  figures[`${grid}_vs_kd_mean`] = ours.meanAreaKm2 / kd.meanAreaKm2;
  figures[`${grid}_vs_kd_median`] = ours.medianAreaKm2 / kd.medianAreaKm2;
}
figures.total_s = (performance.now() - t0) / 1000;
figures.peak_rss_mb = peakRssMb();
report('plan', figures);
