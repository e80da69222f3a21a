/**
 * Whether a layer's ids are unique, in 8 bytes a feature instead of a Set of every id string: each
 * id's 53-bit hash (FNV-1a 32 and a multiply-xorshift mix of the same UTF-16 code units, 32 + 21
 * bits) goes into a growing Float64Array; sorting it finds the hashes seen more than once. A
 * repeated hash is a duplicate id or (about n²/2^54 of the time: 0.6 % of 10M-feature layers) a
 * collision: the caller checks the ids with those hashes exactly (`repeated()`, `hashId`).
 */

/** The 53-bit hash of an id (an integer below 2^53). */
export function hashId(id: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  h2 = Math.imul(h2 ^ (h2 >>> 13), 0xc2b2ae35);
  h2 ^= h2 >>> 16;
  return (h1 >>> 0) * 2 ** 21 + ((h2 >>> 0) >>> 11);
}

/** The hashes of a layer's ids, added one at a time. */
export class IdHashes {
  private hashes: Float64Array;
  private n = 0;

  /** `capacity`: ids expected (a count known to be true; grows by doubling past it). */
  constructor(capacity = 1024) {
    this.hashes = new Float64Array(Math.max(1, Math.floor(capacity)));
  }

  /** Adds an id. */
  add(id: string): void {
    if (this.n === this.hashes.length) {
      const grown = new Float64Array(this.hashes.length * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[this.n++] = hashId(id);
  }

  /** The hashes added more than once (empty: every id is unique). Sorts the hashes in place. */
  repeated(): Set<number> {
    const sorted = this.hashes.subarray(0, this.n).sort();
    const out = new Set<number>();
    for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) out.add(sorted[i] as number);
    return out;
  }
}
