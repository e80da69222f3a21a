/**
 * The JSON output of a time series: one Sentinel Hub Statistical API-style
 * document per feature (shDocument), in input order, written chunk by chunk as
 * an array printed with one space of indent (what `JSON.stringify(docs, null, 1)`
 * gives for the whole array, byte for byte).
 */
import type { ResultRow } from './table';
import type { SlotStats } from '../engine/timeseries';
import { shDocument } from '../timeseries/sentinelhub';
import { FileOutput } from './file-output';
import type { ByteTarget } from './byte-target';

/** Streams Sentinel Hub-style documents into a JSON array. */
export class SentinelHubJsonSink {
  private count = 0;
  private constructor(private readonly out: ByteTarget) {}

  /** Creates the output (nothing is written before the first document or close). */
  static async open(target: string | ByteTarget): Promise<SentinelHubJsonSink> {
    return new SentinelHubJsonSink(typeof target === 'string' ? await FileOutput.create(target) : target);
  }

  /**
   * One chunk: `rows` (several per feature, one per interval) and each feature's intervals by fid.
   * A feature's document is made from its first row (id, error) and `byFeature.get(fid)`.
   */
  async write(rows: readonly ResultRow[], byFeature: ReadonlyMap<number, readonly SlotStats[]>): Promise<void> {
    const seen = new Set<number>();
    let text = '';
    for (const r of rows) {
      if (seen.has(r.fid)) continue;
      seen.add(r.fid);
      const doc = JSON.stringify(shDocument(r.id, r.fid, byFeature.get(r.fid) ?? [], r.error), null, 1).replace(/\n/g, '\n ');
      text += `${this.count === 0 ? '[\n' : ',\n'} ${doc}`;
      this.count++;
    }
    if (text.length > 0) await this.out.write(Buffer.from(text, 'utf8'));
  }

  async close(): Promise<void> {
    await this.out.write(Buffer.from(this.count === 0 ? '[]\n' : '\n]\n', 'utf8'));
    await this.out.close();
  }

  abort(): Promise<void> {
    return this.out.abort();
  }
}
