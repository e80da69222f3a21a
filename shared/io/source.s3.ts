/** A byte source over an S3 object: ranged GetObject, retried like the https source. */
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { SourceError } from '../errors';
import type { ByteSource } from './source';
import { DEFAULT_RETRY, retryableStatus, withRetry } from './retry';
import type { RetryPolicy } from './retry';

/** Reads `s3://bucket/key` with an injected client. */
export class S3Source implements ByteSource {
  readonly uri: string;
  private knownSize: number | undefined;
  constructor(private readonly client: S3Client, private readonly bucket: string, private readonly key: string, private readonly retry: RetryPolicy = DEFAULT_RETRY) {
    this.uri = `s3://${bucket}/${key}`;
  }

  private fail(err: unknown): SourceError {
    if (err instanceof SourceError) return err;
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode ?? (e.name === 'NoSuchKey' ? 404 : undefined);
    const what = status === 404 ? 'does not exist' : status === 403 ? 'is forbidden (check the bucket policy and the stack\'s raster buckets)' : `failed: ${e.name ?? 'error'}`;
    return new SourceError(`${this.uri} ${what}`, { cause: err, ...(status === undefined ? {} : { status }) });
  }

  async size(signal?: AbortSignal): Promise<number | undefined> {
    if (this.knownSize !== undefined) return this.knownSize;
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key }), { abortSignal: signal });
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
          const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key, Range: `bytes=${offset}-${offset + length - 1}` }), { abortSignal: signal });
          const total = /\/(\d+)\s*$/.exec(out.ContentRange ?? '')?.[1];
          if (total) this.knownSize = Number(total);
          const bytes = out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
          // a server that ignores Range returns the whole object
          return bytes.length > length && out.ContentRange === undefined ? bytes.subarray(offset, offset + length) : bytes;
        } catch (err) {
          const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
          if (e.name === 'InvalidRange' || e.$metadata?.httpStatusCode === 416) return new Uint8Array(0);
          throw this.fail(err);
        }
      },
      (err) => err instanceof SourceError && (err.status === undefined || retryableStatus(err.status)),
      this.retry,
      signal,
    );
  }
}
