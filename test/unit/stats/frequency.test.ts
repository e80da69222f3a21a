/**
 * The frequency table (distinct value -> summed weight, exactextract's m_freq) gives what grouping every
 * kept cell at once gives, bit for bit, and a feature's kept values are bounded by its distinct values.
 */
import { describe, expect, it } from 'vitest';
import { BUFFER_CELLS, StatsAccumulator } from '../../../shared/stats/accumulator';
import type { StatName } from '../../../shared/stats/accumulator';
import { groupDistinct } from '../../../shared/stats/distinct';
import { DENSE_SPAN_MAX, FrequencyTable } from '../../../shared/stats/frequency';
import { closeRel, num, seeded, slowMedian, slowWeightedQuantile } from './helpers';

type Kind = 'small-ints' | 'wide-ints' | 'floats' | 'ints-then-floats' | 'signed-zero-inf';

/** n cells of one kind, drawn from `distinct` values (repeated), with weights in (0, 1] (half of them 1). */
function cells(seed: number, n: number, kind: Kind, distinct = 100): { values: Float64Array; weights: Float64Array; cws: Float64Array } {
  const rnd = seeded(seed);
  const pool = Array.from({ length: distinct }, (_, i) => {
    switch (kind) {
      case 'small-ints': return 1000 + ((i * 47) % 5000);
      case 'wide-ints': return Math.floor(rnd() * 1e7) - 5e6;
      case 'floats': return rnd() * 300 - 100;
      case 'ints-then-floats': return i % 2 === 0 ? i : i + 0.25;
      case 'signed-zero-inf': return [0, -0, Infinity, -Infinity, 3, -7][i % 6] as number;
    }
  });
  const values = new Float64Array(n);
  const weights = new Float64Array(n);
  const cws = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // ints-then-floats: only the integers for the first half, so a dense table turns sparse midway
    const k = Math.floor(rnd() * distinct);
    values[i] = kind === 'ints-then-floats' && i < n / 2 ? (pool[k - (k % 2)] as number) : (pool[k] as number);
    weights[i] = rnd() < 0.5 ? 1 : 1 - rnd();
    cws[i] = weights[i]! * (rnd() * 10);
  }
  return { values, weights, cws };
}

/** Each distinct value (-0 as 0) with its weights summed in input order (exactextract's m_freq), written out with a Map. */
function inputOrderSums(values: Float64Array, weights: Float64Array | null, n: number): { xs: Float64Array; ws: Float64Array } {
  const sums = new Map<number, number>();
  for (let i = 0; i < n; i++) sums.set(values[i]!, (sums.get(values[i]!) ?? 0) + (weights === null ? 1 : weights[i]!));
  const xs = Float64Array.from(sums.keys()).sort();
  return { xs, ws: xs.map((x) => sums.get(x)!) };
}

const KINDS: Kind[] = ['small-ints', 'wide-ints', 'floats', 'ints-then-floats', 'signed-zero-inf'];

describe('FrequencyTable', () => {
  for (const kind of KINDS) {
    it(`chunk by chunk = groupDistinct of all the cells, bit for bit (${kind})`, () => {
      const n = 50_000;
      const { values, weights, cws } = cells(7, n, kind);
      for (const w of [weights, null]) {
        const t = new FrequencyTable(true);
        let min = Infinity;
        let max = -Infinity;
        const rnd = seeded(11);
        for (let at = 0; at < n;) {
          const len = Math.min(n - at, 1 + Math.floor(rnd() * 5000));
          for (let i = at; i < at + len; i++) {
            min = Math.min(min, values[i]!);
            max = Math.max(max, values[i]!);
          }
          t.add(values.subarray(at), w === null ? null : w.subarray(at), cws.subarray(at), len, min, max);
          at += len;
        }
        expect(t.distinct()).toStrictEqual(inputOrderSums(values, w, n));
        expect(t.distinctCW()).toStrictEqual(inputOrderSums(values, cws, n));
        // groupDistinct's radix sort puts -0 before 0 and so sums the weights of 0 in another order
        if (kind !== 'signed-zero-inf') {
          expect(t.distinct()).toStrictEqual(groupDistinct(values, w, n, min, max));
          expect(t.distinctCW()).toStrictEqual(groupDistinct(values, cws, n, min, max));
        }
        expect(t.size).toBe(t.distinct().xs.length);
      }
    });
  }

  it('dense while the integers span at most DENSE_SPAN_MAX, sparse beyond, with the same sums', () => {
    const t = new FrequencyTable(false);
    t.add(new Float64Array([5, 7, 5]), new Float64Array([0.5, 1, 0.25]), null, 3, 5, 7);
    expect(t.capacity).toBe(3); // dense over 5..7
    t.add(new Float64Array([5 + DENSE_SPAN_MAX + 1]), new Float64Array([1]), null, 1, 5, 5 + DENSE_SPAN_MAX + 1);
    expect(t.distinct()).toStrictEqual({ xs: new Float64Array([5, 7, 5 + DENSE_SPAN_MAX + 1]), ws: new Float64Array([0.75, 1, 1]) });
  });
});

const VALUE_STATS: StatName[] = ['count', 'mean', 'min', 'max', 'stdev', 'median', 'q10', 'q25', 'q90', 'majority', 'minority', 'variety', 'unique', 'frac', 'histogram', 'nodata_count'];

describe('StatsAccumulator over more than BUFFER_CELLS kept cells', () => {
  for (const kind of KINDS) {
    for (const semantics of ['exact', 'unweighted'] as const) {
      it(`folded into the frequency table = every cell kept (the statistics before the table), ${kind}, ${semantics}`, () => {
        const n = 3 * BUFFER_CELLS + 12_345;
        const { values, weights } = cells(21, n, kind);
        const valid = new Uint8Array(n).fill(1);
        for (let i = 0; i < n; i += 97) valid[i] = 0;
        // one window: all its cells land in the buffer (grouped at once, as before the table)
        const whole = new StatsAccumulator({ stats: VALUE_STATS, semantics });
        whole.addWindow(values, valid, weights);
        expect(whole.distinctHeld).toBe(0);
        // windows of 1000 cells, as a huge feature read run by run: folded every BUFFER_CELLS
        const runs = new StatsAccumulator({ stats: VALUE_STATS, semantics });
        for (let at = 0; at < n; at += 1000) runs.addWindow(values.subarray(at), valid.subarray(at), weights.subarray(at, Math.min(at + 1000, n)));
        expect(runs.distinctHeld).toBeGreaterThan(0);
        const r = runs.result();
        expect(r).toStrictEqual(whole.result());
        // and against the definitions written out (tests/unit/stats/helpers.ts)
        const kept: number[] = [];
        const ws: number[] = [];
        for (let i = 0; i < n; i++) {
          if (valid[i] === 0) continue;
          kept.push(values[i]!);
          ws.push(semantics === 'exact' ? weights[i]! : 1);
        }
        const median = semantics === 'exact' ? slowWeightedQuantile(kept, ws, 0.5) : slowMedian(kept);
        if (Number.isFinite(median)) expect(closeRel(num(r.median), median, 1e-12)).toBe(true);
        else expect(r.median).toBe(median);
        expect(r.variety).toBe(new Set(kept).size);
        // more cells after a result: the table goes on
        runs.addWindow(values.subarray(0, 500), valid.subarray(0, 500), weights.subarray(0, 500));
        whole.addWindow(values.subarray(0, 500), valid.subarray(0, 500), weights.subarray(0, 500));
        expect(runs.result()).toStrictEqual(whole.result());
      });
    }
  }

  it('weighted_frac (c·w per distinct value) folded = every cell kept', () => {
    const n = 2 * BUFFER_CELLS + 777;
    const { values, weights } = cells(5, n, 'small-ints', 40);
    const rnd = seeded(9);
    const cellWeights = Float64Array.from({ length: n }, () => rnd() * 4);
    const valid = new Uint8Array(n).fill(1);
    const stats: StatName[] = ['weighted_frac', 'frac', 'median', 'weighted_mean'];
    const acc = new StatsAccumulator({ stats, semantics: 'exact' });
    for (let at = 0; at < n; at += 4096) acc.addWindow(values.subarray(at), valid.subarray(at), weights.subarray(at, Math.min(at + 4096, n)), cellWeights.subarray(at));
    expect(acc.distinctHeld).toBe(40);
    // expected: the c·w of every cell grouped at once (as before the table)
    const cw = weights.map((w, i) => w * cellWeights[i]!);
    const g = groupDistinct(values, cw, n, values.reduce((a, b) => Math.min(a, b)), values.reduce((a, b) => Math.max(a, b)));
    const total = cw.reduce((a, b) => a + b, 0);
    const frac = acc.result().weighted_frac as { values: number[]; fracs: number[] };
    expect(frac.values).toStrictEqual([...g.xs]);
    for (let i = 0; i < g.ws.length; i++) expect(closeRel(frac.fracs[i]!, g.ws[i]! / total, 1e-12)).toBe(true);
  });
});

describe('memory bounded by distinct values', () => {
  for (const kind of ['small-ints', 'floats'] as const) {
    it(`10^6 cells of 100 distinct values hold 100 entries, not 10^6 (${kind})`, () => {
      const { values, weights } = cells(33, 1_000_000, kind, 100);
      const valid = new Uint8Array(values.length).fill(1);
      const acc = new StatsAccumulator({ stats: ['mean', 'median', 'majority'], semantics: 'exact' });
      // rows of a 10980-wide raster, as the engine adds them
      for (let at = 0; at < values.length; at += 10980) acc.addWindow(values.subarray(at), valid.subarray(at), weights.subarray(at, Math.min(at + 10980, values.length)));
      const d = acc.result();
      expect(acc.distinctHeld).toBe(100);
      expect(num(d.median)).toBeGreaterThan(0);
      // the buffer (BUFFER_CELLS) and the table: dense over the values' span (<= 5000 here), or ~2 x 100 sparse slots
      expect(acc.keptCapacity).toBeLessThanOrEqual(BUFFER_CELLS + 5001);
      expect(acc.keptCapacity).toBeLessThan(values.length / 10);
    });
  }
});
