/**
 * ListObjectsV2 pagination for s3rver without DES. s3rver 3.7.1 encrypts its
 * continuation tokens with `crypto.createCipheriv('des', ...)`; DES-CBC lives in
 * OpenSSL 3's legacy provider, which Node 17+ does not load, so the second page
 * of any truncated ListObjectsV2 fails (500, "error:0308010C:digital envelope
 * routines::unsupported") unless the whole process runs with
 * NODE_OPTIONS=--openssl-legacy-provider. That cannot be switched on from
 * inside a running process, so this middleware (inserted just before s3rver's
 * router) takes over V2 pagination for that one request:
 *  - an incoming `continuation-token` of ours is decoded and replaced by
 *    `start-after` (s3rver's V4 signature check is not enforced, so rewriting
 *    the query is safe);
 *  - the request's store is wrapped so s3rver never sees a truncated listing
 *    (and never calls DES), and after the controller has built the response the
 *    middleware restores `IsTruncated` and sets its own `NextContinuationToken`
 *    (`zf1.` + base64url of "<bucket>/<last key>").
 * Limitation (s3rver's own): with a delimiter, a page that ends on a common
 * prefix continues after the prefix string, as s3rver's token would.
 */

/** Prefix of the continuation tokens this middleware issues. */
export const TOKEN_PREFIX = 'zf1.';

interface ListResult { objects: { key: string }[]; commonPrefixes: string[]; isTruncated: boolean }
interface StoreLike { listObjects(bucket: string, options: Record<string, unknown>): Promise<ListResult> }
interface KoaContextLike {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  store: StoreLike;
  body: unknown;
  status: number;
  type: string;
}
type Next = () => Promise<unknown>;
/** The part of a Koa application (s3rver extends Koa) this needs. */
export interface KoaAppLike { middleware: ((ctx: KoaContextLike, next: Next) => Promise<unknown>)[] }

/** Encodes a continuation token for `bucket`, continuing after `key`. */
export function encodeToken(bucket: string, key: string): string {
  return TOKEN_PREFIX + Buffer.from(`${bucket}/${key}`, 'utf8').toString('base64url');
}

/** The key to continue after, or null when `token` is not ours or is for another bucket. */
export function decodeToken(token: string, bucket: string): string | null {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const text = Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8');
  return text.startsWith(`${bucket}/`) ? text.slice(bucket.length + 1) : null;
}

function xmlEscape(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Inserts the pagination middleware into an s3rver instance (before `run()`). */
export function installListV2Pagination(app: KoaAppLike): void {
  const middleware = async (ctx: KoaContextLike, next: Next): Promise<unknown> => {
    const segments = ctx.path.split('/').filter((s) => s.length > 0);
    if (ctx.method !== 'GET' || ctx.query['list-type'] !== '2' || segments.length !== 1) return next();
    const bucket = decodeURIComponent(segments[0] ?? '');
    const token = ctx.query['continuation-token'];
    if (typeof token === 'string' && token !== '') {
      const after = decodeToken(token, bucket);
      if (after === null) {
        ctx.status = 400;
        ctx.type = 'application/xml';
        ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidArgument</Code><Message>The continuation token provided is incorrect</Message><ArgumentName>continuation-token</ArgumentName><ArgumentValue>${xmlEscape(token)}</ArgumentValue></Error>`;
        return undefined;
      }
      const query = { ...ctx.query };
      delete query['continuation-token'];
      query['start-after'] = after;
      ctx.query = query;
    }
    let continueAfter: string | undefined;
    const store = ctx.store;
    ctx.store = Object.create(store, {
      listObjects: {
        value: async (b: string, options: Record<string, unknown>): Promise<ListResult> => {
          const r = await store.listObjects(b, options);
          if (!r.isTruncated) return r;
          continueAfter = r.objects[r.objects.length - 1]?.key ?? r.commonPrefixes[r.commonPrefixes.length - 1];
          return { ...r, isTruncated: false };
        },
      },
    }) as StoreLike;
    await next();
    const body = ctx.body as { ListBucketResult?: Record<string, unknown> } | null;
    const result = body !== null && typeof body === 'object' ? body.ListBucketResult : undefined;
    if (!result) return undefined;
    if (typeof token === 'string' && token !== '') {
      result.ContinuationToken = token;
      result.StartAfter = undefined;
    }
    if (continueAfter !== undefined) {
      result.IsTruncated = true;
      result.NextContinuationToken = encodeToken(bucket, continueAfter);
    }
    return undefined;
  };
  // s3rver's last middleware is its router: run just before it
  app.middleware.splice(Math.max(0, app.middleware.length - 1), 0, middleware);
}
