/**
 * Plan's one-pass read (plan.ts): every feature's batch-file record (batch-file.ts writeRecord) kept in memory, by
 * input index, in one growing buffer (the features themselves die young, so the garbage collector never copies
 * them), within a byte budget; once the batches are known, each batch file's body is copied together from its
 * features' bytes. The bytes are exactly those writeRecord gives, so a batch file equals the one the two-pass path
 * (batch-spill.ts) writes from the same features.
 */
import type { BatchRecord } from './batch-file';
import { recordBound, writeRecord } from './batch-file';

/** The features' records in input order, within `budgetBytes`. */
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

  /** Appends the next feature's record; false (and every byte released) when the budget would be exceeded. */
  add(r: BatchRecord): boolean {
    if (this.over) return false;
    const room = this.at + recordBound(r);
    if (room > this.buf.length) {
      if (room > this.budgetBytes) return this.addTight(r);
      const grown = Buffer.allocUnsafe(Math.min(this.budgetBytes, Math.max(room, 2 * this.buf.length)));
      this.buf.copy(grown, 0, 0, this.at);
      this.buf = grown;
    }
    this.push(writeRecord(this.buf, this.at, r));
    return true;
  }

  /** {@link add} near the budget, where the bound may exceed it but the record itself may not. */
  private addTight(r: BatchRecord): boolean {
    const scratch = Buffer.allocUnsafe(recordBound(r));
    const bytes = writeRecord(scratch, 0, r);
    if (this.at + bytes > this.budgetBytes) return this.drop();
    if (this.at + bytes > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.min(this.budgetBytes, Math.max(this.at + bytes, 2 * this.buf.length)));
      this.buf.copy(grown, 0, 0, this.at);
      this.buf = grown;
    }
    scratch.copy(this.buf, this.at, 0, bytes);
    this.push(this.at + bytes);
    return true;
  }

  private push(end: number): void {
    this.at = end;
    if (this.n === this.ends.length) {
      const grown = new Float64Array(2 * this.n);
      grown.set(this.ends);
      this.ends = grown;
    }
    this.ends[this.n++] = this.at;
  }

  private drop(): false {
    this.over = true;
    this.buf = Buffer.alloc(0);
    this.ends = new Float64Array(0);
    this.n = 0;
    this.at = 0;
    return false;
  }

  /** `head`, then the records of the features at input indices `members`, as one buffer (a batch file). */
  body(head: Uint8Array, members: ArrayLike<number>): Buffer {
    let size = head.length;
    for (let k = 0; k < members.length; k++) size += this.length(members[k] as number);
    const out = Buffer.allocUnsafe(size);
    out.set(head, 0);
    let at = head.length;
    for (let k = 0; k < members.length; k++) {
      const i = members[k] as number;
      const start = i === 0 ? 0 : (this.ends[i - 1] as number);
      at += this.buf.copy(out, at, start, this.ends[i]);
    }
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
