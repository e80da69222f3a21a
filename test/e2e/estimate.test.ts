/**
 * `zonalflow estimate` measured against a real `zonalflow local` run of the same input and spec:
 * the features, batches, raster range requests and objects written that the estimate predicts are
 * the counts the local run reports (summary.json, the objects under the job's output prefix). The estimate counts
 * each batch's requests as a cold Lambda environment makes them: the run starts every batch at once (a Map
 * concurrency of the batches' number), so each starts a sandbox of its own, cold (shared/local/sandbox-deps.ts).
 * A run whose batches share warm sandboxes reads fewer: from the first batch's header and tiles on, a later
 * batch on the same sandbox reads neither again.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { estimateJob } from '../../shared/estimate/estimate';
import { s3Puts } from '../../shared/estimate/model';
import { parseJobSpec } from '../../shared/spec';
import { LOCAL_ONLY } from '../../shared/io/uri';
import { runLocal } from '../../shared/local/runner';
import { writeGeoPackage } from '../helpers/gpkg-writer';
import { writeCog } from '../helpers/cog-writer';
import type { Position } from '../../shared/geometry/types';

const dir = mkdtempSync(join(tmpdir(), 'zf-estimate-'));

describe('estimate vs a local run', () => {
  it('reprojects the features into the raster CRS (the example: EPSG:2169 cantons over a WGS 84 COG)', async () => {
    const root = join(import.meta.dirname, '..', '..');
    const spec = parseJobSpec({ rasters: [{ name: 'elev', uri: join(root, 'examples', 'elev.cog.tif') }], stats: ['mean'] });
    const { estimate, shape } = await estimateJob({ input: join(root, 'examples', 'lux_cantons_2169.gpkg'), spec, allowed: LOCAL_ONLY });
    expect(estimate.features).toBe(12);
    expect(shape.cells).toBeGreaterThan(0); // the cantons land on the raster
    expect(estimate.requests.rasterGets).toBeGreaterThanOrEqual(estimate.batches * 2); // a header and at least one tile range per batch
  }, 120_000);

  it('predicts the batches, features, raster requests and output objects the run makes', async () => {
    const raster = join(dir, 'r.tif');
    // 1024 x 1024 cells of 0.01 degree, 128-cell tiles: fields spread over many tiles
    writeCog(raster, { width: 1024, height: 1024, dtype: 'uint16', tileSize: 128, epsg: 4326, transform: [0, 10.24, 0.01, 0.01], compression: 'deflate', value: (r, c) => (r * 7 + c * 3) % 1000 });
    const sq = (x: number, y: number, s: number): Position[] => [[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]];
    const features = [];
    for (let i = 0; i < 60; i++) features.push({ geometry: { type: 'Polygon' as const, coordinates: [sq(0.3 + (i % 10) * 0.95, 0.4 + Math.floor(i / 10) * 1.6, 0.2 + (i % 3) * 0.05)] } });
    const input = join(dir, 'fields.gpkg');
    writeGeoPackage(input, [{ name: 'fields', srsId: 4326, features }]);
    const specJson = { rasters: [{ name: 'r', uri: raster }], stats: ['count', 'mean'], batching: { grid: 'h3', maxFeatures: 8 }, output: { formats: ['parquet', 'json'] } };
    const specFile = join(dir, 'job.json');
    writeFileSync(specFile, JSON.stringify(specJson));

    const { estimate, shape } = await estimateJob({ input, spec: parseJobSpec(specJson), allowed: LOCAL_ONLY });
    const run = await runLocal({ input, spec: specFile, out: join(dir, 'out'), mapConcurrency: estimate.batches });
    expect(run.status).toBe('DONE');
    const summary = JSON.parse(readFileSync(join(dir, 'out', 'summary.json'), 'utf8')) as { features: { total: number }; batches: { total: number }; requests: number; bytesRead: number };
    expect(estimate.features).toBe(60);
    expect(summary.features.total).toBe(estimate.features);
    expect(summary.batches.total).toBe(estimate.batches);
    expect(estimate.batches).toBeGreaterThan(4);
    expect(summary.requests).toBe(estimate.requests.rasterGets);
    // one batch at a time on one sandbox: its later batches take the header and the tiles the earlier ones read
    await runLocal({ input, spec: specFile, out: join(dir, 'warm'), mapConcurrency: 1, lambdaThreads: 1 });
    const warm = JSON.parse(readFileSync(join(dir, 'warm', 'summary.json'), 'utf8')) as { requests: number; batches: { total: number } };
    expect(warm.batches.total).toBe(estimate.batches);
    expect(warm.requests).toBeLessThanOrEqual(estimate.requests.rasterGets - (estimate.batches - 1));
    // objects under the job's output prefix: Collect's and the workers' per-feature JSON
    const puts = s3Puts(shape);
    expect(run.files.length).toBe(puts.collect + shape.features);
  }, 120_000);
});
