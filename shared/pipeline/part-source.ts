/**
 * Batch parts read one row group at a time, straight from S3: a part up to
 * `wholeBelowBytes` (default 16 MiB) is fetched in one GET, a larger one by
 * range requests (its footer, then each row group's column chunks), so Collect
 * holds at most one row group of rows per part in flight whatever a batch's size.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { parquetMetadataAsync } from 'hyparquet';
import type { AsyncBuffer, FileMetaData } from 'hyparquet';
import { resultRowGroups } from '../output/read-parquet';
import type { IdKind, ResultRow, StatColumn } from '../output/table';
import { SourceError } from '../errors';
import type { Readable } from 'node:stream';
import { s3Uri } from './objects';
import type { S3Location } from './events';

/**
 * The object as a hyparquet AsyncBuffer, or null when it does not exist: its bytes
 * when it holds at most `wholeBelowBytes` (one GET), else read by ranges (the first
 * GET's body is dropped unread).
 */
export async function s3AsyncBuffer(s3: S3Client, loc: S3Location, wholeBelowBytes = 16 * 1024 * 1024): Promise<AsyncBuffer | null> {
  let size: number;
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key }));
    if (out.ContentLength === undefined || out.ContentLength <= wholeBelowBytes) {
      const b = out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    }
    size = out.ContentLength;
    (out.Body as Readable | undefined)?.destroy();
  } catch (err) {
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) return null;
    throw new SourceError(`cannot read ${s3Uri(loc)}: ${e.name ?? 'error'}${e.message ? ` (${e.message})` : ''}`, { cause: err });
  }
  return {
    byteLength: size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const last = (end ?? size) - 1;
      if (last < start) return new ArrayBuffer(0);
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key, Range: `bytes=${start}-${last}` }));
        const b = out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
        return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
      } catch (err) {
        const e = err as { name?: string; message?: string };
        throw new SourceError(`cannot read bytes ${start}-${last} of ${s3Uri(loc)}: ${e.name ?? 'error'}${e.message ? ` (${e.message})` : ''}`, { cause: err });
      }
    },
  };
}

/** One row group of a part. */
export interface PartRowGroup {
  key: string;
  columns: StatColumn[];
  geometry: boolean;
  /** The geometry's CRS (PROJJSON text, `OGC:CRS84`, or null when unknown). */
  crs: string | null;
  idKind: IdKind;
  rows: ResultRow[];
}

/** A part opened: its key and its bytes (whole, or read by ranges); `metadata` once read (partMetadata). */
export interface PartFile { key: string; file: AsyncBuffer; metadata?: FileMetaData }

/** The part's Parquet metadata, read once (a larger part's footer is a range request). */
export async function partMetadata(part: PartFile): Promise<FileMetaData> {
  part.metadata ??= await parquetMetadataAsync(part.file);
  return part.metadata;
}

/**
 * The parts, in the order of `keys`, opened one after the other; the next `prefetch` parts are opened
 * (fetched, when small) while one is read. A missing part is an error naming it.
 */
export async function* partFiles(s3: S3Client, bucket: string, keys: readonly string[], opts: { prefetch?: number; wholeBelowBytes?: number } = {}): AsyncGenerator<PartFile> {
  const prefetch = Math.max(0, opts.prefetch ?? 2);
  const open = (key: string): Promise<AsyncBuffer | null> => s3AsyncBuffer(s3, { bucket, key }, opts.wholeBelowBytes);
  const queue: Promise<AsyncBuffer | null>[] = [];
  let next = 0;
  const fill = (): void => {
    while (queue.length <= prefetch && next < keys.length) {
      const p = open(keys[next++] as string);
      p.catch(() => undefined); // awaited in order below
      queue.push(p);
    }
  };
  for (const key of keys) {
    fill();
    const file = await (queue.shift() as Promise<AsyncBuffer | null>);
    if (file === null) throw new SourceError(`part s3://${bucket}/${key} is missing`, { status: 404 });
    yield { key, file };
  }
}

/** The rows of one opened part, one row group at a time. */
export async function* partFileRowGroups(part: PartFile): AsyncGenerator<PartRowGroup> {
  for await (const g of resultRowGroups(part.file, await partMetadata(part))) yield { key: part.key, ...g };
}
