/**
 * Counting duplicated feature ids without holding the ids: each id is kept as a
 * 64-bit hash (8 bytes per feature, in a typed array), sorted once at the end.
 * `duplicates` = features whose id an earlier feature already had. Two different
 * ids share a hash with probability about n²/2^65 (3e-8 for a million features),
 * which would count one false duplicate in a warning; no output depends on it.
 */

/** Hashes ids as they come; `duplicates()` counts repeats. */
export class DuplicateIds {
  private hashes: BigUint64Array;
  private n = 0;

  /** `expected`: ids the caller expects (sizes the array once: no copy of 8 bytes a feature while growing). */
  constructor(expected = 1024) {
    this.hashes = new BigUint64Array(Math.max(16, Math.floor(expected)));
  }

  add(id: string): void {
    if (this.n === this.hashes.length) {
      const grown = new BigUint64Array(this.hashes.length * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[this.n++] = hash64(id);
  }

  /** Ids added minus distinct ids. */
  duplicates(): number {
    const sorted = this.hashes.subarray(0, this.n).sort();
    let d = 0;
    for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) d++;
    return d;
  }
}

/** Two 32-bit multiplicative hashes of the UTF-16 code units (cyrb53's mixing, both lanes kept). */
export function hash64(s: string): bigint {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (BigInt(h1 >>> 0) << 32n) | BigInt(h2 >>> 0);
}
