/**
 * Wraps a source and counts its requests and bytes; `log` keeps every request for tests. `requests` counts
 * every fetch; `fileReads` those of them that read a local file (ByteSource.local), the rest went to HTTP or S3.
 */
import type { ByteSource } from './source';

/** One request. */
export interface RecordedFetch { offset: number; length: number; bytes: number }

/** A counting (and optionally recording) wrapper. */
export class CountingSource implements ByteSource {
  requests = 0;
  /** Of `requests`, the reads of a local file. */
  fileReads = 0;
  bytes = 0;
  readonly log: RecordedFetch[] = [];
  constructor(private readonly inner: ByteSource, private readonly record = false) {}
  get uri(): string {
    return this.inner.uri;
  }
  get local(): boolean {
    return this.inner.local === true;
  }
  size(signal?: AbortSignal): Promise<number | undefined> {
    return this.inner.size(signal);
  }
  async close(): Promise<void> {
    await this.inner.close?.();
  }
  version(): string | undefined {
    return this.inner.version?.();
  }
  async fetch(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    const out = await this.inner.fetch(offset, length, signal);
    this.requests++;
    if (this.inner.local === true) this.fileReads++;
    this.bytes += out.length;
    if (this.record) this.log.push({ offset, length, bytes: out.length });
    return out;
  }
}

/** A `wrapSource` function: each source it wraps is counted and added to `into` (the caller sums and closes them). */
export function countInto(into: CountingSource[]): (source: ByteSource) => CountingSource {
  return (source) => {
    const c = new CountingSource(source);
    into.push(c);
    return c;
  };
}

/** What sources read: bytes, fetches (`requests`) and, of those, local file reads. */
export interface ReadCounts { bytes: number; requests: number; fileReads: number }

/** The sum of the counts of `counters` and of `more` (counts from other threads or phases). */
export function sumCounts(counters: readonly ReadCounts[], ...more: readonly (ReadCounts | null | undefined)[]): ReadCounts {
  const t: ReadCounts = { bytes: 0, requests: 0, fileReads: 0 };
  for (const c of [...counters, ...more]) {
    if (!c) continue;
    t.bytes += c.bytes;
    t.requests += c.requests;
    t.fileReads += c.fileReads;
  }
  return t;
}
