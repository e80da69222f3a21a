/**
 * An external merge sort of result rows (or any V8-serializable items) in bounded memory: rows are pushed in
 * any order; every `runRows` rows the buffer is sorted and spilled to a run file
 * in a temporary folder (frames of `frameRows` rows: V8-serialized, raw-deflated,
 * length-prefixed); `sorted()` then yields every row in order by a k-way merge of
 * the runs (heap of one cursor per run, each holding one frame). A table that fits
 * one run never touches the disk.
 *
 * Memory: at most `runRows` rows while pushing; while merging, one frame per run,
 * and at most `fanIn` runs at once (with more runs, runs are merged into longer
 * ones first: all of them fanIn at a time while there are 2 x fanIn or more, then
 * just enough of the first ones to leave fanIn). Disk: the rows once, compressed
 * (about 40 bytes per row of ten numbers). The sort is stable: rows that compare
 * equal keep the order they were pushed in (Collect relies on it: of two rows for
 * one key the later wins).
 * Held rows are reported to an optional RowGauge (the bounded-memory test).
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { deserialize, serialize } from 'node:v8';
import { promisify } from 'node:util';
import { deflateRaw, inflateRaw } from 'node:zlib';
import type { ResultRow } from './table';

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);

/** Counts the rows a stage holds in memory (current and peak). */
export class RowGauge {
  held = 0;
  peak = 0;
  add(n: number): void {
    this.held += n;
    if (this.held > this.peak) this.peak = this.held;
  }
  remove(n: number): void {
    this.held -= n;
  }
}

/** Options of the sorter. */
export interface SorterOptions<T = ResultRow> {
  /** Rows sorted in memory per run (default 500,000). */
  runRows?: number;
  /** Rows per frame of a run file, and per chunk yielded by `sorted()` (default 4,096). */
  frameRows?: number;
  /** Runs merged at once (default 128). */
  fanIn?: number;
  /** Raw-deflate each frame (default true; false: frames of floats that barely compress, written as serialized). */
  compress?: boolean;
  /** Parent folder of the temporary run files (default the system's temporary folder). */
  dir?: string;
  /**
   * The rows' sort key (consistent with `compare`: rows in order have keys in order), for {@link RowSorter.sortedRanges};
   * run files then index each frame's first and last key.
   */
  keyOf?: (row: T) => number;
  gauge?: RowGauge;
}

/** A frame of a run file: where it starts and its first and last row's key (SorterOptions.keyOf). */
interface FrameIndex { pos: number; first: number; last: number }

/** A run file: its path and row count (and its frames' keys when the sorter has a keyOf). */
interface Run { path: string; rows: number; frames?: FrameIndex[] }

/** A sorter's run files handed to another thread ({@link RowSorter.detach}, {@link RowSorter.fromRuns}). */
export interface SpilledRuns { dir: string | null; runs: Run[]; count: number; /** The next run file's number in `dir` (runs merged later never overwrite one). */ seq: number }

/**
 * Sorts result rows (or any V8-serializable items: `T`) by `compare` in bounded memory. Call `dispose`
 * when done (removes the run files).
 */
export class RowSorter<T = ResultRow> {
  private buffer: T[] = [];
  private runs: Run[] = [];
  private dir: string | null = null;
  private seq = 0;
  private readonly runRows: number;
  private readonly frameRows: number;
  private readonly fanIn: number;
  private readonly gauge: RowGauge;
  /** Rows pushed in all. */
  count = 0;

  constructor(private readonly compare: (a: T, b: T) => number, private readonly opts: SorterOptions<T> = {}) {
    this.runRows = Math.max(1, Math.floor(opts.runRows ?? 500_000));
    this.frameRows = Math.max(1, Math.floor(opts.frameRows ?? 4096));
    this.fanIn = Math.max(2, Math.floor(opts.fanIn ?? 128));
    this.gauge = opts.gauge ?? new RowGauge();
  }

  /**
   * A sorter that merges runs another sorter (another thread's, same `compare`) spilled and handed over
   * with {@link detach}; it removes them on dispose.
   */
  static fromRuns<T>(compare: (a: T, b: T) => number, spilled: SpilledRuns, opts: SorterOptions<T> = {}): RowSorter<T> {
    const s = new RowSorter<T>(compare, opts);
    s.dir = spilled.dir;
    s.runs = [...spilled.runs];
    s.count = spilled.count;
    s.seq = spilled.seq;
    return s;
  }

  /** Spills every row held and hands the run files over (to {@link fromRuns}): this sorter forgets them (dispose no longer removes them). */
  async detach(): Promise<SpilledRuns> {
    if (this.buffer.length > 0) await this.spill();
    const out: SpilledRuns = { dir: this.dir, runs: this.runs, count: this.count, seq: this.seq };
    this.dir = null;
    this.runs = [];
    this.count = 0;
    return out;
  }

  /** Runs spilled to disk so far. */
  get spilledRuns(): number {
    return this.runs.length;
  }

  /** Adds rows (the sorter keeps them: the caller must not change them afterwards). */
  async push(rows: readonly T[]): Promise<void> {
    for (const r of rows) {
      // a full buffer is spilled when the next row comes: a table of exactly runRows rows stays in memory
      if (this.buffer.length >= this.runRows) await this.spill();
      this.buffer.push(r);
      this.gauge.add(1);
      this.count++;
    }
  }

  /** Every pushed row in order, in chunks of at most `frameRows` rows. Call once, after the last push. */
  async *sorted(): AsyncGenerator<T[]> {
    if (this.runs.length === 0) {
      // one run: sorted in memory, never written
      const rows = this.buffer.sort(this.compare);
      this.buffer = [];
      for (let i = 0; i < rows.length; i += this.frameRows) {
        const chunk = rows.slice(i, i + this.frameRows);
        yield chunk;
        this.gauge.remove(chunk.length);
      }
      return;
    }
    if (this.buffer.length > 0) await this.spill();
    await this.reduceRuns();
    yield* this.merge(this.runs);
  }

  /**
   * Every pushed row in order, as `bounds.length + 1` streams by key (SorterOptions.keyOf is required): stream j
   * yields, in order and in chunks of at most `frameRows`, the rows whose key k has bounds[j - 1] <= k < bounds[j]
   * (the first stream has no lower bound, the last no upper one). Each stream reads of each run file only the
   * frames that may hold its keys, so the streams may be read at the same time (each worker thread of a job
   * walks its own stretch of the order). Call once, after the last push, instead of `sorted()`.
   */
  async sortedRanges(bounds: readonly number[]): Promise<AsyncGenerator<T[]>[]> {
    const keyOf = this.opts.keyOf;
    if (keyOf === undefined) throw new Error('RowSorter.sortedRanges needs the keyOf option');
    const lows = [-Infinity, ...bounds];
    const highs = [...bounds, Infinity];
    if (this.runs.length === 0) {
      // one run: sorted in memory, cut where the keys cross the bounds
      const rows = this.buffer.sort(this.compare);
      this.buffer = [];
      const cut = (k: number): number => {
        let lo = 0;
        let hi = rows.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (keyOf(rows[mid] as T) < k) lo = mid + 1;
          else hi = mid;
        }
        return lo;
      };
      return lows.map((low, j) => this.rangeStream(rows, cut(low), cut(highs[j] as number), { low, high: highs[j] as number, keyOf }));
    }
    if (this.buffer.length > 0) await this.spill();
    await this.reduceRuns();
    return lows.map((low, j) => this.rangeStream(null, 0, 0, { low, high: highs[j] as number, keyOf }));
  }

  /** One stream of sortedRanges: rows[from..to) of the rows sorted in memory in chunks of frameRows, else the runs' rows in `range`. */
  private async *rangeStream(rows: readonly T[] | null, from: number, to: number, range: { low: number; high: number; keyOf: (row: T) => number }): AsyncGenerator<T[]> {
    if (rows === null) {
      yield* this.merge(this.runs, range);
      return;
    }
    for (let i = from; i < to; i += this.frameRows) {
      const chunk = rows.slice(i, Math.min(to, i + this.frameRows));
      yield chunk;
      this.gauge.remove(chunk.length);
    }
  }

  /** Merges runs until at most fanIn are left (one frame of each is held while merging). */
  private async reduceRuns(): Promise<void> {
    while (this.runs.length > this.fanIn) {
      // too many runs to hold one frame of each: merge runs into longer ones first (consecutive runs, in
      // order, so ties keep their order); with 2 x fanIn runs or more all of them fanIn at a time (each row
      // rewritten once a round), else just enough of the first ones to leave fanIn
      if (this.runs.length >= 2 * this.fanIn) {
        const next: Run[] = [];
        for (let i = 0; i < this.runs.length; i += this.fanIn) next.push(await this.mergeToRun(this.runs.slice(i, i + this.fanIn)));
        this.runs = next;
      } else {
        const k = this.runs.length - this.fanIn + 1;
        this.runs = [await this.mergeToRun(this.runs.slice(0, k)), ...this.runs.slice(k)];
      }
    }
  }

  /** Removes the run files. */
  async dispose(): Promise<void> {
    this.gauge.remove(this.buffer.length);
    this.buffer = [];
    if (this.dir !== null) await rm(this.dir, { recursive: true, force: true });
    this.dir = null;
  }

  /** Merges runs into one new run file (removing theirs); a single run is kept as it is. */
  private async mergeToRun(group: Run[]): Promise<Run> {
    if (group.length === 1 && group[0]) return group[0];
    const w = await this.runWriter();
    for await (const chunk of this.merge(group)) await w.append(chunk);
    const run = await w.finish();
    for (const r of group) await rm(r.path, { force: true });
    return run;
  }

  private async spill(): Promise<void> {
    const rows = this.buffer.sort(this.compare);
    this.buffer = [];
    const w = await this.runWriter();
    for (let i = 0; i < rows.length; i += this.frameRows) await w.append(rows.slice(i, i + this.frameRows));
    this.runs.push(await w.finish());
    this.gauge.remove(rows.length);
  }

  private async runWriter(): Promise<{ append(rows: T[]): Promise<void>; finish(): Promise<Run> }> {
    this.dir ??= await mkdtemp(join(this.opts.dir ?? tmpdir(), 'zonalflow-sort-'));
    const path = join(this.dir, `run-${String(this.seq++).padStart(6, '0')}`);
    const fh = await open(path, 'w');
    let rows = 0;
    let pos = 0;
    const keyOf = this.opts.keyOf;
    const frames: FrameIndex[] | undefined = keyOf ? [] : undefined;
    const compress = this.opts.compress ?? true;
    return {
      async append(chunk) {
        if (frames && keyOf && chunk.length > 0) frames.push({ pos, first: keyOf(chunk[0] as T), last: keyOf(chunk[chunk.length - 1] as T) });
        const bytes = serialize(chunk);
        const body = compress ? await deflate(bytes, { level: 1 }) : bytes;
        const head = Buffer.alloc(8);
        head.writeUInt32LE(body.length, 0);
        head.writeUInt32LE(chunk.length, 4);
        await fh.write(head);
        await fh.write(body);
        rows += chunk.length;
        pos += 8 + body.length;
      },
      async finish() {
        await fh.close();
        return frames ? { path, rows, frames } : { path, rows };
      },
    };
  }

  /**
   * The rows of `runs` in order (ties: the earlier run first), in chunks of frameRows; with `range`, only the
   * rows whose key is in [low, high) (each run read from its first frame that may hold one).
   */
  private async *merge(runs: readonly Run[], range?: { low: number; high: number; keyOf: (row: T) => number }): AsyncGenerator<T[]> {
    const cursors: RunCursor<T>[] = [];
    try {
      for (const [i, r] of runs.entries()) {
        const c = new RunCursor<T>(r.path, i, this.gauge, this.opts.compress ?? true);
        cursors.push(c);
        // frames wholly below the range are never read
        const start = range && r.frames ? r.frames.find((f) => f.last >= range.low) : undefined;
        if (range && r.frames && start === undefined) c.done = true;
        else await c.open(start?.pos ?? 0);
        if (range) while (!c.done && range.keyOf(c.current()) < range.low) await c.advance();
      }
      const heap = new CursorHeap<T>((a, b) => this.compare(a.current(), b.current()) || a.order - b.order);
      for (const c of cursors) if (!c.done) heap.push(c);
      let out: T[] = [];
      while (heap.size > 0) {
        const c = heap.peek();
        if (range && range.keyOf(c.current()) >= range.high) break; // the smallest key left is past the range
        out.push(c.current());
        this.gauge.add(1);
        await c.advance();
        if (c.done) heap.pop();
        else heap.fix();
        if (out.length >= this.frameRows) {
          yield out;
          this.gauge.remove(out.length);
          out = [];
        }
      }
      if (out.length > 0) {
        yield out;
        this.gauge.remove(out.length);
      }
    } finally {
      for (const c of cursors) await c.close();
    }
  }
}

/** Reads a run file frame by frame. */
class RunCursor<T> {
  private fh: FileHandle | null = null;
  private pos = 0;
  private frame: T[] = [];
  private i = 0;
  done = false;

  constructor(private readonly path: string, readonly order: number, private readonly gauge: RowGauge, private readonly compressed: boolean) {}

  /** Opens the run file and reads its frame at byte `pos` (0: the first). */
  async open(pos = 0): Promise<void> {
    this.fh = await open(this.path, 'r');
    this.pos = pos;
    await this.load();
  }

  current(): T {
    return this.frame[this.i] as T;
  }

  async advance(): Promise<void> {
    this.i++;
    if (this.i >= this.frame.length) await this.load();
  }

  async close(): Promise<void> {
    this.gauge.remove(this.frame.length);
    this.frame = [];
    await this.fh?.close();
    this.fh = null;
  }

  private async load(): Promise<void> {
    this.gauge.remove(this.frame.length);
    this.frame = [];
    this.i = 0;
    const fh = this.fh;
    if (fh === null) throw new Error(`run ${this.path} is not open`);
    const head = Buffer.alloc(8);
    const { bytesRead } = await fh.read(head, 0, 8, this.pos);
    if (bytesRead === 0) {
      this.done = true;
      return;
    }
    if (bytesRead < 8) throw new Error(`run ${this.path} is truncated at byte ${this.pos}`);
    const length = head.readUInt32LE(0);
    const body = Buffer.alloc(length);
    const got = await fh.read(body, 0, length, this.pos + 8);
    if (got.bytesRead < length) throw new Error(`run ${this.path} is truncated at byte ${this.pos + 8}`);
    this.pos += 8 + length;
    this.frame = deserialize(this.compressed ? await inflate(body) : body) as T[];
    this.gauge.add(this.frame.length);
    if (this.frame.length === 0) await this.load();
  }
}

/** A binary min-heap of cursors; `fix` restores the order after the top's key changed. */
class CursorHeap<T> {
  private items: RunCursor<T>[] = [];
  constructor(private readonly less: (a: RunCursor<T>, b: RunCursor<T>) => number) {}
  get size(): number {
    return this.items.length;
  }
  peek(): RunCursor<T> {
    return this.items[0] as RunCursor<T>;
  }
  push(c: RunCursor<T>): void {
    const a = this.items;
    a.push(c);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.less(a[i] as RunCursor<T>, a[p] as RunCursor<T>) >= 0) break;
      [a[i], a[p]] = [a[p] as RunCursor<T>, a[i] as RunCursor<T>];
      i = p;
    }
  }
  pop(): void {
    const a = this.items;
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      this.fix();
    }
  }
  fix(): void {
    const a = this.items;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && this.less(a[l] as RunCursor<T>, a[m] as RunCursor<T>) < 0) m = l;
      if (r < a.length && this.less(a[r] as RunCursor<T>, a[m] as RunCursor<T>) < 0) m = r;
      if (m === i) return;
      [a[i], a[m]] = [a[m] as RunCursor<T>, a[i] as RunCursor<T>];
      i = m;
    }
  }
}
