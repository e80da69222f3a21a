import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { HttpSource } from '../../../shared/io/source.http';
import { S3Source } from '../../../shared/io/source.s3';
import { FileSource } from '../../../shared/io/source.file';
import { MemorySource } from '../../../shared/io/source.memory';
import { RecordingSource } from '../../../shared/io/source.recording';
import { fetchRanges, mergeRanges, rangeKey } from '../../../shared/io/range-plan';
import { withRetry } from '../../../shared/io/retry';
import { checkUri, isInternalAddress, LOCAL_ONLY, openSource } from '../../../shared/io/uri';
import { SourceError, UriNotAllowedError } from '../../../shared/errors';

const body = Uint8Array.from({ length: 3000 }, (_, i) => (i * 13) % 256);
let server: Server;
let base = '';
const hits: Record<string, number> = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    hits[path] = (hits[path] ?? 0) + 1;
    const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
    const a = Number(m?.[1] ?? 0);
    const b = Math.min(Number(m?.[2] ?? 0), body.length - 1);
    if (path === '/cut-body' && (hits[path] ?? 0) === 1) {
      // announce the full range, send half of it, then reset the connection
      res.writeHead(206, { 'content-range': `bytes ${a}-${b}/${body.length}`, 'content-length': b - a + 1 });
      res.write(Buffer.from(body.subarray(a, a + Math.floor((b - a + 1) / 2))));
      setTimeout(() => req.socket.destroy(), 5);
      return;
    }
    if (path === '/wrong-range') return res.writeHead(206, { 'content-range': `bytes 0-${b - a}/${body.length}` }).end(Buffer.from(body.subarray(0, b - a + 1)));
    if (path === '/missing') return res.writeHead(404).end();
    if (path === '/throttle' && (hits[path] ?? 0) <= 1) return res.writeHead(429).end();
    res.writeHead(206, { 'content-range': `bytes ${a}-${b}/${body.length}` }).end(Buffer.from(body.subarray(a, b + 1)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const loopback = { schemes: ['http' as const], s3Buckets: [], httpsHosts: [], allowLoopback: true };
const fast = { allowed: loopback, retry: { attempts: 4, baseMs: 1, capMs: 4 } };

describe('https source, more failure modes', () => {
  it('a connection reset in the middle of the body is retried and the bytes are whole', async () => {
    const got = await new HttpSource(`${base}/cut-body`, fast).fetch(1000, 1000);
    expect(Buffer.from(got).equals(Buffer.from(body.subarray(1000, 2000)))).toBe(true);
    expect(hits['/cut-body']).toBe(2);
  });
  it('429 is retried; 404 is not, and names the URL', async () => {
    expect((await new HttpSource(`${base}/throttle`, fast).fetch(0, 4)).length).toBe(4);
    expect(hits['/throttle']).toBe(2);
    const err = await new HttpSource(`${base}/missing`, fast).fetch(0, 4).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).status).toBe(404);
    expect((err as Error).message).toBe(`${base}/missing answered HTTP 404 (not found)`);
    expect(hits['/missing']).toBe(1);
  });
  it('a 206 for other bytes than asked is an error, not silently wrong data', async () => {
    await expect(new HttpSource(`${base}/wrong-range`, fast).fetch(100, 10)).rejects.toThrow(/answered bytes 0-9 for a request of bytes 100-109/);
  });
  it('reading past the end returns the bytes up to the end', async () => {
    expect((await new HttpSource(`${base}/ok`, fast).fetch(2990, 100)).length).toBe(10);
  });
});

describe('file, memory and recording sources', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zf-src-'));
  it('file: positional reads, short read only at EOF, 404 for a missing file', async () => {
    const p = join(dir, 'a.bin');
    writeFileSync(p, body);
    const f = new FileSource(p);
    expect([...(await f.fetch(5, 3))]).toEqual([...body.subarray(5, 8)]);
    expect((await f.fetch(2995, 10)).length).toBe(5);
    expect(await f.size()).toBe(3000);
    await f.close();
    const err = await new FileSource(join(dir, 'nope.tif')).fetch(0, 1).catch((e: unknown) => e);
    expect((err as SourceError).status).toBe(404);
    expect((err as Error).message).toMatch(/nope\.tif: no such file/);
  });
  // the process's open files are counted in /proc (Linux)
  it.skipIf(!existsSync('/proc/self/fd'))('file, keepOpen: one handle for every read until close (the fds of this process), a missing file named and not kept', async () => {
    const p = join(dir, 'k.bin');
    writeFileSync(p, body);
    const fds = (): number => readdirSync('/proc/self/fd').length;
    const before = fds();
    const f = openSource(p, { allowed: LOCAL_ONLY, keepOpen: true });
    // concurrent reads share the handle being opened
    const [a, b] = await Promise.all([f.fetch(5, 3), f.fetch(100, 50)]);
    expect([...a]).toEqual([...body.subarray(5, 8)]);
    expect([...b]).toEqual([...body.subarray(100, 150)]);
    expect((await f.fetch(2995, 10)).length).toBe(5);
    expect(fds()).toBe(before + 1);
    await f.close?.();
    expect(fds()).toBe(before);
    // a read after close (one still in flight when a job fails) keeps no handle: it opens and closes the file
    expect([...(await f.fetch(0, 2))]).toEqual([...body.subarray(0, 2)]);
    expect(fds()).toBe(before);
    // without keepOpen no handle outlives a read
    const g = new FileSource(p);
    await g.fetch(0, 10);
    expect(fds()).toBe(before);
    const missing = new FileSource(join(dir, 'nope.tif'), join(dir, 'nope.tif'), { keepOpen: true });
    for (let i = 0; i < 2; i++) {
      const err = await missing.fetch(0, 1).catch((e: unknown) => e);
      expect((err as SourceError).status).toBe(404);
      expect((err as Error).message).toMatch(/nope\.tif: no such file/);
    }
    await missing.close();
    expect(fds()).toBe(before);
  });
  it('recording: every fetch with offset, length and bytes, totals, reset', async () => {
    const rec = new RecordingSource(new MemorySource('mem://r', body));
    await rec.fetch(0, 10);
    await rec.fetch(2995, 10);
    expect(rec.fetches).toEqual([{ offset: 0, length: 10, bytes: 10 }, { offset: 2995, length: 10, bytes: 5 }]);
    expect(rec.requests).toBe(2);
    expect(rec.totalBytes).toBe(15);
    expect(rec.uri).toBe('mem://r');
    rec.reset();
    expect([rec.requests, rec.totalBytes]).toEqual([0, 0]);
  });
});

describe('S3 source, missing object', () => {
  it('NoSuchKey is a 404 SourceError naming the s3 URI, not retried', async () => {
    const s3 = mockClient(S3Client);
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }));
    const err = await new S3Source(new S3Client({ region: 'eu-west-1' }), 'bkt', 'a/b.tif').fetch(0, 3).catch((e: unknown) => e);
    expect((err as SourceError).status).toBe(404);
    expect((err as Error).message).toBe('s3://bkt/a/b.tif does not exist (no such key)');
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(1);
    s3.restore();
  });
});

describe('S3 source, no credentials', () => {
  it('the SDK finding no credentials fails with its error name and what to do, no secret in it', async () => {
    const before = process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_SECRET_ACCESS_KEY = 'SECRET-NEVER-PRINTED';
    try {
      // the real client, its credential provider failing as the default chain does when it finds nothing
      const client = new S3Client({ region: 'eu-west-1', maxAttempts: 1, credentials: () => Promise.reject(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' })) });
      const err = await new S3Source(client, 'bkt', 'a/b.tif', { attempts: 1, baseMs: 1, capMs: 1 }).fetch(0, 3).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SourceError);
      const msg = (err as Error).message;
      expect(msg).toMatch(/^s3:\/\/bkt\/a\/b\.tif failed: CredentialsProviderError; no AWS credentials found: .*AWS_PROFILE/);
      expect(msg).not.toContain('SECRET-NEVER-PRINTED');
      expect(msg.split('\n')).toHaveLength(1);
    } finally {
      if (before === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      else process.env.AWS_SECRET_ACCESS_KEY = before;
    }
  });
});

describe('S3 source, no answer', () => {
  it('S3 not reachable (connection refused): the system error and the endpoint named, no secret', async () => {
    // a port that was just free: nothing listens on it
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const client = new S3Client({ region: 'eu-west-1', maxAttempts: 1, endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true, credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'SECRET-NEVER-PRINTED' } });
    const err = await new S3Source(client, 'bkt', 'a/b.tif', { attempts: 1, baseMs: 1, capMs: 1 }).fetch(0, 3).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    const msg = (err as Error).message;
    expect(msg).toMatch(new RegExp(`^s3://bkt/a/b\\.tif failed: cannot reach S3: .*ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
    expect(msg).not.toContain('SECRET-NEVER-PRINTED');
    expect(msg.split('\n')).toHaveLength(1);
  });
});

describe('range plans and retries', () => {
  it('never merges beyond maxRequest; a single range larger than it is still one request', () => {
    const ranges = Array.from({ length: 10 }, (_, i) => ({ offset: i * 100, length: 100 }));
    expect(mergeRanges(ranges, { maxGap: 0, maxRequest: 300 }).map((m) => m.length)).toEqual([300, 300, 300, 100]);
    expect(mergeRanges([{ offset: 0, length: 5000 }], { maxGap: 0, maxRequest: 300 })).toHaveLength(1);
  });
  it('gaps up to maxGap are read through, larger gaps split requests; each part maps to its own bytes', async () => {
    const rec = new RecordingSource(new MemorySource('mem://x', body));
    const ranges = [{ offset: 2000, length: 50 }, { offset: 0, length: 10 }, { offset: 30, length: 5 }, { offset: 10, length: 10 }];
    const out = await fetchRanges(rec, ranges, { concurrency: 1, merge: { maxGap: 10, maxRequest: 1 << 20 } });
    expect(rec.fetches.map((f) => [f.offset, f.length])).toEqual([[0, 35], [2000, 50]]);
    for (const r of ranges) expect([...(out.get(rangeKey(r)) ?? [])]).toEqual([...body.subarray(r.offset, r.offset + r.length)]);
  });
  it('bounded concurrency: never more than `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const slow = { uri: 'mem://slow', size: () => Promise.resolve(3000), fetch: async (o: number, l: number) => { inFlight++; peak = Math.max(peak, inFlight); await new Promise((r) => setTimeout(r, 5)); inFlight--; return body.subarray(o, o + l); } };
    await fetchRanges(slow, Array.from({ length: 12 }, (_, i) => ({ offset: i * 200, length: 10 })), { concurrency: 3, merge: { maxGap: 0, maxRequest: 1000 } });
    expect(peak).toBe(3);
  });
  it('backoff: full jitter of min(cap, base * 2^n), and a non-retryable error stops at once', async () => {
    const delays: number[] = [];
    const realSetTimeout = globalThis.setTimeout;
    globalThis.setTimeout = ((fn: () => void, ms?: number) => { delays.push(ms ?? 0); return realSetTimeout(fn, 0); }) as typeof setTimeout;
    try {
      let calls = 0;
      await expect(withRetry(() => { calls++; return Promise.reject(new Error('boom')); }, () => true, { attempts: 5, baseMs: 100, capMs: 500 }, undefined, () => 0.5)).rejects.toThrow('boom');
      expect(calls).toBe(5);
      expect(delays).toEqual([50, 100, 200, 250]); // 0.5 * min(500, 100 * 2^n)
      calls = 0;
      await expect(withRetry(() => { calls++; return Promise.reject(new Error('fatal')); }, () => false)).rejects.toThrow('fatal');
      expect(calls).toBe(1);
    } finally {
      globalThis.setTimeout = realSetTimeout;
    }
  });
});

describe('URI checks: address literals in every spelling', () => {
  const any = { schemes: ['https' as const, 's3' as const, 'file' as const], s3Buckets: ['*'], httpsHosts: ['*'] };
  it('internal addresses are refused even when every host is allowed', () => {
    for (const uri of [
      'https://169.254.169.254/latest/meta-data/', 'https://[::ffff:169.254.169.254]/', 'https://[::ffff:a9fe:a9fe]/', 'https://[64:ff9b::169.254.169.254]/',
      'https://[::127.0.0.1]/', 'https://2130706433/', 'https://0x7f.1/', 'https://[fd00:ec2::254]/', 'https://[fe80::1]/', 'https://[::]/',
      'https://192.168.1.1/', 'https://172.20.0.1/', 'https://100.64.0.1/', 'https://localhost./x', 'https://[2002:a9fe:a9fe::1]/',
    ]) expect(() => checkUri(uri, any), uri).toThrow(UriNotAllowedError);
    expect(checkUri('https://8.8.8.8/x.tif', any).scheme).toBe('https');
    expect(checkUri('https://[2600:1f18::1]/x.tif', any).scheme).toBe('https');
  });
  it('address classification', () => {
    expect(isInternalAddress('[::1]')).toEqual({ internal: true, loopback: true });
    expect(isInternalAddress('127.3.2.1')).toEqual({ internal: true, loopback: true });
    expect(isInternalAddress('[::ffff:7f00:1]')).toEqual({ internal: true, loopback: true });
    expect(isInternalAddress('52.95.110.1')).toEqual({ internal: false, loopback: false });
  });
  it('plain http is refused, except for a loopback test server with allowLoopback', () => {
    expect(() => checkUri('http://data.example.org/x.tif', { ...any, schemes: ['https', 'http'] })).toThrow(/plain http:\/\/ is refused/);
    const src = openSource(`${base}/ok`, { allowed: { schemes: ['http'], s3Buckets: [], httpsHosts: [], allowLoopback: true } });
    expect(src).toBeInstanceOf(HttpSource);
    expect(() => openSource(`${base}/ok`, { allowed: { schemes: ['http'], s3Buckets: [], httpsHosts: [] } })).toThrow(UriNotAllowedError);
  });
  it('s3 URIs need a client; local paths open a file source', () => {
    expect(() => openSource('s3://bkt/x.tif', { allowed: any })).toThrow(/no S3 client/);
    expect(openSource('s3://bkt/x.tif', { allowed: any, s3Client: new S3Client({ region: 'eu-west-1' }) }).uri).toBe('s3://bkt/x.tif');
    expect(openSource('/tmp/x.tif', { allowed: any })).toBeInstanceOf(FileSource);
  });
});

describe('range plans: failure', () => {
  it('after a failed request no new request is started', async () => {
    let calls = 0;
    const failing = { uri: 'mem://f', size: () => Promise.resolve(undefined), fetch: async (o: number) => { calls++; await new Promise((r) => setTimeout(r, 2)); if (o === 0) throw new SourceError('mem://f failed', { status: 500 }); return new Uint8Array(10); } };
    await expect(fetchRanges(failing, Array.from({ length: 20 }, (_, i) => ({ offset: i * 100, length: 10 })), { concurrency: 2, merge: { maxGap: 0, maxRequest: 1000 } })).rejects.toThrow('mem://f failed');
    expect(calls).toBe(2);
  });
});
