/**
 * Plan refuses a layer whose CRS PROJ cannot use with the line `stats` and `estimate` give (engine/job-checks.ts
 * checkLayerCrs: CRS_UNRESOLVED naming the input and the layer, PROJ's WKT parse error on one line), before any batch
 * file is written, where it failed with PROJ's own message on three lines (its "Error occurred around:" context and
 * caret), naming neither. A zonal job and a time series alike, against the S3 and DynamoDB stand-ins started here
 * on 127.0.0.1; `stats` runs on the same GeoPackage and spec for the expected line.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { StandIns } from '../../shared/local/stand-ins';
import { planJob } from '../../shared/pipeline/plan';
import type { PlanDeps } from '../../shared/pipeline/plan';
import { jobIdFor, specDigest, workKeys } from '../../shared/pipeline/keys';
import { writeGeoPackage } from '../helpers/gpkg-writer';
import { startPlanStandIns } from '../helpers/plan-stand-ins';
import type { PlanStandIns } from '../helpers/plan-stand-ins';
import { runCli } from '../cases/run-cli';
import type { Polygon } from '../../shared/geometry/types';

let env: StandIns;
let deps: PlanDeps;
let dir: string;
let stands: PlanStandIns;

beforeAll(async () => {
  stands = await startPlanStandIns('zf-plan-crs-');
  ({ env, deps, dir } = stands);
}, 60_000);
afterAll(() => stands.stop());

/** A WKT PROJ cannot parse (a SPHEROID without its closing field), as estimate-checks.test.ts has it. */
const BAD_WKT = 'PROJCS["nonsense",GEOGCS["x",DATUM["y",SPHEROID["z",0,0]]],PROJECTION["No_Such_Projection"],UNIT["metre",1]]';
const square: Polygon = { type: 'Polygon', coordinates: [[[76000, 75000], [77000, 75000], [77000, 76000], [76000, 76000], [76000, 75000]]] };

describe('Plan refuses a layer CRS PROJ cannot use with the line stats gives', () => {
  it.each([
    ['zonal', { rasters: [{ name: 'elev', uri: 's3://zf-rasters/elev.cog.tif' }], stats: ['mean'] }, { rasters: [{ name: 'elev', uri: join(import.meta.dirname, '../../examples/elev.cog.tif') }], stats: ['mean'] }],
    ['timeseries', { stac: { api: 'https://stac.example.com/v1', collections: ['c'], datetime: '2024-04-01/2024-04-30', assets: { red: 'red' } }, stats: ['mean'] }, null],
  ] as const)('%s: CRS_UNRESOLVED naming the input and the layer, one line, nothing written', async (name, spec, statsSpec) => {
    // Prepare: one square in a layer whose srs 990001 is that WKT
    const file = join(dir, `${name}.gpkg`);
    writeGeoPackage(file, [{ name: 'l', srsId: 990001, srsWkt: BAD_WKT, features: [{ geometry: square, properties: {} }] }]);
    // the event carries the upload's ETag (Plan reads that version only)
    const etag = (await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: `${name}.gpkg`, Body: readFileSync(file) }))).ETag ?? '';
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: `${name}.json`, Body: JSON.stringify(spec) }));
    // Act
    const error = await planJob({ bucket: 'zf-in', key: `${name}.gpkg`, etag }, deps).then(() => null, (e: unknown) => e as Error & { code?: string });
    // Assess: the job's line, naming the input as the job has it (s3://bucket/key)
    expect(error?.name).toBe('CrsError');
    expect(error?.code).toBe('CRS_UNRESOLVED');
    const line = `s3://zf-in/${name}.gpkg: layer "l": cannot use the CRS srs 990001: Parsing error : syntax error, unexpected ']', expecting ',', near ",GEOGCS["x",DATUM["y",SPHEROID["z",0,0]]]"`;
    expect(error?.message).toBe(line);
    const root = workKeys('_work/', jobIdFor('zf-in', `${name}.gpkg`, etag, specDigest(spec))).root;
    expect((await env.s3.send(new ListObjectsV2Command({ Bucket: 'zf-out', Prefix: root }))).Contents ?? []).toEqual([]);
    // ... the line `stats` gives for the same file (its path as the user named it), exit 1
    const specFile = join(dir, `${name}-stats.json`);
    writeFileSync(specFile, JSON.stringify(statsSpec ?? spec));
    const stats = await runCli(['stats', '--input', file, '--spec', specFile, '--out', join(dir, `${name}.csv`), '--quiet']);
    expect([stats.code, stats.err]).toEqual([1, `zonalflow: error [CRS_UNRESOLVED]: ${line.replace(`s3://zf-in/${name}.gpkg`, file)}\n`]);
  }, 60_000);
});
