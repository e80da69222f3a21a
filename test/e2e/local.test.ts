/**
 * End to end, all local: the example job through the synthesized state
 * machine (aws-local-stepfunctions + the Distributed Map adapter), handlers
 * in-process, S3/DynamoDB stand-ins. Results equal `zonalflow stats`;
 * poisoned features, a worker that dies once and Lambda throttling are
 * absorbed as deployed.
 */
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
