/** A plan of `sizes` batches (Plan's batchOf/slot by input index), the features dealt to them in a scrambled input order. */
export function scrambledPlan(sizes: number[]): { batchOf: Uint32Array; slot: Uint32Array; n: number } {
  const n = sizes.reduce((a, b) => a + b, 0);
  const batchOf = new Uint32Array(n);
  const slot = new Uint32Array(n);
  let k = 0;
  for (let b = 0; b < sizes.length; b++) {
    for (let s = 0; s < (sizes[b] as number); s++, k++) {
      const i = (k * 7919) % n; // a permutation of 0..n-1 (7919 prime, n not a multiple)
      batchOf[i] = b;
      slot[i] = s;
    }
  }
  return { batchOf, slot, n };
}
