/**
 * Stand-in keys for integer fids beyond 2^53 (GeoPackage rowids, GeoJSON int64 ids), which no double holds:
 * -1.5, -2.5... in order of first appearance (non-integers, so never a real fid), each mapped back to its exact value.
 */
export class BigFidKeys {
  private readonly keys = new Map<bigint, number>();
  private readonly values = new Map<number, bigint>();

  /** The key standing for `big` (the same one each time it comes). */
  key(big: bigint): number {
    const known = this.keys.get(big);
    if (known !== undefined) return known;
    const key = -(this.keys.size + 1) - 0.5;
    this.keys.set(big, key);
    this.values.set(key, big);
    return key;
  }

  /** The exact fid `key` stands for; undefined for a key that is a real fid. */
  value(key: number): bigint | undefined {
    return this.values.get(key);
  }
}
