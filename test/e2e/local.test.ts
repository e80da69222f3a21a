/**
 * End to end, all local: the example job through the synthesized state
 * machine (aws-local-stepfunctions + the Distributed Map adapter), handlers
 * in-process, S3/DynamoDB stand-ins. Results equal `zonalflow stats`;
 * poisoned features, a worker that dies once and Lambda throttling are
 * absorbed as deployed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLocal } from '../../shared/local/runner';
import { readResultParquet } from '../../shared/output/read-parquet';
import { runStatsJob } from '../../shared/engine/stats-job';
import { parseJobSpec } from '../../shared/spec';
import { LOCAL_ONLY } from '../../shared/io/uri';
import { writeGeoPackage } from '../helpers/gpkg-writer';

const EX = join(import.meta.dirname, '../../examples');
const spec = { input: { idColumn: 'ID_2' }, rasters: [{ name: 'elev', uri: join(EX, 'elev.cog.tif') }], stats: ['count', 'mean', 'min', 'max', 'stdev', 'median'], batching: { grid: 'h3', maxFeatures: 4 }, output: { formats: ['parquet', 'json'] } };
const out = (): string => mkdtempSync(join(tmpdir(), 'zf-e2e-'));

describe('zonalflow local', () => {
  it('the example job end to end equals zonalflow stats (direct start)', async () => {
    const dir = out();
    const r = await runLocal({ input: join(EX, 'lux_cantons_2169.gpkg'), spec, out: dir });
    expect(r.status).toBe('DONE');
    const results = await readResultParquet(readFileSync(join(dir, 'results.parquet')));
    const local = await runStatsJob({ input: join(EX, 'lux_cantons_2169.gpkg'), spec: parseJobSpec(spec), allowed: LOCAL_ONLY });
    expect(results.columns).toEqual(local.columns);
    expect(results.rows).toEqual(local.rows);
    // ID_2 is a REAL column (ogrinfo: "ID_2: Real"): the id is a JSON number, as GDAL types the field (d507b8e)
    expect(JSON.parse(readFileSync(join(dir, 'features/1.json'), 'utf8'))).toMatchObject({ id: 1, fid: 1, elev_mean: local.rows[0]?.values[1] });
  });

  it('EPSG:4326 fields over a UTM raster: local equals zonalflow stats to the last bit, both reprojecting with the transform chosen on the layer\'s sample (proj4js), as ogr2ogr (PROJ) + exactextract', async () => {
    // test/fixtures/crs-conversion: 40 fields in EPSG:4326 over an EPSG:32631 raster; expected_job.csv by ogr2ogr -t_srs + exactextract (make_job.py)
    const conv = join(import.meta.dirname, '../fixtures/crs-conversion');
    const convSpec = { input: { idColumn: 'field_id' }, rasters: [{ name: 'r', uri: join(conv, 'utm31.tif') }], stats: ['count', 'mean', 'min', 'max', 'stdev'], batching: { grid: 'h3', maxFeatures: 8 }, output: { formats: ['parquet'] } };
    const dir = out();
    const r = await runLocal({ input: join(conv, 'fields.gpkg'), spec: convSpec, out: dir });
    expect(r.status).toBe('DONE');
    const results = await readResultParquet(readFileSync(join(dir, 'results.parquet')));
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { crs?: { transformation: string }[] };
    const lines = readFileSync(join(conv, 'expected_job.csv'), 'utf8').trim().split('\n').slice(1);
    expect(lines).toHaveLength(40);
    // stats prepares a GeoPackage in this thread (a small one) or on its prepare thread (a large one): the same choice either way
    for (const prepareThread of [false, true]) {
      const stats = await runStatsJob({ input: join(conv, 'fields.gpkg'), spec: parseJobSpec(convSpec), allowed: LOCAL_ONLY, prepareThread });
      expect(stats.summary.crs?.[0]?.transformation, `prepareThread ${prepareThread}`).toMatch(/^no datum shift \(same datum\); computed by proj4js \(a pure conversion, within 1e-6 m of PROJ/);
      expect(results.columns).toEqual(stats.columns);
      expect(results.rows, `prepareThread ${prepareThread}`).toEqual(stats.rows);
      expect(summary.crs?.[0]?.transformation).toBe(stats.summary.crs?.[0]?.transformation);
    }
    // and `zonalflow stats` as a user runs it (bin/zonalflow.mjs: a small GeoPackage, prepared in the job's thread, PROJ on a host thread)
    const csv = join(dir, 'stats.csv');
    const cli = spawnSync(process.execPath, [join(import.meta.dirname, '../../bin/zonalflow.mjs'), 'stats', '--input', join(conv, 'fields.gpkg'), '--raster', join(conv, 'utm31.tif'), '--id-column', 'field_id', '--stats', 'count,mean,min,max,stdev', '--out', csv, '--quiet'], { encoding: 'utf8', timeout: 120_000 });
    expect(cli.status, cli.stderr).toBe(0);
    const csvRows = readFileSync(csv, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    // id, fid, the five statistics (shortest round-trip decimals: the same doubles), error
    expect(csvRows.map((c) => [c[0], Number(c[1]), c.slice(2, 7).map(Number)])).toEqual(results.rows.map((row) => [row.id, row.fid, row.values]));
    const rel = (a: unknown, b: number): number => Math.abs(Number(a) - b) / Math.max(1, Math.abs(b));
    const byId = new Map(results.rows.map((row) => [row.id, row]));
    for (const line of lines) {
      const [id, count, mean] = line.split(',');
      const row = byId.get(id as string);
      expect(row?.error, id).toBeNull();
      expect(rel(row?.values[0], Number(count)), id).toBeLessThan(1e-6);
      expect(rel(row?.values[1], Number(mean)), id).toBeLessThan(1e-9);
    }
  }, 120_000);

  it('the trigger path: the upload matches the template\'s EventBridge rule, which starts the execution', async () => {
    const r = await runLocal({ input: join(EX, 'lux_cantons_2169.gpkg'), spec, out: out(), trigger: 'event' });
    expect(r.status).toBe('DONE');
  });

  it('poisoned features give PARTIAL with reasons; a worker dying once is retried and counted once; throttling is absorbed by the Retry', async () => {
    const dir = out();
    const gpkg = join(dir, 'fields.gpkg');
    const sq = (x: number, y: number): [number, number][] => [[x, y], [x + 0.05, y], [x + 0.05, y + 0.05], [x, y + 0.05], [x, y]];
    writeGeoPackage(gpkg, [{
      name: 'fields', srsId: 4326, columns: { name: 'TEXT' },
      features: [
        ...Array.from({ length: 10 }, (_, i) => ({ geometry: { type: 'Polygon' as const, coordinates: [sq(5.8 + i * 0.06, 49.5)] }, properties: { name: `f${i}` } })),
        { geometry: { type: 'Polygon', coordinates: [[[6, 49.6], [6.1, 49.6], [6.05, 49.7]]] }, properties: { name: 'unclosed' } },
        { geometry: null, properties: { name: 'empty' } },
      ],
    }]);
    const lines: string[] = [];
    const r = await runLocal({ input: gpkg, spec: { ...spec, input: { idColumn: 'name' } }, out: join(dir, 'out'), throttleFirst: 2, faults: ['worker-crash'], timeScale: 0.01, log: (l) => lines.push(l) });
    expect(r.status).toBe('PARTIAL');
    expect(lines.some((l) => l.includes('throttled (injected)'))).toBe(true);
    expect(lines.some((l) => l.includes('(injected worker-crash)'))).toBe(true);
    const summary = JSON.parse(readFileSync(join(dir, 'out/summary.json'), 'utf8')) as { status: string; features: { total: number; done: number; failed: number }; failures: { id: string; reason: string }[] };
    expect(summary.features).toEqual({ total: 12, done: 10, failed: 2, missing: 0 });
    expect(summary.failures.map((f) => f.id).sort()).toEqual(['empty', 'unclosed']);
    const results = await readResultParquet(readFileSync(join(dir, 'out/results.parquet')));
    expect(results.rows.map((row) => row.fid)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('warm sandboxes: a function\'s invocations reuse its sandboxes (a Map\'s Workers about as many as run at once), a crashed one is replaced; on a Lambda thread and in-process alike', async () => {
    const oneEach = { ...spec, batching: { grid: 'h3', maxFeatures: 1 } };
    const clean = await runLocal({ input: join(EX, 'lux_cantons_2169.gpkg'), spec: oneEach, out: out(), lambdaThreads: 1 });
    expect(clean.status).toBe('DONE');
    // one batch a canton: 12 Worker invocations in three sandboxes (three Map children at once with one Lambda thread)
    expect(clean.coldStarts).toEqual({ Plan: 1, Worker: 3, Collect: 1 });
    for (const lambdaThreads of [1, 0]) {
      const dir = out();
      const r = await runLocal({ input: join(EX, 'lux_cantons_2169.gpkg'), spec: oneEach, out: dir, lambdaThreads, faults: ['worker-crash'], timeScale: 0.01 });
      expect(r.status, `lambdaThreads ${lambdaThreads}`).toBe('DONE');
      // the crashed invocation's sandbox is discarded (Lambda resets it): a fourth one takes its place among the three at once
      expect(r.coldStarts, `lambdaThreads ${lambdaThreads}`).toEqual({ Plan: 1, Worker: 4, Collect: 1 });
      expect(r.retries).toBe(1);
      const results = await readResultParquet(readFileSync(join(dir, 'results.parquet')));
      expect(results.rows.map((row) => row.fid)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    }
  });

  it('a raster that does not exist fails the job at Plan (it opens every raster before the fan-out) with the cause recorded, read as "does not exist" (not S3\'s 403)', async () => {
    const dir = out();
    const r = await runLocal({ input: join(EX, 'lux_cantons_2169.gpkg'), spec: { ...spec, rasters: [{ name: 'elev', uri: 's3://zonalflow-rasters/missing.tif' }], batching: { grid: 'h3', maxFeatures: 100 } }, out: dir });
    expect(r.status).toBe('FAILED');
    expect(r.error?.code).toBe('RasterError');
    expect(r.denials).toEqual([]);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { status: string; error: { code: string; message: string } };
    expect(summary.status).toBe('FAILED');
    expect(summary.error.code).toBe('RasterError');
    expect(summary.error.message).toMatch(/^a raster of the spec cannot be read: s3:\/\/zonalflow-rasters\/missing\.tif does not exist/);
  });
});
