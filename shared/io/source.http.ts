/**
 * A byte source over https with Range requests, sent through `safeRequest`
 * (allow-list, addresses checked after DNS, every redirect hop checked). A
 * 206 is the normal answer; a 200 (server ignoring Range) is sliced, once,
 * and remembered (up to `maxObjectBytes`); 429/5xx and network resets are
 * retried with backoff and jitter; 403/404 fail at once with the status.
 * Suffix ranges (`bytes=-N`) are never used.
 */
import { SourceError } from '../errors';
import type { ByteSource } from './source';
import { DEFAULT_RETRY, retryableStatus, withRetry } from './retry';
import type { RetryPolicy } from './retry';
import { redact } from './uri';
import type { AllowedSources } from './uri';

/** Options of the https source. */
export interface HttpSourceOptions {
  /** The allow-list every request and redirect hop passes. */
  allowed: AllowedSources;
  retry?: RetryPolicy;
  /** Per-request timeout in ms (default 30 s). */
  timeoutMs?: number;
  headers?: Record<string, string>;
  /** Largest answer accepted (a server ignoring Range sends the whole object; default 512 MiB). */
  maxObjectBytes?: number;
}

/** Reads an http(s) URL. */
export class HttpSource implements ByteSource {
  private whole: Uint8Array | null = null;
  private knownSize: number | undefined;
  readonly uri: string;
  constructor(private readonly url: string, private readonly opts: HttpSourceOptions) {
    this.uri = redact(url); // never credentials or signatures in messages
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
        // node:https, node:dns and the request code are loaded by the first read over HTTPS, not by every job
        const { safeRequest } = await import('./http-request');
        const res = await safeRequest(this.url, {
          allowed: this.opts.allowed,
          headers: { ...this.opts.headers, Range: `bytes=${offset}-${offset + length - 1}` },
          signal,
          timeoutMs: this.opts.timeoutMs ?? 30_000,
          maxBytes: this.opts.maxObjectBytes ?? 512 * 1024 * 1024,
          what: 'raster',
        });
        if (res.status === 206) {
          const cr = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/.exec(String(res.headers['content-range'] ?? ''));
          if (cr?.[3] && cr[3] !== '*') this.knownSize = Number(cr[3]);
          if (cr && Number(cr[1]) !== offset) {
            throw new SourceError(`${this.uri} answered bytes ${cr[1]}-${cr[2]} for a request of bytes ${offset}-${offset + length - 1}`, { status: 206 });
          }
          return res.body.length > length ? res.body.subarray(0, length) : res.body;
        }
        if (res.status === 200) {
          // the server ignores Range: keep the whole object and slice (once)
          this.whole = res.body;
          this.knownSize = res.body.length;
          return res.body.subarray(offset, offset + length);
        }
        if (res.status === 416) return new Uint8Array(0);
        throw new SourceError(`${this.uri} answered HTTP ${res.status}${res.status === 403 ? ' (forbidden)' : res.status === 404 ? ' (not found)' : ''}`, { status: res.status });
      },
      (err) => err instanceof SourceError && (err.status === undefined || retryableStatus(err.status)),
      this.opts.retry ?? DEFAULT_RETRY,
      signal,
    );
  }
}
