/**
 * Rows put back into input order by placement, not by a merge: each row arrives as an encoded record
 * that names its input position (row-codec.ts: `[u32 position][u32 body length][body]`), positions
 * are unique, and the job knows about how many there are. Positions are cut into buckets of
 * `bucketRows` consecutive positions; a record is appended to its bucket's bytes; `sorted()` then
 * takes the buckets in order and, within one, places each record at its slot (a counting sort: no
 * comparisons, no heap of cursors) and decodes the rows slot by slot.
 *
 * Memory: the records held in memory, in 32 KiB segments (partly filled ones counted whole), are bounded
 * by `memoryBytes`; past it every bucket's bytes are appended to one spill file (one write of all
 * buckets, each bucket's extents indexed) and their segments are reused, so a table of any size holds
 * about `memoryBytes` while rows come in, and one bucket's bytes plus one chunk of
 * decoded rows while they go out. A table that fits never touches the disk. Nothing is compressed:
 * a row of five statistics is ~80 bytes.
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

/** Options of an {@link InputOrderSpool}. */
export interface InputOrderOptions {
  /** Positions expected (0 .. expected - 1; more are accepted): sizes the buckets. */
  expected: number;
  /** Consecutive positions per bucket (default: at least 4,096, at most 128 buckets for `expected`). */
  bucketRows?: number;
  /** Record bytes held in memory before they are appended to the spill file (default 16 MiB). */
  memoryBytes?: number;
  /** Rows per chunk yielded by `sorted()` (default 256). */
  frameRows?: number;
  /** Parent folder of the temporary spill file (default the system's temporary folder). */
  dir?: string;
}

/** Bytes of a record's head (row-codec.ts RECORD_HEAD): position and body length. */
const HEAD = 8;

/** Bytes of a segment of a bucket's held records: few buckets or many, little memory sits idle in partly filled ones. */
const SEGMENT = 32 * 1024;

/** Segments freed by a spill, handed out again: the spool's memory stays the same buffers from spill to spill. */
class SegmentPool {
  private readonly free: Buffer[] = [];
  /** Bytes of the segments handed out and not given back (partly filled ones count whole). */
  inUse = 0;

  take(): Buffer {
    this.inUse += SEGMENT;
    return this.free.pop() ?? Buffer.allocUnsafeSlow(SEGMENT);
  }

  give(segments: readonly Buffer[]): void {
    for (const s of segments) {
      if (s.buffer.byteLength !== SEGMENT || s.byteOffset !== 0) continue;
      this.inUse -= SEGMENT;
      this.free.push(Buffer.from(s.buffer, 0, SEGMENT));
    }
  }
}

/** One bucket: its records' bytes held in memory (segments) and its extents in the spill file. */
class Bucket {
  segments: Buffer[] = [];
  cur: Buffer | null = null;
  used = 0;
  /** [position, length] of each extent in the spill file, in the order written. */
  extents: number[] = [];
  spilled = 0;

  append(src: Buffer, from: number, to: number, pool: SegmentPool): void {
    let at = from;
    while (at < to) {
      if (this.cur === null || this.used === this.cur.length) {
        if (this.cur !== null) this.segments.push(this.cur);
        this.cur = pool.take();
        this.used = 0;
      }
      const n = Math.min(to - at, this.cur.length - this.used);
      src.copy(this.cur, this.used, at, at + n);
      this.used += n;
      at += n;
    }
  }

  /** The bytes held in memory, as buffers in order (views on whole segments; the bucket then holds nothing). */
  drain(): Buffer[] {
    const out = this.segments;
    if (this.cur !== null && this.used > 0) out.push(this.cur.subarray(0, this.used));
    this.segments = [];
    this.cur = null;
    this.used = 0;
    return out;
  }
}

/** Encoded rows put back into input order in bounded memory. Call `dispose` when done (removes the spill file). */
export class InputOrderSpool {
  private readonly bucketRows: number;
  private readonly memoryBytes: number;
  private readonly frameRows: number;
  private readonly buckets: Bucket[] = [];
  private readonly pool = new SegmentPool();
  private dir: string | null = null;
  private file: FileHandle | null = null;
  private fileBytes = 0;
  private spilling: Promise<void> = Promise.resolve();
  private spillQueued = false;
  /** Records pushed in all. */
  count = 0;
  /** Bytes of the segments holding records in memory now (partly filled ones whole). */
  get heldBytes(): number {
    return this.pool.inUse;
  }

  /** Times the held records were appended to the spill file. */
  spills = 0;

  constructor(private readonly opts: InputOrderOptions) {
    this.bucketRows = Math.max(1, Math.floor(opts.bucketRows ?? Math.max(4096, Math.ceil(opts.expected / 128))));
    this.memoryBytes = Math.max(1, Math.floor(opts.memoryBytes ?? 16 * 1024 * 1024));
    this.frameRows = Math.max(1, Math.floor(opts.frameRows ?? 256));
  }

  /**
   * Adds the records of `bytes` (whole records back to back, e.g. RowEncoder.take()). They are copied before
   * this returns (the caller may reuse `bytes`); the promise settles once any spill it started is written.
   */
  push(bytes: Buffer): Promise<void> {
    let at = 0;
    while (at < bytes.length) {
      if (at + HEAD > bytes.length) throw new RangeError(`input order: a record head is cut at byte ${at} of ${bytes.length}`);
      const position = bytes.readUInt32LE(at);
      const end = at + HEAD + bytes.readUInt32LE(at + 4);
      if (end > bytes.length) throw new RangeError(`input order: the record at byte ${at} runs past the ${bytes.length} bytes pushed`);
      const b = Math.floor(position / this.bucketRows);
      while (this.buckets.length <= b) this.buckets.push(new Bucket());
      (this.buckets[b] as Bucket).append(bytes, at, end, this.pool);
      this.count++;
      at = end;
    }
    // one spill at a time (pushes from several streams may overlap); each takes what is held when it starts.
    // Memory is the segments in use, partly filled ones whole: many buckets (a count the input did not
    // state, or stated wrong) spill sooner instead of holding a segment each beyond the bound
    if (this.pool.inUse > this.memoryBytes && !this.spillQueued) {
      this.spillQueued = true;
      this.spilling = this.spilling.then(() => {
        this.spillQueued = false;
        return this.spill();
      });
    }
    return this.spilling;
  }

  /**
   * Every pushed row in input order, in chunks of at most `frameRows`: `reader` gets the bytes of a bucket
   * and returns the decoder of the record at a byte of them. Positions with no record are skipped; a
   * position pushed twice is an error. Call once, after the last push (and its promise).
   */
  async *sorted<T>(reader: (bytes: Buffer) => (at: number) => T): AsyncGenerator<T[]> {
    await this.spilling;
    const slots = new Int32Array(this.bucketRows);
    let out: T[] = [];
    for (let b = 0; b < this.buckets.length; b++) {
      const bucket = this.buckets[b] as Bucket;
      const bytes = await this.bucketBytes(bucket);
      this.buckets[b] = new Bucket(); // its memory goes with this pass
      const base = b * this.bucketRows;
      const decode = reader(bytes);
      slots.fill(-1);
      for (let at = 0; at < bytes.length; at += HEAD + bytes.readUInt32LE(at + 4)) {
        const slot = bytes.readUInt32LE(at) - base;
        if (slots[slot] !== -1) throw new RangeError(`input order: position ${base + slot} was pushed twice`);
        slots[slot] = at;
      }
      for (let s = 0; s < this.bucketRows; s++) {
        const at = slots[s] as number;
        if (at < 0) continue;
        out.push(decode(at));
        if (out.length >= this.frameRows) {
          yield out;
          out = [];
        }
      }
    }
    if (out.length > 0) yield out;
  }

  /** Removes the spill file. */
  async dispose(): Promise<void> {
    await this.spilling.catch(() => undefined);
    this.buckets.length = 0;
    await this.file?.close();
    this.file = null;
    if (this.dir !== null) await rm(this.dir, { recursive: true, force: true });
    this.dir = null;
  }

  /** A bucket's records in one buffer: its extents from the spill file, then what it holds. */
  private async bucketBytes(bucket: Bucket): Promise<Buffer> {
    const held = bucket.drain();
    const size = bucket.spilled + held.reduce((a, s) => a + s.length, 0);
    if (bucket.spilled === 0 && held.length === 1) return held[0] as Buffer;
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (let e = 0; e < bucket.extents.length; e += 2) {
      const length = bucket.extents[e + 1] as number;
      const file = this.file;
      if (file === null) throw new Error('input order: the spill file is closed');
      const { bytesRead } = await file.read(out, at, length, bucket.extents[e] as number);
      if (bytesRead < length) throw new Error(`input order: the spill file is truncated at byte ${(bucket.extents[e] as number) + bytesRead}`);
      at += length;
    }
    for (const s of held) {
      s.copy(out, at);
      at += s.length;
    }
    return out;
  }

  /** Appends every bucket's held bytes to the spill file in one write, indexing each bucket's extent. */
  private async spill(): Promise<void> {
    if (this.file === null) {
      this.dir = await mkdtemp(join(this.opts.dir ?? tmpdir(), 'zonalflow-order-'));
      this.file = await open(join(this.dir, 'rows'), 'w+');
    }
    const parts: Buffer[] = [];
    let total = 0;
    for (const bucket of this.buckets) {
      const held = bucket.drain();
      const length = held.reduce((a, s) => a + s.length, 0);
      if (length === 0) continue;
      bucket.extents.push(this.fileBytes + total, length);
      bucket.spilled += length;
      total += length;
      parts.push(...held);
    }
    // writev takes at most IOV_MAX (1024) buffers a call
    let at = this.fileBytes;
    for (let k = 0; k < parts.length; k += 1024) {
      const group = parts.slice(k, k + 1024);
      const { bytesWritten } = await this.file.writev(group, at);
      const want = group.reduce((a, s) => a + s.length, 0);
      if (bytesWritten < want) throw new Error(`input order: short write to the spill file (${bytesWritten} of ${want} bytes)`);
      at += want;
    }
    this.fileBytes += total;
    this.spills++;
    this.pool.give(parts);
  }
}
