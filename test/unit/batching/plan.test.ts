import { describe, expect, it } from 'vitest';
import { batchId, planBatches, UNLOCATED_CELL } from '../../../shared/batching/plan';
import type { BatchPlan, PlanFeature } from '../../../shared/batching/plan';
import { batchBBoxes, bboxAreaKm2, compactness } from '../../../shared/batching/compactness';
import { SpecError } from '../../../shared/errors';

const GRIDS = ['h3', 's2', 'mgrs'] as const;

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Clustered fields over four regions, a fifth of them spread wider, plus 5% uniform over the globe. */
function clustered(n: number, seed = 1): PlanFeature[] {
  const rnd = seeded(seed);
  const centres = [[6.1, 49.6], [-47.9, -15.8], [120.5, 30.2], [-100, 40]] as const;
  return Array.from({ length: n }, (_, i) => {
    if (i % 20 === 19) return { fid: i + 1, lon: rnd() * 360 - 180, lat: Math.asin(2 * rnd() - 1) * (180 / Math.PI) };
    const c = centres[i % centres.length] ?? [0, 0];
    const spread = i % 5 === 0 ? 5 : 0.3;
    return { fid: i + 1, lon: c[0] + (rnd() - 0.5) * spread, lat: c[1] + (rnd() - 0.5) * spread };
  });
}

/** Batches of the same sizes with the fids dealt in a seeded random order: the baseline. */
function shuffled(plan: BatchPlan, seed: number): BatchPlan {
  const fids = plan.batches.flatMap((b) => b.fids);
  const rnd = seeded(seed);
  for (let i = fids.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [fids[i], fids[j]] = [fids[j] as number, fids[i] as number];
  }
  let k = 0;
  return { ...plan, batches: plan.batches.map((b) => ({ ...b, fids: fids.slice(k, (k += b.fids.length)) })) };
}

function allFids(plan: BatchPlan): number[] {
  return plan.batches.flatMap((b) => b.fids);
}

describe('planBatches', () => {
  it('100,000 features: every fid exactly once, batches within maxFeatures, ids b000001.., deterministic', () => {
    const fs = clustered(100_000);
    for (const grid of GRIDS) {
      const a = planBatches(fs, { grid, maxFeatures: 500 });
      const seen = new Uint8Array(100_001);
      for (const batch of a.batches) {
        expect(batch.fids.length).toBeGreaterThan(0);
        expect(batch.fids.length).toBeLessThanOrEqual(500);
        for (const f of batch.fids) seen[f] = (seen[f] as number) + 1;
      }
      expect(seen.subarray(1).every((c) => c === 1), grid).toBe(true);
      expect(a.batches.map((b) => b.batchId)).toEqual(a.batches.map((_, i) => `b${String(i + 1).padStart(6, '0')}`));
      expect(a.stats.maxBatch).toBe(Math.max(...a.batches.map((b) => b.fids.length)));
      expect(a.stats.batches).toBe(a.batches.length);
      // the same input, and the same features in another order, give the same plan
      expect(planBatches(fs, { grid, maxFeatures: 500 })).toEqual(a);
      const reversed = planBatches([...fs].reverse(), { grid, maxFeatures: 500 });
      expect(reversed.batches).toEqual(a.batches);
      expect(reversed.stats).toEqual(a.stats);
      // batchOf/slot (by input index) name the place of every input feature in the batches
      fs.forEach((f, i) => {
        if (a.batches[a.batchOf[i] as number]?.fids[a.slot[i] as number] !== f.fid) throw new Error(`${grid}: input ${i} (fid ${f.fid}) is not at batch ${a.batchOf[i]} slot ${a.slot[i]}`);
      });
      expect(reversed.batches[reversed.batchOf[0] as number]?.fids[reversed.slot[0] as number]).toBe(fs[fs.length - 1]?.fid);
    }
    expect(batchId(41)).toBe('b000042');
  });

  it('is far more compact than the same batches in random order (ratio < 0.05 for every grid)', () => {
    const fs = clustered(50_000, 7);
    const where = (fid: number): PlanFeature | undefined => fs[fid - 1];
    for (const grid of GRIDS) {
      const plan = planBatches(fs, { grid, maxFeatures: 500 });
      const ours = compactness(plan, where).meanAreaKm2;
      const random = compactness(shuffled(plan, 3), where).meanAreaKm2;
      expect(ours / random, grid).toBeLessThan(0.05);
    }
  });

  it('consecutive batches are neighbours: median gap between consecutive batch centres < 0.2 of a random batch order', () => {
    const fs = clustered(50_000, 11);
    const where = (fid: number): PlanFeature | undefined => fs[fid - 1];
    for (const grid of GRIDS) {
      const plan = planBatches(fs, { grid, maxFeatures: 200 });
      const centres = batchBBoxes(plan, where).map((b): [number, number] => (b ? [(b.xmin + b.xmax) / 2, (b.ymin + b.ymax) / 2] : [0, 0]));
      const medianGap = (cs: [number, number][]): number => {
        const gaps = cs.slice(1).map((c, i) => Math.hypot(c[0] - (cs[i] as [number, number])[0], c[1] - (cs[i] as [number, number])[1]));
        return Float64Array.from(gaps).sort()[gaps.length >> 1] as number;
      };
      const rnd = seeded(5);
      const permuted = centres.map((c) => [rnd(), c] as const).sort((a, b) => a[0] - b[0]).map(([, c]) => c);
      expect(medianGap(centres) / medianGap(permuted), grid).toBeLessThan(0.2);
    }
  });

  it('picks a resolution from the density: more features per area -> finer cells', () => {
    const sparse = planBatches(clustered(20_000, 2), { grid: 'h3', maxFeatures: 500 });
    const dense = planBatches(clustered(20_000, 2), { grid: 'h3', maxFeatures: 50 });
    expect(dense.stats.resolution).toBeGreaterThan(sparse.stats.resolution);
    // a given resolution is used as is; cells are distinct per feature then (res 15 ~ 1 m)
    const fixed = planBatches(clustered(1000, 2), { grid: 'h3', maxFeatures: 500, resolution: 15 });
    expect(fixed.stats.resolution).toBe(15);
    expect(fixed.stats.cells).toBe(1000);
    // packing whole cells fills batches well: on average at least half full
    for (const grid of GRIDS) {
      const p = planBatches(clustered(20_000, 2), { grid, maxFeatures: 200 });
      expect(20_000 / p.stats.batches, grid).toBeGreaterThan(100);
    }
  });

  it('a single dense cell of 10,000 identical points is split into full batches', () => {
    const fs = Array.from({ length: 10_000 }, (_, i) => ({ fid: i, lon: 6, lat: 49 }));
    for (const grid of GRIDS) {
      const plan = planBatches(fs, { grid, maxFeatures: 300 });
      expect(plan.batches.map((b) => b.fids.length)).toEqual([...new Array<number>(33).fill(300), 100]);
      expect(allFids(plan)).toEqual(fs.map((f) => f.fid)); // in fid order within the cell
      expect(plan.stats.cells).toBe(1);
    }
  });

  it('poles, antimeridian, (0,0), lon outside [-180,180), non-finite and empty input', () => {
    const fs = [
      { fid: 1, lon: 179.999, lat: 10 }, { fid: 2, lon: -179.999, lat: 10 }, { fid: 3, lon: 0, lat: 90 }, { fid: 4, lon: 0, lat: -90 },
      { fid: 5, lon: 0, lat: 0 }, { fid: 6, lon: NaN, lat: NaN }, { fid: 7, lon: 540, lat: 0 }, { fid: 8, lon: 1, lat: Infinity },
      { fid: 9, lon: 180, lat: 10 }, { fid: 10, lon: 45, lat: 89.9999 },
    ];
    for (const grid of GRIDS) {
      const plan = planBatches(fs, { grid, maxFeatures: 2 });
      expect(allFids(plan).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(plan.stats.unlocated).toBe(2);
      const last = plan.batches[plan.batches.length - 1];
      expect(last?.cell).toBe(UNLOCATED_CELL);
      expect(last?.fids).toEqual([6, 8]);
      // the two sides of the antimeridian (fids 1, 2, 9) and both poles' neighbours are planned as located
      const across = planBatches([fs[0], fs[1], fs[8]] as PlanFeature[], { grid, maxFeatures: 3 });
      expect(across.batches).toHaveLength(1);
      const box = batchBBoxes(across, (f) => fs[f - 1])[0];
      expect(box && bboxAreaKm2(box)).toBeLessThan(1); // the narrow box across 180, not 360 degrees wide
    }
    for (const grid of GRIDS) expect(planBatches([], { grid, maxFeatures: 10 })).toEqual({ batches: [], batchOf: new Uint32Array(0), slot: new Uint32Array(0), stats: { features: 0, cells: 0, batches: 0, maxBatch: 0, minBatch: 0, resolution: expect.any(Number) as number, grid, unlocated: 0 } });
  });

  it('rejects an invalid maxFeatures or resolution with a SpecError', () => {
    expect(() => planBatches([], { grid: 'h3', maxFeatures: 0 })).toThrow(SpecError);
    expect(() => planBatches([], { grid: 's2', maxFeatures: 10, resolution: 26 })).toThrow(/resolution 26/);
  });
});

describe('compactness', () => {
  it('boxes and areas written out', () => {
    const pts = new Map([[1, { lon: 0, lat: 0 }], [2, { lon: 1, lat: 1 }], [3, { lon: 179.5, lat: 0 }], [4, { lon: -179.5, lat: 2 }]]);
    const plan: Pick<BatchPlan, 'batches'> = { batches: [{ batchId: 'b000001', cell: 'x', fids: [1, 2] }, { batchId: 'b000002', cell: 'y', fids: [3, 4] }] };
    const boxes = batchBBoxes(plan, (f) => pts.get(f));
    expect(boxes).toEqual([{ xmin: 0, ymin: 0, xmax: 1, ymax: 1 }, { xmin: 179.5, ymin: 0, xmax: 180.5, ymax: 2 }]);
    const a1 = 1 * 111.32 * Math.cos((0.5 * Math.PI) / 180) * 1 * 110.574;
    const a2 = 1 * 111.32 * Math.cos((1 * Math.PI) / 180) * 2 * 110.574;
    expect(bboxAreaKm2(boxes[0] as NonNullable<(typeof boxes)[0]>)).toBeCloseTo(a1, 9);
    const c = compactness(plan, (f) => pts.get(f));
    expect(c.meanAreaKm2).toBeCloseTo((a1 + a2) / 2, 9);
    expect(c.medianAreaKm2).toBeCloseTo((a1 + a2) / 2, 9);
  });
});
