/**
 * Plan refuses an included attribute (`input.include`) named like one of the job's statistic columns with the line
 * `stats` and `estimate` give (engine/job-checks.ts includedColumns), before anything is written, where every
 * Worker of the job failed on it: a zonal job (the columns from the rasters' headers Plan opens), a time series
 * (the columns from the spec alone, no raster opened), against the S3 and DynamoDB stand-ins started here on
 * 127.0.0.1. The advice names what to rename for the job's kind (a raster; a band-math output or an asset of a
 * time series, whose date column cannot be renamed). An attribute that clashes with nothing still plans.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { StandIns } from '../../shared/local/stand-ins';
import { readBatchObject } from '../helpers/batch-files';
import { planJob } from '../../shared/pipeline/plan';
import type { PlanDeps } from '../../shared/pipeline/plan';
import { jobIdFor, specDigest, workKeys } from '../../shared/pipeline/keys';
import { writeGeoPackage } from '../helpers/gpkg-writer';
import { startPlanStandIns } from '../helpers/plan-stand-ins';
import type { PlanStandIns } from '../helpers/plan-stand-ins';
import type { Polygon } from '../../shared/geometry/types';

let env: StandIns;
let deps: PlanDeps;
let dir: string;
let stands: PlanStandIns;

beforeAll(async () => {
  stands = await startPlanStandIns('zf-plan-include-');
  ({ env, deps, dir } = stands);
}, 60_000);
afterAll(() => stands.stop());

/** A time series over two assets and one band-math output (ndvi): its statistic columns are datetime, ndvi_mean. */
const STAC = { api: 'https://stac.example.com/v1', collections: ['sentinel-2-l2a'], datetime: '2024-04-01/2024-04-30', assets: { red: 'red', nir: 'nir' } };
const TIMESERIES = { stac: STAC, bands: { ndvi: '(nir - red) / (nir + red)' }, stats: ['mean'] };
const ZONAL = { rasters: [{ uri: 's3://zf-rasters/elev.cog.tif' }], stats: ['count', 'mean'] };

/** Plans a GeoPackage of three squares with columns code and `clash` under `spec` plus `include`; the error and what Plan wrote. */
async function planWith(name: string, spec: Record<string, unknown>, include: string[]): Promise<{ error: Error | null; written: string[]; etag: string }> {
  const file = join(dir, `${name}.gpkg`);
  const squares = [0, 1, 2].map((i) => ({ geometry: { type: 'Polygon', coordinates: [[[6 + i * 0.01, 49.6], [6.005 + i * 0.01, 49.6], [6.005 + i * 0.01, 49.605], [6 + i * 0.01, 49.605], [6 + i * 0.01, 49.6]]] } satisfies Polygon, properties: { code: `c${i}`, elev_mean: i, elev2_mean: i, ndvi_mean: i, red_mean: i, datetime: 'x' } }));
  writeGeoPackage(file, [{ name: 'fields', srsId: 4326, geometryType: 'POLYGON', columns: { code: 'TEXT', elev_mean: 'REAL', elev2_mean: 'REAL', ndvi_mean: 'REAL', red_mean: 'REAL', datetime: 'TEXT' }, features: squares }]);
  const full = { ...spec, input: { include } };
  await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: `${name}.json`, Body: JSON.stringify(full) }));
  // the event carries the upload's ETag (Plan reads that version only)
  const etag = (await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: `${name}.gpkg`, Body: readFileSync(file) }))).ETag ?? '';
  const error = await planJob({ bucket: 'zf-in', key: `${name}.gpkg`, etag }, deps).then(() => null, (e: unknown) => e as Error);
  const root = workKeys('_work/', jobIdFor('zf-in', `${name}.gpkg`, etag, specDigest(full))).root;
  const listed = await env.s3.send(new ListObjectsV2Command({ Bucket: 'zf-out', Prefix: root }));
  return { error, written: (listed.Contents ?? []).map((o) => (o.Key ?? '').slice(root.length)), etag };
}

const clashLine = (attr: string): RegExp => new RegExp(`^input\\.include \\(--include-cols\\): the attribute "${attr}" has the name of a statistic column; `);

describe('Plan refuses an included attribute named like a statistic column, before any batch file', () => {
  it('zonal: elev_mean beside the statistic column elev_mean fails the job at Plan with the one line, nothing written', async () => {
    const r = await planWith('zonal-clash', ZONAL, ['code', 'elev_mean']);
    expect(r.error?.name).toBe('SpecError');
    expect(r.error?.message).toMatch(clashLine('elev_mean'));
    expect(r.error?.message).toMatch(/; rename the raster \(--raster NAME=URI, or the spec's "name"\) or leave the attribute out$/);
    expect(r.error?.message.split('\n')).toHaveLength(1);
    expect(r.written).toEqual([]);
  });
  it('zonal: a band-math output\'s column (elev2 + mean) names the output in the spec\'s bands', async () => {
    const r = await planWith('zonal-bandmath', { ...ZONAL, bands: { elev2: 'elev * 2' } }, ['elev2_mean']);
    expect(r.error?.message).toBe('input.include (--include-cols): the attribute "elev2_mean" has the name of a statistic column; rename the band-math output "elev2" (the spec\'s bands) or leave the attribute out');
    expect(r.written).toEqual([]);
  });
  it('zonal: attributes that clash with no statistic column plan, carried in the batch files', async () => {
    // ndvi_mean is no column of this job (no band math): only elev_count and elev_mean are
    const r = await planWith('zonal-ok', ZONAL, ['code', 'ndvi_mean']);
    expect(r.error).toBeNull();
    const batch = r.written.find((k) => k.startsWith('batches/'));
    const root = workKeys('_work/', jobIdFor('zf-in', 'zonal-ok.gpkg', r.etag, specDigest({ ...ZONAL, input: { include: ['code', 'ndvi_mean'] } }))).root;
    const { batch: file } = await readBatchObject(env.s3, 'zf-out', `${root}${batch ?? ''}`);
    expect(file.attributes?.map((a) => a.name)).toEqual(['code', 'ndvi_mean']);
  });
  it('time series: ndvi_mean (a band-math output and mean), red_mean (an asset) and datetime fail the job at Plan, no raster opened, nothing written; the advice names what to rename in the spec', async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['ndvi_mean', TIMESERIES, 'rename the band-math output "ndvi" (the spec\'s bands) or leave the attribute out'],
      ['red_mean', { ...TIMESERIES, outputs: ['red', 'ndvi'] }, 'rename the asset "red" (its key in the spec\'s stac.assets) or leave the attribute out'],
      ['datetime', TIMESERIES, 'a time series always writes "datetime": leave the attribute out'],
    ];
    for (const [attr, spec, advice] of cases) {
      const r = await planWith(`ts-clash-${attr}`, spec, [attr]);
      expect(r.error?.name, attr).toBe('SpecError');
      expect(r.error?.message, attr).toBe(`input.include (--include-cols): the attribute "${attr}" has the name of a statistic column; ${advice}`);
      expect(r.error?.message.split('\n'), attr).toHaveLength(1);
      expect(r.written, attr).toEqual([]);
    }
  });
  it('time series: an attribute that clashes with nothing passes the check and Plan goes on to the STAC search', async () => {
    // the search is the next step that can refuse: this test's API host is not on the allow-list (no STAC API here)
    const r = await planWith('ts-ok', TIMESERIES, ['code', 'elev_mean']);
    expect(r.error?.message).not.toMatch(/statistic column/);
    expect(r.error?.message).toMatch(/stac\.example\.com/);
  });
});
