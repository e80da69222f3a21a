/**
 * The CSV sink: the header, then each batch of rows as it comes, byte for byte
 * what `toCsv` (csv.ts) renders for the whole table. `frac` columns need their
 * values up front (SinkOptions.fracValues; openSink spools otherwise).
 */
import type { RowSink, SinkOptions } from './sink';
import type { ResultRow } from './table';
import { csvHeader, csvLine } from './csv';
import { fracExpander } from './frac-columns';
import type { FracExpander } from './frac-columns';
import { FileOutput } from './file-output';
import type { ByteTarget } from './byte-target';

/** Streams rows into a CSV file at `path` (renamed into place on close). */
export class CsvSink implements RowSink {
  private constructor(private readonly out: ByteTarget, private readonly expand: FracExpander) {}

  /** Creates the file and writes the header. */
  static async open(target: string | ByteTarget, opts: SinkOptions): Promise<CsvSink> {
    const expand = fracExpander(opts.columns, opts.fracValues);
    const out = typeof target === 'string' ? await FileOutput.create(target) : target;
    try {
      await out.write(Buffer.from(`${csvHeader(expand.columns)}\n`, 'utf8'));
    } catch (err) {
      await out.abort();
      throw err;
    }
    return new CsvSink(out, expand);
  }

  async write(rows: readonly ResultRow[]): Promise<void> {
    if (rows.length === 0) return;
    let text = '';
    for (const r of rows) text += `${csvLine(this.expand.row(r))}\n`;
    await this.out.write(Buffer.from(text, 'utf8'));
  }

  close(): Promise<void> {
    return this.out.close();
  }

  abort(): Promise<void> {
    return this.out.abort();
  }
}
