/**
 * A ByteTarget that streams into an S3 object as a multipart upload
 * (@aws-sdk/lib-storage's Upload over a stream): bytes are sent in parts of
 * `partSizeBytes` (default 8 MiB, S3's minimum is 5 MiB), `queueSize` (default 4)
 * at once, so at most about (queueSize + 1) x partSize bytes are held whatever the
 * object's size. An object smaller than one part goes up as one PutObject. The
 * object appears only when `close` completes the upload; `abort` (or a failure)
 * aborts it and resolves once the parts in flight have ended and the upload is
 * aborted, leaving no parts behind (S3 bills for the parts of an unfinished
 * upload: https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html).
 */
import { PassThrough } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { ByteTarget } from '../output/byte-target';
import { OutputError } from '../errors';
import type { S3Location } from './events';

/** Options of an S3 upload target. */
export interface S3TargetOptions {
  contentType?: string;
  /** Bytes per part (>= 5 MiB; default 8 MiB). */
  partSizeBytes?: number;
  /** Parts in flight at once (default 4). */
  queueSize?: number;
}

/** A ByteTarget writing s3://bucket/key as a streamed multipart upload. */
export function s3Target(s3: S3Client, loc: S3Location, opts: S3TargetOptions = {}): ByteTarget {
  const uri = `s3://${loc.bucket}/${loc.key}`;
  const body = new PassThrough({ highWaterMark: 1 << 20 });
  const upload = new Upload({
    client: s3,
    params: { Bucket: loc.bucket, Key: loc.key, Body: body, ...(opts.contentType ? { ContentType: opts.contentType } : {}) },
    partSize: Math.max(5 * 1024 * 1024, opts.partSizeBytes ?? 8 * 1024 * 1024),
    queueSize: opts.queueSize ?? 4,
    leavePartsOnError: false,
  });
  // the upload reads the stream as soon as done() is called; its failure is reported by the next write or close
  let failure: unknown = null;
  const finished = upload.done().then(
    () => undefined,
    (err: unknown) => {
      failure = err;
      body.destroy();
    },
  );
  let state: 'open' | 'closed' | 'aborted' = 'open';
  const fail = (what: string, err: unknown): OutputError => {
    const e = err as { name?: string; message?: string };
    return new OutputError(`cannot ${what} ${uri}: ${e.name ?? 'error'}${e.message ? ` (${e.message})` : ''}`, { cause: err });
  };
  return {
    async write(chunk) {
      if (state !== 'open') throw new OutputError(`${uri}: write after ${state}`);
      if (failure !== null) throw fail('write', failure);
      // a copy: the caller may reuse the chunk's memory once this resolves, and the stream keeps a reference
      if (body.write(Buffer.from(chunk))) return;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          body.off('drain', done);
          body.off('close', done);
          resolve();
        };
        body.on('drain', done);
        body.on('close', done);
      });
      if (failure !== null) throw fail('write', failure);
    },
    async close() {
      if (state !== 'open') throw new OutputError(`${uri}: close after ${state}`);
      state = 'closed';
      body.end();
      await finished;
      if (failure !== null) throw fail('write', failure);
    },
    async abort() {
      if (state === 'aborted') return;
      const wasClosed = state === 'closed' && failure === null;
      state = 'aborted';
      if (wasClosed) return; // completed: nothing in flight to remove
      // Not upload.abort(): that settles done() at once while the parts in flight go on and
      // AbortMultipartUpload is sent later, in the background (lib-storage races done() with the
      // abort signal), so a Lambda that returns after abort() may never send it and the parts stay
      // billed. Failing the body makes lib-storage's own failure path run to its end instead: it
      // waits for the parts in flight, then sends AbortMultipartUpload, then done() rejects.
      body.destroy(new OutputError(`${uri}: upload aborted`));
      await finished;
    },
  };
}
