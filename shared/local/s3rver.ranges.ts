/**
 * Byte-range fixes for s3rver 3.7.1, whose GetObject parses `Range` as
 * "start-end" with falsy checks:
 *  - a suffix range `bytes=-N` is read as `bytes=0-N` (N+1 bytes from the start
 *    instead of the last N);
 *  - `bytes=0-0` (one byte) is read as "no end" and returns the whole object.
 * This middleware (inserted before s3rver's router) rewrites a suffix range
 * into the explicit range real S3 would serve (`bytes=-0` becomes unsatisfiable,
 * 416, as on S3), and serves `bytes=0-0` as one byte, so the stand-in answers
 * ranged reads as S3 does.
 */
import { Readable } from 'node:stream';
import type { KoaAppLike } from './s3rver.pagination';

interface S3ObjectLike { content: Readable | null; range?: { start: number; end: number }; size: number }
interface StoreLike {
  getMetadata(bucket: string, key: string): Promise<Record<string, string>>;
  getObject(bucket: string, key: string, options?: { start?: number; end?: number }): Promise<S3ObjectLike | null>;
}
interface Ctx { method: string; path: string; headers: Record<string, string | string[] | undefined>; store: StoreLike }

async function firstByte(stream: Readable): Promise<Buffer> {
  for await (const chunk of stream as AsyncIterable<Buffer>) return chunk.subarray(0, 1);
  return Buffer.alloc(0);
}

/** Inserts the range fixes into an s3rver instance (before `run()`). */
export function installRangeFixes(app: KoaAppLike): void {
  const middleware = async (ctx: Ctx, next: () => Promise<unknown>): Promise<unknown> => {
    const range = ctx.headers.range;
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || typeof range !== 'string') return next();
    const segments = ctx.path.split('/');
    // "/bucket/key..." -> ["", bucket, key parts...]
    if (segments.length < 3) return next();
    const bucket = decodeURIComponent(segments[1] ?? '');
    const key = decodeURIComponent(segments.slice(2).join('/'));
    const suffix = /^bytes=-(\d+)$/.exec(range);
    let header = range;
    if (suffix) {
      const meta = await ctx.store.getMetadata(bucket, key).catch(() => null);
      if (meta === null) return next(); // missing object: s3rver answers NoSuchKey
      const size = Number(meta['content-length']);
      const n = Number(suffix[1]);
      header = n === 0 ? `bytes=${size}-` : `bytes=${Math.max(0, size - n)}-${size - 1}`;
      ctx.headers.range = header;
    }
    if (/^bytes=0-0$/.test(header)) {
      const store = ctx.store;
      ctx.store = Object.create(store, {
        getObject: {
          value: async (b: string, k: string, options?: { start?: number; end?: number }): Promise<S3ObjectLike | null> => {
            const object = await store.getObject(b, k, { ...options, start: 0 });
            if (!object?.content || object.size === 0) return object;
            object.content = Readable.from([await firstByte(object.content)]);
            object.range = { start: 0, end: 0 };
            return object;
          },
        },
      }) as StoreLike;
    }
    return next();
  };
  app.middleware.splice(Math.max(0, app.middleware.length - 1), 0, middleware as unknown as KoaAppLike['middleware'][number]);
}
