/**
 * A warm Worker keeps its rasters' parsed headers (raster-headers.ts) and reads their tiles with If-Match on the
 * ETag the header was parsed from: a later batch makes one request fewer (no header GET); when the object changed,
 * S3 (the stand-in, s3rver.conditions.ts) answers 412 and the batch reads the header again and runs once more, so a
 * header of another version is never used, even when every tile the batch needs is warm (one HeadObject confirms).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CopyObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startStandIns } from '../../shared/local/stand-ins';
import type { StandIns } from '../../shared/local/stand-ins';
import { resetHandlerDeps, handlerDeps } from '../../shared/pipeline/deps';
import { handler as plan } from '../../lambdas/plan';
import { handler as collect } from '../../lambdas/collect';
import { getBytes, getJson } from '../../shared/pipeline/objects';
import { readResultParquet } from '../../shared/output/read-parquet';
import type { BatchItem } from '../../shared/pipeline/events';
import { runBatch } from '../../shared/pipeline/worker';
import { RasterHeaders } from '../../shared/pipeline/raster-headers';
import { SharedTiles } from '../../shared/raster/shared-tiles';
import { ObjectChangedError, S3Source } from '../../shared/io/source.s3';

const EX = join(import.meta.dirname, '../../examples');
let env: StandIns;
const saved = { ...process.env };
const elev = readFileSync(join(EX, 'elev.cog.tif'));

beforeAll(async () => {
  env = await startStandIns({ buckets: ['zf-in', 'zf-out', 'zf-rasters'], table: 'zonalflow' });
  Object.assign(process.env, env.env, { TABLE_NAME: 'zonalflow', OUTPUT_BUCKET: 'zf-out', WORK_PREFIX: '_work/', RASTER_BUCKETS: 'zf-rasters', RASTER_HOSTS: '' });
  resetHandlerDeps();
  await env.s3.send(new PutObjectCommand({ Bucket: 'zf-rasters', Key: 'swap.tif', Body: elev }));
  await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'lux.gpkg', Body: readFileSync(join(EX, 'lux_cantons_2169.gpkg')) }));
  await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'lux.json', Body: JSON.stringify({ input: { idColumn: 'ID_2' }, rasters: [{ name: 'elev', uri: 's3://zf-rasters/swap.tif' }], stats: ['count', 'mean', 'min', 'max'], batching: { grid: 'h3', maxFeatures: 100 } }) }));
});
afterAll(async () => {
  process.env = saved;
  resetHandlerDeps();
  await env.stop();
});

/** Plans the job (one batch), runs its batch with `headers` (and `tiles`), collects: the batch's raster requests and the rows. */
async function job(run: string, headers: RasterHeaders, tiles?: SharedTiles): Promise<{ requests: number; rows: unknown[] }> {
  // a job of its own: the input and its spec copied under `<run>/` (the same object and ETag at one key is one upload)
  await env.s3.send(new CopyObjectCommand({ Bucket: 'zf-in', Key: `${run}/lux.json`, CopySource: 'zf-in/lux.json' }));
  const etag = (await env.s3.send(new CopyObjectCommand({ Bucket: 'zf-in', Key: `${run}/lux.gpkg`, CopySource: 'zf-in/lux.gpkg' }))).CopyObjectResult?.ETag ?? '';
  const out = await plan({ bucket: 'zf-in', key: `${run}/lux.gpkg`, etag });
  const [item] = (await getJson(env.s3, out.manifest)) as BatchItem[];
  if (!item) throw new Error('one batch expected');
  const deps = handlerDeps();
  const done = await runBatch(item, { s3: deps.s3, tracker: deps.store, outputBucket: 'zf-out', workPrefix: '_work/', allowed: deps.config.allowed, remainingMs: () => 300_000, rasterHeaders: headers, ...(tiles ? { sharedTiles: tiles } : {}) });
  expect(done.status).toBe('DONE');
  const record = await deps.store.getBatch(out.jobId, item.batchId);
  expect((await collect({ jobId: out.jobId })).status).toBe('DONE');
  const results = await readResultParquet((await getBytes(env.s3, { bucket: 'zf-out', key: `${out.jobId}/results.parquet` })) ?? new Uint8Array());
  return { requests: record?.requests ?? NaN, rows: results.rows.map((r) => ({ ...r })) };
}

async function etagOf(): Promise<string> {
  const s = new S3Source(env.s3, 'zf-rasters', 'swap.tif');
  await s.fetch(0, 1);
  return s.identity()?.etag ?? '';
}

describe('kept raster headers (a warm Worker)', () => {
  it('a later batch skips the header GET; a changed raster is read afresh (412), a kept header of it never used', async () => {
    const headers = new RasterHeaders();
    const first = await job('h1', headers);
    const e1 = await etagOf();
    expect(headers.get('s3://zf-rasters/swap.tif')?.etag).toBe(e1);
    const second = await job('h2', headers);
    expect(second.requests).toBe(first.requests - 1);
    expect(second.rows).toEqual(first.rows);

    // the raster replaced (another ETag): the kept header's If-Match reads are refused, the batch runs again with a fresh header
    const changed = Buffer.concat([elev, Buffer.from([0])]);
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-rasters', Key: 'swap.tif', Body: changed }));
    const e2 = await etagOf();
    expect(e2).not.toBe(e1);
    const stale = new S3Source(env.s3, 'zf-rasters', 'swap.tif', { ifMatch: { etag: e1, size: elev.length } });
    await expect(stale.fetch(100, 10)).rejects.toBeInstanceOf(ObjectChangedError);
    await expect(stale.confirm()).rejects.toBeInstanceOf(ObjectChangedError);
    const third = await job('h3', headers);
    expect(headers.get('s3://zf-rasters/swap.tif')?.etag).toBe(e2);
    // the refused range(s) counted no read; then the header and the ranges again, as the first batch read them
    expect(third.requests).toBe(first.requests);
    expect(third.rows).toEqual(first.rows);
  });

  it('a batch whose tiles are all warm confirms the kept header with one HeadObject (If-Match) and runs again when it changed', async () => {
    const headers = new RasterHeaders();
    const tiles = new SharedTiles(64 * 2 ** 20);
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-rasters', Key: 'swap.tif', Body: elev }));
    const first = await job('w1', headers, tiles);
    expect(first.requests).toBeGreaterThan(1);
    // the same version: header kept, tiles warm: no raster request is counted (the HeadObject is not a read of the raster's bytes)
    const warm = await job('w2', headers, tiles);
    expect(warm.requests).toBe(0);
    expect(warm.rows).toEqual(first.rows);
    // changed with every tile warm under the old version: the HeadObject's 412 sends the batch round again, reading the new version
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-rasters', Key: 'swap.tif', Body: Buffer.concat([elev, Buffer.from([1, 2])]) }));
    const after = await job('w3', headers, tiles);
    expect(headers.get('s3://zf-rasters/swap.tif')?.size).toBe(elev.length + 2);
    expect(after.requests).toBe(first.requests);
    expect(after.rows).toEqual(first.rows);
  });
});
