/**
 * A byte source over an S3 object: ranged GetObject, retried like the https source.
 *
 * - Buckets in any region: SDK v3 follows no region redirects by itself (its `followRegionRedirects`
 *   re-sends every request and swaps the client's region under concurrent requests), so a
 *   `301 PermanentRedirect` (or a 400 carrying `x-amz-bucket-region`) is answered here: the bucket's
 *   region is remembered and its requests go through a client for that region (one per region and
 *   base client), each object's first request paying the redirect at most once.
 * - Requester-pays buckets: `requestPayer: 'requester'` (GDAL's AWS_REQUEST_PAYER=requester).
 * - A missing key reads as not found: NoSuchKey/404, or a 403 (what S3 answers for a missing key
 *   when the caller lacks s3:ListBucket) reported as "not found or not readable".
 * The SDK is imported when the first request is sent, never by runs that read no s3:// URI.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type * as Sdk3 from '@aws-sdk/client-s3';
import { SourceError, ZonalflowError } from '../errors';
import type { ByteSource } from './source';
import { DEFAULT_RETRY, retryableStatus, withRetry } from './retry';
import type { RetryPolicy } from './retry';

/** Options of an S3 source. */
/** What to do when the AWS SDK found no credentials (names where they are looked for, never a value). */
export const NO_CREDENTIALS = '; no AWS credentials found: the AWS SDK\'s default chain looks for AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile (AWS_PROFILE; ~/.aws/credentials, ~/.aws/config, SSO) or a container/instance role; set one, e.g. `export AWS_PROFILE=<name>`';

export interface S3SourceOptions {
  retry?: RetryPolicy;
  /** `requester`: the reader pays for requests and transfer (requester-pays buckets). */
  requestPayer?: 'requester' | undefined;
  /**
   * The object as an earlier read found it (a warm Lambda sandbox's cached header, raster-headers.ts): every read is
   * sent with `If-Match` on this ETag, so S3 answers 412 PreconditionFailed instead of another version's bytes
   * ({@link ObjectChangedError}), and `version()` reports it before the first read.
   */
  ifMatch?: { etag: string; size: number } | undefined;
}

/**
 * A read sent with `If-Match` was refused (412 PreconditionFailed): the object is no longer the version the caller
 * parsed its header from. Not a feature's failure nor retried as it is: the caller reads the header again.
 */
export class ObjectChangedError extends ZonalflowError {
  constructor(readonly uri: string, etag: string, options: { cause?: unknown } = {}) {
    super('OBJECT_CHANGED', `${uri} is no longer the version read before (ETag ${etag}): S3 answered 412 PreconditionFailed to If-Match`, options);
    this.name = 'ObjectChangedError';
  }
}

/** Whether S3 refused a conditional request (412 PreconditionFailed). */
function preconditionFailed(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'PreconditionFailed' || e.$metadata?.httpStatusCode === 412;
}

type Sdk = typeof Sdk3;

/** Regions learned from redirects, by bucket (a bucket's region is the same for every client). */
const bucketRegions = new Map<string, string>();
/** Clients for other regions, made from a base client's credentials and settings. */
const regional = new WeakMap<S3Client, Map<string, S3Client>>();

function clientIn(sdk: Sdk, base: S3Client, region: string | undefined): S3Client {
  if (region === undefined) return base;
  let byRegion = regional.get(base);
  if (!byRegion) regional.set(base, (byRegion = new Map<string, S3Client>()));
  let c = byRegion.get(region);
  if (!c) {
    const cfg = base.config;
    c = new sdk.S3Client({ region, credentials: cfg.credentials, maxAttempts: cfg.maxAttempts, forcePathStyle: cfg.forcePathStyle, requestHandler: cfg.requestHandler, ...(cfg.endpoint && cfg.isCustomEndpoint ? { endpoint: cfg.endpoint } : {}) });
    byRegion.set(region, c);
  }
  return c;
}

/** Whether `code` is a Node system error's (ENOTFOUND, ECONNREFUSED, ECONNRESET, ETIMEDOUT, EAI_AGAIN...): the request never had an answer. */
function networkCode(code: unknown): boolean {
  return typeof code === 'string' && /^E[A-Z_]+$/.test(code);
}

/** The bucket's region when S3 answered with a region redirect (301 PermanentRedirect, or a 400 naming the region). */
export function redirectRegion(err: unknown): string | undefined {
  const e = err as { $metadata?: { httpStatusCode?: number }; $response?: { headers?: Record<string, string | undefined> }; Region?: string; name?: string };
  const status = e.$metadata?.httpStatusCode;
  if (status !== 301 && status !== 400 && e.name !== 'PermanentRedirect') return undefined;
  return e.$response?.headers?.['x-amz-bucket-region'] ?? e.Region;
}

/** Reads `s3://bucket/key` with an injected client. */
export class S3Source implements ByteSource {
  readonly uri: string;
  private knownSize: number | undefined;
  /** The ETag of the first read's answer: every later read must answer the same (version()). */
  private etag: string | undefined;
  private readonly retry: RetryPolicy;
  /** The ETag every read is conditional on (options.ifMatch), else undefined. */
  private readonly ifMatch: string | undefined;
  /** Whether a read sent with If-Match has been answered (the object is still that version). */
  private confirmedMatch = false;
  constructor(private readonly client: S3Client, private readonly bucket: string, private readonly key: string, opts: S3SourceOptions | RetryPolicy = {}) {
    this.uri = `s3://${bucket}/${key}`;
    const o: S3SourceOptions = 'attempts' in opts ? { retry: opts } : opts;
    this.retry = o.retry ?? DEFAULT_RETRY;
    this.requestPayer = o.requestPayer;
    if (o.ifMatch) {
      this.ifMatch = o.ifMatch.etag;
      this.etag = o.ifMatch.etag;
      this.knownSize = o.ifMatch.size;
    }
  }

  /** The ETag and size as read, or undefined before a read reported both. */
  identity(): { etag: string; size: number } | undefined {
    return this.etag === undefined || this.knownSize === undefined ? undefined : { etag: this.etag, size: this.knownSize };
  }

  /**
   * For a source opened with `ifMatch`: makes sure S3 still holds that version, with one HeadObject sent with
   * If-Match unless a read of this source has already been answered so; throws {@link ObjectChangedError} when not.
   */
  async confirm(signal?: AbortSignal): Promise<void> {
    const etag = this.ifMatch;
    if (etag === undefined || this.confirmedMatch) return;
    try {
      await withRetry(
        () => this.send((c, sdk) => c.send(new sdk.HeadObjectCommand({ Bucket: this.bucket, Key: this.key, IfMatch: etag, ...(this.requestPayer ? { RequestPayer: this.requestPayer } : {}) }), { abortSignal: signal })).catch((err: unknown) => {
          if (preconditionFailed(err)) throw new ObjectChangedError(this.uri, etag, { cause: err });
          throw this.fail(err);
        }),
        (err) => err instanceof SourceError && (err.status === undefined || retryableStatus(err.status)),
        this.retry,
        signal,
      );
    } catch (err) {
      throw err instanceof ObjectChangedError || err instanceof SourceError ? err : this.fail(err);
    }
    this.confirmedMatch = true;
  }

  private readonly requestPayer: 'requester' | undefined;

  /** Sends one command, following a region redirect once. */
  private async send<T>(run: (client: S3Client, sdk: Sdk) => Promise<T>): Promise<T> {
    const sdk = await import('@aws-sdk/client-s3');
    const known = bucketRegions.get(this.bucket);
    try {
      return await run(clientIn(sdk, this.client, known), sdk);
    } catch (err) {
      const region = redirectRegion(err);
      if (region === undefined || region === known) throw err;
      bucketRegions.set(this.bucket, region);
      return await run(clientIn(sdk, this.client, region), sdk);
    }
  }

  private fail(err: unknown): SourceError {
    if (err instanceof SourceError) return err;
    const e = err as { name?: string; message?: string; code?: unknown; $metadata?: { httpStatusCode?: number } };
    const missing = e.name === 'NoSuchKey' || e.name === 'NotFound' || e.name === 'NoSuchBucket';
    const status = e.$metadata?.httpStatusCode ?? (missing ? 404 : undefined);
    const what = status === 404 || missing
      ? `does not exist (${e.name === 'NoSuchBucket' ? 'no such bucket' : 'no such key'})`
      : status === 403
        ? `is not found or not readable (HTTP 403 ${e.name ?? ''}: S3 answers 403 for a missing key when s3:ListBucket is not granted; check the key, the bucket policy and the stack's raster buckets${this.requestPayer ? '' : ', and requesterPays for a requester-pays bucket'})`
        : status === 301
          ? 'is in a region S3 did not name (301 PermanentRedirect without x-amz-bucket-region)'
          : status === undefined && networkCode(e.code)
            // no answer from S3 at all (DNS, refused, reset, timed out): Node's own message names the host and the
            // system error, never a credential (the SDK's error name is then the bare 'Error')
            ? `failed: cannot reach S3: ${e.message ?? String(e.code)}`
            : `failed: ${e.name ?? 'error'}${status === undefined ? '' : ` (HTTP ${status})`}${e.name === 'CredentialsProviderError' ? NO_CREDENTIALS : ''}`;
    return new SourceError(`${this.uri} ${what}`, { cause: err, ...(status === undefined ? {} : { status }) });
  }

  /** ETag and size of the object as read (after the first read that reported both), else undefined. */
  version(): string | undefined {
    return this.etag === undefined || this.knownSize === undefined ? undefined : `${this.etag} ${this.knownSize}`;
  }

  async size(signal?: AbortSignal): Promise<number | undefined> {
    if (this.knownSize !== undefined) return this.knownSize;
    try {
      const out = await this.send((c, sdk) => c.send(new sdk.HeadObjectCommand({ Bucket: this.bucket, Key: this.key, ...(this.requestPayer ? { RequestPayer: this.requestPayer } : {}) }), { abortSignal: signal }));
      this.knownSize = out.ContentLength;
      return this.knownSize;
    } catch (err) {
      throw this.fail(err);
    }
  }

  async fetch(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
    if (length <= 0) return new Uint8Array(0);
    return withRetry(
      async () => {
        try {
          const out = await this.send((c, sdk) => c.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.key, Range: `bytes=${offset}-${offset + length - 1}`, ...(this.ifMatch === undefined ? {} : { IfMatch: this.ifMatch }), ...(this.requestPayer ? { RequestPayer: this.requestPayer } : {}) }), { abortSignal: signal }));
          const total = /\/(\d+)\s*$/.exec(out.ContentRange ?? '')?.[1];
          if (total) this.knownSize = Number(total);
          // the object replaced between two reads: its bytes are never mixed (nor cached under the first version)
          if (out.ETag !== undefined && this.etag !== undefined && out.ETag !== this.etag) {
            (out.Body as { destroy?: () => void } | undefined)?.destroy?.();
            throw new SourceError(`${this.uri} changed while being read (ETag ${this.etag}, then ${out.ETag})`, { status: 412 });
          }
          this.etag ??= out.ETag;
          if (this.ifMatch !== undefined) this.confirmedMatch = true;
          const bytes = out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
          // a server that ignores Range returns the whole object
          return bytes.length > length && out.ContentRange === undefined ? bytes.subarray(offset, offset + length) : bytes;
        } catch (err) {
          const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
          if (e.name === 'InvalidRange' || e.$metadata?.httpStatusCode === 416) return new Uint8Array(0);
          if (this.ifMatch !== undefined && preconditionFailed(err)) throw new ObjectChangedError(this.uri, this.ifMatch, { cause: err });
          throw this.fail(err);
        }
      },
      (err) => err instanceof SourceError && (err.status === undefined || retryableStatus(err.status)),
      this.retry,
      signal,
    );
  }
}
