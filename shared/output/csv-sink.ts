/**
 * The CSV sink: the header, then each batch of rows as it comes, byte for byte
 * what `toCsv` (csv.ts) renders for the whole table. `frac` columns need their
 * values up front (SinkOptions.fracValues; openSink spools otherwise).
 * Cells are encoded straight into reused buffers (utf8-writer.ts), written to the
 * target as each fills: no text per line or per batch (the 100k case's tail).
 */
import type { RowSink, SinkOptions } from './sink';
import type { ResultRow } from './table';
import { csvCell, csvHeader, csvText } from './csv';
import { fidCell } from './table';
import { fracExpander } from './frac-columns';
import type { FracExpander } from './frac-columns';
import { FileOutput } from './file-output';
import type { ByteTarget } from './byte-target';
import { Utf8Writer } from './utf8-writer';

const COMMA = 0x2c;
const NEWLINE = 0x0a;

/** Streams rows into a CSV file at `path` (renamed into place on close). */
export class CsvSink implements RowSink {
  private constructor(private readonly out: ByteTarget, private readonly text: Utf8Writer, private readonly expand: FracExpander) {}

  /**
   * Creates the file and appends the header. `bufferBytes`: bytes of each write to the target but the
   * last (default utf8-writer.ts UTF8_BUFFER_BYTES, 1 MiB).
   */
  static async open(target: string | ByteTarget, opts: SinkOptions, bufferBytes?: number): Promise<CsvSink> {
    const expand = fracExpander(opts.columns, opts.fracValues);
    const out = typeof target === 'string' ? await FileOutput.create(target) : target;
    const text = new Utf8Writer(out, bufferBytes);
    text.text(csvHeader(expand.columns));
    text.ascii(NEWLINE);
    return new CsvSink(out, text, expand);
  }

  async write(rows: readonly ResultRow[]): Promise<void> {
    for (const r of rows) csvLineInto(this.text, this.expand.row(r));
    await this.text.drain();
  }

  async close(): Promise<void> {
    await this.text.flush();
    await this.out.close();
  }

  abort(): Promise<void> {
    return this.out.abort();
  }
}

/** One row as csv.ts `csvLine` writes it, and its newline, appended to `w`. */
function csvLineInto(w: Utf8Writer, row: ResultRow): void {
  w.text(csvText(row.id));
  w.ascii(COMMA);
  // a fid that is an integer is its digits (csvText leaves those as they are)
  if (row.fidText === undefined && Number.isInteger(row.fid)) w.integer(row.fid);
  else w.text(csvText(fidCell(row)));
  const values = row.values;
  for (let k = 0; k < values.length; k++) {
    w.ascii(COMMA);
    const v = values[k];
    if (typeof v !== 'number') w.text(csvCell(v));
    else if (Number.isInteger(v)) w.integer(v);
    else w.text(String(v));
  }
  w.ascii(COMMA);
  if (row.error !== null) w.text(csvText(row.error));
  w.ascii(NEWLINE);
}
