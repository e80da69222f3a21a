/**
 * Per-cell combination over time: the composite of an interval (each
 * acquisition contributes at most one value per cell: its mosaic value) and
 * openEO's `array_interpolate_linear` along the intervals.
 */

/** Values and validity (1 = data) of one output over a feature's output grid. */
export interface Plane { values: Float64Array; valid: Uint8Array }

/**
 * Per-cell composite of the acquisitions of an interval: `mean` (sum / n) or `median`
 * (numpy.median: the middle value, or the mean of the two middle values) of the valid values.
 * Cells valid in no plane are invalid. All planes have the same length.
 */
export function composite(planes: readonly Plane[], how: 'mean' | 'median', n: number): Plane {
  const values = new Float64Array(n);
  const valid = new Uint8Array(n);
  if (planes.length === 1) {
    const p = planes[0] as Plane;
    values.set(p.values.subarray(0, n));
    valid.set(p.valid.subarray(0, n));
    return { values, valid };
  }
  const buf: number[] = [];
  for (let i = 0; i < n; i++) {
    buf.length = 0;
    for (const p of planes) if (p.valid[i] === 1) buf.push(p.values[i] as number);
    if (buf.length === 0) continue;
    valid[i] = 1;
    if (how === 'mean') {
      let s = 0;
      for (const v of buf) s += v;
      values[i] = s / buf.length;
    } else {
      buf.sort((a, b) => a - b);
      const m = buf.length >> 1;
      values[i] = buf.length % 2 ? (buf[m] as number) : ((buf[m - 1] as number) + (buf[m] as number)) / 2;
    }
  }
  return { values, valid };
}

/**
 * openEO `array_interpolate_linear` per cell along a series of planes at times `xs` (ascending, e.g. the
 * intervals' start in ms): a cell invalid at step i but valid at an earlier step j and a later step k
 * (the nearest such) becomes v_j + (v_k - v_j) * (x_i - x_j) / (x_k - x_j); leading and trailing gaps stay
 * invalid. Planes are filled in place; returns, per step, the number of cells filled.
 */
export function interpolateLinear(series: readonly Plane[], xs: readonly number[], n: number): number[] {
  const filled = new Array<number>(series.length).fill(0);
  const steps = series.length;
  for (let i = 0; i < n; i++) {
    let prev = -1;
    for (let t = 0; t < steps; t++) {
      if ((series[t] as Plane).valid[i] !== 1) continue;
      if (prev >= 0 && t - prev > 1) {
        const a = series[prev] as Plane;
        const b = series[t] as Plane;
        const va = a.values[i] as number;
        const vb = b.values[i] as number;
        const xa = xs[prev] as number;
        const xb = xs[t] as number;
        for (let g = prev + 1; g < t; g++) {
          const p = series[g] as Plane;
          p.values[i] = va + ((vb - va) * ((xs[g] as number) - xa)) / (xb - xa);
          p.valid[i] = 1;
          filled[g] = (filled[g] as number) + 1;
        }
      }
      prev = t;
    }
  }
  return filled;
}
