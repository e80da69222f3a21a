/**
 * Plan opens every raster's header before the fan-out (issue 12), against the S3 and DynamoDB
 * stand-ins started here on 127.0.0.1: a raster that is missing, not allowed, not a TIFF or lacks a
 * band fails the job at Plan with one line naming it, and nothing is fanned out (no manifest).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startStandIns } from '../../shared/local/stand-ins';
import type { StandIns } from '../../shared/local/stand-ins';
import { JobStore } from '../../shared/jobs/store';
import { planJob } from '../../shared/pipeline/plan';
import type { PlanDeps } from '../../shared/pipeline/plan';
import { getJson } from '../../shared/pipeline/objects';
import { jobIdFor, specDigest, workKeys } from '../../shared/pipeline/keys';

const EX = join(import.meta.dirname, '../../examples');
let env: StandIns;
let deps: PlanDeps;

beforeAll(async () => {
  env = await startStandIns({ buckets: ['zf-in', 'zf-out', 'zf-rasters', 'zf-other'], table: 'jobs' });
  deps = { s3: env.s3, tracker: new JobStore(env.doc, 'jobs'), outputBucket: 'zf-out', workPrefix: '_work/', defaultSpec: null, allowed: { schemes: ['s3', 'https'], s3Buckets: ['zf-rasters'], httpsHosts: [] } };
  await env.s3.send(new PutObjectCommand({ Bucket: 'zf-rasters', Key: 'elev.cog.tif', Body: readFileSync(join(EX, 'elev.cog.tif')) }));
  await env.s3.send(new PutObjectCommand({ Bucket: 'zf-rasters', Key: 'not-a-tiff.tif', Body: 'this is not a TIFF file at all' }));
  await env.s3.send(new PutObjectCommand({ Bucket: 'zf-other', Key: 'elev.cog.tif', Body: readFileSync(join(EX, 'elev.cog.tif')) }));
}, 60_000);
afterAll(async () => {
  await env.stop();
});

async function planWith(key: string, rasters: unknown[], stats: string[] = ['count', 'mean']): Promise<{ error: Error | null; manifest: unknown }> {
  // the event carries the upload's ETag (Plan reads that version only)
  const etag = (await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: `${key}.gpkg`, Body: readFileSync(join(EX, 'lux_cantons_2169.gpkg')) }))).ETag ?? '';
  await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: `${key}.json`, Body: JSON.stringify({ input: { idColumn: 'ID_2' }, rasters, stats }) }));
  const error = await planJob({ bucket: 'zf-in', key: `${key}.gpkg`, etag }, deps).then(() => null, (e: unknown) => e as Error);
  const jobId = jobIdFor('zf-in', `${key}.gpkg`, etag, specDigest({ input: { idColumn: 'ID_2' }, rasters, stats }));
  return { error, manifest: await getJson(env.s3, { bucket: 'zf-out', key: workKeys('_work/', jobId).manifest }) };
}

describe('Plan: the job id names the upload and its spec', () => {
  it('the same upload with another spec is another job, never a duplicate; with the same spec (keys in any order) a duplicate', async () => {
    const put = (spec: unknown): Promise<unknown> => env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'ids.json', Body: JSON.stringify(spec) }));
    const etag = (await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'ids.gpkg', Body: readFileSync(join(EX, 'lux_cantons_2169.gpkg')) }))).ETag ?? '';
    const rasters = [{ uri: 's3://zf-rasters/elev.cog.tif' }];
    await put({ input: { idColumn: 'ID_2' }, rasters, stats: ['count', 'mean'] });
    const first = await planJob({ bucket: 'zf-in', key: 'ids.gpkg', etag }, deps);
    expect(first.duplicate).toBe(false);
    await put({ stats: ['count', 'mean'], rasters, input: { idColumn: 'ID_2' } });
    const again = await planJob({ bucket: 'zf-in', key: 'ids.gpkg', etag }, deps);
    expect(again).toMatchObject({ jobId: first.jobId, duplicate: true, duplicateReason: 'duplicate upload' });
    await put({ input: { idColumn: 'ID_2' }, rasters, stats: ['count', 'max'] });
    const other = await planJob({ bucket: 'zf-in', key: 'ids.gpkg', etag }, deps);
    expect(other.duplicate).toBe(false);
    expect(other.jobId).not.toBe(first.jobId);
    expect(other.features).toBe(first.features);
  });
});

describe('Plan opens every raster header before the fan-out', () => {
  it('a readable raster plans as before', async () => {
    const r = await planWith('ok', [{ uri: 's3://zf-rasters/elev.cog.tif' }]);
    expect(r.error).toBeNull();
    expect(r.manifest).not.toBeNull();
  });
  it('missing, forbidden, not a TIFF, missing band: one line naming the raster, nothing fanned out', async () => {
    const cases: [string, unknown[], RegExp][] = [
      ['missing', [{ uri: 's3://zf-rasters/elev.cog.tif' }, { uri: 's3://zf-rasters/nope.tif' }], /s3:\/\/zf-rasters\/nope\.tif (does not exist|not found)/],
      ['forbidden', [{ uri: 's3://zf-other/elev.cog.tif' }], /s3:\/\/zf-other\/elev\.cog\.tif: bucket "zf-other" is not among the raster buckets allowed/],
      ['internal', [{ uri: 'https://169.254.169.254/latest/x.tif' }], /host 169\.254\.169\.254 is a private, loopback or link-local address/],
      ['not-tiff', [{ uri: 's3://zf-rasters/not-a-tiff.tif' }], /not-a-tiff\.tif/],
      ['band', [{ uri: 's3://zf-rasters/elev.cog.tif', bands: [3] }], /s3:\/\/zf-rasters\/elev\.cog\.tif has 1 band; band 3 was asked for/],
    ];
    for (const [key, rasters, message] of cases) {
      const r = await planWith(key, rasters);
      expect(r.error?.message, key).toMatch(message);
      expect(r.error?.message.split('\n'), key).toHaveLength(1);
      expect(r.manifest, key).toBeNull();
    }
  });
  it('an unknown statistic name fails the job at Plan with one line naming it, nothing fanned out', async () => {
    const r = await planWith('meen', [{ uri: 's3://zf-rasters/elev.cog.tif' }], ['count', 'meen']);
    expect(r.error?.name).toBe('SpecError');
    expect(r.error?.message).toMatch(/unknown statistic "meen"/);
    expect(r.error?.message.split('\n')).toHaveLength(1);
    expect(r.manifest).toBeNull();
  });
});
