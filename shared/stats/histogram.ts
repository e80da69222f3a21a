/**
 * numpy.histogram over grouped values: `bins` equal-width bins over a range
 * (default: min..max of the values; [0, 1] when there is none; a degenerate
 * range lo == hi is widened to lo-0.5..hi+0.5), edges as numpy.linspace, the
 * last bin closed, values outside the range not counted, counts weighted.
 */
import { SpecError } from '../errors';
import type { Distinct } from './distinct';

/** A histogram: `bins` are the nbins+1 edges, `counts` (weighted in exact mode) per bin. */
export interface Histogram { bins: number[]; counts: number[] }

/** Histogram options: number of bins (default 10, as numpy) and optional [lo, hi] range. */
export interface HistogramOptions { bins: number; range?: [number, number] | undefined }

/** Throws a SpecError unless the options are usable (bins a positive integer, range finite with lo <= hi). */
export function checkHistogramOptions(opts: HistogramOptions): void {
  if (!Number.isInteger(opts.bins) || opts.bins < 1) throw new SpecError(`histogram bins must be a positive integer, got ${opts.bins}`);
  const r = opts.range;
  if (r !== undefined && !(Number.isFinite(r[0]) && Number.isFinite(r[1]) && r[0] <= r[1])) {
    throw new SpecError(`histogram range must be two finite numbers lo <= hi, got [${r.join(', ')}]`);
  }
}

/** The histogram of `d` (distinct ascending values, weights). */
export function histogram(d: Distinct, opts: HistogramOptions): Histogram {
  const nb = opts.bins;
  let lo: number;
  let hi: number;
  if (opts.range !== undefined) [lo, hi] = opts.range;
  else if (d.xs.length === 0) [lo, hi] = [0, 1];
  else [lo, hi] = [d.xs[0] as number, d.xs[d.xs.length - 1] as number];
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  // numpy.linspace(lo, hi, nb + 1): i * step + lo, the last edge exactly hi
  const step = (hi - lo) / nb;
  const bins = new Array<number>(nb + 1);
  for (let i = 0; i < nb; i++) bins[i] = i * step + lo;
  bins[nb] = hi;
  const counts = new Array<number>(nb).fill(0);
  const norm = hi - lo;
  for (let i = 0; i < d.xs.length; i++) {
    const x = d.xs[i] as number;
    if (!(x >= lo && x <= hi)) continue;
    // numpy: index from the normalised position, then corrected against the computed edges
    let k = Math.trunc(((x - lo) / norm) * nb);
    if (k === nb) k = nb - 1;
    if (x < (bins[k] as number)) k--;
    else if (k !== nb - 1 && x >= (bins[k + 1] as number)) k++;
    counts[k] = (counts[k] as number) + (d.ws[i] as number);
  }
  return { bins, counts };
}
