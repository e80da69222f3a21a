/**
 * s3:// rasters (issues 12 and 14): `zonalflow stats --raster s3://...` with the default credential
 * chain and region (here the S3 stand-in, named by AWS_ENDPOINT_URL_S3 as the SDK reads it), and an
 * S3 stand-in written here that answers as S3 does for a bucket in another region (301
 * PermanentRedirect with x-amz-bucket-region unless the request is signed for us-west-2), for a
 * requester-pays bucket (403 without x-amz-request-payer) and for a missing key (404 NoSuchKey).
 * Expected values: the fixture raster holds 64 row + column; the 2 x 2 square at the centre of tile
 * (R, C) has count 4 and mean 64 (16 R + 7.5) + 16 C + 7.5 (arithmetic).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../../cli/main';
import { S3Source } from '../../shared/io/source.s3';
import { runStatsJob } from '../../shared/engine/stats-job';
import { parseJobSpec } from '../../shared/spec';
import { SourceError } from '../../shared/errors';
import { useStandIns } from '../helpers/local-aws';

const FIX = join(import.meta.dirname, '../fixtures/cases/redirect-loopback');
const BASE = readFileSync(join(FIX, 'base.tif'));
const TILES = join(FIX, 'tiles.gpkg');
const expectedMean = (name: string): number => 64 * (16 * Number(name[1]) + 7.5) + 16 * Number(name[2]) + 7.5;
const standIns = useStandIns({ buckets: ['zf-rasters'] });

/** A path-style S3 front for bucket `far` (in us-west-2) and `rp-bucket` (requester pays, us-west-2). */
let s3: Server;
let endpoint = '';
const requests: { region: string; method: string; path: string; payer: string | undefined }[] = [];

function xmlError(res: ServerResponse, status: number, code: string, headers: Record<string, string> = {}): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${code}</Message><RequestId>r</RequestId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'x-amz-request-id': 'r', ...headers }).end(body);
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const region = /Credential=[^/]+\/\d+\/([^/]+)\/s3\//.exec(req.headers.authorization ?? '')?.[1] ?? '';
  const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
  const payer = req.headers['x-amz-request-payer'] as string | undefined;
  requests.push({ region, method: req.method ?? '', path, payer });
  const [, bucket, ...rest] = path.split('/');
  const key = rest.join('/');
  if (region !== 'us-west-2') return xmlError(res, 301, 'PermanentRedirect', { 'x-amz-bucket-region': 'us-west-2' });
  if (bucket === 'rp-bucket' && payer !== 'requester') return xmlError(res, 403, 'AccessDenied');
  if (key !== 'base.tif') return xmlError(res, 404, 'NoSuchKey');
  if (req.method === 'HEAD') return void res.writeHead(200, { 'content-length': BASE.length }).end();
  const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
  if (!m) return void res.writeHead(200, { 'content-length': BASE.length }).end(BASE);
  const a = Number(m[1]);
  const b = Math.min(Number(m[2]), BASE.length - 1);
  res.writeHead(206, { 'content-range': `bytes ${a}-${b}/${BASE.length}`, 'content-length': b - a + 1 }).end(BASE.subarray(a, b + 1));
}

beforeAll(async () => {
  s3 = createServer(handle);
  await new Promise<void>((r) => s3.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(s3.address() as AddressInfo).port}`;
});
afterAll(async () => {
  s3.closeAllConnections();
  await new Promise<void>((r) => s3.close(() => r()));
});

const client = (): S3Client => new S3Client({ endpoint, region: 'eu-west-1', forcePathStyle: true, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' }, maxAttempts: 1 });
const fast = { attempts: 2, baseMs: 1, capMs: 2 };

describe('buckets in another region (SDK v3 follows no region redirects)', () => {
  it('a 301 PermanentRedirect is followed in the region S3 names, once per bucket', async () => {
    requests.length = 0;
    const src = new S3Source(client(), 'far', 'base.tif', { retry: fast });
    expect([...(await src.fetch(0, 4))]).toEqual([...BASE.subarray(0, 4)]);
    expect(requests.map((r) => r.region)).toEqual(['eu-west-1', 'us-west-2']);
    // the bucket's region is remembered: later requests (any source of the bucket) go straight there
    expect([...(await new S3Source(client(), 'far', 'base.tif', { retry: fast }).fetch(100, 2))]).toEqual([...BASE.subarray(100, 102)]);
    expect(requests.map((r) => r.region)).toEqual(['eu-west-1', 'us-west-2', 'us-west-2']);
  });
  it('requester pays: RequestPayer is sent when asked; without it the 403 reads "not found or not readable"', async () => {
    expect((await new S3Source(client(), 'rp-bucket', 'base.tif', { retry: fast, requestPayer: 'requester' }).fetch(0, 2)).length).toBe(2);
    expect(requests.at(-1)?.payer).toBe('requester');
    const err = await new S3Source(client(), 'rp-bucket', 'base.tif', { retry: fast }).fetch(0, 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as Error).message).toMatch(/^s3:\/\/rp-bucket\/base\.tif is not found or not readable \(HTTP 403 AccessDenied: .*requesterPays/);
  });
  it('a missing key reads as not found, at once (no retries)', async () => {
    const before = requests.length;
    const err = await new S3Source(client(), 'far', 'missing.tif', { retry: fast }).fetch(0, 2).catch((e: unknown) => e);
    expect((err as Error).message).toBe('s3://far/missing.tif does not exist (no such key)');
    expect(requests.length - before).toBe(1);
  });
  it('the whole job over a bucket in another region and a requester-pays raster (spec requesterPays)', async () => {
    const spec = parseJobSpec({ input: { idColumn: 'name' }, rasters: [{ name: 'far', uri: 's3://far/base.tif' }, { name: 'rp', uri: 's3://rp-bucket/base.tif', requesterPays: true }], stats: ['count', 'mean'] });
    const r = await runStatsJob({ input: TILES, spec, allowed: { schemes: ['s3'], s3Buckets: ['far', 'rp-bucket'], httpsHosts: [] }, s3Client: client() });
    expect(r.summary).toMatchObject({ done: 16, failed: 0 });
    for (const row of r.rows) expect(row.values).toEqual([4, expectedMean(row.id), 4, expectedMean(row.id)]);
  });
  it('the redirect is recognised from the SDK error (aws-sdk-client-mock)', async () => {
    const mock = mockClient(S3Client);
    mock.on(GetObjectCommand).rejectsOnce(Object.assign(new Error('PermanentRedirect'), { name: 'PermanentRedirect', $metadata: { httpStatusCode: 301 }, $response: { headers: { 'x-amz-bucket-region': 'ap-southeast-2' } } }))
      .resolves({ Body: { transformToByteArray: () => Promise.resolve(Uint8Array.of(7)) } as never, ContentRange: 'bytes 0-0/10' });
    try {
      expect([...(await new S3Source(new S3Client({ region: 'us-east-1' }), 'mocked-far', 'k.tif', { retry: fast }).fetch(0, 1))]).toEqual([7]);
      const calls = mock.commandCalls(GetObjectCommand);
      expect(calls).toHaveLength(2);
      expect(await (calls[1]?.thisValue as S3Client).config.region()).toBe('ap-southeast-2');
    } finally {
      mock.restore();
    }
  });
});

describe('zonalflow stats --raster s3://... (default credential chain and region)', () => {
  it('reads the raster through the S3 client the command creates', async () => {
    const env = standIns();
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-rasters', Key: 'base.tif', Body: BASE }));
    const saved = { ...process.env };
    Object.assign(process.env, env.env);
    delete process.env.AWS_REGION; // no region configured: the command falls back to us-east-1
    delete process.env.AWS_PROFILE;
    process.env.AWS_CONFIG_FILE = join(mkdtempSync(join(tmpdir(), 'zf-noconf-')), 'none');
    try {
      const out = join(mkdtempSync(join(tmpdir(), 'zf-s3-')), 'o.csv');
      let err = '';
      const sink = new Writable({ write(c: Buffer, _e, cb) { err += c.toString(); cb(); } });
      const code = await main(['stats', '--input', TILES, '--raster', 's3://zf-rasters/base.tif', '--id-column', 'name', '--stats', 'count,mean', '--out', out, '--quiet'], { stdout: sink, stderr: sink });
      expect(err).toMatch(/16 features \(16 computed, 0 failed\)/);
      expect(code).toBe(0);
      const rows = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
      for (const row of rows) expect([Number(row[2]), Number(row[3])]).toEqual([4, expectedMean(row[0] ?? '')]);
      const missing = await main(['stats', '--input', TILES, '--raster', 's3://zf-rasters/nope.tif', '--out', out, '--quiet'], { stdout: sink, stderr: sink });
      expect(missing).toBe(1);
      expect(err).toMatch(/s3:\/\/zf-rasters\/nope\.tif does not exist/);
    } finally {
      process.env = saved;
    }
  });
});
