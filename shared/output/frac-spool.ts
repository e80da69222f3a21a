/**
 * A spool for tables with `frac` columns whose distinct values are not known up
 * front: a frac column becomes one column per value met in ANY row, so the
 * header can only be written once every row is in. Rows are written to a
 * temporary file as they come while the distinct values are collected; `close`
 * opens the wrapped sink with those values (SinkOptions.fracValues) and replays
 * the file into it. Memory: one batch of rows plus the distinct values, never
 * the table.
 *
 * The spool holds length-prefixed V8 serializations (node:v8, the structured
 * clone format) of each batch rather than JSON lines: numbers come back exactly
 * (NaN, ±Infinity and -0 included, which JSON cannot say).
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { RowSink, SinkOptions } from './sink';
import type { ResultRow } from './table';
import { FracValues } from './frac-columns';
import { OutputError } from '../errors';

/** Opens the wrapped sink once the frac values are known. */
export type OpenWithFracValues = (fracValues: ReadonlyMap<string, readonly number[]>) => Promise<RowSink>;

/** A RowSink that spools rows to a temporary file and expands frac columns into `open`'s sink on close. */
export class FracSpool implements RowSink {
  private readonly values: FracValues;
  private done = false;
  private constructor(private readonly dir: string, private handle: FileHandle | null, private readonly open: OpenWithFracValues, opts: SinkOptions) {
    this.values = new FracValues(opts.columns);
  }

  /** Creates the spool file in `dir` (default: the system's temporary folder). */
  static async create(opts: SinkOptions, openSink: OpenWithFracValues, dir: string = tmpdir()): Promise<FracSpool> {
    let folder: string;
    try {
      folder = await mkdtemp(join(dir, 'zonalflow-spool-'));
    } catch (err) {
      throw new OutputError(`cannot create a spool folder in ${dir}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const handle = await open(join(folder, 'rows.v8'), 'w+');
    return new FracSpool(folder, handle, openSink, opts);
  }

  async write(rows: readonly ResultRow[]): Promise<void> {
    if (this.done || this.handle === null) throw new OutputError('rows written to a closed spool');
    if (rows.length === 0) return;
    for (const r of rows) this.values.add(r);
    const body = serialize(rows);
    const head = Buffer.alloc(4);
    head.writeUInt32LE(body.length, 0);
    await this.handle.write(Buffer.concat([head, body]));
  }

  /** Opens the wrapped sink with the values met, replays every batch into it, closes it; the spool is removed either way. */
  async close(): Promise<void> {
    if (this.done) throw new OutputError('spool closed twice');
    this.done = true;
    const h = this.handle;
    if (h === null) throw new OutputError('spool already aborted');
    let sink: RowSink | null = null;
    try {
      sink = await this.open(this.values.values());
      const head = Buffer.alloc(4);
      let pos = 0;
      for (;;) {
        const { bytesRead } = await h.read(head, 0, 4, pos);
        if (bytesRead === 0) break;
        if (bytesRead < 4) throw new OutputError('the row spool is truncated');
        const len = head.readUInt32LE(0);
        const body = Buffer.alloc(len);
        const got = await h.read(body, 0, len, pos + 4);
        if (got.bytesRead < len) throw new OutputError('the row spool is truncated');
        pos += 4 + len;
        await sink.write(deserialize(body) as ResultRow[]);
      }
      await sink.close();
    } catch (err) {
      await sink?.abort();
      throw err;
    } finally {
      await this.remove();
    }
  }

  async abort(): Promise<void> {
    this.done = true;
    await this.remove();
  }

  private async remove(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    await h?.close().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
