/** The bulk path equals add/addNodata cell by cell; names parse and validate. */
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../../shared/errors';
import { StatsAccumulator } from '../../../shared/stats/accumulator';
import type { StatName } from '../../../shared/stats/accumulator';
import { parseStatNames } from '../../../shared/stats/names';
import { seeded } from './helpers';

function windows(seed: number, n: number, ints: boolean): { values: Float64Array; valid: Uint8Array; weights: Float64Array } {
  const rnd = seeded(seed);
  const values = new Float64Array(n);
  const valid = new Uint8Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    values[i] = ints ? Math.floor(rnd() * 5000) : rnd() * 300 - 100;
    valid[i] = rnd() < 0.9 ? 1 : 0;
    weights[i] = rnd() < 0.1 ? 0 : rnd() < 0.5 ? 1 : rnd();
  }
  return { values, valid, weights };
}

describe('addWindow = add one by one', () => {
  const moments: StatName[] = ['count', 'sum', 'mean', 'min', 'max', 'stdev', 'nodata_count'];
  for (const semantics of ['exact', 'unweighted'] as const) {
    it(`mean/min/max/count/stdev over 10^6 cells to 1e-12 relative (${semantics})`, () => {
      const { values, valid, weights } = windows(3, 1_000_000, false);
      const a = new StatsAccumulator({ stats: moments, semantics });
      // in three windows, as a feature read chunk by chunk
      a.addWindow(values.subarray(0, 300_000), valid.subarray(0, 300_000), weights.subarray(0, 300_000));
      a.addWindow(values.subarray(300_000, 700_000), valid.subarray(300_000, 700_000), weights.subarray(300_000, 700_000));
      a.addWindow(values.subarray(700_000), valid.subarray(700_000), weights.subarray(700_000));
      const b = new StatsAccumulator({ stats: moments, semantics });
      for (let i = 0; i < values.length; i++) {
        if (valid[i]) b.add(values[i] ?? 0, weights[i] ?? 0);
        else b.addNodata(weights[i] ?? 0);
      }
      const ra = a.result();
      const rb = b.result();
      for (const s of moments) expect(Math.abs((ra[s] as number) - (rb[s] as number))).toBeLessThanOrEqual(Math.abs(rb[s] as number) * 1e-12);
      // and against sums written out here
      let sw = 0;
      let swx = 0;
      for (let i = 0; i < values.length; i++) {
        const c = weights[i] ?? 0;
        if (c > 0 && valid[i]) {
          const w = semantics === 'exact' ? c : 1;
          sw += w;
          swx += w * (values[i] ?? 0);
        }
      }
      expect(Math.abs((ra.count as number) - sw)).toBeLessThanOrEqual(sw * 1e-12);
      expect(Math.abs((ra.mean as number) - swx / sw)).toBeLessThanOrEqual(Math.abs(swx / sw) * 1e-12);
    });
  }
  it('value statistics (integers: dense grouping) equal cell by cell, exact and unweighted', () => {
    const stats: StatName[] = ['median', 'q10', 'q90', 'majority', 'minority', 'variety', 'histogram'];
    const { values, valid, weights } = windows(4, 200_000, true);
    for (const semantics of ['exact', 'unweighted'] as const) {
      const a = new StatsAccumulator({ stats, semantics });
      a.addWindow(values, valid, weights);
      const b = new StatsAccumulator({ stats, semantics });
      for (let i = 0; i < values.length; i++) if (valid[i]) b.add(values[i] ?? 0, weights[i] ?? 0);
      expect(a.result()).toEqual(b.result());
    }
  });
  it('mismatched lengths are a SpecError', () => {
    const a = new StatsAccumulator({ stats: ['count'], semantics: 'exact' });
    expect(() => a.addWindow(new Float64Array(2), new Uint8Array(3), new Float64Array(3))).toThrow(SpecError);
  });
});

describe('parseStatNames', () => {
  it('accepts the names and qNN (decimals allowed), removes duplicates, keeps order', () => {
    expect(parseStatNames(['mean', 'q2.5', 'q90', 'mean', 'q0', 'q100', 'histogram', 'nodata_count'])).toEqual(['mean', 'q2.5', 'q90', 'q0', 'q100', 'histogram', 'nodata_count']);
  });
  it('rejects unknown names with one SpecError naming them and pointing to the valid ones', () => {
    expect(() => parseStatNames(['avg', 'q101'])).toThrow(SpecError);
    expect(() => parseStatNames(['avgg', 'q101'])).toThrow(/"avgg", "q101"; common: count, sum/);
    for (const bad of ['q', 'q-1', 'q1e2', 'Q10', 'std', 'percentile_10', 'q100.5']) expect(() => parseStatNames([bad])).toThrow(SpecError);
  });
  it('a quantile out of 0..100 is said to be one (a newcomer\'s q150 was an "unknown statistic")', () => {
    expect(() => parseStatNames(['mean', 'q150'])).toThrow('"q150": a quantile qNN needs NN from 0 to 100 (q10, q90, q2.5)');
    expect(() => parseStatNames(['q101', 'q100.5'])).toThrow('"q101", "q100.5": a quantile qNN needs NN from 0 to 100 (q10, q90, q2.5)');
  });
  it('an unknown name given straight to the accumulator is a SpecError too', () => {
    expect(() => new StatsAccumulator({ stats: ['avg' as StatName], semantics: 'exact' })).toThrow(SpecError);
  });
});

describe('reset', () => {
  it('an accumulator reset between features gives what a new one gives (every statistic, both semantics)', () => {
    const all: StatName[] = ['count', 'sum', 'mean', 'min', 'max', 'stdev', 'variance', 'nodata_count', 'median', 'majority', 'minority', 'variety', 'unique', 'frac', 'q25', 'coefficient_of_variation', 'range'];
    for (const semantics of ['exact', 'unweighted'] as const) {
      const reused = new StatsAccumulator({ stats: all, semantics });
      for (let f = 0; f < 4; f++) {
        const { values, valid, weights } = windows(40 + f, 500 + 300 * f, true);
        reused.reset();
        reused.addWindow(values, valid, weights);
        const fresh = new StatsAccumulator({ stats: all, semantics });
        fresh.addWindow(values, valid, weights);
        expect(reused.result()).toStrictEqual(fresh.result());
      }
    }
  });
});

