/**
 * A byte source wrapper that records every fetch (offset, length asked, bytes
 * returned) and the totals: tests assert request counts and bytes with it.
 */
import type { ByteSource } from './source';

/** One recorded fetch. */
export interface RecordedRequest { offset: number; length: number; bytes: number }

/** Records every fetch of the wrapped source. */
export class RecordingSource implements ByteSource {
  /** Every fetch, in completion order. */
  readonly fetches: RecordedRequest[] = [];
  /** Bytes returned in total. */
  totalBytes = 0;
  constructor(private readonly inner: ByteSource) {}

  /** The wrapped source's URI. */
  get uri(): string {
    return this.inner.uri;
  }

  /** Number of fetches so far. */
  get requests(): number {
    return this.fetches.length;
  }

  /** Forgets what was recorded (e.g. after opening, to count only tile reads). */
  reset(): void {
    this.fetches.length = 0;
    this.totalBytes = 0;
  }

  size(signal?: AbortSignal): Promise<number | undefined> {
    return this.inner.size(signal);
  }

  async fetch(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    const out = await this.inner.fetch(offset, length, signal);
    this.fetches.push({ offset, length, bytes: out.length });
    this.totalBytes += out.length;
    return out;
  }
}
