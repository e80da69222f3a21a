/**
 * Network faults on range reads, injected between the S3 client and the S3
 * stand-in by a proxy started here: 503 SlowDown, reset connections and
 * stalled responses are retried (with backoff and jitter, bounded) and the
 * values read are exact; a source that never recovers fails with a clear,
 * bounded error.
 */
import { createServer, request } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startStandIns, LOCAL_CREDENTIALS } from '../../shared/local/stand-ins';
import type { StandIns } from '../../shared/local/stand-ins';
import { S3Source } from '../../shared/io/source.s3';
import { openRaster } from '../../shared/raster/cog';
import { writeCog } from '../helpers/cog-writer';

let env: StandIns;
let proxy: Server;
let proxyUrl = '';
/** What the proxy does to the next range GETs, in order; then it forwards. */
let plan: ('503' | 'reset' | 'stall' | 'forward')[] = [];
let rangeGets = 0;
let alwaysFail = false;
const dir = mkdtempSync(join(tmpdir(), 'zf-faults-'));
const raster = join(dir, 'r.tif');

beforeAll(async () => {
  writeCog(raster, { width: 300, height: 300, dtype: 'uint16', tileSize: 64, epsg: 32631, transform: [500000, 5000000, 10, 10], value: (r, c) => r * 300 + c });
  env = await startStandIns({ buckets: ['rasters'] });
  await env.s3.send(new PutObjectCommand({ Bucket: 'rasters', Key: 'r.tif', Body: readFileSync(raster) }));
  const target = new URL(env.s3Endpoint);
  proxy = createServer((req, res) => {
    const isRange = req.method === 'GET' && req.headers.range !== undefined;
    const action = isRange ? (alwaysFail ? '503' : plan.shift() ?? 'forward') : 'forward';
    if (isRange) rangeGets++;
    if (action === '503') {
      res.writeHead(503, { 'content-type': 'application/xml' }).end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
      return;
    }
    if (action === 'reset') {
      req.socket.destroy();
      return;
    }
    const forward = (): void => {
      const up = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      req.pipe(up);
    };
    if (action === 'stall') setTimeout(forward, 3000);
    else forward();
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => proxy.close(() => r()));
  await env.stop();
});

function client(): S3Client {
  return new S3Client({ endpoint: proxyUrl, region: 'us-east-1', credentials: LOCAL_CREDENTIALS, forcePathStyle: true, maxAttempts: 1, requestHandler: { requestTimeout: 1000, connectionTimeout: 1000 } });
}

describe('faults on S3 range reads', () => {
  it('503 SlowDown twice, a reset connection and a stalled response are retried; values exact', async () => {
    plan = ['503', '503', 'reset', 'stall'];
    rangeGets = 0;
    const src = new S3Source(client(), 'rasters', 'r.tif', { attempts: 6, baseMs: 10, capMs: 100 });
    const r = await openRaster(src);
    const [bw] = await r.readWindow({ row0: 100, col0: 100, rows: 50, cols: 50 }, [1]);
    for (let i = 0; i < 50; i++) for (let j = 0; j < 50; j++) expect(bw?.values[i * 50 + j]).toBe((100 + i) * 300 + (100 + j));
    expect(rangeGets).toBeGreaterThanOrEqual(6); // 4 faults + header + tiles
  });
  it('a source that keeps failing stops after the bounded attempts with a clear error', async () => {
    alwaysFail = true;
    rangeGets = 0;
    const src = new S3Source(client(), 'rasters', 'r.tif', { attempts: 4, baseMs: 5, capMs: 20 });
    await expect(openRaster(src)).rejects.toThrow(/s3:\/\/rasters\/r.tif failed: SlowDown/);
    expect(rangeGets).toBe(4);
    alwaysFail = false;
  });
});
