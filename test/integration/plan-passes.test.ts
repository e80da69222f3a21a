/**
 * Plan reads a small input once (its features' batch-file records kept in memory, batch-kept.ts) and a large one
 * twice (spill files, batch-spill.ts); when the kept records outgrow its budget mid-read, it reads the input again.
 * The three give the same batch files, byte for byte (the job id aside), against the S3 and DynamoDB stand-ins
 * started here on 127.0.0.1: GeoPackage (bboxes from the blobs on the two-pass path, from the geometries on the
 * one-pass path) and GeoJSON, attributes, NULL ids, a self-intersecting ring (a problem) and a NULL geometry.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CopyObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { StandIns } from '../../shared/local/stand-ins';
import { planJob } from '../../shared/pipeline/plan';
import type { PlanDeps } from '../../shared/pipeline/plan';
import { getBytes, getJson } from '../../shared/pipeline/objects';
import { readBatchFile } from '../../shared/pipeline/batch-file';
import { gpkgBlob, writeGeoPackage } from '../helpers/gpkg-writer';
import { startPlanStandIns } from '../helpers/plan-stand-ins';
import type { PlanStandIns } from '../helpers/plan-stand-ins';
import type { Geometry } from '../../shared/geometry/types';

const EX = join(import.meta.dirname, '../../examples');
const ATTRS = join(import.meta.dirname, '../fixtures/attributes');
let env: StandIns;
let deps: PlanDeps;
let dir: string;
let stands: PlanStandIns;

beforeAll(async () => {
  stands = await startPlanStandIns('zf-plan-passes-');
  ({ env, deps, dir } = stands);
}, 60_000);
afterAll(() => stands.stop());

/** A batch file (format 2, batch-file.ts) as its header JSON, its job id replaced by `JOB`, and the bytes of its records. */
interface Written { header: string; records: Buffer; raw: Buffer }

/**
 * Every batch file of a Plan of `key`, in manifest order; and the log lines. Each Plan is a job of its own: the input
 * and its spec copied under `<run>/` (the same object and ETag at one key would be the same upload, planned once).
 */
async function planned(key: string, run: string, onePass?: PlanDeps['onePass']): Promise<{ files: Written[]; log: string[] }> {
  const log: string[] = [];
  const spec = key.replace(/\.[^.]+$/, '.json');
  await env.s3.send(new CopyObjectCommand({ Bucket: 'zf-in', Key: `${run}/${spec}`, CopySource: `zf-in/${spec}` }));
  const etag = (await env.s3.send(new CopyObjectCommand({ Bucket: 'zf-in', Key: `${run}/${key}`, CopySource: `zf-in/${key}` }))).CopyObjectResult?.ETag ?? '';
  const out = await planJob({ bucket: 'zf-in', key: `${run}/${key}`, etag }, { ...deps, ...(onePass ? { onePass } : {}), log: (m) => log.push(m) });
  const items = (await getJson(env.s3, out.manifest)) as { key: string }[];
  const files = await Promise.all(items.map(async (it) => {
    const raw = Buffer.from((await getBytes(env.s3, { bucket: 'zf-out', key: it.key })) ?? new Uint8Array());
    const headerBytes = raw.readUInt32LE(12);
    return { header: raw.toString('utf8', 16, 16 + headerBytes).replaceAll(out.jobId, 'JOB'), records: raw.subarray(16 + headerBytes), raw };
  }));
  return { files, log };
}

/** Files without their raw bytes (whose headers name the job). */
const comparable = (files: Written[]): { header: string; records: Buffer }[] => files.map(({ header, records }) => ({ header, records }));

const square = (i: number): Geometry => {
  const x = 6 + (i % 9) * 0.013;
  const y = 49.6 + Math.floor(i / 9) * 0.011;
  return { type: 'Polygon', coordinates: [[[x, y], [x + 0.005, y], [x + 0.005, y + 0.004], [x, y + 0.004], [x, y]]] };
};
const bowtie: Geometry = { type: 'Polygon', coordinates: [[[6.1, 49.7], [6.11, 49.71], [6.11, 49.7], [6.1, 49.71], [6.1, 49.7]]] };

describe('Plan: one pass or two, the same batch files', () => {
  const inputs: { key: string; body: () => Buffer; spec: object }[] = [
    {
      key: 'mixed.gpkg',
      body: () => {
        const gpkg = join(dir, 'mixed.gpkg');
        writeGeoPackage(gpkg, [{ name: 'fields', srsId: 4326, geometryType: 'POLYGON', columns: { code: 'TEXT', area: 'REAL' }, features: Array.from({ length: 40 }, (_, i) => ({ geometry: i === 7 ? null : i === 11 ? bowtie : square(i), properties: { code: i % 13 === 5 ? null : `f-${i}-é`, area: i * 1.25 } })) }]);
        return readFileSync(gpkg);
      },
      spec: { input: { idColumn: 'code', include: ['area'] }, rasters: [{ uri: 's3://zf-rasters/elev.cog.tif' }], stats: ['count'], batching: { grid: 'h3', maxFeatures: 6 } },
    },
    {
      // no R-tree (the test's writer), in UTM 32N, the raster in EPSG:4326: a conversion proj4js is checked on against
      // PROJ, on a sample whose centres are the blobs' envelopes'
      key: 'utm.gpkg',
      body: () => {
        const gpkg = join(dir, 'utm.gpkg');
        const utm = (i: number): Geometry => {
          const x = 290_000 + (i % 9) * 1_300;
          const y = 5_500_000 + Math.floor(i / 9) * 1_100;
          return { type: 'Polygon', coordinates: [[[x, y], [x + 500, y], [x + 500, y + 400], [x, y + 400], [x, y]]] };
        };
        writeGeoPackage(gpkg, [{ name: 'fields', srsId: 32632, geometryType: 'POLYGON', columns: { code: 'TEXT' }, features: Array.from({ length: 30 }, (_, i) => ({ geometry: i === 4 ? null : utm(i), properties: { code: `u-${i}` } })) }]);
        return readFileSync(gpkg);
      },
      spec: { input: { idColumn: 'code' }, rasters: [{ uri: 's3://zf-rasters/elev.cog.tif' }], stats: ['count'], batching: { grid: 'h3', maxFeatures: 6 } },
    },
    { key: 'attrs.gpkg', body: () => readFileSync(join(ATTRS, 'attrs.gpkg')), spec: { input: { idColumn: 'code', include: ['name', 'area', 'flag', 'small', 'seen'] }, rasters: [{ uri: 's3://zf-rasters/elev.cog.tif' }], stats: ['count'], batching: { grid: 'h3', maxFeatures: 2 } } },
    { key: 'attrs.geojson', body: () => readFileSync(join(ATTRS, 'attrs.geojson')), spec: { input: { include: ['name', 'area'] }, rasters: [{ uri: 's3://zf-rasters/elev.cog.tif' }], stats: ['count'], batching: { grid: 's2', maxFeatures: 3 } } },
    { key: 'lux.gpkg', body: () => readFileSync(join(EX, 'lux_cantons_2169.gpkg')), spec: { input: { idColumn: 'ID_2' }, rasters: [{ uri: 's3://zf-rasters/elev.cog.tif' }], stats: ['count'], batching: { grid: 'mgrs', maxFeatures: 4 } } },
  ];
  for (const input of inputs) {
    it(`${input.key}: read once, read twice, and kept then dropped mid-read give the same batch files`, async () => {
      const stem = input.key.replace(/\.[^.]+$/, '');
      await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: input.key, Body: input.body() }));
      await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: `${stem}.json`, Body: JSON.stringify(input.spec) }));
      const once = await planned(input.key, `${stem}-once`);
      const twice = await planned(input.key, `${stem}-twice`, { inputBytes: 0, keptBytes: 0 });
      // a budget of half the features' records: kept, then dropped halfway
      const featureBytes = once.files.reduce((sum, f) => sum + f.records.length - 4, 0);
      const dropped = await planned(input.key, `${stem}-dropped`, { inputBytes: 1e9, keptBytes: Math.floor(featureBytes / 2) });
      expect(once.log.join('\n')).toContain('(one pass)');
      expect(twice.log.join('\n')).toContain('spill groups');
      expect(dropped.log.join('\n')).toContain('spill groups');
      expect(once.files.length).toBeGreaterThan(1);
      // utm.gpkg: proj4js, chosen on the sample whose centres come from the blobs' envelopes of the one read that has
      // them (kept: the first; spilled: the second), the same in all three (its box: the sample's extent)
      if (input.key === 'utm.gpkg') {
        const transforms = (JSON.parse(once.files[0]?.header ?? '{}') as { transforms?: { engine: string; box?: { xmin: number } }[] }).transforms ?? [];
        expect(transforms.map((t) => [t.engine, Number.isFinite(t.box?.xmin)])).toEqual([['proj4js', true]]);
      }
      expect(comparable(once.files)).toEqual(comparable(twice.files));
      expect(comparable(dropped.files)).toEqual(comparable(twice.files));
    });
  }

  it('mixed.gpkg: the invalid geometry travels as its blob (the Worker names it), the NULL geometry and the NULL ids as before', async () => {
    const { files } = await planned('mixed.gpkg', 'mixed-check');
    const read = files.map((f) => readBatchFile(f.raw, 'batch'));
    const features = read.flatMap((r) => r.batch.features.map((f, k) => ({ ...f, blob: r.blobs[k] ?? null })));
    expect(features.map((f) => f.fid).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const byFid = new Map(features.map((f) => [f.fid, f]));
    expect([...(byFid.get(12)?.blob ?? [])]).toEqual([...gpkgBlob(bowtie, 4326)]);
    expect(byFid.get(12)).not.toHaveProperty('problem');
    expect(byFid.get(8)).toMatchObject({ geometry: null, blob: null });
    expect(byFid.get(6)).toMatchObject({ id: '', idNull: true, attributes: [6.25] });
    // a computable feature's geometry: its blob as stored (the test's own GP header + WKB writer), no GeoJSON
    expect(byFid.get(1)).toMatchObject({ id: 'f-0-é', attributes: [0], geometry: null });
    expect([...(byFid.get(1)?.blob ?? [])]).toEqual([...gpkgBlob(square(0), 4326)]);
  });
});
