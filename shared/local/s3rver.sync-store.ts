/**
 * s3rver's file store (3.7.1, lib/stores/filesystem.js) with synchronous file calls for what one
 * request touches. s3rver answers each GET with some ten asynchronous calls (stat of the bucket and
 * of the object, its metadata and MD5 files read whole, a read stream opened, read in 64 KiB pieces
 * and closed), each a round trip through libuv's thread pool: ~65-100 us of CPU for a small file
 * where the synchronous call takes ~10 us. `zonalflow local` serves ~1,000 GETs and ~250 PUTs on the
 * 100k case from the main thread, which also runs the gates; the calls here are that thread's largest
 * cost after the CPU profile's GC. The files, their layout and every answer stay s3rver's own: the
 * store's methods keep their contracts (ENOENT as null or thrown where s3rver does), and the methods
 * not replaced (lists, copies, deletes, multipart) are s3rver's.
 * - getBucket, getMetadata, existsObject, getSubresource: the same reads, synchronous; an object
 *   without its .md5 file is left to s3rver (which computes and writes it);
 * - getObject: the object's range read synchronously when the stream is read (a HEAD, which destroys
 *   the stream unread, reads nothing), up to 4 MiB per read;
 * - putObject: a body up to 8 MiB is gathered and written with one call; a larger one goes on streaming
 *   to its file as s3rver does, with the same MD5; writes stay asynchronous (a file's creation can wait on
 *   the disk; this thread serves every request meanwhile).
 * `putFileObject` stores a local file as an object without HTTP (the runner's uploads), as a hard link to the file
 * where it can (no copy of its bytes); every write to an object's file therefore replaces the file (a new inode)
 * instead of writing into it (putObject, copyObject), so that a linked file is never written through.
 */
import { closeSync, copyFileSync, linkSync, mkdirSync, openSync, readFileSync, readSync, realpathSync, rmSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { writeFile } from 'node:fs/promises';
import { fileMd5 } from './md5-cache';

const require = createRequire(import.meta.url);

/** Bodies up to this size are written with one call. */
const SMALL_BODY_BYTES = 8 * 2 ** 20;
/** The most one read of an object's range takes. */
const READ_BYTES = 4 * 2 ** 20;

type Metadata = Record<string, string | number>;
interface S3ObjectLike { bucket: string; key: string; content: Readable | Buffer | null; metadata: Metadata; range?: { start: number; end: number } }
interface FilesystemStoreLike {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  getBucketPath(bucket: string): string;
  getMetadata(bucket: string, key: string): Promise<Metadata>;
  putMetadata(bucket: string, key: string, metadata: Metadata, md5?: string): Promise<void>;
  getBucket(bucket: string): Promise<unknown>;
  existsObject(bucket: string, key: string): Promise<boolean>;
  getObject(bucket: string, key: string, options?: { start?: number; end?: number }): Promise<S3ObjectLike | null>;
  putObject(object: S3ObjectLike): Promise<{ size: number; md5: string }>;
  copyObject(srcBucket: string, srcKey: string, destBucket: string, destKey: string, replacementMetadata?: Metadata): Promise<unknown>;
  getSubresource(bucket: string, key: string | undefined, resourceType: string): Promise<unknown>;
}
type S3ObjectCtor = new (bucket: string, key: string, content: Readable | null, metadata: Metadata) => S3ObjectLike;
type S3BucketCtor = new (name: string, creationDate: Date) => unknown;
type ConfigModelOf = (type: string) => new (xml: string) => unknown;

function code(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/** What `read` returns, or null when the file it reads does not exist (ENOENT; any other error is thrown). */
function unlessMissing<T>(read: () => T): T | null {
  try {
    return read();
  } catch (err) {
    if (code(err) === 'ENOENT') return null;
    throw err;
  }
}

/** `path`'s stat, or null when it does not exist. */
function statOrNull(path: string): Stats | null {
  return unlessMissing(() => statSync(path));
}

/** `path`'s bytes, or null when it does not exist. */
function readOrNull(path: string): Buffer | null {
  return unlessMissing(() => readFileSync(path));
}

/** Bytes `start`..`end` (inclusive) of an open file, read as the stream is read; the descriptor closed at the end or on destroy. */
class RangeReadable extends Readable {
  private fd: number | null;
  private pos: number;
  constructor(fd: number, start: number, private readonly end: number) {
    super();
    this.fd = fd;
    this.pos = start;
  }
  override _read(): void {
    try {
      if (this.fd === null || this.pos > this.end) {
        this.close();
        this.push(null);
        return;
      }
      const want = Math.min(READ_BYTES, this.end + 1 - this.pos);
      const buf = Buffer.allocUnsafe(want);
      let got = 0;
      while (got < want) {
        const n = readSync(this.fd, buf, got, want - got, this.pos + got);
        if (n === 0) break;
        got += n;
      }
      this.pos += got;
      if (got < want) this.pos = this.end + 1; // the file is shorter: what there is, then the end
      if (got > 0) this.push(got === want ? buf : buf.subarray(0, got));
      if (this.pos > this.end) {
        this.close();
        this.push(null);
      }
    } catch (err) {
      this.destroy(err as Error);
    }
  }
  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    this.close();
    cb(err);
  }
  private close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    closeSync(fd);
  }
}

/** Replaces the per-request methods of an s3rver instance's file store (before `run()`). */
export function installSyncStore(s3rver: { store: unknown }): void {
  const store = s3rver.store as FilesystemStoreLike;
  const S3Object = require('s3rver/lib/models/object') as S3ObjectCtor;
  const S3Bucket = require('s3rver/lib/models/bucket') as S3BucketCtor;
  const { getConfigModel } = require('s3rver/lib/models/config') as { getConfigModel: ConfigModelOf };
  const pick = (metadata: Metadata): Metadata => {
    const allowed = (S3Object as unknown as { ALLOWED_METADATA: string[] }).ALLOWED_METADATA;
    // lodash's pick(metadata, ALLOWED_METADATA) then pickBy(x-amz-meta-*), as s3rver writes metadata.json
    const out: Metadata = {};
    for (const k of allowed) if (k in metadata) out[k] = metadata[k] as string | number;
    for (const [k, v] of Object.entries(metadata)) if (k.startsWith('x-amz-meta-')) out[k] = v;
    return out;
  };
  const asyncGetMetadata = store.getMetadata.bind(store);
  const asyncGetObject = store.getObject.bind(store);

  store.getBucket = (bucket) => {
    const stat = statOrNull(store.getBucketPath(bucket));
    return Promise.resolve(stat?.isDirectory() ? new S3Bucket(bucket, stat.birthtime) : null);
  };

  const metadataSync = (bucket: string, key: string): Metadata | null => {
    const objectPath = store.getResourcePath(bucket, key, 'object');
    const stat = statSync(objectPath); // throws ENOENT for a missing object, as s3rver's does
    const md5 = readOrNull(`${objectPath}.md5`);
    if (md5 === null) return null; // s3rver computes the MD5 and writes its file
    const stored = readOrNull(store.getResourcePath(bucket, key, 'metadata.json'));
    return { ...(stored === null ? {} : (JSON.parse(stored.toString('utf8')) as Metadata)), etag: JSON.stringify(md5.toString()), 'last-modified': stat.mtime.toUTCString(), 'content-length': stat.size };
  };

  store.getMetadata = async (bucket, key) => metadataSync(bucket, key) ?? asyncGetMetadata(bucket, key);

  store.existsObject = (bucket, key) => Promise.resolve(statOrNull(store.getResourcePath(bucket, key, 'object')) !== null);

  store.getObject = async (bucket, key, options) => {
    let metadata: Metadata | null;
    try {
      metadata = metadataSync(bucket, key);
    } catch (err) {
      if (code(err) === 'ENOENT') return null;
      throw err;
    }
    if (metadata === null) return asyncGetObject(bucket, key, options);
    const lastByte = Math.max(0, Number(metadata['content-length']) - 1);
    // s3rver's reading of the options, its quirks included (an end of 0 is no end: s3rver.ranges.ts serves bytes=0-0)
    const range = { start: options?.start || 0, end: Math.min(options?.end || Infinity, lastByte) };
    const ranged = options !== undefined && (options.start !== undefined || Boolean(options.end));
    if (range.start < 0 || Math.min(range.end, lastByte) < range.start) {
      // not satisfiable: no content
      const object = new S3Object(bucket, key, null, metadata);
      if (ranged) object.range = range;
      return object;
    }
    const fd = unlessMissing(() => openSync(store.getResourcePath(bucket, key, 'object'), 'r'));
    if (fd === null) return null;
    const object = new S3Object(bucket, key, new RangeReadable(fd, range.start, range.end), metadata);
    if (ranged) object.range = range;
    return object;
  };

  // writes stay asynchronous: creating a file can wait on the disk's journal, and this thread serves every request
  store.putMetadata = async (bucket, key, metadata, md5) => {
    await Promise.all([
      md5 ? writeFile(store.getResourcePath(bucket, key, 'object.md5'), md5) : null,
      writeFile(store.getResourcePath(bucket, key, 'metadata.json'), JSON.stringify(pick(metadata), null, 2)),
    ]);
  };

  store.putObject = async (object) => {
    const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
    mkdirSync(dirname(objectPath), { recursive: true });
    // a new file, never the old one's bytes overwritten: the old one may be a user's file linked in (putFileObject)
    rmSync(objectPath, { force: true });
    const hash = createHash('md5');
    let size = 0;
    if (Buffer.isBuffer(object.content)) {
      await writeFile(objectPath, object.content);
      hash.update(object.content);
      size = object.content.length;
    } else if (object.content) {
      // the body in memory while it is small; past SMALL_BODY_BYTES, streamed to the file
      const chunks: Buffer[] = [];
      let out: ReturnType<typeof createWriteStream> | null = null;
      for await (const c of object.content as AsyncIterable<Buffer | string>) {
        const chunk = typeof c === 'string' ? Buffer.from(c) : c;
        hash.update(chunk);
        size += chunk.length;
        if (out) {
          if (!out.write(chunk)) await new Promise<void>((resolve) => out?.once('drain', resolve));
        } else {
          chunks.push(chunk);
          if (size > SMALL_BODY_BYTES) {
            out = createWriteStream(objectPath);
            for (const b of chunks.splice(0)) out.write(b);
          }
        }
      }
      if (out) {
        out.end();
        await finished(out);
      } else await writeFile(objectPath, Buffer.concat(chunks, size));
    } else await writeFile(objectPath, Buffer.alloc(0));
    const md5 = hash.digest('hex');
    await store.putMetadata(object.bucket, object.key, object.metadata, md5);
    return { size, md5 };
  };

  // s3rver copies onto the destination's file (fs-extra's copy): unlinked first, as putObject does
  const asyncCopyObject = store.copyObject.bind(store);
  store.copyObject = (srcBucket, srcKey, destBucket, destKey, replacementMetadata) => {
    const src = store.getResourcePath(srcBucket, srcKey, 'object');
    const dest = store.getResourcePath(destBucket, destKey, 'object');
    if (src !== dest) rmSync(dest, { force: true });
    return asyncCopyObject(srcBucket, srcKey, destBucket, destKey, replacementMetadata);
  };

  store.getSubresource = (bucket, key, resourceType) => {
    try {
      const path = store.getResourcePath(bucket, key, `${resourceType}.xml`);
      const Model = getConfigModel(resourceType);
      const data = readOrNull(path);
      return Promise.resolve(data === null ? null : new Model(data.toString()));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  };
}

/**
 * Stores the local file `path` as the object `key` of `bucket` as a PUT of its bytes would (the same files,
 * MD5 ETag and default content type), without the HTTP round trip: the runner's upload of a raster (187 MB
 * on the 100k case) no longer passes through a Buffer, the SDK's SigV4 payload hash and checksum, a socket
 * and s3rver's stream. Errors of reading `path` are fs's (ENOENT, EACCES, EISDIR), as readFileSync's. The MD5
 * of a large file is remembered across runs (md5-cache.ts). The object's file is a hard link to `path` where
 * the file system allows one (same device, a file the user may link), else a copy: the 187 MB copy took
 * 0.15-0.35 s and its removal at the end 0.07-0.2 s, both before the run could go on. The stand-in only reads
 * it (writes replace an object's file, installSyncStore), and `zonalflow stats` reads the same file in place.
 */
export async function putFileObject(s3rver: { store: unknown }, bucket: string, key: string, path: string, metadata: Record<string, string> = {}): Promise<void> {
  const store = s3rver.store as FilesystemStoreLike;
  if (!(await store.getBucket(bucket))) throw Object.assign(new Error(`The specified bucket does not exist: ${bucket}`), { name: 'NoSuchBucket' });
  const md5 = fileMd5(path);
  const objectPath = store.getResourcePath(bucket, key, 'object');
  mkdirSync(dirname(objectPath), { recursive: true });
  rmSync(objectPath, { force: true });
  if (!statSync(path).isFile()) copyFileSync(path, objectPath); // fs's own error (EISDIR)
  else {
    try {
      linkSync(realpathSync(path), objectPath); // link(2) does not follow a symbolic link: its target's
    } catch {
      copyFileSync(path, objectPath); // another device (EXDEV), a file not the user's to link (EPERM), ...
    }
  }
  const S3Object = require('s3rver/lib/models/object') as S3ObjectCtor;
  // user-defined metadata as a PutObject's x-amz-meta-* headers give it (keys as the SDK's Metadata map: no prefix)
  const headers = Object.fromEntries(Object.entries(metadata).map(([k, v]) => [`x-amz-meta-${k.toLowerCase()}`, v]));
  await store.putMetadata(bucket, key, new S3Object(bucket, key, null, headers).metadata, md5);
}

/**
 * Copies the object `key` of `bucket` to the local file `dest` as a GET of it would give its bytes, without the HTTP
 * round trip (the runner's download of a job's outputs); false when there is no such object.
 */
export function copyObjectToFile(s3rver: { store: unknown }, bucket: string, key: string, dest: string): boolean {
  const store = s3rver.store as FilesystemStoreLike;
  try {
    copyFileSync(store.getResourcePath(bucket, key, 'object'), dest);
    return true;
  } catch (err) {
    if (code(err) === 'ENOENT') return false;
    throw err;
  }
}
