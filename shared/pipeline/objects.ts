/**
 * The few S3 object operations the pipeline needs, over an injected S3Client
 * (so the same code talks to AWS, to the local S3 stand-in, or to a mock).
 */
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { SourceError } from '../errors';
import type { S3Location } from './events';

/** `s3://bucket/key`. */
export function s3Uri(loc: S3Location): string {
  return `s3://${loc.bucket}/${loc.key}`;
}

function isMissing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

function sourceError(loc: S3Location, what: string, err: unknown): SourceError {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  return new SourceError(`cannot ${what} ${s3Uri(loc)}: ${e.name ?? 'error'}${e.message ? ` (${e.message})` : ''}`, { cause: err, ...(status === undefined ? {} : { status }) });
}

/** The object's bytes, or null when it does not exist. */
export async function getBytes(s3: S3Client, loc: S3Location): Promise<Uint8Array | null> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key }));
    if (!out.Body) return new Uint8Array(0);
    return await out.Body.transformToByteArray();
  } catch (err) {
    if (isMissing(err)) return null;
    throw sourceError(loc, 'read', err);
  }
}

/** The object parsed as JSON, or null when it does not exist. */
export async function getJson(s3: S3Client, loc: S3Location): Promise<unknown> {
  const bytes = await getBytes(s3, loc);
  if (bytes === null) return null;
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch (err) {
    throw new SourceError(`${s3Uri(loc)} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/**
 * Writes bytes (or text, as its UTF-8 bytes) to an object. Text is encoded once, here: given a string, the SDK
 * encodes it again for each of its passes (the SigV4 payload hash, the CRC32 checksum, the socket): a Worker's
 * 316 KB JSON Lines part took 6.1-11.1 ms of CPU per PUT as a string, 4.4-4.8 ms as Buffer.from(it) (client and
 * local stand-in together, warm).
 */
export async function putBytes(s3: S3Client, loc: S3Location, body: Uint8Array | string, contentType: string): Promise<void> {
  try {
    await s3.send(new PutObjectCommand({ Bucket: loc.bucket, Key: loc.key, Body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body, ContentType: contentType }));
  } catch (err) {
    throw sourceError(loc, 'write', err);
  }
}

/** Writes a value as JSON. */
export async function putJson(s3: S3Client, loc: S3Location, value: unknown): Promise<void> {
  await putBytes(s3, loc, JSON.stringify(value), 'application/json');
}

/** `If-Match` for an ETag given with or without its quotes (S3 gives it quoted, an S3 event without). */
function ifMatchHeader(etag: string): string {
  return `"${etag.replace(/^"(.*)"$/, '$1')}"`;
}

/**
 * Size, ETag and user-defined metadata (keys without `x-amz-meta-`, as the SDK gives them) of an object, or null when
 * it does not exist. `ifMatch`: sent as If-Match; S3 answers 412 when the object is another version, thrown as a
 * SourceError with status 412 (sourceError keeps the HTTP status).
 */
export async function headObject(s3: S3Client, loc: S3Location, opts: { ifMatch?: string | undefined } = {}): Promise<{ size: number; etag: string | undefined; metadata: Record<string, string> } | null> {
  try {
    const out = await s3.send(new HeadObjectCommand({ Bucket: loc.bucket, Key: loc.key, ...(opts.ifMatch === undefined ? {} : { IfMatch: ifMatchHeader(opts.ifMatch) }) }));
    return { size: out.ContentLength ?? 0, etag: out.ETag?.replace(/"/g, ''), metadata: out.Metadata ?? {} };
  } catch (err) {
    if (isMissing(err)) return null;
    throw sourceError(loc, 'inspect', err);
  }
}

/**
 * Streams an object into a local file (GeoPackages are opened from a path). Returns the byte count. `ifMatch`: the
 * ETag the object must still have (sent as If-Match): another version is refused by S3 with 412 before any byte,
 * thrown as a SourceError with status 412.
 */
export async function downloadToFile(s3: S3Client, loc: S3Location, path: string, opts: { ifMatch?: string | undefined } = {}): Promise<number> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key, ...(opts.ifMatch === undefined ? {} : { IfMatch: ifMatchHeader(opts.ifMatch) }) }));
    if (!out.Body) throw new SourceError(`${s3Uri(loc)} has no body`);
    await pipeline(out.Body as Readable, createWriteStream(path));
    return out.ContentLength ?? 0;
  } catch (err) {
    if (err instanceof SourceError) throw err;
    if (isMissing(err)) throw new SourceError(`${s3Uri(loc)} does not exist`, { cause: err, status: 404 });
    throw sourceError(loc, 'download', err);
  }
}

/** Every key under a prefix (paginated). */
export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** Copies every object under `prefix` into `dir` (keys relative to the prefix). Returns the files written. */
export async function downloadPrefix(s3: S3Client, bucket: string, prefix: string, dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const k of await listKeys(s3, bucket, prefix)) {
    const bytes = await getBytes(s3, { bucket, key: k });
    if (!bytes) continue;
    const dest = join(dir, k.slice(prefix.length));
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, bytes);
    files.push(dest);
  }
  return files;
}

/** Runs `fn` over items with at most `concurrency` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  });
  await Promise.all(workers);
  return results;
}
