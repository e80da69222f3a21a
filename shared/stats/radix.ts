/**
 * Stable LSD radix sort of float64 values, returning the sorting permutation
 * (so that weights can follow their values without a comparator sort).
 * Doubles are mapped to order-preserving 64-bit unsigned keys (sign bit
 * flipped for positives, all bits flipped for negatives), then sorted by
 * 11-bit digits (6 passes, a pass skipped when all keys share its digit).
 * Equal values keep their input order. Values must not be NaN.
 */

const BITS = 11;
const RADIX = 1 << BITS;
const MASK = RADIX - 1;
const PASSES = 6;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The permutation that sorts the first `n` entries of `values` ascending (stable). */
export function sortOrder(values: Float64Array, n: number): Uint32Array {
  let idx = new Uint32Array(n);
  let lo = new Uint32Array(n);
  let hi = new Uint32Array(n);
  const words = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  const little = LITTLE_ENDIAN;
  const counts = new Uint32Array(PASSES * RADIX);
  for (let i = 0; i < n; i++) {
    let l = words[little ? 2 * i : 2 * i + 1] as number;
    let h = words[little ? 2 * i + 1 : 2 * i] as number;
    if (h & 0x80000000) {
      h = ~h >>> 0;
      l = ~l >>> 0;
    } else h = (h | 0x80000000) >>> 0;
    lo[i] = l;
    hi[i] = h;
    idx[i] = i;
    // digits: bits 0-10, 11-21 of lo; 22-31 of lo with bit 0 of hi; then hi 1-11, 12-22, 23-31
    counts[l & MASK]! += 1;
    counts[RADIX + ((l >>> 11) & MASK)]! += 1;
    counts[2 * RADIX + (((l >>> 22) | (h << 10)) & MASK)]! += 1;
    counts[3 * RADIX + ((h >>> 1) & MASK)]! += 1;
    counts[4 * RADIX + ((h >>> 12) & MASK)]! += 1;
    counts[5 * RADIX + ((h >>> 23) & MASK)]! += 1;
  }
  let idx2 = new Uint32Array(n);
  let lo2 = new Uint32Array(n);
  let hi2 = new Uint32Array(n);
  const offsets = new Uint32Array(RADIX);
  for (let p = 0; p < PASSES; p++) {
    const base = p * RADIX;
    // skip a pass whose digit is the same for every key
    let used = 0;
    for (let b = 0; b < RADIX && used < 2; b++) if ((counts[base + b] as number) > 0) used++;
    if (used < 2) continue;
    let sum = 0;
    for (let b = 0; b < RADIX; b++) {
      offsets[b] = sum;
      sum += counts[base + b] as number;
    }
    for (let i = 0; i < n; i++) {
      const l = lo[i] as number;
      const h = hi[i] as number;
      let digit: number;
      switch (p) {
        case 0: digit = l & MASK; break;
        case 1: digit = (l >>> 11) & MASK; break;
        case 2: digit = ((l >>> 22) | (h << 10)) & MASK; break;
        case 3: digit = (h >>> 1) & MASK; break;
        case 4: digit = (h >>> 12) & MASK; break;
        default: digit = (h >>> 23) & MASK;
      }
      const at = offsets[digit] as number;
      offsets[digit] = at + 1;
      lo2[at] = l;
      hi2[at] = h;
      idx2[at] = idx[i] as number;
    }
    [lo, lo2] = [lo2, lo];
    [hi, hi2] = [hi2, hi];
    [idx, idx2] = [idx2, idx];
  }
  return idx;
}
