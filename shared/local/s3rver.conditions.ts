/**
 * `If-Match` on GetObject and HeadObject for s3rver 3.7.1, which honours `If-None-Match` and
 * `If-Modified-Since` but ignores `If-Match`: S3 answers a read whose `If-Match` names another ETag
 * (or is not `*`) with 412 PreconditionFailed, a ranged read included, and sends no bytes
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, "If-Match: Return the object
 * only if its entity tag (ETag) is the same as the one specified in this header; otherwise, return a
 * 412 Precondition Failed error"). The Worker reads a warm sandbox's cached raster headers that way
 * (raster-headers.ts): a stand-in that served the new bytes would let it mix two versions. This
 * middleware (inserted before s3rver's router) answers the 412 as S3 does; a missing object is left
 * to s3rver (NoSuchKey), as S3 answers 404 then.
 */
import { createRequire } from 'node:module';
import type { KoaAppLike } from './s3rver.pagination';

const require = createRequire(import.meta.url);

interface StoreLike { getMetadata(bucket: string, key: string): Promise<Record<string, string>> }
interface Ctx { method: string; path: string; query: Record<string, unknown>; headers: Record<string, string | string[] | undefined>; store: StoreLike }
/** Query keys naming a subresource of the object (its ACL, tags...), not its bytes: left to s3rver. */
const SUBRESOURCES = new Set(['acl', 'tagging', 'torrent', 'uploadId', 'uploads', 'legal-hold', 'retention', 'attributes']);
type S3ErrorCtor = new (code: string, message: string, detail?: Record<string, string>) => Error;

/** An entity tag without its quotes (and a weak tag's W/), as compared. */
function bare(tag: string): string {
  return tag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

/** Whether an `If-Match` value (a list of entity tags, or `*`) matches the object's ETag. */
export function ifMatchHolds(header: string, etag: string): boolean {
  const want = bare(etag);
  return header.split(',').some((t) => t.trim() === '*' || bare(t) === want);
}

/** Inserts the If-Match check into an s3rver instance (before `run()`). */
export function installIfMatch(app: KoaAppLike): void {
  const S3Error = require('s3rver/lib/models/error') as S3ErrorCtor;
  const middleware = async (ctx: Ctx, next: () => Promise<unknown>): Promise<unknown> => {
    const ifMatch = ctx.headers['if-match'];
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || typeof ifMatch !== 'string') return next();
    const segments = ctx.path.split('/');
    // "/bucket/key..." -> ["", bucket, key parts...]; a subresource (?tagging, ?acl) is not the object's bytes
    if (segments.length < 3 || segments[2] === '' || Object.keys(ctx.query).some((q) => SUBRESOURCES.has(q))) return next();
    const bucket = decodeURIComponent(segments[1] ?? '');
    const key = decodeURIComponent(segments.slice(2).join('/'));
    const meta = await ctx.store.getMetadata(bucket, key).catch(() => null);
    const etag = meta?.etag;
    if (typeof etag !== 'string') return next(); // missing object: s3rver answers NoSuchKey
    if (ifMatchHolds(ifMatch, etag)) return next();
    throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-Match' });
  };
  app.middleware.splice(Math.max(0, app.middleware.length - 1), 0, middleware as unknown as KoaAppLike['middleware'][number]);
}

/**
 * S3's limit on user-defined metadata, which s3rver 3.7.1 does not hold: "Within the PUT request header, the
 * user-defined metadata is limited to 2 KB in size. The size of user-defined metadata is measured by taking the sum
 * of the number of bytes in the UTF-8 encoding of each key and value"
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html#UserMetadata). S3 answers more with
 * 400 MetadataTooLarge.
 */
export const MAX_USER_METADATA_BYTES = 2048;

/** The size S3 limits: the bytes of each `x-amz-meta-*` header's key (without the prefix) and value, as received. */
export function userMetadataBytes(headers: Record<string, string | string[] | undefined>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (!name.toLowerCase().startsWith('x-amz-meta-') || value === undefined) continue;
    // Node reads header bytes as latin1: one character a byte received
    for (const v of Array.isArray(value) ? value : [value]) bytes += Buffer.byteLength(name.slice('x-amz-meta-'.length), 'latin1') + Buffer.byteLength(v, 'latin1');
  }
  return bytes;
}

/** Inserts the 2 KB metadata check into an s3rver instance (before `run()`): PutObject, CopyObject and CreateMultipartUpload. */
export function installMetadataLimit(app: KoaAppLike): void {
  const S3Error = require('s3rver/lib/models/error') as S3ErrorCtor;
  const middleware = async (ctx: Ctx, next: () => Promise<unknown>): Promise<unknown> => {
    const creates = ctx.method === 'PUT' ? !('partNumber' in ctx.query) : ctx.method === 'POST' && 'uploads' in ctx.query;
    if (!creates) return next();
    const size = userMetadataBytes(ctx.headers);
    if (size <= MAX_USER_METADATA_BYTES) return next();
    throw new S3Error('MetadataTooLarge', 'Your metadata headers exceed the maximum allowed metadata size.', { Size: String(size), MaxSizeAllowed: String(MAX_USER_METADATA_BYTES) });
  };
  app.middleware.splice(Math.max(0, app.middleware.length - 1), 0, middleware as unknown as KoaAppLike['middleware'][number]);
}
