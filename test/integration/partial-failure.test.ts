/**
 * One bad tile never sinks the job (case corrupt-tile of ../shared/cases, inputs in
 * test/fixtures/cases/): only the features whose windows need the tile fail, each with the reason;
 * the rest is computed, in `zonalflow stats` (the engine) and in `zonalflow local` (PARTIAL, the
 * failure listed). Expected values by hand: the raster holds 64 row + column, so the 2 x 2 square at
 * the centre of tile (R, C) has count 4 and mean 64 (16 R + 7.5) + 16 C + 7.5.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStatsJob } from '../../shared/engine/stats-job';
import { openZonalRasters } from '../../shared/engine/rasters';
import { ZonalEngine } from '../../shared/engine/zonal';
import { openGeoPackage } from '../../shared/features/gpkg';
import { parseJobSpec } from '../../shared/spec';
import { LOCAL_ONLY } from '../../shared/io/uri';
import { MemorySource } from '../../shared/io/source.memory';
import type { ByteSource } from '../../shared/io/source';
import { SourceError } from '../../shared/errors';
import { runLocal } from '../../shared/local/runner';

const FIX = join(import.meta.dirname, '../fixtures/cases');
const CORRUPT = join(FIX, 'corrupt-tile/corrupt_tile0.tif');
const BASE = join(FIX, 'redirect-loopback/base.tif');
const TILES = join(FIX, 'redirect-loopback/tiles.gpkg');
const expectedMean = (name: string): number => 64 * (16 * Number(name[1]) + 7.5) + 16 * Number(name[2]) + 7.5;

describe('a corrupt tile fails only the features that need it (case corrupt-tile)', () => {
  it('stats: t00 carries the reason, the 15 others are exact', async () => {
    const spec = parseJobSpec({ input: { idColumn: 'name' }, rasters: [{ uri: CORRUPT }], stats: ['count', 'mean'] });
    const r = await runStatsJob({ input: TILES, spec, allowed: LOCAL_ONLY });
    expect(r.summary).toMatchObject({ features: 16, done: 15, failed: 1 });
    expect(r.summary.failures.map((f) => f.id)).toEqual(['t00']);
    expect(r.summary.failures[0]?.reason).toMatch(/feature "t00" \(fid 1\): .*tile.*corrupt_tile0\.tif|corrupt_tile0\.tif.*tile/);
    for (const row of r.rows.filter((x) => x.id !== 't00')) {
      expect(row.error).toBeNull();
      expect(row.values).toEqual([4, expectedMean(row.id)]);
    }
  });

  it('a missing or forbidden byte range fails the features on it; a persistent 503 sinks the chunk (retried as a batch)', async () => {
    const bytes = new Uint8Array(readFileSync(BASE));
    const failing = (status: number): ByteSource => {
      const mem = new MemorySource('mem://base.tif', bytes);
      // base.tif stores its 16 uncompressed tiles (512 bytes each) from byte 8 on, the header after them: fail any request past the header read reaching into tile 15 (bytes 7688..8199)
      return { uri: mem.uri, size: () => mem.size(), fetch: (o, l) => (o + l > 7688 && o > 0 ? Promise.reject(new SourceError(`mem://base.tif answered HTTP ${status}`, { status })) : mem.fetch(o, l)) };
    };
    const gpkg = openGeoPackage(TILES);
    try {
      const layer = gpkg.layer();
      const features = [...layer.features({ idColumn: 'name', columns: [] })];
      for (const status of [404, 403]) {
        const rasters = await openZonalRasters([{ uri: BASE }], { allowed: LOCAL_ONLY, wrapSource: () => failing(status) });
        const engine = new ZonalEngine(rasters, layer.crs, { stats: ['count', 'mean'], coverage: 'exact', maxCellsInMemory: 1 << 20 });
        const rows = await engine.computeChunk(features);
        const failed = rows.filter((x) => x.error !== null);
        expect(failed.map((x) => x.id)).toEqual(['t33']); // only t33 lies on tile 15
        for (const row of failed) expect(row.error).toMatch(new RegExp(`SOURCE_FAILED: feature "${row.id}" .*HTTP ${status}`));
        for (const row of rows.filter((x) => x.error === null)) expect(row.values).toEqual([4, expectedMean(row.id)]);
      }
      const rasters = await openZonalRasters([{ uri: BASE }], { allowed: LOCAL_ONLY, wrapSource: () => failing(503) });
      const engine = new ZonalEngine(rasters, layer.crs, { stats: ['count', 'mean'], coverage: 'exact', maxCellsInMemory: 1 << 20 });
      await expect(engine.computeChunk(features)).rejects.toThrow(/HTTP 503/);
    } finally {
      gpkg.close();
    }
  });

  it('local: PARTIAL, t00 among the failures with its reason, features of its batch computed', async () => {
    const out = mkdtempSync(join(tmpdir(), 'zf-corrupt-'));
    const r = await runLocal({ input: TILES, out, spec: { input: { idColumn: 'name' }, rasters: [{ name: 'r', uri: CORRUPT }], stats: ['count', 'mean'], output: { formats: ['parquet', 'csv'] }, batching: { grid: 'h3', maxFeatures: 4 } } });
    expect(r.status).toBe('PARTIAL');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { status: string; features: { total: number; done: number; failed: number }; failures: { id: string; reason: string }[] };
    expect(summary.status).toBe('PARTIAL');
    expect(summary.features).toMatchObject({ total: 16, done: 15, failed: 1 });
    expect(summary.failures.map((f) => f.id)).toEqual(['t00']);
    const csv = readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n').slice(1);
    expect(csv).toHaveLength(16);
    for (const line of csv.filter((l) => !l.startsWith('t00'))) {
      const [id, , count, mean] = line.split(',');
      expect([Number(count), Number(mean)]).toEqual([4, expectedMean(id ?? '')]);
    }
  }, 120_000);
});
