/**
 * The streaming Parquet writer: a RowSink that writes row groups of at most
 * `rowGroupRows` rows (default 10,000) as they fill, to a file or any ByteTarget
 * (an S3 multipart upload), with the schema and metadata of parquet-layout.ts
 * (the same as `toParquet`, read back by `readResultParquet`). Memory: one row
 * group of rows and its encoded bytes.
 *
 * The layout is fixed by the first row group:
 * - `fid`: the `fid` option, else INT64 when every fid of the first row group fits
 *   int64 (a later fid that does not is an OutputError naming the feature), else STRING;
 * - `frac` columns: kept as JSON (`keepFrac`), expanded with `fracValues` when given
 *   for each of them, else the rows are spooled to a temporary Parquet file (frac as
 *   JSON, fid as text) while the distinct values are collected, and `close` copies the
 *   spool row group by row group into the final file with the frac columns expanded and
 *   the fid typed from all rows (bounded memory; the spool is removed).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { ColumnSource } from 'hyparquet-writer';
import type { RowSink, SinkOptions } from './sink';
import type { ResultRow, TableOptions } from './table';
import { isFrac } from './table';
import type { ByteTarget } from './byte-target';
import { FileOutput } from './file-output';
import type { ParquetLayout } from './parquet-layout';
import { fidFitsInt64, GeoSummary, geoCrs, layoutColumnData, layoutMetadata, layoutSchema, planColumns } from './parquet-layout';
import { resultColumns, resultRow } from './read-parquet';

/** Options of the streaming Parquet sink. */
export interface ParquetSinkOptions extends SinkOptions, TableOptions {
  /** Rows per row group (default 10,000). */
  rowGroupRows?: number | undefined;
  /** Keep `frac` columns as JSON (batch parts merged later); default false: expanded. */
  keepFrac?: boolean | undefined;
  /** The fid column's type when known up front (`int64` fails on a fid that is not an int64). */
  fid?: 'int64' | 'string' | undefined;
  /** Write the `zf_key` feature-key column (batch parts; see ParquetOptions.keyColumn). */
  keyColumn?: boolean | undefined;
  /** Folder of the temporary frac spool (default the system's temporary folder). */
  spoolDir?: string | undefined;
}

/** A RowSink writing Parquet to the file `target` (renamed into place on close) or a ByteTarget. */
export function parquetSink(target: string | ByteTarget, opts: ParquetSinkOptions): RowSink {
  const out = typeof target === 'string' ? FileOutput.deferred(target) : target;
  const needsSpool = !opts.keepFrac && opts.columns.some((c) => c.kind === 'frac' && opts.fracValues?.get(c.name) === undefined);
  return needsSpool ? new SpooledParquetSink(out, opts) : new DirectParquetSink(out, opts);
}

/** A Parquet sink that also takes row groups as columns (ParquetColumnSink.writeColumns). */
export interface ParquetColumnSink extends RowSink {
  writeColumns(columnData: ColumnSource[]): Promise<void>;
}

/**
 * A Parquet sink for a table of plain columns (no frac, geometry or `zf_key`) whose fid type is given: rows
 * by `write`, or whole row groups as columns by `writeColumns` (the same file either way).
 */
export function parquetColumnSink(target: string | ByteTarget, opts: ParquetSinkOptions & { fid: 'int64' | 'string' }): ParquetColumnSink {
  return new DirectParquetSink(typeof target === 'string' ? FileOutput.deferred(target) : target, opts);
}

/** A hyparquet ByteWriter that hands each row group's bytes to a ByteTarget. */
class TargetWriter extends ByteWriter {
  constructor(private readonly target: ByteTarget) {
    super(1 << 16);
  }
  flush(): Promise<void> {
    const chunk = new Uint8Array(this.buffer, 0, this.index).slice();
    this.index = 0;
    return this.target.write(chunk);
  }
}

class DirectParquetSink implements ParquetColumnSink {
  private pending: ResultRow[] = [];
  private layout: ParquetLayout | null = null;
  private pq: ParquetWriter | null = null;
  private writer: TargetWriter | null = null;
  private readonly geo = new GeoSummary();
  private readonly groupRows: number;
  private state: 'open' | 'closed' | 'aborted' = 'open';

  constructor(private readonly out: ByteTarget, private readonly opts: ParquetSinkOptions) {
    this.groupRows = Math.max(1, Math.floor(opts.rowGroupRows ?? 10_000));
  }

  async write(rows: readonly ResultRow[]): Promise<void> {
    if (this.state !== 'open') throw new Error(`parquet sink: write after ${this.state}`);
    for (const r of rows) this.pending.push(r);
    while (this.pending.length >= this.groupRows) await this.flushGroup(this.pending.splice(0, this.groupRows));
  }

  async close(): Promise<void> {
    if (this.state !== 'open') throw new Error(`parquet sink: close after ${this.state}`);
    this.state = 'closed';
    if (this.pending.length > 0 || this.pq === null) await this.flushGroup(this.pending.splice(0));
    const pq = this.pq;
    if (pq === null || this.layout === null) throw new Error('parquet sink: no writer');
    pq.kvMetadata = layoutMetadata(this.layout, this.opts.metadata, this.geo);
    await pq.finish();
    await this.writer?.flush(); // the footer (ByteWriter.finish does not flush)
    await this.out.close();
  }

  async abort(): Promise<void> {
    this.state = 'aborted';
    this.pending = [];
    await this.out.abort();
  }

  /**
   * Writes one row group given as its columns, as `layoutColumnData` makes them (`id`, `fid`, then the
   * columns, then `error`; no geometry, frac or `zf_key`): Collect's merge by columns (collect-columns.ts).
   * The fid column's type must be given (the `fid` option), and rows given by `write` before are written first.
   */
  async writeColumns(columnData: ColumnSource[]): Promise<void> {
    if (this.state !== 'open') throw new Error(`parquet sink: write after ${this.state}`);
    if (this.opts.fid === undefined || this.opts.keyColumn === true || this.opts.geometry || this.opts.columns.some((c) => c.kind === 'frac')) {
      throw new Error('parquet sink: columns are written only with a given fid type and without zf_key, geometry or frac columns');
    }
    if (this.pending.length > 0) await this.flushGroup(this.pending.splice(0));
    const pq = this.open([]);
    const rows = columnData[0]?.data.length ?? 0;
    if (rows > 0) await pq.write({ columnData, rowGroupSize: rows });
  }

  private open(rows: readonly ResultRow[]): ParquetWriter {
    if (this.layout === null || this.pq === null) {
      const o = this.opts;
      this.layout = {
        ...planColumns(o.columns, (name) => (o.keepFrac ? undefined : o.fracValues?.get(name))),
        fid: o.fid === 'int64' ? 'INT64' : o.fid === 'string' ? 'STRING' : rows.every(fidFitsInt64) ? 'INT64' : 'STRING',
        idKind: o.idKind ?? 'text',
        keyColumn: o.keyColumn === true,
        geometry: o.geometry ? geoCrs(o.geometry.crs) : null,
      };
      this.writer = new TargetWriter(this.out);
      this.pq = new ParquetWriter({ writer: this.writer, schema: layoutSchema(this.layout), createdBy: 'zonalflow' });
    }
    return this.pq;
  }

  private async flushGroup(rows: ResultRow[]): Promise<void> {
    const pq = this.open(rows);
    if (rows.length > 0 && this.layout !== null) await pq.write({ columnData: layoutColumnData(this.layout, rows, this.geo), rowGroupSize: rows.length });
  }
}

class SpooledParquetSink implements RowSink {
  private readonly fracIndex: { name: string; index: number; values: Set<number> }[];
  private allInt64 = true;
  private dir: string | null = null;
  private spool: RowSink | null = null;
  private final: RowSink | null = null;

  constructor(private readonly out: ByteTarget, private readonly opts: ParquetSinkOptions) {
    this.fracIndex = opts.columns.flatMap((c, index) => (c.kind === 'frac' && opts.fracValues?.get(c.name) === undefined ? [{ name: c.name, index, values: new Set<number>() }] : []));
  }

  private spoolPath(): string {
    if (this.dir === null) throw new Error('parquet sink: no spool folder');
    return join(this.dir, 'spool.parquet');
  }

  async write(rows: readonly ResultRow[]): Promise<void> {
    if (this.spool === null) {
      this.dir = await mkdtemp(join(this.opts.spoolDir ?? tmpdir(), 'zonalflow-spool-'));
      this.spool = new DirectParquetSink(FileOutput.deferred(this.spoolPath(), `frac spool ${this.spoolPath()}`), { ...this.opts, metadata: undefined, keepFrac: true, fid: 'string', keyColumn: true });
    }
    for (const r of rows) {
      if (this.allInt64 && !fidFitsInt64(r)) this.allInt64 = false;
      for (const f of this.fracIndex) {
        const v = r.values[f.index];
        if (v !== undefined && v !== null && isFrac(v)) for (const x of v.values) f.values.add(x);
      }
    }
    await this.spool.write(rows);
  }

  async close(): Promise<void> {
    const fracValues = new Map(this.opts.fracValues ?? []);
    for (const f of this.fracIndex) fracValues.set(f.name, [...f.values].sort((a, b) => a - b));
    const final = new DirectParquetSink(this.out, { ...this.opts, fracValues, fid: this.opts.fid ?? (this.allInt64 ? 'int64' : 'string') });
    this.final = final;
    try {
      if (this.spool !== null) {
        await this.spool.close();
        const file = await asyncBufferFromFile(this.spoolPath());
        const metadata = await parquetMetadataAsync(file);
        const { columns, geometry } = resultColumns(metadata);
        let start = 0;
        for (const g of metadata.row_groups) {
          const end = start + Number(g.num_rows);
          const objs = await parquetReadObjects({ file, metadata, rowStart: start, rowEnd: end });
          await final.write(objs.map((o) => resultRow(columns, geometry, o)));
          start = end;
        }
      }
      await final.close();
    } finally {
      await this.removeSpool();
    }
  }

  async abort(): Promise<void> {
    await this.spool?.abort();
    await (this.final ?? { abort: () => this.out.abort() }).abort();
    await this.removeSpool();
  }

  private async removeSpool(): Promise<void> {
    if (this.dir !== null) await rm(this.dir, { recursive: true, force: true });
  }
}
