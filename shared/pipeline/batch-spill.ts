/**
 * Plan's second pass in bounded memory: every feature, read again in input order, is serialized once
 * (its batch-file record, batch-file.ts writeRecord) and appended to the spill file of its group of batches on local disk (Plan's
 * /tmp); then the groups are read back one at a time and each batch's features come out in batch
 * order. Memory holds one group (about `featuresPerGroup` serialized features) plus a small write
 * buffer per group, whatever the input's size or order; reads of the input stay sequential (no
 * lookup by fid). Disk: about the size of the batch files.
 *
 * Spill record: u32 batch index, u32 slot, u32 record bytes, the record (little-endian).
 * With `compress` (when /tmp is short: the spill is about twice a GeoPackage's size), each flushed
 * chunk is stored as a 4-byte length and the chunk deflated (zlib level 1, about 3x smaller).
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { LimitError } from '../errors';
import type { BatchRecord } from './batch-file';
import { recordBound, writeRecord } from './batch-file';

/** Bytes buffered per group before a write. */
const FLUSH_BYTES = 128 * 1024;

/** Options of a spill. */
export interface BatchSpillOptions {
  /** Folder for the spill files (created by the caller, removed by the caller). */
  dir: string;
  /** Number of features of each batch. */
  batchSizes: readonly number[];
  /** By input index: the feature's batch and its position in the batch (BatchPlan.batchOf / slot). */
  batchOf: Uint32Array;
  slot: Uint32Array;
  /** Features a group holds at most (whole batches; at least one batch). Default 50,000. */
  featuresPerGroup?: number;
  /** Deflate the spill files (see the module comment). */
  compress?: boolean;
}

/** One batch read back: its index and its features' records, in batch order. */
export interface SpilledBatch { index: number; features: Buffer[] }

/** Features routed to their batches through spill files (see the module comment). */
export class BatchSpill {
  private readonly groupOf: Uint32Array;
  /** First batch index of each group, and one past the last batch. */
  private readonly groupStarts: number[] = [0];
  private readonly fds: number[] = [];
  /** Each group's buffered records (allocated at its first), and how many bytes of it are filled. */
  private readonly pending: (Buffer | null)[] = [];
  private readonly pendingBytes: number[] = [];
  private added = 0;

  constructor(private readonly opts: BatchSpillOptions) {
    const per = Math.max(1, opts.featuresPerGroup ?? 50_000);
    this.groupOf = new Uint32Array(opts.batchSizes.length);
    let inGroup = 0;
    for (let b = 0; b < opts.batchSizes.length; b++) {
      const size = opts.batchSizes[b] as number;
      if (inGroup > 0 && inGroup + size > per) {
        this.groupStarts.push(b);
        inGroup = 0;
      }
      this.groupOf[b] = this.groupStarts.length - 1;
      inGroup += size;
    }
    this.groupStarts.push(opts.batchSizes.length);
    for (let g = 0; g < this.groups; g++) {
      this.fds.push(openSync(this.file(g), 'w'));
      this.pending.push(null);
      this.pendingBytes.push(0);
    }
  }

  /** Number of groups (spill files). */
  get groups(): number {
    return this.groupStarts.length - 1;
  }

  private file(g: number): string {
    return join(this.opts.dir, `group-${g}.spill`);
  }

  /** Adds the feature at input index `index`. */
  add(index: number, r: BatchRecord): void {
    if (index >= this.opts.batchOf.length) throw new LimitError(`the input has more features on a second read than on the first (${index + 1} > ${this.opts.batchOf.length}): it changed while Plan read it`);
    const b = this.opts.batchOf[index] as number;
    const g = this.groupOf[b] as number;
    const bound = 12 + recordBound(r);
    let buf = this.pending[g] ?? null;
    if (buf !== null && (this.pendingBytes[g] as number) + bound > buf.length) {
      this.flush(g);
      buf = this.pending[g] ?? null;
    }
    if (buf === null || bound > buf.length) {
      // a group's buffer is allocated at its first record (nothing is pending then); a record larger than it gets one of its own
      buf = Buffer.allocUnsafe(Math.max(FLUSH_BYTES, bound));
      this.pending[g] = buf;
    }
    const at = this.pendingBytes[g] as number;
    const end = writeRecord(buf, at + 12, r);
    buf.writeUInt32LE(b, at);
    buf.writeUInt32LE(this.opts.slot[index] as number, at + 4);
    buf.writeUInt32LE(end - at - 12, at + 8);
    this.pendingBytes[g] = end;
    this.added++;
  }

  private flush(g: number): void {
    const buf = this.pending[g] ?? null;
    const bytes = this.pendingBytes[g] as number;
    if (buf !== null && bytes > 0 && this.opts.compress) {
      const chunk = deflateRawSync(buf.subarray(0, bytes), { level: 1 });
      const head = Buffer.alloc(4);
      head.writeUInt32LE(chunk.length);
      writeSync(this.fds[g] as number, head);
      writeSync(this.fds[g] as number, chunk);
    } else if (buf !== null && bytes > 0) writeSync(this.fds[g] as number, buf, 0, bytes);
    this.pendingBytes[g] = 0;
    // an oversized buffer (one large record) is not kept
    if (buf !== null && buf.length > FLUSH_BYTES) this.pending[g] = null;
  }

  /** Closes the spill files (after the last `add`). Throws when a feature of the plan was not added. */
  finish(): void {
    for (let g = 0; g < this.groups; g++) {
      this.flush(g);
      this.pending[g] = null;
      closeSync(this.fds[g] as number);
    }
    this.fds.length = 0;
    if (this.added !== this.opts.batchOf.length) throw new LimitError(`the input has fewer features on a second read than on the first (${this.added} < ${this.opts.batchOf.length}): it changed while Plan read it`);
  }

  /** The batches of group `g`, in batch order (reads its spill file whole, then removes it). */
  readGroup(g: number): SpilledBatch[] {
    const first = this.groupStarts[g] as number;
    const end = this.groupStarts[g + 1] as number;
    const out: SpilledBatch[] = [];
    for (let b = first; b < end; b++) out.push({ index: b, features: new Array<Buffer>(this.opts.batchSizes[b] as number) });
    const data = this.opts.compress ? inflated(readFileSync(this.file(g))) : readFileSync(this.file(g));
    rmSync(this.file(g), { force: true });
    let at = 0;
    while (at < data.length) {
      const b = data.readUInt32LE(at);
      const slot = data.readUInt32LE(at + 4);
      const bytes = data.readUInt32LE(at + 8);
      (out[b - first] as SpilledBatch).features[slot] = data.subarray(at + 12, at + 12 + bytes);
      at += 12 + bytes;
    }
    return out;
  }

  /** Closes what is still open (after an error). */
  close(): void {
    for (const fd of this.fds) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
    this.fds.length = 0;
  }
}

/** The bytes of a compressed spill file: its chunks (4-byte length, deflated bytes) inflated in order. */
function inflated(file: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < file.length;) {
    const n = file.readUInt32LE(at);
    parts.push(inflateRawSync(file.subarray(at + 4, at + 4 + n)));
    at += 4 + n;
  }
  return Buffer.concat(parts);
}
