/**
 * The transforms of a streamed GeoPackage job (prepare thread, engine/job-transforms.ts): proj4js for a pure
 * conversion, PROJ for a datum shift, both through the whole job (prepareThread: true, the path the CLI takes
 * for a large GeoPackage). Expected values from ogr2ogr (PROJ) + exactextract, never from zonalflow:
 * test/fixtures/crs-conversion/make_job.py (EPSG:4326 fields over an EPSG:32631 raster) and the nad27 case.
 * Also the PROJ host thread (engine/proj-thread.ts) answering as PROJ in this thread does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runStatsJob } from '../../../shared/engine/stats-job';
import { parseJobSpec } from '../../../shared/spec';
import { LOCAL_ONLY } from '../../../shared/io/uri';
import { rowObject } from '../../../shared/output/table';
import { loadProj, projDbRows, projSrs, projString, projTransform, useProjBackend } from '../../../shared/crs/proj';
import { projThreadRunning, releaseProjThread, useProjThread } from '../../../shared/engine/proj-thread';
import { samplePoints, spread } from '../../../shared/engine/job-transforms';
import { CrsError } from '../../../shared/errors';
import type { Feature } from '../../../shared/geometry/types';

const CONV = join(import.meta.dirname, '../../fixtures/crs-conversion');
const NAD27 = join(import.meta.dirname, '../../fixtures/cases/nad27');
const rel = (a: unknown, b: number): number => Math.abs(Number(a) - b) / Math.max(1, Math.abs(b));

describe('a streamed job', () => {
  it('EPSG:4326 fields over a UTM raster: reprojected by proj4js, every count and mean as ogr2ogr (PROJ) + exactextract', async () => {
    const spec = parseJobSpec({ input: { idColumn: 'field_id' }, rasters: [{ name: 'r', uri: join(CONV, 'utm31.tif') }], stats: ['count', 'mean'], coverage: 'exact' });
    const r = await runStatsJob({ input: join(CONV, 'fields.gpkg'), spec, allowed: LOCAL_ONLY, prepareThread: true, chunkSize: 8 });
    expect(r.summary.crs?.[0]?.transformation).toMatch(/^no datum shift \(same datum\); computed by proj4js \(a pure conversion, within 1e-6 m of PROJ/);
    const lines = readFileSync(join(CONV, 'expected_job.csv'), 'utf8').trim().split('\n').slice(1);
    expect(lines).toHaveLength(40);
    const got = new Map(r.rows.map((row) => [row.id, rowObject(r.columns, row)]));
    for (const line of lines) {
      const [id, count, mean] = line.split(',');
      const row = got.get(id as string);
      expect(row?.error, id).toBeNull();
      expect(rel(row?.r_count, Number(count)), id).toBeLessThan(1e-6);
      expect(rel(row?.r_mean, Number(mean)), id).toBeLessThan(1e-9);
    }
    // the same job in this thread (spooled, not streamed): the same choice on the same sample, the same bits
    const spooled = await runStatsJob({ input: join(CONV, 'fields.gpkg'), spec, allowed: LOCAL_ONLY, prepareThread: false });
    expect(spooled.summary.crs?.[0]?.transformation).toBe(r.summary.crs?.[0]?.transformation);
    expect(spooled.rows).toEqual(r.rows);
  }, 60_000);

  it('NAD27 features over a WGS 84 raster: the datum shift stays with PROJ (EPSG:1175), values as ogr2ogr + exactextract', async () => {
    const e = JSON.parse(readFileSync(join(NAD27, 'expected.json'), 'utf8')) as { count: number; mean: number };
    const spec = parseJobSpec({ input: { idColumn: 'id' }, rasters: [{ name: 'r', uri: join(NAD27, 'rowcol_wgs84.tif') }], stats: ['count', 'mean'], coverage: 'exact' });
    const r = await runStatsJob({ input: join(NAD27, 'square_nad27.gpkg'), spec, allowed: LOCAL_ONLY, prepareThread: true });
    expect(r.summary.crs?.[0]?.transformation).toMatch(/^EPSG:1175 "NAD27 to WGS 84 \(6\)", accuracy 7 m$/);
    const row = rowObject(r.columns, r.rows[0] ?? { id: '', fid: 0, values: [], error: 'none' });
    expect(row.error).toBeNull();
    expect(rel(row.r_count, e.count)).toBeLessThan(1e-6);
    expect(rel(row.r_mean, e.mean)).toBeLessThan(1e-9);
  }, 60_000);
});

describe('samplePoints', () => {
  const square: Feature = { fid: 1, id: '1', properties: {}, geometry: { type: 'Polygon', coordinates: [[[1, 2], [3, 4], [1, 2]]] } };
  it('a 21 x 21 grid over the centres\' extent (widened by 5 % or the largest half-size of the features), the centres, then every vertex', () => {
    const s = samplePoints({ cx: Float64Array.of(0, 10, NaN), cy: Float64Array.of(0, 20, 5) }, [square]);
    expect(s.xs.length).toBe(21 * 21 + 2 + 3);
    // half-size 1 > 5 % of 10 (x); 5 % of 20 = 1 (y)
    expect([s.xs[0], s.ys[0], s.xs[21 * 21 - 1], s.ys[21 * 21 - 1]]).toEqual([-1, -1, 11, 21]);
    expect(Array.from(s.xs.subarray(441))).toEqual([0, 10, 1, 3, 1]);
    expect(spread(10, 4)).toEqual([0, 2, 5, 7]);
    expect(spread(3, 4)).toEqual([0, 1, 2]);
  });

  it('for a lon/lat layer, the grid stays within ±90° of latitude', () => {
    const s = samplePoints({ cx: Float64Array.of(0, 10), cy: Float64Array.of(60, 89.9) }, [], true);
    expect(Math.max(...s.ys)).toBe(90);
    expect(Math.min(...s.ys)).toBeCloseTo(60 - 29.9 * 0.05, 12);
  });
});

describe('PROJ on a thread of its own (proj-thread.ts)', () => {
  afterAll(async () => {
    await releaseProjThread();
    useProjBackend(null);
  });

  it('answers as PROJ in this thread does, ends on release, and starts again when asked', async () => {
    await loadProj();
    const wkt = projSrs('EPSG:32631').wkt;
    const p4 = projString('EPSG:2169');
    const rows = projDbRows("SELECT name FROM geodetic_datum WHERE auth_name = 'EPSG' AND code = '6267'");
    const xs = Float64Array.of(3, -110.05);
    const ys = Float64Array.of(50, 33.08);
    const lx = Float64Array.from(xs);
    const ly = Float64Array.from(ys);
    projTransform('EPSG:4267', 'EPSG:4326')(lx, ly);
    useProjThread();
    await loadProj();
    expect(projThreadRunning()).toBe(true);
    expect(projSrs('EPSG:32631').wkt).toBe(wkt);
    expect(projString('EPSG:2169')).toBe(p4);
    expect(projDbRows("SELECT name FROM geodetic_datum WHERE auth_name = 'EPSG' AND code = '6267'")).toEqual(rows);
    expect(() => projSrs('EPSG:999999')).toThrow(CrsError);
    const t = projTransform('EPSG:4267', 'EPSG:4326');
    const rx = Float64Array.from(xs);
    const ry = Float64Array.from(ys);
    t(rx, ry);
    expect(Array.from(rx)).toEqual(Array.from(lx));
    expect(Array.from(ry)).toEqual(Array.from(ly));
    await releaseProjThread();
    expect(projThreadRunning()).toBe(false);
    // a call after the release starts another host thread
    const again = Float64Array.from(xs);
    const againY = Float64Array.from(ys);
    t(again, againY);
    expect(Array.from(again)).toEqual(Array.from(lx));
    expect(projThreadRunning()).toBe(true);
  }, 120_000);

  it('a host that took its warm-up steps (proj.ts PROJ_WARM_UP) before its first request answers as PROJ in this thread does', async () => {
    await releaseProjThread();
    useProjBackend(null);
    await loadProj();
    // the warm-up's own calls and the 100k bench's pair, in this thread
    const wkt = projSrs('EPSG:4326').wkt;
    const rows = projDbRows('SELECT 1 AS x');
    const p4 = projString('EPSG:4326');
    const xs = Float64Array.of(3, 2.5, -179.9);
    const ys = Float64Array.of(45, 44.2, 84);
    const local = ['EPSG:3857', 'EPSG:32631'].map((to) => {
      const x = Float64Array.from(xs);
      const y = Float64Array.from(ys);
      projTransform('EPSG:4326', to)(x, y);
      return [Array.from(x), Array.from(y)];
    });
    useProjThread();
    await loadProj();
    // no request for a while: the host takes its steps first (a few hundred ms on this machine)
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(projSrs('EPSG:4326').wkt).toBe(wkt);
    expect(projDbRows('SELECT 1 AS x')).toEqual(rows);
    expect(projString('EPSG:4326')).toBe(p4);
    const remote = ['EPSG:3857', 'EPSG:32631'].map((to) => {
      const x = Float64Array.from(xs);
      const y = Float64Array.from(ys);
      projTransform('EPSG:4326', to)(x, y);
      return [Array.from(x), Array.from(y)];
    });
    expect(remote).toEqual(local);
    await releaseProjThread();
  }, 120_000);
});
