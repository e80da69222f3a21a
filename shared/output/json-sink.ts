/**
 * The JSON sink: an array of one object per feature written as rows come,
 * byte for byte what `toJson` (json.ts) renders for the whole table. `frac`
 * columns need their values up front (SinkOptions.fracValues; openSink spools
 * otherwise).
 */
import type { RowSink, SinkOptions } from './sink';
import type { ResultRow, TableOptions } from './table';
import { featureDocument } from './json';
import { fracExpander } from './frac-columns';
import type { FracExpander } from './frac-columns';
import { FileOutput } from './file-output';
import type { ByteTarget } from './byte-target';

/** Streams rows into a JSON array at `path` (renamed into place on close). */
export class JsonSink implements RowSink {
  private first = true;
  private constructor(private readonly out: ByteTarget, private readonly expand: FracExpander, private readonly table: TableOptions = {}) {}

  /** Creates the file and writes the opening bracket. */
  static async open(target: string | ByteTarget, opts: SinkOptions): Promise<JsonSink> {
    const out = typeof target === 'string' ? await FileOutput.create(target) : target;
    try {
      await out.write(Buffer.from('[\n', 'utf8'));
    } catch (err) {
      await out.abort();
      throw err;
    }
    return new JsonSink(out, fracExpander(opts.columns, opts.fracValues), { idKind: opts.idKind });
  }

  async write(rows: readonly ResultRow[]): Promise<void> {
    if (rows.length === 0) return;
    let text = '';
    for (const r of rows) {
      text += `${this.first ? '' : ',\n'}${JSON.stringify(featureDocument(this.expand.columns, this.expand.row(r), this.table))}`;
      this.first = false;
    }
    await this.out.write(Buffer.from(text, 'utf8'));
  }

  async close(): Promise<void> {
    await this.out.write(Buffer.from('\n]\n', 'utf8'));
    await this.out.close();
  }

  abort(): Promise<void> {
    return this.out.abort();
  }
}
