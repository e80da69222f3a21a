/** The S3 stand-in (s3rver in-process): what the pipeline relies on, and its quirks. */
import { describe, expect, it } from 'vitest';
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useStandIns } from '../../helpers/local-aws';
import { s3Target } from '../../../shared/pipeline/s3-target';

const BUCKET = 'zf-stand-in';
const aws = useStandIns({ buckets: [BUCKET] });
const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 256);

describe('S3 stand-in', () => {
  it('put, head and ranged GETs', async () => {
    const s3 = aws().s3;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dir/x.bin', Body: bytes }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'dir/x.bin' }));
    expect(head.ContentLength).toBe(1000);
    expect(head.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    for (const [a, b] of [[0, 0], [10, 14], [990, 999], [500, 2000]] as const) {
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'dir/x.bin', Range: `bytes=${a}-${b}` }));
      const end = Math.min(b, 999);
      expect(got.ContentRange).toBe(`bytes ${a}-${end}/1000`);
      expect([...((await got.Body?.transformToByteArray()) ?? [])]).toEqual([...bytes.subarray(a, end + 1)]);
    }
    const missing = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'nope' })).catch((e: unknown) => e);
    expect((missing as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(404);
  });

  it('user-defined metadata: kept and returned; more than S3\'s 2 KB (keys and values) is 400 MetadataTooLarge, a multipart upload\'s too (s3rver alone stores any amount)', async () => {
    const s3 = aws().s3;
    // 2,048 bytes: the key "k" (1) and a value of 2,047
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dir/meta-ok.bin', Body: bytes, Metadata: { k: 'v'.repeat(2047) } }));
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'dir/meta-ok.bin' }))).Metadata).toEqual({ k: 'v'.repeat(2047) });
    const over = (await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dir/meta-over.bin', Body: bytes, Metadata: { k: 'v'.repeat(2000), k2: 'v'.repeat(46) } })).catch((e: unknown) => e)) as { name?: string; $metadata?: { httpStatusCode?: number } };
    expect(over.name).toBe('MetadataTooLarge');
    expect(over.$metadata?.httpStatusCode).toBe(400);
    const { CreateMultipartUploadCommand } = await import('@aws-sdk/client-s3');
    const multipart = (await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'dir/meta-mp.bin', Metadata: { k: 'v'.repeat(2048) } })).catch((e: unknown) => e)) as { name?: string };
    expect(multipart.name).toBe('MetadataTooLarge');
    const missing = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'dir/meta-over.bin' })).catch((e: unknown) => e);
    expect((missing as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(404);
  });

  it('suffix ranges and one-byte ranges as S3 answers them (s3rver alone gets both wrong)', async () => {
    // s3rver 3.7.1 alone: bytes=-10 -> "bytes 0-10/1000" (11 bytes from the start);
    // bytes=0-0 -> the whole object. shared/local/s3rver.ranges.ts fixes both.
    const s3 = aws().s3;
    const suffix = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'dir/x.bin', Range: 'bytes=-10' }));
    expect(suffix.ContentRange).toBe('bytes 990-999/1000');
    expect([...((await suffix.Body?.transformToByteArray()) ?? [])]).toEqual([...bytes.subarray(990)]);
    const whole = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'dir/x.bin', Range: 'bytes=-5000' }));
    expect(whole.ContentRange).toBe('bytes 0-999/1000');
    const one = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'dir/x.bin', Range: 'bytes=0-0' }));
    expect(one.ContentRange).toBe('bytes 0-0/1000');
    expect([...((await one.Body?.transformToByteArray()) ?? [])]).toEqual([bytes[0]]);
    const none = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'dir/x.bin', Range: 'bytes=-0' })).catch((e: unknown) => e as { name?: string });
    expect((none as { name?: string }).name).toBe('InvalidRange');
    const beyond = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'dir/x.bin', Range: 'bytes=1000-1010' })).catch((e: unknown) => e as { name?: string });
    expect((beyond as { name?: string }).name).toBe('InvalidRange');
  });

  it('If-Match on ranged GETs and HEADs as S3 answers it: 412 PreconditionFailed for another ETag (s3rver alone ignores it)', async () => {
    const s3 = aws().s3;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dir/m.bin', Body: bytes }));
    const etag = (await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'dir/m.bin' }))).ETag ?? '';
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'dir/m.bin', Range: 'bytes=10-14', IfMatch: etag }));
    expect([...((await got.Body?.transformToByteArray()) ?? [])]).toEqual([...bytes.subarray(10, 15)]);
    expect((await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'dir/m.bin', Range: 'bytes=0-3', IfMatch: '*' }))).ContentRange).toBe('bytes 0-3/1000');
    // the object replaced: the first ETag no longer matches, for a ranged GET and a HEAD
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'dir/m.bin', Body: bytes.subarray(0, 999) }));
    const ranged = (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'dir/m.bin', Range: 'bytes=10-14', IfMatch: etag })).catch((e: unknown) => e)) as { name?: string; $metadata?: { httpStatusCode?: number } };
    expect(ranged.name).toBe('PreconditionFailed');
    expect(ranged.$metadata?.httpStatusCode).toBe(412);
    const head = (await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'dir/m.bin', IfMatch: etag })).catch((e: unknown) => e)) as { $metadata?: { httpStatusCode?: number } };
    expect(head.$metadata?.httpStatusCode).toBe(412);
    // a missing object: 404 as without the header
    const missing = (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'dir/none.bin', IfMatch: etag })).catch((e: unknown) => e)) as { name?: string };
    expect(missing.name).toBe('NoSuchKey');
  });

  it('ListObjectsV2 pages beyond 1000 keys without --openssl-legacy-provider', async () => {
    const s3 = aws().s3;
    const keys = Array.from({ length: 2345 }, (_, i) => `many/${String(i).padStart(5, '0')}.json`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((Key) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: '{}' }))));
    }
    const seen: string[] = [];
    const pageSizes: number[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'many/', ContinuationToken: token }));
      pageSizes.push(page.KeyCount ?? 0);
      seen.push(...(page.Contents ?? []).map((c) => c.Key ?? ''));
      expect(page.ContinuationToken).toBe(token);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      if (page.IsTruncated) expect(token).toBeTruthy();
    } while (token);
    expect(pageSizes).toEqual([1000, 1000, 345]);
    expect(seen).toEqual(keys);
    // small pages and a delimiter
    const small = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'many/', MaxKeys: 7 }));
    const next = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'many/', MaxKeys: 7, ContinuationToken: small.NextContinuationToken }));
    expect((next.Contents ?? []).map((c) => c.Key)).toEqual(keys.slice(7, 14));
    const top = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Delimiter: '/' }));
    expect((top.CommonPrefixes ?? []).map((p) => p.Prefix)).toEqual(['dir/', 'many/']);
  }, 120_000);

  it('a continuation token that is not the stand-in\'s is refused as S3 does', async () => {
    const err = await aws().s3.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: 'not-a-token' })).catch((e: unknown) => e as { name?: string });
    expect((err as { name?: string }).name).toBe('InvalidArgument');
  });

  it('clients from the factories reach the same servers', async () => {
    const s3 = aws().s3Client();
    const got = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'dir/x.bin' }));
    expect(got.ContentLength).toBe(1000);
    s3.destroy();
    expect(aws().env.AWS_ENDPOINT_URL_S3).toBe(aws().s3Endpoint);
    expect(aws().s3Endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(aws().dynamoEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('copyFile gives an object\'s bytes as a GET does (a PUT, a multipart upload), false for a missing object', async () => {
    const s3 = aws().s3;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'copy/small.bin', Body: bytes }));
    const big = s3Target(s3, { bucket: BUCKET, key: 'copy/parts.bin' }, { partSizeBytes: 5 * 1024 * 1024 });
    const chunk = Uint8Array.from({ length: 3 * 1024 * 1024 }, (_, i) => (i * 13) % 251);
    for (let i = 0; i < 4; i++) await big.write(chunk);
    await big.close();
    const dir = mkdtempSync(join(tmpdir(), 'zf-copy-'));
    for (const key of ['copy/small.bin', 'copy/parts.bin']) {
      const dest = join(dir, key.replace('/', '-'));
      expect(await aws().copyFile(BUCKET, key, dest)).toBe(true);
      const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      expect(Buffer.from(readFileSync(dest)).equals(Buffer.from((await got.Body?.transformToByteArray()) ?? []))).toBe(true);
    }
    expect(readFileSync(join(dir, 'copy-parts.bin')).length).toBe(12 * 1024 * 1024);
    expect(await aws().copyFile(BUCKET, 'copy/none.bin', join(dir, 'none'))).toBe(false);
  });
  it('a local file stored as an object (the runner\'s uploads, a hard link where it can) is never written through: PUT, copy and DELETE of its key leave the file as it was', async () => {
    const s3 = aws().s3;
    const dir = mkdtempSync(join(tmpdir(), 'zf-linked-'));
    const file = join(dir, 'user.tif');
    const original = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) % 256);
    writeFileSync(file, original);
    const mtime = statSync(file).mtimeMs;
    const get = async (key: string): Promise<Buffer> => Buffer.from((await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToByteArray()) ?? []);
    for (const key of ['linked/put.tif', 'linked/copy.tif', 'linked/delete.tif']) await aws().putFile(BUCKET, key, file);
    // the object is the file's bytes, with a PUT's ETag (its MD5)
    expect((await get('linked/put.tif')).equals(Buffer.from(original))).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'linked/put.tif' }));
    expect(head.ETag).toBe(`"${createHash('md5').update(original).digest('hex')}"`);
    // replaced by a PUT, by a copy of another object, deleted: the objects change, the file does not
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'linked/put.tif', Body: bytes }));
    expect((await get('linked/put.tif')).equals(Buffer.from(bytes))).toBe(true);
    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'linked/copy.tif', CopySource: `${BUCKET}/linked/put.tif` }));
    expect((await get('linked/copy.tif')).equals(Buffer.from(bytes))).toBe(true);
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'linked/delete.tif' }));
    expect(Buffer.from(readFileSync(file)).equals(Buffer.from(original))).toBe(true);
    expect(statSync(file).mtimeMs).toBe(mtime);
  });
});
