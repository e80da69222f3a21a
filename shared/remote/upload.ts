/**
 * Uploading a local file to S3 for `zonalflow run`: one PutObject up to
 * `multipartAboveBytes` (100 MB), above it a multipart upload
 * (@aws-sdk/lib-storage's Upload: 16 MiB parts, 4 at once, streamed from the
 * file, aborted on failure). A single PUT is limited to 5 GB and retries the
 * whole body; S3 recommends multipart above 100 MB
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html).
 */
import { createReadStream, readFileSync } from 'node:fs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

/** Above this size a file goes up in parts. */
export const MULTIPART_ABOVE_BYTES = 100 * 1024 * 1024;

/**
 * Uploads `path` (of `size` bytes) to s3://bucket/key; returns how (`put` or `multipart`). `metadata`: the object's
 * user-defined metadata (US-ASCII values, 2 KB in all: pipeline/input-name.ts), on the PutObject or the
 * CreateMultipartUpload.
 */
export async function uploadFile(s3: S3Client, bucket: string, key: string, path: string, size: number, opts: { multipartAboveBytes?: number; partSizeBytes?: number; contentType?: string; metadata?: Record<string, string> } = {}): Promise<'put' | 'multipart'> {
  const limit = opts.multipartAboveBytes ?? MULTIPART_ABOVE_BYTES;
  const extra = { ...(opts.contentType ? { ContentType: opts.contentType } : {}), ...(opts.metadata ? { Metadata: opts.metadata } : {}) };
  if (size <= limit) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: readFileSync(path), ContentLength: size, ...extra }));
    return 'put';
  }
  const upload = new Upload({
    client: s3,
    params: { Bucket: bucket, Key: key, Body: createReadStream(path), ...extra },
    partSize: opts.partSizeBytes ?? 16 * 1024 * 1024,
    queueSize: 4,
    leavePartsOnError: false,
  });
  await upload.done();
  return 'multipart';
}
