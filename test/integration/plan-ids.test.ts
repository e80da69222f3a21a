/**
 * Plan tells whether the ids of a layer are unique (the batch files' `idsUnique`, which names the
 * per-feature JSON files) from 53-bit hashes of the ids and an exact check of the repeated ones,
 * against the S3 and DynamoDB stand-ins started here on 127.0.0.1: unique ids, one id twice
 * (GeoPackage and GeoJSON: the layer read again); and the batch files hold every feature once, with
 * its geometry as the input has it; two features with the same fid fail the job.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { StandIns } from '../../shared/local/stand-ins';
import { planJob } from '../../shared/pipeline/plan';
import type { PlanDeps } from '../../shared/pipeline/plan';
import { readBatchObject } from '../helpers/batch-files';
import { getJson } from '../../shared/pipeline/objects';
import { InputError } from '../../shared/errors';
import { gpkgBlob, writeGeoPackage } from '../helpers/gpkg-writer';
import { startPlanStandIns } from '../helpers/plan-stand-ins';
import type { PlanStandIns } from '../helpers/plan-stand-ins';
import type { Position } from '../../shared/geometry/types';

let env: StandIns;
let deps: PlanDeps;
let dir: string;
let stands: PlanStandIns;

beforeAll(async () => {
  stands = await startPlanStandIns('zf-plan-ids-');
  ({ env, deps, dir } = stands);
}, 60_000);
afterAll(() => stands.stop());

const square = (i: number): Position[][] => {
  const x = 6 + (i % 20) * 0.01;
  const y = 49.6 + Math.floor(i / 20) * 0.01;
  return [[[x, y], [x + 0.005, y], [x + 0.005, y + 0.005], [x, y + 0.005], [x, y]]];
};

/** Plans `ids` as a GeoPackage or GeoJSON layer (batches of 7); returns every batch file's idsUnique. */
async function plan(name: string, ids: (string | null)[], format: 'gpkg' | 'geojson', onePass?: PlanDeps['onePass']): Promise<(boolean | null)[]> {
  const file = join(dir, `${name}.${format}`);
  if (format === 'gpkg') writeGeoPackage(file, [{ name: 'fields', srsId: 4326, geometryType: 'POLYGON', columns: { code: 'TEXT' }, features: ids.map((id, i) => ({ geometry: { type: 'Polygon' as const, coordinates: square(i) }, properties: { code: id } })) }]);
  else writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', features: ids.map((id, i) => ({ type: 'Feature', properties: { code: id }, geometry: { type: 'Polygon', coordinates: square(i) } })) }));
  // the event carries the upload's ETag (Plan reads that version only)
  const etag = (await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: `${name}.${format}`, Body: readFileSync(file) }))).ETag ?? '';
  await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: `${name}.json`, Body: JSON.stringify({ input: { idColumn: 'code' }, rasters: [{ uri: 's3://zf-rasters/elev.cog.tif' }], stats: ['count'], batching: { grid: 'h3', maxFeatures: 7 } }) }));
  const out = await planJob({ bucket: 'zf-in', key: `${name}.${format}`, etag }, { ...deps, ...(onePass ? { onePass } : {}) });
  expect(out.features).toBe(ids.length);
  const items = (await getJson(env.s3, out.manifest)) as { key: string }[];
  expect(items.length).toBeGreaterThan(1);
  return Promise.all(items.map(async (it) => (await readBatchObject(env.s3, 'zf-out', it.key)).batch.idsUnique ?? null));
}

describe('Plan: ids unique or not, from hashes checked exactly', () => {
  const unique = Array.from({ length: 60 }, (_, i) => `field-${i}`);
  const repeated = unique.map((id, i) => (i === 45 ? 'field-3' : id));
  for (const format of ['gpkg', 'geojson'] as const) {
    it(`${format}: unique ids give idsUnique in every batch; one id twice gives none`, async () => {
      expect(new Set(await plan(`u-${format}`, unique, format))).toEqual(new Set([true]));
      expect(new Set(await plan(`r-${format}`, repeated, format))).toEqual(new Set([false]));
    });
    // the rule: a NULL id is no id, never a repeat of another NULL id (nor of any id); read once, and read
    // twice (a GeoPackage's boxes without geometry)
    it(`${format}: NULL ids are no repeats: unique ids and three NULLs give idsUnique; a repeated id beside them none`, async () => {
      const nulls = unique.map((id, i) => (i % 20 === 7 ? null : id));
      for (const [pass, onePass] of [['one', undefined], ['two', { inputBytes: 0, keptBytes: 0 }]] as const) {
        expect(new Set(await plan(`n-${format}-${pass}`, nulls, format, onePass)), pass).toEqual(new Set([true]));
        expect(new Set(await plan(`nr-${format}-${pass}`, nulls.map((id, i) => (i === 45 ? 'field-3' : id)), format, onePass)), pass).toEqual(new Set([false]));
      }
    });
  }
});

describe('Plan: the batch files hold every feature once, as read; fids must be unique', () => {
  it('geojson and gpkg: every fid once across the batch files, id and geometry as in the input', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `f-${i}`);
    for (const format of ['gpkg', 'geojson'] as const) {
      await plan(`all-${format}`, ids, format);
      // planned again (the same upload, a retry): the job's manifest
      const out = await planJob({ bucket: 'zf-in', key: `all-${format}.${format}` }, deps);
      const manifest = (await getJson(env.s3, out.manifest)) as { key: string }[];
      const seen = new Map<string, Position[][] | string>();
      for (const it of manifest) {
        const { batch, blobs } = await readBatchObject(env.s3, 'zf-out', it.key);
        batch.features.forEach((f, k) => {
          expect(seen.has(f.id), `${format}: ${f.id} twice`).toBe(false);
          // a GeoPackage's geometry travels as its blob as stored, GeoJSON's as coordinates
          if (format === 'gpkg') expect(f.geometry).toBeNull();
          seen.set(f.id, format === 'gpkg' ? Buffer.from(blobs[k] ?? []).toString('base64') : ((f.geometry as { coordinates: Position[][] } | null)?.coordinates ?? []));
        });
      }
      expect(seen.size).toBe(ids.length);
      // the blob the test wrote (its own GP header + WKB writer): byte for byte
      ids.forEach((id, i) => expect(seen.get(id), `${format} ${id}`).toEqual(format === 'gpkg' ? Buffer.from(gpkgBlob({ type: 'Polygon', coordinates: square(i) }, 4326)).toString('base64') : square(i)));
    }
  });
  it('geojson: two features with the same id (fid) fail the job with an InputError naming the fid (bad input: exit 2)', async () => {
    const fc = { type: 'FeatureCollection', features: [0, 1, 2].map((i) => ({ type: 'Feature', id: i === 2 ? 1 : i, properties: { code: `c${i}` }, geometry: { type: 'Polygon', coordinates: square(i) } })) };
    const etag = (await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'dupfid.geojson', Body: JSON.stringify(fc) }))).ETag ?? '';
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'dupfid.json', Body: JSON.stringify({ input: { idColumn: 'code' }, rasters: [{ uri: 's3://zf-rasters/elev.cog.tif' }], stats: ['count'] }) }));
    const failed = planJob({ bucket: 'zf-in', key: 'dupfid.geojson', etag }, deps);
    await expect(failed).rejects.toThrow(/two features with fid 1; local and AWS jobs merge and de-duplicate results by fid, so fids must be unique: number the features/);
    await expect(failed).rejects.toBeInstanceOf(InputError);
  });
});
