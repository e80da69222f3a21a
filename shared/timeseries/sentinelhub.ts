/**
 * Per-feature JSON in the layout of Sentinel Hub's Batch Statistical API
 * results, so its users (and sentinelhub-py's `statistical_to_dataframe` /
 * `get_failed_statistical_requests`) read it unchanged:
 * { id: <fid>, identifier: "<id>", response: { status, data: [ { interval: {from, to},
 *   outputs: { <output>: { bands: { B0: {
 *   stats: { min, max, mean, stDev, sampleCount, noDataCount, percentiles? },
 *   histogram?: { bins: [ {lowEdge, highEdge, count} ] } } } } } } ] } }.
 * sampleCount = count + nodata_count (the feature's covered cells on its
 * output grid, weighted in `exact` mode), noDataCount = nodata_count; with
 * count 0, min/max/mean/stDev are the string "NaN" as Sentinel Hub writes them.
 * In `exact` mode sampleCount, noDataCount and histogram counts are coverage-
 * weighted fractions (Sentinel Hub's are whole pixels). An acquisition's
 * interval is its UTC day, cut between two acquisitions of one day
 * (acquisitions.ts acquisitionIntervals), so no two entries share an interval.
 */
import type { StatValue, Histogram } from '../stats/accumulator';
import { quantileOf } from '../stats/names';
import type { SlotStats } from '../engine/timeseries';

/** One band's statistics in Sentinel Hub's names. */
export function shBand(stats: Record<string, StatValue>): Record<string, unknown> {
  const num = (k: string): number | null => { const v = stats[k]; return typeof v === 'number' && !Number.isNaN(v) ? v : null; };
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

/** One data entry: a computed interval, or a failed one carrying an `error` object (as the Statistical API reports them). */
export function shInterval(s: SlotStats): Record<string, unknown> {
  const interval = { from: s.from, to: s.to };
  if (s.error !== undefined) return { interval, error: { type: 'EXECUTION_ERROR', message: s.error } };
  return {
    interval,
    outputs: Object.fromEntries(Object.entries(s.outputs).map(([name, stats]) => [name, { bands: { B0: shBand(stats) } }])),
    ...(s.interpolated !== undefined ? { interpolated: s.interpolated } : {}),
  };
}

/**
 * The document of one feature in Sentinel Hub Batch Statistical's result layout:
 * `{ "id": <fid, integer>, "identifier": "<id column value>", "response": { "data": [...], "status": "OK" | "FAILED" } }`,
 * `data` in time order. A feature that could not be computed at all has status FAILED, no data and `response.error`.
 */
export function shDocument(id: string, fid: number, slots: readonly SlotStats[], error: string | null = null): Record<string, unknown> {
  const response: Record<string, unknown> = error === null
    ? { data: slots.map(shInterval), status: 'OK' }
    : { data: [], status: 'FAILED', error: { type: 'EXECUTION_ERROR', message: error } };
  return { id: fid, identifier: id, response };
}
