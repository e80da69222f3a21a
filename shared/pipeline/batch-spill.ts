/**
 * Plan's second pass in bounded memory: every feature, read again in input order, is serialized once
 * (its batch-file JSON) and appended to the spill file of its group of batches on local disk (Plan's
 * /tmp); then the groups are read back one at a time and each batch's features come out in batch
 * order. Memory holds one group (about `featuresPerGroup` serialized features) plus a small write
 * buffer per group, whatever the input's size or order; reads of the input stay sequential (no
 * lookup by fid). Disk: about the size of the batch files.
 *
 * Spill record: `<batch index>,<slot>,<feature JSON>\n` (JSON.stringify escapes every newline).
 * With `compress` (when /tmp is short: the spill is about twice a GeoPackage's size), each flushed
 * chunk is stored as a 4-byte length and the chunk deflated (zlib level 1, about 3x smaller).
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { LimitError } from '../errors';

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

/** One batch read back: its index and its features' JSON, in batch order. */
export interface SpilledBatch { index: number; features: string[] }

/** Features routed to their batches through spill files (see the module comment). */
export class BatchSpill {
  private readonly groupOf: Uint32Array;
  /** First batch index of each group, and one past the last batch. */
  private readonly groupStarts: number[] = [0];
  private readonly fds: number[] = [];
  private readonly pending: string[][] = [];
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
      this.pending.push([]);
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

  /** Adds the feature at input index `index`, serialized. */
  add(index: number, json: string): void {
    if (index >= this.opts.batchOf.length) throw new LimitError(`the input has more features on a second read than on the first (${index + 1} > ${this.opts.batchOf.length}): it changed while Plan read it`);
    const b = this.opts.batchOf[index] as number;
    const g = this.groupOf[b] as number;
    const line = `${b},${this.opts.slot[index] as number},${json}\n`;
    (this.pending[g] as string[]).push(line);
    const bytes = (this.pendingBytes[g] as number) + line.length;
    if (bytes >= FLUSH_BYTES) this.flush(g);
    else this.pendingBytes[g] = bytes;
    this.added++;
  }

  private flush(g: number): void {
    const lines = this.pending[g] as string[];
    if (lines.length > 0 && this.opts.compress) {
      const chunk = deflateRawSync(Buffer.from(lines.join(''), 'utf8'), { level: 1 });
      const head = Buffer.alloc(4);
      head.writeUInt32LE(chunk.length);
      writeSync(this.fds[g] as number, head);
      writeSync(this.fds[g] as number, chunk);
    } else if (lines.length > 0) writeSync(this.fds[g] as number, lines.join(''));
    this.pending[g] = [];
    this.pendingBytes[g] = 0;
  }

  /** Closes the spill files (after the last `add`). Throws when a feature of the plan was not added. */
  finish(): void {
    for (let g = 0; g < this.groups; g++) {
      this.flush(g);
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
    for (let b = first; b < end; b++) out.push({ index: b, features: new Array<string>(this.opts.batchSizes[b] as number) });
    const text = this.opts.compress ? inflated(readFileSync(this.file(g))) : readFileSync(this.file(g), 'utf8');
    rmSync(this.file(g), { force: true });
    let at = 0;
    while (at < text.length) {
      const nl = text.indexOf('\n', at);
      const c1 = text.indexOf(',', at);
      const c2 = text.indexOf(',', c1 + 1);
      const b = Number(text.slice(at, c1));
      const slot = Number(text.slice(c1 + 1, c2));
      (out[b - first] as SpilledBatch).features[slot] = text.slice(c2 + 1, nl);
      at = nl + 1;
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

/** The text of a compressed spill file: its chunks (4-byte length, deflated bytes) inflated in order. */
function inflated(file: Buffer): string {
  const parts: string[] = [];
  for (let at = 0; at < file.length;) {
    const n = file.readUInt32LE(at);
    parts.push(inflateRawSync(file.subarray(at + 4, at + 4 + n)).toString('utf8'));
    at += 4 + n;
  }
  return parts.join('');
}
