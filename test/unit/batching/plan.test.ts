import { describe, expect, it } from 'vitest';
import { S2 } from 's2-geometry';
import { batchId, meanBatchBBoxArea, planBatches } from '../../../shared/batching/plan';
import type { PlanFeature } from '../../../shared/batching/plan';
import { s2CellId, s2Token } from '../../../shared/batching/s2';
import { cellKey } from '../../../shared/batching/grid';
import { hilbertIndex } from '../../../shared/batching/hilbert';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function clustered(n: number, seed = 1): PlanFeature[] {
  const rnd = seeded(seed);
  const centres = [[6.1, 49.6], [-47.9, -15.8], [120.5, 30.2], [-100, 40]] as const;
  return Array.from({ length: n }, (_, i) => {
    const c = centres[i % centres.length] ?? [0, 0];
    const spread = i % 5 === 0 ? 5 : 0.3;
    return { fid: i + 1, lon: c[0] + (rnd() - 0.5) * spread, lat: c[1] + (rnd() - 0.5) * spread };
  });
}

describe('planBatches', () => {
  it('every fid exactly once, batches within maxFeatures, deterministic', () => {
    const fs = clustered(100_000);
    const a = planBatches(fs, { grid: 'h3', maxFeatures: 500 });
    const b = planBatches(fs, { grid: 'h3', maxFeatures: 500 });
    expect(a.batches).toEqual(b.batches);
    const seen = new Set<number>();
    for (const batch of a.batches) {
      expect(batch.fids.length).toBeLessThanOrEqual(500);
      for (const f of batch.fids) {
        expect(seen.has(f)).toBe(false);
        seen.add(f);
      }
    }
    expect(seen.size).toBe(100_000);
    expect(a.batches[0]?.batchId).toBe('b000001');
    expect(batchId(41)).toBe('b000042');
  });
  it('is far more compact than batches in input order', () => {
    const fs = clustered(50_000, 7);
    const pos = new Map(fs.map((f) => [f.fid, f]));
    const where = (fid: number): PlanFeature => pos.get(fid) ?? { fid, lon: 0, lat: 0 };
    for (const grid of ['h3', 's2', 'mgrs'] as const) {
      const plan = planBatches(fs, { grid, maxFeatures: 500 });
      const naive = { batches: Array.from({ length: Math.ceil(fs.length / 500) }, (_, i) => ({ batchId: batchId(i), cell: '', fids: fs.slice(i * 500, (i + 1) * 500).map((f) => f.fid) })), stats: plan.stats };
      expect(meanBatchBBoxArea(plan, where) / meanBatchBBoxArea(naive, where), grid).toBeLessThan(0.05);
    }
  });
  it('a single dense cell of identical points is split into full batches', () => {
    const fs = Array.from({ length: 10_000 }, (_, i) => ({ fid: i, lon: 6, lat: 49 }));
    const plan = planBatches(fs, { grid: 'h3', maxFeatures: 300 });
    expect(plan.batches.map((b) => b.fids.length)).toEqual([...new Array<number>(33).fill(300), 100]);
  });
  it('poles, antimeridian, (0,0), NaN and empty input', () => {
    const fs = [{ fid: 1, lon: 179.999, lat: 10 }, { fid: 2, lon: -179.999, lat: 10 }, { fid: 3, lon: 0, lat: 90 }, { fid: 4, lon: 0, lat: -90 }, { fid: 5, lon: 0, lat: 0 }, { fid: 6, lon: NaN, lat: NaN }];
    for (const grid of ['h3', 's2', 'mgrs'] as const) {
      const plan = planBatches(fs, { grid, maxFeatures: 2 });
      expect(plan.batches.flatMap((b) => b.fids).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    }
    expect(planBatches([], { grid: 'h3', maxFeatures: 10 }).batches).toEqual([]);
  });
});

describe('grids', () => {
  it('S2 cell ids equal the s2-geometry library at every level', () => {
    const rnd = seeded(9);
    for (let t = 0; t < 300; t++) {
      const lat = rnd() * 180 - 90;
      const lng = rnd() * 360 - 180;
      const level = 1 + Math.floor(rnd() * 26);
      const ours = s2CellId(lat, lng, level);
      const theirs = BigInt(S2.keyToId(S2.latLngToKey(lat, lng, level)));
      expect(ours, `${lat},${lng} level ${level}`).toBe(theirs);
    }
    expect(s2Token(s2CellId(0, 0, 0))).toBe('1');
  });
  it('MGRS 100 km squares', () => {
    expect(cellKey('mgrs', 6.13, 49.61, 0)).toBe('32UKV'); // Luxembourg
    expect(cellKey('mgrs', -73.9857, 40.7484, 0)).toBe('18TWL'); // Empire State Building
    expect(cellKey('mgrs', 0, 89, 0)).toBe('UPS-N');
  });
  it('Hilbert indices of neighbours are close', () => {
    expect(hilbertIndex(0, 0, 2)).toBe(0);
    expect([hilbertIndex(0, 0, 1), hilbertIndex(0, 1, 1), hilbertIndex(1, 1, 1), hilbertIndex(1, 0, 1)]).toEqual([0, 1, 2, 3]);
  });
});
