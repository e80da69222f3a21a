/**
 * The sink for an output path, chosen by its extension: `.csv` CsvSink,
 * `.json` JsonSink, `.parquet`/`.pq` Parquet. A table with `frac` columns whose
 * values are not given (SinkOptions.fracValues) goes through a FracSpool, so
 * the expanded columns are known before the header is written.
 */
import { extname } from 'node:path';
import type { RowSink, SinkOptions } from './sink';
import type { ResultRow } from './table';
import { CsvSink } from './csv-sink';
import { JsonSink } from './json-sink';
import { FracSpool } from './frac-spool';
import { FileOutput } from './file-output';
import { toParquet } from './parquet';
import { OutputError } from '../errors';

/** Output formats by extension. */
export type OutputFormat = 'csv' | 'json' | 'parquet';

/** The format of an output path from its extension (case-insensitive), or an OutputError listing the known ones. */
export function outputFormatOf(path: string): OutputFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.json') return 'json';
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  throw new OutputError(`${path}: unknown output format "${ext}"; use .csv, .parquet or .json`);
}

/** Opens the sink writing `path` in the format of its extension; `label` names the path in errors (e.g. `--out x.csv`). */
export async function openSink(path: string, opts: SinkOptions, where: { label?: string } = {}): Promise<RowSink> {
  const format = outputFormatOf(path);
  const file = (): Promise<FileOutput> => FileOutput.create(path, where.label);
  const open = async (o: SinkOptions): Promise<RowSink> => (format === 'csv' ? CsvSink.open(await file(), o) : format === 'json' ? JsonSink.open(await file(), o) : new ParquetTableSink(file, o));
  if (format !== 'parquet' && opts.columns.some((c) => c.kind === 'frac') && opts.fracValues === undefined) {
    return FracSpool.create(opts, (fracValues) => open({ ...opts, fracValues }));
  }
  return open(opts);
}

/**
 * Parquet through the in-memory renderer (`toParquet`): the rows are held until close. Bounded
 * only by the table; a streaming Parquet sink (row groups written as they fill) replaces it.
 */
class ParquetTableSink implements RowSink {
  private rows: ResultRow[] = [];
  constructor(private readonly file: () => Promise<FileOutput>, private readonly opts: SinkOptions) {}

  write(rows: readonly ResultRow[]): Promise<void> {
    for (const r of rows) this.rows.push(r);
    return Promise.resolve();
  }

  async close(): Promise<void> {
    const bytes = toParquet(this.opts.columns, this.rows, { idKind: this.opts.idKind, ...(this.opts.metadata ? { metadata: this.opts.metadata } : {}) });
    this.rows = [];
    const out = await this.file();
    try {
      await out.write(bytes);
      await out.close();
    } catch (err) {
      await out.abort();
      throw err;
    }
  }

  abort(): Promise<void> {
    this.rows = [];
    return Promise.resolve();
  }
}
