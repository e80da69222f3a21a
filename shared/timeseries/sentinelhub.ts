/**
 * Per-feature JSON in the shape of Sentinel Hub's (Batch) Statistical API
 * results, so its users switch without rewriting their readers:
 * { data: [ { interval: {from, to}, outputs: { <output>: { bands: { B0: {
 *   stats: { min, max, mean, stDev, sampleCount, noDataCount, percentiles? },
 *   histogram?: { bins: [ {lowEdge, highEdge, count} ] } } } } } } ], status }.
 * sampleCount counts every cell of the feature (valid or not), noDataCount
 * the masked ones, with the job's coverage weights.
 */
import type { StatValue, Histogram } from '../stats/accumulator';
import { quantileOf } from '../stats/names';
import type { SlotStats } from '../engine/timeseries';

/** One band's statistics in Sentinel Hub's names. */
export function shBand(stats: Record<string, StatValue>): Record<string, unknown> {
  const num = (k: string): number | null => (typeof stats[k] === 'number' ? (stats[k]) : null);
  const count = num('count') ?? 0;
  const nodata = num('nodata_count') ?? 0;
  const out: Record<string, unknown> = {
    stats: {
      min: num('min') ?? 'NaN',
      max: num('max') ?? 'NaN',
      mean: num('mean') ?? 'NaN',
      stDev: num('stdev') ?? 'NaN',
      sampleCount: count + nodata,
      noDataCount: nodata,
      ...percentiles(stats),
    },
  };
  const h = stats.histogram as Histogram | undefined;
  if (h && typeof h === 'object') out.histogram = { bins: h.counts.map((c, i) => ({ lowEdge: h.bins[i], highEdge: h.bins[i + 1], count: c })) };
  return out;
}

function percentiles(stats: Record<string, StatValue>): Record<string, unknown> {
  const p: Record<string, number> = {};
  for (const [k, v] of Object.entries(stats)) {
    const q = quantileOf(k);
    if (q !== null && typeof v === 'number') p[`${+(q * 100).toFixed(6)}.0`.replace(/\.(\d+)\.0$/, '.$1')] = v;
    if (k === 'median' && typeof v === 'number') p['50.0'] = v;
  }
  return Object.keys(p).length > 0 ? { percentiles: p } : {};
}

/** The whole document of one feature. */
export function shDocument(id: string, fid: number, slots: readonly SlotStats[], error: string | null = null): Record<string, unknown> {
  return {
    id,
    fid,
    data: slots.map((s) => ({
      interval: { from: s.from, to: s.to },
      outputs: Object.fromEntries(Object.entries(s.outputs).map(([name, stats]) => [name, { bands: { B0: shBand(stats) } }])),
    })),
    status: error === null ? 'OK' : 'FAILED',
    ...(error === null ? {} : { error: { message: error } }),
  };
}
