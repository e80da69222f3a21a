/** Wraps a source and counts its requests and bytes; `log` keeps every request for tests. */
import type { ByteSource } from './source';

/** One request. */
export interface RecordedFetch { offset: number; length: number; bytes: number }

/** A counting (and optionally recording) wrapper. */
export class CountingSource implements ByteSource {
  requests = 0;
  bytes = 0;
  readonly log: RecordedFetch[] = [];
  constructor(private readonly inner: ByteSource, private readonly record = false) {}
  get uri(): string {
    return this.inner.uri;
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
