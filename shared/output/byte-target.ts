/**
 * Where a streaming writer's bytes go, in order: a local file (FileOutput, file-output.ts: written
 * beside the final path and renamed into place on close) or any other byte destination (an S3
 * multipart upload, pipeline/s3-target.ts) implementing the same three calls.
 */

/** A destination of bytes written in order. */
export interface ByteTarget {
  /** Appends a chunk (the caller may reuse the chunk's memory once the promise resolves). */
  write(chunk: Uint8Array): Promise<void>;
  /** Completes the output (rename into place, complete the upload). */
  close(): Promise<void>;
  /** Removes what was written; idempotent, safe after a failed write or close. */
  abort(): Promise<void>;
}
