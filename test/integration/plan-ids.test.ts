/**
 * Plan tells whether the ids of a layer are unique (the batch files' `idsUnique`, which names the
 * per-feature JSON files) from 53-bit hashes of the ids and an exact check of the repeated ones,
 * against the S3 and DynamoDB stand-ins started here on 127.0.0.1: unique ids, one id twice
 * (GeoPackage: read again by fid; GeoJSON: the features kept from pass 1).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startStandIns } from '../../shared/local/stand-ins';
import type { StandIns } from '../../shared/local/stand-ins';
import { JobStore } from '../../shared/jobs/store';
import { planJob } from '../../shared/pipeline/plan';
import type { PlanDeps } from '../../shared/pipeline/plan';
import { getJson } from '../../shared/pipeline/objects';
import { writeGeoPackage } from '../helpers/gpkg-writer';
import type { Position } from '../../shared/geometry/types';

const EX = join(import.meta.dirname, '../../examples');
let env: StandIns;
let deps: PlanDeps;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zf-plan-ids-'));
  env = await startStandIns({ buckets: ['zf-in', 'zf-out', 'zf-rasters'], table: 'jobs' });
  deps = { s3: env.s3, tracker: new JobStore(env.doc, 'jobs'), outputBucket: 'zf-out', workPrefix: '_work/', defaultSpec: null, allowed: { schemes: ['s3'], s3Buckets: ['zf-rasters'], httpsHosts: [] } };
  await env.s3.send(new PutObjectCommand({ Bucket: 'zf-rasters', Key: 'elev.cog.tif', Body: readFileSync(join(EX, 'elev.cog.tif')) }));
}, 60_000);
afterAll(async () => {
  await env.stop();
  rmSync(dir, { recursive: true, force: true });
});

const square = (i: number): Position[][] => {
  const x = 6 + (i % 20) * 0.01;
  const y = 49.6 + Math.floor(i / 20) * 0.01;
  return [[[x, y], [x + 0.005, y], [x + 0.005, y + 0.005], [x, y + 0.005], [x, y]]];
};

/** Plans `ids` as a GeoPackage or GeoJSON layer (batches of 7); returns every batch file's idsUnique. */
async function plan(name: string, ids: string[], format: 'gpkg' | 'geojson'): Promise<boolean[]> {
  const file = join(dir, `${name}.${format}`);
  if (format === 'gpkg') writeGeoPackage(file, [{ name: 'fields', srsId: 4326, geometryType: 'POLYGON', columns: { code: 'TEXT' }, features: ids.map((id, i) => ({ geometry: { type: 'Polygon' as const, coordinates: square(i) }, properties: { code: id } })) }]);
  else writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', features: ids.map((id, i) => ({ type: 'Feature', properties: { code: id }, geometry: { type: 'Polygon', coordinates: square(i) } })) }));
  await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: `${name}.${format}`, Body: readFileSync(file) }));
  await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: `${name}.json`, Body: JSON.stringify({ input: { idColumn: 'code' }, rasters: [{ uri: 's3://zf-rasters/elev.cog.tif' }], stats: ['count'], batching: { grid: 'h3', maxFeatures: 7 } }) }));
  const out = await planJob({ bucket: 'zf-in', key: `${name}.${format}`, etag: name }, deps);
  expect(out.features).toBe(ids.length);
  const items = (await getJson(env.s3, out.manifest)) as { key: string }[];
  expect(items.length).toBeGreaterThan(1);
  return Promise.all(items.map(async (it) => ((await getJson(env.s3, { bucket: 'zf-out', key: it.key })) as { idsUnique: boolean }).idsUnique));
}

describe('Plan: ids unique or not, from hashes checked exactly', () => {
  const unique = Array.from({ length: 60 }, (_, i) => `field-${i}`);
  const repeated = unique.map((id, i) => (i === 45 ? 'field-3' : id));
  for (const format of ['gpkg', 'geojson'] as const) {
    it(`${format}: unique ids give idsUnique in every batch; one id twice gives none`, async () => {
      expect(new Set(await plan(`u-${format}`, unique, format))).toEqual(new Set([true]));
      expect(new Set(await plan(`r-${format}`, repeated, format))).toEqual(new Set([false]));
    });
  }
});
