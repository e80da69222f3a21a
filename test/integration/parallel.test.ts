/**
 * Worker threads (issue 17): the rows of a job computed on several worker threads, over several
 * chunks, are IDENTICAL to one thread's (every value, every error, the order), and the summary counts
 * agree. Fixtures: the L7 fields (200 polygons in EPSG:4326, reprojected to the raster's EPSG:31985,
 * six crossing its edge; 6 bands) with exactextract's values (test/fixtures/reference, 1e-6
 * relative: the threads are right, not merely equal), population weights on the L7 grid and on a
 * 3x finer grid (test/fixtures/exactextract-ops), and a GeoPackage written here with features
 * that fail (empty, self-intersecting, outside the CRS's domain) between valid ones.
 */
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStatsJob } from '../../shared/engine/stats-job';
import type { StatsJobResult } from '../../shared/engine/stats-job';
import { parseJobSpec } from '../../shared/spec';
import type { JobSpecInput } from '../../shared/spec';
import { LOCAL_ONLY } from '../../shared/io/uri';
import { writeGeoPackage } from '../helpers/gpkg-writer';

const REF = join(import.meta.dirname, '../fixtures/reference');
const OPS = join(import.meta.dirname, '../fixtures/exactextract-ops');
const L7 = join(REF, 'data/l7/L7_ETMs.cog.tif');
const FIELDS = join(REF, 'data/l7/l7_fields_4326.gpkg');

async function run(spec: JobSpecInput, input: string, threads: number, chunkSize: number): Promise<StatsJobResult> {
  return runStatsJob({ input, spec: parseJobSpec(spec), allowed: LOCAL_ONLY, threads, chunkSize });
}

/** Rows without the summary's timings: every value, error and fid, in order. */
function expectSameRows(a: StatsJobResult, b: StatsJobResult): void {
  expect(b.columns).toStrictEqual(a.columns);
  expect(b.rows.length).toBe(a.rows.length);
  expect(b.rows).toStrictEqual(a.rows);
  expect({ ...b.summary, seconds: 0, timings: null, bytesRead: 0, requests: 0, fileReads: 0 }).toStrictEqual({ ...a.summary, seconds: 0, timings: null, bytesRead: 0, requests: 0, fileReads: 0 });
}

describe('worker threads compute exactly what one thread computes', () => {
  const spec: JobSpecInput = {
    input: { idColumn: 'field_id' },
    rasters: [{ name: 'l7', uri: L7 }],
    stats: ['count', 'sum', 'mean', 'min', 'max', 'stdev', 'median', 'majority', 'minority', 'variety', 'q25', 'q75', 'histogram'],
    histogram: { bins: 8, range: [0, 256] },
  };

  it('L7 fields, 6 bands, reprojected: 1 thread = 3 threads (13 chunks of 16) = 2 threads (4 chunks of 50), and both match exactextract', async () => {
    const one = await run(spec, FIELDS, 1, 16);
    const three = await run(spec, FIELDS, 3, 16);
    const two = await run(spec, FIELDS, 2, 50);
    expect(one.rows.length).toBe(200);
    expectSameRows(one, three);
    expectSameRows(one, two);
    // the oracle: exactextract 0.3.1 on the same fields (reprojected by ogr2ogr)
    const lines = readFileSync(join(REF, 'expected/l7__fields_4326__exact.csv'), 'utf8').trim().split('\n');
    const head = (lines.shift() ?? '').split(',');
    const col = (n: string): number => head.indexOf(n);
    let compared = 0;
    for (const line of lines) {
      const v = line.split(',');
      const row = three.rows.find((r) => r.id === v[col('field_id')]);
      const band = Number(v[col('band')]);
      for (const stat of ['count', 'mean', 'min', 'max']) {
        const c = three.columns.findIndex((k) => k.name === `l7_b${band}_${stat}`);
        const want = Number(v[col(stat)]);
        const got = row?.values[c];
        if (!Number.isFinite(want)) continue;
        expect(typeof got).toBe('number');
        expect(Math.abs((got as number) - want)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want)));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(4000);
  }, 120_000);

  it('a weights raster on a 3x finer grid (reopened by each worker): 1 thread = 2 threads', async () => {
    const weighted: JobSpecInput = {
      input: { idColumn: 'field_id' },
      rasters: [{ name: 'cls', uri: join(OPS, 'l7_classes.tif') }],
      weights: { uri: join(OPS, 'l7_pop_fine.tif') },
      stats: ['count', 'weighted_mean', 'weighted_sum', 'frac', 'weighted_frac', 'unique'],
    };
    expectSameRows(await run(weighted, FIELDS, 1, 25), await run(weighted, FIELDS, 2, 25));
  }, 120_000);

  it('failing features keep their errors, in input order, between valid ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-parallel-'));
    const gpkg = join(dir, 'mixed.gpkg');
    // L7 lies near 34.9 W, 8.0 S; squares of ~0.005 degrees
    const sq = (x: number, y: number, d = 0.005): [number, number][] => [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]];
    const bowtie: [number, number][] = [[-34.9, -8.0], [-34.89, -7.99], [-34.89, -8.0], [-34.9, -7.99], [-34.9, -8.0]];
    const features = Array.from({ length: 60 }, (_, i) => {
      const k = i % 6;
      const geometry = k === 1 ? null
        : k === 3 ? { type: 'Polygon' as const, coordinates: [bowtie] }
          : k === 5 ? { type: 'Polygon' as const, coordinates: [sq(200, 95)] } // latitude 95: outside EPSG:4326's domain
            : { type: 'Polygon' as const, coordinates: [sq(-34.93 + (i % 10) * 0.006, -8.06 + Math.floor(i / 10) * 0.008)] };
      return { geometry, properties: { name: `f${i}` } };
    });
    writeGeoPackage(gpkg, [{ name: 'mixed', srsId: 4326, geometryType: 'POLYGON', columns: { name: 'TEXT' }, features }]);
    const mixed: JobSpecInput = { input: { idColumn: 'name' }, rasters: [{ name: 'l7', uri: L7, bands: [1, 4] }], stats: ['count', 'mean', 'stdev'] };
    const one = await run(mixed, gpkg, 1, 7);
    const three = await run(mixed, gpkg, 3, 7);
    expectSameRows(one, three);
    expect(one.summary.failed).toBeGreaterThanOrEqual(20);
    expect(one.summary.done).toBeGreaterThanOrEqual(30);
    expect(three.rows.map((r) => r.id)).toStrictEqual(features.map((f) => f.properties.name));
  }, 120_000);

  it('an empty layer on 2 threads ends (no chunk, the workers still report and stop)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-parallel-'));
    const gpkg = join(dir, 'empty.gpkg');
    writeGeoPackage(gpkg, [{ name: 'empty', srsId: 4326, geometryType: 'POLYGON', columns: { name: 'TEXT' }, features: [] }]);
    const r = await run({ rasters: [{ name: 'l7', uri: L7 }], stats: ['count'] }, gpkg, 2, 10);
    expect(r.rows).toStrictEqual([]);
    expect(r.summary.features).toBe(0);
  }, 60_000);
});
