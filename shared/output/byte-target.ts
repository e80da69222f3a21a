/**
 * Where a streaming writer's bytes go: a local file (written beside the final path and renamed
 * into place on close, so nothing is visible at the path before the file is complete) or any
 * other byte destination (an S3 multipart upload) implementing the same three calls.
 */
import { open, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { OutputError } from '../errors';

/** A destination of bytes written in order. */
export interface ByteTarget {
  /** Appends a chunk (the caller may reuse the chunk's memory once the promise resolves). */
  write(chunk: Uint8Array): Promise<void>;
  /** Completes the output (rename into place, complete the upload). */
  close(): Promise<void>;
  /** Removes what was written; idempotent, safe after a failed write or close. */
  abort(): Promise<void>;
}

/** The byte target of a local file `path` (temporary `.<name>.<random>.partial` beside it until close). */
export function fileTarget(path: string): ByteTarget {
  const partial = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.partial`);
  let fh: FileHandle | null = null;
  let done = false;
  const fail = (what: string, err: unknown): OutputError => new OutputError(`${path}: cannot ${what}: ${(err as { code?: string }).code ?? (err instanceof Error ? err.message : String(err))}`, { cause: err });
  return {
    async write(chunk) {
      if (done) throw new OutputError(`${path}: write after close`);
      try {
        fh ??= await open(partial, 'w');
        await fh.write(chunk);
      } catch (err) {
        throw fail('write', err);
      }
    },
    async close() {
      if (done) throw new OutputError(`${path}: closed twice`);
      done = true;
      try {
        fh ??= await open(partial, 'w');
        await fh.close();
        fh = null;
        await rename(partial, path);
      } catch (err) {
        throw fail('finish the file', err);
      }
    },
    async abort() {
      done = true;
      const h = fh;
      fh = null;
      await h?.close().catch(() => undefined);
      await rm(partial, { force: true });
    },
  };
}
