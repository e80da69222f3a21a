import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { HttpSource } from '../../../shared/io/source.http';
import { S3Source } from '../../../shared/io/source.s3';
import { MemorySource } from '../../../shared/io/source.memory';
import { CountingSource } from '../../../shared/io/source.counting';
import { fetchRanges, mergeRanges } from '../../../shared/io/range-plan';
import { allowedFromUris, checkUri, openSource } from '../../../shared/io/uri';
import { SourceError, UriNotAllowedError } from '../../../shared/errors';

const body = Uint8Array.from({ length: 5000 }, (_, i) => i % 251);
let server: Server;
let base = '';
const hits: Record<string, number> = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    hits[path] = (hits[path] ?? 0) + 1;
    if (path === '/forbidden') return res.writeHead(403).end('no');
    if (path === '/flaky' && (hits[path] ?? 0) <= 2) return res.writeHead(503).end('slow down');
    if (path === '/reset' && (hits[path] ?? 0) <= 1) return req.socket.destroy();
    if (path === '/norange') return res.writeHead(200, { 'content-length': body.length }).end(Buffer.from(body));
    const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
    if (!m) return res.writeHead(400).end();
    const a = Number(m[1]);
    const b = Math.min(Number(m[2]), body.length - 1);
    res.writeHead(206, { 'content-range': `bytes ${a}-${b}/${body.length}` }).end(Buffer.from(body.subarray(a, b + 1)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const loopback = { schemes: ['http' as const], s3Buckets: [], httpsHosts: [], allowLoopback: true };
const fast = { allowed: loopback, retry: { attempts: 5, baseMs: 1, capMs: 5 } };

describe('https source (against a local server)', () => {
  it('reads ranges with 206 and learns the size', async () => {
    const s = new HttpSource(`${base}/ok`, fast);
    expect([...(await s.fetch(10, 5))]).toEqual([10, 11, 12, 13, 14]);
    expect(await s.size()).toBe(5000);
  });
  it('retries 503 twice then succeeds; a reset connection is retried', async () => {
    expect((await new HttpSource(`${base}/flaky`, fast).fetch(0, 3)).length).toBe(3);
    expect(hits['/flaky']).toBe(3);
    expect((await new HttpSource(`${base}/reset`, fast).fetch(0, 3)).length).toBe(3);
  });
  it('403 fails at once with the status, naming the URL', async () => {
    const err = await new HttpSource(`${base}/forbidden`, fast).fetch(0, 3).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).status).toBe(403);
    expect((err as Error).message).toMatch(/forbidden/);
    expect(hits['/forbidden']).toBeGreaterThanOrEqual(1);
  });
  it('signatures and credentials never appear in messages', async () => {
    const err = await new HttpSource(`${base}/forbidden?X-Amz-Signature=s3cr3t&X-Amz-Credential=AKIA`, fast).fetch(0, 3).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/forbidden\?… answered HTTP 403/);
    expect((err as Error).message).not.toMatch(/s3cr3t|AKIA/);
    expect(() => checkUri('https://user:pw@data.example.org/x.tif?sig=abc', { schemes: ['https'], s3Buckets: [], httpsHosts: ['data.example.org'] })).toThrow(/^https:\/\/data.example.org\/x.tif\?…: credentials in URLs are not accepted$/);
  });
  it('a server ignoring Range is read once and sliced', async () => {
    const s = new HttpSource(`${base}/norange`, fast);
    expect([...(await s.fetch(100, 2))]).toEqual([100, 101]);
    expect([...(await s.fetch(300, 1))]).toEqual([300 % 251]);
    expect(hits['/norange']).toBe(1);
  });
});

describe('S3 source (aws-sdk-client-mock)', () => {
  it('sends a ranged GetObject and retries SlowDown', async () => {
    const s3 = mockClient(S3Client);
    const stream = (): never => ({ transformToByteArray: () => Promise.resolve(Uint8Array.of(1, 2, 3)) }) as never;
    s3.on(GetObjectCommand).rejectsOnce(Object.assign(new Error('SlowDown'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } })).resolves({ Body: stream(), ContentRange: 'bytes 5-7/100' });
    const src = new S3Source(new S3Client({ region: 'eu-west-1' }), 'b', 'k.tif', { attempts: 3, baseMs: 1, capMs: 2 });
    expect([...(await src.fetch(5, 3))]).toEqual([1, 2, 3]);
    const calls = s3.commandCalls(GetObjectCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input).toEqual({ Bucket: 'b', Key: 'k.tif', Range: 'bytes=5-7' });
    s3.restore();
  });
  it('reports the ETag and size read as its version, and refuses an object replaced between two reads', async () => {
    const s3 = mockClient(S3Client);
    const stream = (): never => ({ transformToByteArray: () => Promise.resolve(Uint8Array.of(1, 2, 3)), destroy: () => undefined }) as never;
    s3.on(GetObjectCommand)
      .resolvesOnce({ Body: stream(), ContentRange: 'bytes 0-2/100', ETag: '"v1"' })
      .resolvesOnce({ Body: stream(), ContentRange: 'bytes 5-7/100', ETag: '"v1"' })
      .resolves({ Body: stream(), ContentRange: 'bytes 5-7/100', ETag: '"v2"' });
    const src = new S3Source(new S3Client({ region: 'eu-west-1' }), 'b', 'k.tif', { attempts: 3, baseMs: 1, capMs: 2 });
    expect(src.version()).toBeUndefined();
    await src.fetch(0, 3);
    expect(src.version()).toBe('"v1" 100');
    await src.fetch(5, 3);
    const err = await src.fetch(5, 3).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as Error).message).toBe('s3://b/k.tif changed while being read (ETag "v1", then "v2")');
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(3); // not retried: the object is another one now
    s3.restore();
  });
  it('403 is reported with the URI', async () => {
    const s3 = mockClient(S3Client);
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('AccessDenied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    const err = await new S3Source(new S3Client({ region: 'eu-west-1' }), 'b', 'k.tif').fetch(0, 3).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/s3:\/\/b\/k.tif is not found or not readable \(HTTP 403 AccessDenied/); // without s3:ListBucket S3 answers 403 for a missing key
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(1);
    s3.restore();
  });
});

describe('range plans', () => {
  it('merges adjacent and near ranges, keeps far ones apart, bounds request size', () => {
    const m = mergeRanges([{ offset: 100, length: 10 }, { offset: 0, length: 100 }, { offset: 120, length: 5 }, { offset: 1_000_000, length: 10 }], { maxGap: 16, maxRequest: 1000 });
    expect(m.map((r) => [r.offset, r.length])).toEqual([[0, 125], [1_000_000, 10]]);
    expect(mergeRanges([{ offset: 0, length: 600 }, { offset: 600, length: 600 }], { maxGap: 16, maxRequest: 1000 })).toHaveLength(2);
  });
  it('fetches each part exactly once with bounded concurrency', async () => {
    const src = new CountingSource(new MemorySource('mem://x', body), true);
    const ranges = [{ offset: 0, length: 10 }, { offset: 10, length: 10 }, { offset: 4000, length: 10 }];
    const out = await fetchRanges(src, ranges, { concurrency: 2, merge: { maxGap: 100, maxRequest: 1_000_000 } });
    expect(src.requests).toBe(2);
    expect([...(out.get('4000:10') ?? [])]).toEqual([...body.subarray(4000, 4010)]);
  });
});

describe('URI allow-list (no SSRF)', () => {
  const allowed = { schemes: ['s3', 'https'] as const, s3Buckets: ['rasters'], httpsHosts: ['data.example.org'] };
  it('accepts the configured buckets and hosts', () => {
    expect(checkUri('s3://rasters/a/b.tif', { ...allowed, schemes: [...allowed.schemes] })).toMatchObject({ scheme: 's3', bucket: 'rasters', key: 'a/b.tif' });
    expect(checkUri('https://data.example.org/x.tif', { ...allowed, schemes: [...allowed.schemes] }).scheme).toBe('https');
  });
  it('refuses other buckets, hosts, schemes, local paths and internal addresses', () => {
    const a = { ...allowed, schemes: [...allowed.schemes] };
    for (const uri of ['s3://other/a.tif', 'https://evil.example.com/x.tif', 'http://data.example.org/x.tif', '/etc/passwd', 'file:///etc/passwd', 'https://169.254.169.254/latest/meta-data/', 'https://127.0.0.1/x', 'https://[::1]/x', 'https://10.0.0.5/x', 'https://[::ffff:169.254.169.254]/x', 'ftp://x/y', 'https://user:pw@data.example.org/x.tif']) {
      expect(() => checkUri(uri, a), uri).toThrow(UriNotAllowedError);
    }
  });
  it('the CLI allow-list is exactly the URIs given', () => {
    const a = allowedFromUris(['s3://bkt1/x.tif', 'https://h.example/y.tif', 'local.tif']);
    expect(a).toEqual({ schemes: ['s3', 'https', 'file'], s3Buckets: ['bkt1'], httpsHosts: ['h.example'] });
    expect(() => openSource('s3://bkt2/x.tif', { allowed: a })).toThrow(/bucket "bkt2"/);
  });
});
