/**
 * The real handlers (Plan, Worker, Collect, Fail) against the S3 and DynamoDB
 * stand-ins started here on 127.0.0.1: results equal `zonalflow stats`, a
 * poisoned feature gives PARTIAL, a retried batch counts once, a batch that
 * runs out of time checkpoints and resumes.
 */
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CopyObjectCommand, DeleteObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startStandIns } from '../../shared/local/stand-ins';
import type { StandIns } from '../../shared/local/stand-ins';
import { resetHandlerDeps, handlerDeps } from '../../shared/pipeline/deps';
import { handler as plan } from '../../lambdas/plan';
import { handler as worker } from '../../lambdas/worker';
import { handler as collect } from '../../lambdas/collect';
import { handler as fail } from '../../lambdas/fail';
import { getBytes, getJson, listKeys } from '../../shared/pipeline/objects';
import { readResultParquet } from '../../shared/output/read-parquet';
import { expandFracColumns } from '../../shared/output/table';
import { runStatsJob } from '../../shared/engine/stats-job';
import { parseJobSpec } from '../../shared/spec';
import { LOCAL_ONLY } from '../../shared/io/uri';
import type { BatchItem } from '../../shared/pipeline/events';
import { runBatch, BatchIncompleteError } from '../../shared/pipeline/worker';
import { planJob } from '../../shared/pipeline/plan';
import nodeSqlite from 'node-sqlite3-wasm';
import { writeGeoPackage } from '../helpers/gpkg-writer';

const EX = join(import.meta.dirname, '../../examples');
let env: StandIns;
const saved = { ...process.env };

beforeAll(async () => {
  env = await startStandIns({ buckets: ['zf-in', 'zf-out', 'zf-rasters'], table: 'zonalflow' });
  Object.assign(process.env, env.env, { TABLE_NAME: 'zonalflow', OUTPUT_BUCKET: 'zf-out', WORK_PREFIX: '_work/', RASTER_BUCKETS: 'zf-rasters', RASTER_HOSTS: '' });
  resetHandlerDeps();
  await env.s3.send(new PutObjectCommand({ Bucket: 'zf-rasters', Key: 'elev.cog.tif', Body: readFileSync(join(EX, 'elev.cog.tif')) }));
});
afterAll(async () => {
  process.env = saved;
  resetHandlerDeps();
  await env.stop();
});

const spec = { input: { idColumn: 'ID_2' }, rasters: [{ name: 'elev', uri: 's3://zf-rasters/elev.cog.tif' }], stats: ['count', 'mean', 'min', 'max', 'median'], batching: { grid: 'h3', maxFeatures: 4 }, output: { formats: ['parquet', 'json'] } };

/** The object's ETag, as the upload rule's event carries it (Plan reads that version only). */
async function etagOf(key: string): Promise<string> {
  return (await env.s3.send(new HeadObjectCommand({ Bucket: 'zf-in', Key: key }))).ETag ?? '';
}

async function runAll(key: string): Promise<{ jobId: string; status: string; items: BatchItem[] }> {
  const out = await plan({ bucket: 'zf-in', key, etag: await etagOf(key) });
  if (out.duplicate) return { jobId: out.jobId, status: 'DUPLICATE', items: [] };
  const items = (await getJson(env.s3, out.manifest)) as BatchItem[];
  for (const item of items) await worker(item);
  const c = await collect({ jobId: out.jobId });
  return { jobId: out.jobId, status: c.status, items };
}

describe('pipeline stages against the stand-ins', () => {
  it('the example job: results equal zonalflow stats; per-feature JSON and summary written', async () => {
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'lux.gpkg', Body: readFileSync(join(EX, 'lux_cantons_2169.gpkg')) }));
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'lux.json', Body: JSON.stringify(spec) }));
    const { jobId, status, items } = await runAll('lux.gpkg');
    expect(status).toBe('DONE');
    expect(items.length).toBeGreaterThanOrEqual(3); // 12 features, at most 4 per batch
    const results = await readResultParquet((await getBytes(env.s3, { bucket: 'zf-out', key: `${jobId}/results.parquet` })) ?? new Uint8Array());
    const local = await runStatsJob({ input: join(EX, 'lux_cantons_2169.gpkg'), spec: parseJobSpec({ ...spec, rasters: [{ name: 'elev', uri: join(EX, 'elev.cog.tif') }] }), allowed: LOCAL_ONLY });
    expect(results.columns).toEqual(local.columns);
    expect(results.rows).toEqual(local.rows);
    const summary = (await getJson(env.s3, { bucket: 'zf-out', key: `${jobId}/summary.json` })) as { status: string; features: { total: number; done: number }; timings: { workerSeconds: number; batchesWallSeconds: number | null; collectSeconds: number }; bytesRead: number };
    expect(summary.status).toBe('DONE');
    expect(summary.timings.workerSeconds).toBeGreaterThan(0);
    expect(summary.timings.batchesWallSeconds).not.toBeNull();
    expect(summary.bytesRead).toBeGreaterThan(0);
    expect(summary.features).toMatchObject({ total: 12, done: 12 });
    // the CRS notes of the Workers: the same as zonalflow stats names (PROJ's LUREF to WGS 84 (4)), no warning
    const crsSummary = summary as unknown as { crs: unknown[]; warnings: string[] };
    expect(crsSummary.crs).toEqual(local.summary.crs);
    expect(JSON.stringify(crsSummary.crs)).toContain('LUREF to WGS 84 (4)');
    expect(crsSummary.warnings).toEqual([]);
    // per-feature JSON: one JSON Lines object per batch part, never one object per feature, under its batch's shard folder
    const featureKeys = await listKeys(env.s3, 'zf-out', `${jobId}/features/`);
    expect(featureKeys.length).toBe(items.length);
    expect(featureKeys.every((k) => /\/features\/[0-9a-f]{2}\/b\d+\.\d{6}\.jsonl$/.test(k))).toBe(true);
    const docs = (await Promise.all(featureKeys.map(async (key) => new TextDecoder().decode((await getBytes(env.s3, { bucket: 'zf-out', key })) ?? new Uint8Array()).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)))).flat();
    expect(docs.length).toBe(12);
    expect(docs.find((d) => d.fid === 1)?.elev_mean).toBe(local.rows[0]?.values[1]);
    const job = await handlerDeps().store.getJob(jobId);
    expect(job?.status).toBe('DONE');
    // the same upload again (EventBridge re-delivery) does not start a second job
    expect((await runAll('lux.gpkg')).status).toBe('DUPLICATE');
  });

  it('output.geometry: results.parquet is GeoParquet 1.1 with each feature\'s geometry in the input CRS (EPSG:2169, as zonalflow stats --geometry writes it)', async () => {
    const geoSpec = { ...spec, output: { formats: ['parquet'], geometry: true } };
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'geo/lux.gpkg', Body: readFileSync(join(EX, 'lux_cantons_2169.gpkg')) }));
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'geo/lux.json', Body: JSON.stringify(geoSpec) }));
    const { jobId, status } = await runAll('geo/lux.gpkg');
    expect(status).toBe('DONE');
    const bytes = (await getBytes(env.s3, { bucket: 'zf-out', key: `${jobId}/results.parquet` })) ?? new Uint8Array();
    const results = await readResultParquet(bytes);
    const local = await runStatsJob({ input: join(EX, 'lux_cantons_2169.gpkg'), spec: parseJobSpec({ ...geoSpec, rasters: [{ name: 'elev', uri: join(EX, 'elev.cog.tif') }] }), allowed: LOCAL_ONLY });
    expect(results.geometry).toBe(true);
    expect(results.rows).toEqual(local.rows); // geometries included: the input's own coordinates
    const { parquetMetadata } = await import('hyparquet');
    const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    const geo = JSON.parse(meta.key_value_metadata?.find((k) => k.key === 'geo')?.value ?? '{}') as { columns: { geometry: { crs: { id?: unknown }; covering?: unknown } } };
    expect(geo.columns.geometry.crs.id).toEqual({ authority: 'EPSG', code: 2169 });
    expect(geo.columns.geometry.covering).toBeDefined();
  });

  it('exactextract operations through Plan, Worker and Collect: frac expanded per value, lists, weights, band math; equal to zonalflow stats', async () => {
    const eeSpec = { ...spec, stats: ['count', 'frac', 'unique', 'values', 'cell_id', 'weighted_mean'], weights: { uri: 's3://zf-rasters/elev.cog.tif' }, bands: { half: 'elev / 2' }, output: { formats: ['parquet', 'csv'] } };
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'lux-ee.gpkg', Body: readFileSync(join(EX, 'lux_cantons_2169.gpkg')) }));
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'lux-ee.json', Body: JSON.stringify(eeSpec) }));
    const { jobId, status, items } = await runAll('lux-ee.gpkg');
    expect(status).toBe('DONE');
    expect(items.length).toBeGreaterThanOrEqual(3);
    const results = await readResultParquet((await getBytes(env.s3, { bucket: 'zf-out', key: `${jobId}/results.parquet` })) ?? new Uint8Array());
    const local = await runStatsJob({ input: join(EX, 'lux_cantons_2169.gpkg'), spec: parseJobSpec({ ...eeSpec, rasters: [{ name: 'elev', uri: join(EX, 'elev.cog.tif') }], weights: { uri: join(EX, 'elev.cog.tif') } }), allowed: LOCAL_ONLY });
    const expanded = expandFracColumns(local.columns, local.rows);
    expect(results.columns).toEqual(expanded.columns);
    expect(results.rows).toEqual(expanded.rows);
    expect(results.columns.filter((c) => c.name.startsWith('elev_frac_')).length).toBeGreaterThan(100);
    expect(results.columns.find((c) => c.name === 'elev_values')?.kind).toBe('list');
    expect(results.columns.some((c) => c.name === 'half_weighted_mean')).toBe(true);
    const csv = new TextDecoder().decode((await getBytes(env.s3, { bucket: 'zf-out', key: `${jobId}/results.csv` })) ?? new Uint8Array());
    expect(csv.split('\n')[0]).toContain('elev_frac_');
  });

  it('summary.json warns: a layer without a CRS (taken as the raster\'s), half or more of the features outside every raster', async () => {
    const CASES = join(import.meta.dirname, '../fixtures/cases');
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-rasters', Key: 'utm33.tif', Body: readFileSync(join(CASES, 'undefined-srs/utm33.tif')) }));
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'undef.gpkg', Body: readFileSync(join(CASES, 'undefined-srs/srs99999_undefined.gpkg')) }));
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'undef.json', Body: JSON.stringify({ input: { idColumn: 'id' }, rasters: [{ name: 'r', uri: 's3://zf-rasters/utm33.tif' }], stats: ['count', 'sum'] }) }));
    const undef = await runAll('undef.gpkg');
    expect(undef.status).toBe('DONE');
    const s1 = (await getJson(env.s3, { bucket: 'zf-out', key: `${undef.jobId}/summary.json` })) as { warnings: string[] };
    expect(s1.warnings.join('\n')).toMatch(/the layer has no CRS .*srs_id 99999, a local CRS.*taken as being in the CRS of r \(EPSG:32633/);
    const results = await readResultParquet((await getBytes(env.s3, { bucket: 'zf-out', key: `${undef.jobId}/results.parquet` })) ?? new Uint8Array());
    expect(results.rows[0]?.values).toEqual([9, 607.5]);
    // lon/lat squares far from the Luxembourg raster: all outside
    const far = join(mkdtempSync(join(tmpdir(), 'zf-far-')), 'far.gpkg');
    const sq = (x: number, y: number) => ({ type: 'Polygon' as const, coordinates: [[[x, y], [x + 0.1, y], [x + 0.1, y + 0.1], [x, y + 0.1], [x, y]]] as [number, number][][] });
    writeGeoPackage(far, [{ name: 'far', srsId: 4326, columns: { id: 'TEXT' }, features: [{ geometry: sq(49.6, 6.1), properties: { id: 'swapped' } }, { geometry: sq(20, 20), properties: { id: 'elsewhere' } }] }]);
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'far.gpkg', Body: readFileSync(far) }));
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'far.json', Body: JSON.stringify({ input: { idColumn: 'id' }, rasters: [{ name: 'elev', uri: 's3://zf-rasters/elev.cog.tif' }], stats: ['count'] }) }));
    const farJob = await runAll('far.gpkg');
    const s2 = (await getJson(env.s3, { bucket: 'zf-out', key: `${farJob.jobId}/summary.json` })) as { warnings: string[] };
    // the squares' extent (arithmetic) and the raster's (gdalinfo: 5.741666667, 49.44166667 - 6.533333333, 50.19166667); swapped, the first lies on it
    expect(s2.warnings).toEqual(['2 of 2 features (100 %) do not intersect any raster: the layer\'s CRS (EPSG:4326 (WGS 84)) may be wrong: with longitude and latitude swapped (axis order) they would overlap raster "elev"; the features\' extent is (20, 6.1) - (49.7, 20.1) and raster "elev"\'s (5.741666667, 49.44166667) - (6.533333333, 50.19166667), both in EPSG:4326 (WGS 84)']);
  });
  it('a Plan retried by Step Functions after it claimed the upload plans again (not a duplicate)', async () => {
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'retry.gpkg', Body: readFileSync(join(EX, 'lux_cantons_2169.gpkg')) }));
    await expect(plan({ bucket: 'zf-in', key: 'retry.gpkg', etag: await etagOf('retry.gpkg') })).rejects.toThrow(/no job spec/); // fails after the claim
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'retry.json', Body: JSON.stringify(spec) }));
    const again = await plan({ bucket: 'zf-in', key: 'retry.gpkg', etag: await etagOf('retry.gpkg') });
    expect(again.duplicate).toBe(false);
    expect(again.features).toBe(12);
  });

  it('a poisoned feature yields PARTIAL with its reason; a retried batch counts once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-stages-'));
    const path = join(dir, 'poison.gpkg');
    const sq = (x: number, y: number): [number, number][] => [[x, y], [x + 0.05, y], [x + 0.05, y + 0.05], [x, y + 0.05], [x, y]];
    writeGeoPackage(path, [{
      name: 'fields', srsId: 4326, columns: { name: 'TEXT' },
      features: [
        { geometry: { type: 'Polygon', coordinates: [sq(6.0, 49.6)] }, properties: { name: 'a' } },
        { geometry: { type: 'Polygon', coordinates: [[[6.1, 49.7], [6.2, 49.7], [6.1, 49.7]]] }, properties: { name: 'too-short' } },
        { geometry: null, properties: { name: 'no-geometry' } },
        { geometry: { type: 'Polygon', coordinates: [sq(20, 10)] }, properties: { name: 'outside' } },
        { geometry: { type: 'Polygon', coordinates: [sq(6.2, 49.6)] }, properties: { name: 'garbled' } },
      ],
    }]);
    // a blob no reader can read ("GP", version 0, flags: little-endian, no envelope; SRS 4326; then a WKB type 99):
    // Plan passes it on unread, the Worker names it
    const db = new nodeSqlite.Database(path);
    try {
      db.run(`UPDATE fields SET geom = ? WHERE name = 'garbled'`, [new Uint8Array([0x47, 0x50, 0, 1, 0xe6, 0x10, 0, 0, 1, 99, 0, 0, 0])]);
    } finally {
      db.close();
    }
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'poison.gpkg', Body: readFileSync(path) }));
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'poison.json', Body: JSON.stringify({ ...spec, input: { idColumn: 'name' } }) }));
    const out = await plan({ bucket: 'zf-in', key: 'poison.gpkg', etag: await etagOf('poison.gpkg') });
    const items = (await getJson(env.s3, out.manifest)) as BatchItem[];
    for (const item of items) {
      const first = await worker(item);
      expect(first.status).toBe('DONE');
      expect((await worker(item)).status).toBe('SKIPPED'); // retried: not counted again
    }
    const c = await collect({ jobId: out.jobId });
    expect(c.status).toBe('PARTIAL');
    const summary = (await getJson(env.s3, { bucket: 'zf-out', key: `${out.jobId}/summary.json` })) as { failures: { id: string; reason: string }[]; features: { done: number; failed: number } };
    expect(summary.features).toMatchObject({ done: 2, failed: 3 });
    expect(summary.failures.map((f) => f.id).sort()).toEqual(['garbled', 'no-geometry', 'too-short']);
    expect(summary.failures.find((f) => f.id === 'too-short')?.reason).toMatch(/GEOMETRY_INVALID: feature "too-short" \(fid 2\): .*needs at least 4/);
    expect(summary.failures.find((f) => f.id === 'garbled')?.reason).toMatch(/^GEOMETRY_INVALID: feature "garbled" \(fid 5\): unreadable geometry: /);
    const tally = await handlerDeps().store.tally(out.jobId);
    expect(tally.featuresDone + tally.featuresFailed).toBe(5);
    const job = await handlerDeps().store.getJob(out.jobId);
    expect(job?.counts.featuresDone).toBe(2);
  });

  it('a batch that runs out of time checkpoints, and the retry resumes where it stopped', async () => {
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'slow.gpkg', Body: readFileSync(join(EX, 'lux_cantons_2169.gpkg')) }));
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'slow.json', Body: JSON.stringify({ ...spec, batching: { grid: 'h3', maxFeatures: 100 } }) }));
    const out = await plan({ bucket: 'zf-in', key: 'slow.gpkg', etag: await etagOf('slow.gpkg') });
    const [item] = (await getJson(env.s3, out.manifest)) as BatchItem[];
    if (!item) throw new Error('one batch expected');
    const deps = handlerDeps();
    let budget = 3; // chunks allowed before the "deadline"
    const base = { s3: deps.s3, tracker: deps.store, outputBucket: 'zf-out', workPrefix: '_work/', allowed: deps.config.allowed, chunkSize: 5, safetyMs: 10 };
    await expect(runBatch(item, { ...base, remainingMs: () => (budget-- > 1 ? 1e9 : 0) })).rejects.toBeInstanceOf(BatchIncompleteError);
    const mid = await deps.store.getBatch(out.jobId, item.batchId);
    expect(mid?.cursor).toBe(10);
    expect(mid?.status).toBe('PENDING');
    const done = await runBatch(item, base);
    expect(done).toMatchObject({ status: 'DONE', featuresDone: 12 });
    const c = await collect({ jobId: out.jobId });
    expect(c.status).toBe('DONE');
    const results = await readResultParquet((await getBytes(env.s3, { bucket: 'zf-out', key: `${out.jobId}/results.parquet` })) ?? new Uint8Array());
    expect(results.rows.map((r) => r.fid)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('a batch is read ahead: the same tile requests whatever its chunks (one feature each, or grown), the same rows', async () => {
    // 16 squares, one at the centre of each of the 16 tiles of base.tif (test/fixtures/README.md)
    const dir = join(import.meta.dirname, '../fixtures/cases/redirect-loopback');
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-rasters', Key: 'base.tif', Body: readFileSync(join(dir, 'base.tif')) }));
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'grow.gpkg', Body: readFileSync(join(dir, 'tiles.gpkg')) }));
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'grow.json', Body: JSON.stringify({ rasters: [{ name: 'base', uri: 's3://zf-rasters/base.tif' }], stats: ['count', 'mean'], batching: { grid: 'h3', maxFeatures: 100 } }) }));
    const deps = handlerDeps();
    const base = { s3: deps.s3, tracker: deps.store, outputBucket: 'zf-out', workPrefix: '_work/', allowed: deps.config.allowed, remainingMs: () => 300_000 };
    const runs: { requests: number; rows: unknown[] }[] = [];
    for (const [run, chunkSize] of [['g1', 1], ['g2', undefined]] as const) {
      // a job of its own each: the input and its spec copied under `<run>/` (the same object and ETag at one key is one upload)
      await env.s3.send(new CopyObjectCommand({ Bucket: 'zf-in', Key: `${run}/grow.json`, CopySource: 'zf-in/grow.json' }));
      await env.s3.send(new CopyObjectCommand({ Bucket: 'zf-in', Key: `${run}/grow.gpkg`, CopySource: 'zf-in/grow.gpkg' }));
      const out = await plan({ bucket: 'zf-in', key: `${run}/grow.gpkg`, etag: await etagOf(`${run}/grow.gpkg`) });
      const [item] = (await getJson(env.s3, out.manifest)) as BatchItem[];
      if (!item) throw new Error('one batch expected');
      await runBatch(item, { ...base, ...(chunkSize === undefined ? {} : { chunkSize }) });
      const record = await deps.store.getBatch(out.jobId, item.batchId);
      await collect({ jobId: out.jobId });
      const results = await readResultParquet((await getBytes(env.s3, { bucket: 'zf-out', key: `${out.jobId}/results.parquet` })) ?? new Uint8Array());
      runs.push({ requests: record?.requests ?? NaN, rows: results.rows.map((r) => ({ ...r })) });
    }
    const [fixed, grown] = runs;
    // 16 features, in chunks of one or all in the first chunk of 100: their 16 tiles, stored back to back, are read
    // ahead in one merged request, after the header's (without the read-ahead, chunks of one made a request each)
    expect(fixed?.requests).toBe(2);
    expect(grown?.requests).toBe(2);
    expect(grown?.rows).toEqual(fixed?.rows);
  });

  it('a job re-run after a partial failure redoes only what failed', async () => {
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'rerun.gpkg', Body: readFileSync(join(EX, 'lux_cantons_2169.gpkg')) }));
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'rerun.json', Body: JSON.stringify(spec) }));
    const out = await plan({ bucket: 'zf-in', key: 'rerun.gpkg', etag: await etagOf('rerun.gpkg') });
    const items = (await getJson(env.s3, out.manifest)) as BatchItem[];
    const store = handlerDeps().store;
    const [first, ...rest] = items;
    if (!first) throw new Error('batches expected');
    await worker(first);
    for (const it of rest) await store.failBatch(out.jobId, it.batchId, 'Lambda.ServiceException: the worker crashed');
    expect((await collect({ jobId: out.jobId })).status).toBe('PARTIAL');
    // zonalflow retry: failed batches reset, Plan re-entered with the job id, the Map runs every item again
    expect((await store.resetBatches(out.jobId)).sort()).toEqual(rest.map((i) => i.batchId).sort());
    await store.setJobStatus(out.jobId, 'RUNNING', {}, true);
    const again = await plan({ bucket: 'zf-in', key: 'rerun.gpkg', etag: await etagOf('rerun.gpkg'), jobId: out.jobId });
    expect(again).toMatchObject({ jobId: out.jobId, duplicate: false, batches: items.length });
    const statuses = [];
    for (const it of (await getJson(env.s3, again.manifest)) as BatchItem[]) statuses.push((await worker(it)).status);
    expect(statuses).toEqual(['SKIPPED', ...rest.map(() => 'DONE')]);
    const c = await collect({ jobId: out.jobId });
    expect(c).toMatchObject({ status: 'DONE', features: { total: 12, done: 12, failed: 0, missing: 0 } });
  });

  it('limits: a GeoPackage larger than allowed, or with too many features, is refused with both figures', async () => {
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'big.gpkg', Body: readFileSync(join(EX, 'lux_cantons_2169.gpkg')) }));
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'big.json', Body: JSON.stringify(spec) }));
    const deps = handlerDeps();
    const base = { s3: deps.s3, tracker: deps.store, outputBucket: 'zf-out', workPrefix: '_work/', defaultSpec: null, allowed: deps.config.allowed };
    await expect(planJob({ bucket: 'zf-in', key: 'big.gpkg', etag: await etagOf('big.gpkg') }, { ...base, limits: { maxInputBytes: 1000 } })).rejects.toThrow(/s3:\/\/zf-in\/big.gpkg is \d+ bytes; the limit is 1000 bytes \(MAX_INPUT_BYTES\)/);
    await expect(planJob({ bucket: 'zf-in', key: 'big.gpkg', etag: await etagOf('big.gpkg') }, { ...base, limits: { maxFeatures: 5 } })).rejects.toThrow(/the layer "lux_cantons" has 12 features; the limit per job is 5/);
  });

  it('a failure caught by the state machine marks the job FAILED with its cause, even before Plan created it', async () => {
    const r = await fail({ execution: { bucket: 'zf-in', key: 'missing.gpkg', etag: 'm1' }, state: { bucket: 'zf-in', key: 'missing.gpkg', error: { Error: 'SpecError', Cause: JSON.stringify({ errorMessage: 'no job spec: put missing.json beside the GeoPackage' }) } } });
    expect(r.error.message).toMatch(/no job spec/);
    const job = await handlerDeps().store.getJob(r.jobId);
    expect(job?.status).toBe('FAILED');
    expect(job?.error).toEqual({ code: 'SpecError', message: 'no job spec: put missing.json beside the GeoPackage' });
    expect(job).not.toHaveProperty('summaryPending'); // cleared once summary.json was written
  });

  it('a MarkFailed that timed out after marking the job FAILED, before summary.json: its retry writes the summary the record owes', async () => {
    const event = { execution: { bucket: 'zf-in', key: 'cut.gpkg', etag: 'c1' }, state: { bucket: 'zf-in', key: 'cut.gpkg', error: { Error: 'SpecError', Cause: JSON.stringify({ errorMessage: 'no job spec: put cut.json beside the GeoPackage' }) } } };
    const first = await fail(event);
    // the state the timeout left: the record FAILED and owing its summary, no summary.json
    const store = handlerDeps().store;
    await store.setJobStatus(first.jobId, 'FAILED', { summaryPending: true }, true);
    await env.s3.send(new DeleteObjectCommand({ Bucket: 'zf-out', Key: `${first.jobId}/summary.json` }));
    const retried = await fail(event);
    expect(retried.unchanged).toBe('FAILED');
    const summary = (await getJson(env.s3, { bucket: 'zf-out', key: `${first.jobId}/summary.json` })) as { status: string; error: unknown } | null;
    expect(summary).toMatchObject({ status: 'FAILED', error: { code: 'SpecError', message: 'no job spec: put cut.json beside the GeoPackage' } });
    expect(await store.getJob(first.jobId)).not.toHaveProperty('summaryPending');
    // a third run owes nothing: summary.json is not rewritten
    await env.s3.send(new DeleteObjectCommand({ Bucket: 'zf-out', Key: `${first.jobId}/summary.json` }));
    await fail(event);
    expect(await getJson(env.s3, { bucket: 'zf-out', key: `${first.jobId}/summary.json` })).toBeNull();
  });
});
