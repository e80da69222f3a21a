/**
 * A byte source over https with Range requests. A 206 is the normal answer;
 * a 200 (server ignoring Range) is sliced, once, and remembered; 429/5xx and
 * network resets are retried with backoff and jitter; 403/404 fail at once
 * with the status. Suffix ranges (`bytes=-N`) are never used.
 */
import { SourceError } from '../errors';
import type { ByteSource } from './source';
import { DEFAULT_RETRY, retryableStatus, withRetry } from './retry';
import type { RetryPolicy } from './retry';

/** Options of the https source. */
export interface HttpSourceOptions {
  retry?: RetryPolicy;
  /** Per-request timeout in ms (default 30 s). */
  timeoutMs?: number;
  headers?: Record<string, string>;
}

/** Reads an http(s) URL. */
export class HttpSource implements ByteSource {
  private whole: Uint8Array | null = null;
  private knownSize: number | undefined;
  readonly uri: string;
  constructor(private readonly url: string, private readonly opts: HttpSourceOptions = {}) {
    const u = new URL(url);
    this.uri = `${u.protocol}//${u.host}${u.pathname}${u.search ? '?…' : ''}`; // never credentials or signatures in messages
  }

  async size(signal?: AbortSignal): Promise<number | undefined> {
    if (this.knownSize === undefined) await this.fetch(0, 1, signal);
    return this.knownSize;
  }

  async fetch(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    if (length <= 0) return new Uint8Array(0);
    if (this.whole) return this.whole.subarray(offset, offset + length);
    return withRetry(
      async () => {
        const timeout = AbortSignal.timeout(this.opts.timeoutMs ?? 30_000);
        const res = await fetch(this.url, {
          headers: { ...this.opts.headers, Range: `bytes=${offset}-${offset + length - 1}` },
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        }).catch((err: unknown) => {
          throw new SourceError(`cannot reach ${this.uri}: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}`, { cause: err });
        });
        const body = async (): Promise<Uint8Array> => {
          try {
            return new Uint8Array(await res.arrayBuffer());
          } catch (err) {
            // connection reset mid-body: retryable (no status)
            throw new SourceError(`${this.uri}: connection lost while reading bytes ${offset}-${offset + length - 1}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
          }
        };
        if (res.status === 206) {
          const cr = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/.exec(res.headers.get('content-range') ?? '');
          if (cr?.[3] && cr[3] !== '*') this.knownSize = Number(cr[3]);
          if (cr && Number(cr[1]) !== offset) {
            await res.body?.cancel();
            throw new SourceError(`${this.uri} answered bytes ${cr[1]}-${cr[2]} for a request of bytes ${offset}-${offset + length - 1}`, { status: 206 });
          }
          const bytes = await body();
          return bytes.length > length ? bytes.subarray(0, length) : bytes;
        }
        if (res.status === 200) {
          // the server ignores Range: keep the whole object and slice (once)
          const all = await body();
          this.whole = all;
          this.knownSize = all.length;
          return all.subarray(offset, offset + length);
        }
        if (res.status === 416) {
          await res.body?.cancel();
          return new Uint8Array(0);
        }
        await res.body?.cancel();
        throw new SourceError(`${this.uri} answered HTTP ${res.status}${res.status === 403 ? ' (forbidden)' : res.status === 404 ? ' (not found)' : ''}`, { status: res.status });
      },
      (err) => err instanceof SourceError && (err.status === undefined || retryableStatus(err.status)),
      this.opts.retry ?? DEFAULT_RETRY,
      signal,
    );
  }
}
