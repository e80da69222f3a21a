/**
 * Plan's one-pass read (plan.ts): every feature's batch-file JSON kept in memory, by input index, as UTF-8 in
 * one growing buffer (the strings themselves die young, so the garbage collector never copies them), within a
 * byte budget; once the batches are known, each batch file's body is copied together from its features' bytes.
 * The bytes are exactly those of the strings given (Buffer's UTF-8 encoding), so a batch file equals the one
 * the two-pass path (batch-spill.ts) writes from the same strings.
 */

/** The features' JSON in input order, within `budgetBytes`. */
export class KeptFeatures {
  private buf: Buffer;
  /** ends[i]: one past the last byte of feature i. */
  private ends: Float64Array;
  private n = 0;
  private at = 0;
  private over = false;

  /** `budgetBytes`: most bytes kept; `expectBytes`: the first allocation (the buffer doubles past it, up to the budget). */
  constructor(private readonly budgetBytes: number, expectBytes = 1 << 20) {
    this.buf = Buffer.allocUnsafe(Math.max(0, Math.min(budgetBytes, Math.max(1024, expectBytes))));
    this.ends = new Float64Array(1024);
  }

  /** Features kept. */
  get count(): number {
    return this.n;
  }

  /** Whether every feature added so far is kept (false once the budget was exceeded: nothing is kept any more). */
  get complete(): boolean {
    return !this.over;
  }

  /** Appends the next feature's JSON; false (and every byte released) when the budget would be exceeded. */
  add(json: string): boolean {
    if (this.over) return false;
    // at most 3 UTF-8 bytes per UTF-16 code unit: room is checked without measuring the string
    const room = this.at + 3 * json.length;
    if (room > this.buf.length) {
      const need = this.at + Buffer.byteLength(json);
      if (need > this.budgetBytes) return this.drop();
      if (need > this.buf.length || this.buf.length < this.budgetBytes) {
        const grown = Buffer.allocUnsafe(Math.max(need, Math.min(this.budgetBytes, Math.max(room, 2 * this.buf.length))));
        this.buf.copy(grown, 0, 0, this.at);
        this.buf = grown;
      }
    }
    this.at += this.buf.write(json, this.at, 'utf8');
    if (this.n === this.ends.length) {
      const grown = new Float64Array(2 * this.n);
      grown.set(this.ends);
      this.ends = grown;
    }
    this.ends[this.n++] = this.at;
    return true;
  }

  private drop(): false {
    this.over = true;
    this.buf = Buffer.alloc(0);
    this.ends = new Float64Array(0);
    this.n = 0;
    this.at = 0;
    return false;
  }

  /**
   * `head`, then the JSON of the features at input indices `members` joined by commas, then `tail`, as one
   * buffer (a batch file: `{...,"features":[` + features + `]}`).
   */
  body(head: string, members: ArrayLike<number>, tail: string): Buffer {
    const headBytes = Buffer.byteLength(head);
    let size = headBytes + Buffer.byteLength(tail) + Math.max(0, members.length - 1);
    for (let k = 0; k < members.length; k++) size += this.length(members[k] as number);
    const out = Buffer.allocUnsafe(size);
    let at = out.write(head, 0, 'utf8');
    for (let k = 0; k < members.length; k++) {
      const i = members[k] as number;
      if (k > 0) out[at++] = 0x2c; // ','
      const start = i === 0 ? 0 : (this.ends[i - 1] as number);
      at += this.buf.copy(out, at, start, this.ends[i]);
    }
    out.write(tail, at, 'utf8');
    return out;
  }

  private length(i: number): number {
    if (!(i >= 0 && i < this.n)) throw new RangeError(`no kept feature at input index ${i} (${this.n} kept)`);
    return (this.ends[i] as number) - (i === 0 ? 0 : (this.ends[i - 1] as number));
  }
}

/**
 * The members of each batch by input index, from a plan's `batchOf`/`slot` (by input index) and the batch
 * sizes: batch b's features in batch order are `members.subarray(starts[b], starts[b + 1])`.
 */
export function batchMembers(batchOf: Uint32Array, slot: Uint32Array, sizes: readonly number[]): { members: Uint32Array; starts: Float64Array } {
  const starts = new Float64Array(sizes.length + 1);
  for (let b = 0; b < sizes.length; b++) starts[b + 1] = (starts[b] as number) + (sizes[b] as number);
  const members = new Uint32Array(batchOf.length);
  for (let i = 0; i < batchOf.length; i++) members[(starts[batchOf[i] as number] as number) + (slot[i] as number)] = i;
  return { members, starts };
}
