/**
 * A feature crossing the antimeridian (stored 179 -> -179) is split at ±180
 * before projecting: over EPSG:3857 it becomes two rectangles at the two
 * edges of the world, never a strip around it. Oracle: arithmetic (a lon/lat
 * rectangle is a rectangle in Web Mercator: x = R lon, y = R ln tan(pi/4 +
 * lat/2), EPSG guidance note 7-2), exact cell overlaps by hand.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runStatsJob } from '../../../shared/engine/stats-job';
import { parseJobSpec } from '../../../shared/spec';
import { LOCAL_ONLY } from '../../../shared/io/uri';
import { rowObject } from '../../../shared/output/table';
import { splitAntimeridian } from '../../../shared/geometry/antimeridian';
import { writeGeoPackage } from '../../helpers/gpkg-writer';
import { writeCog } from '../../helpers/cog-writer';
import type { Polygon } from '../../../shared/geometry/types';

const dir = mkdtempSync(join(tmpdir(), 'zf-antimeridian-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const R = 6378137;
const HALF = Math.PI * R; // 20037508.342789244
const rad = (d: number): number => (d * Math.PI) / 180;
const mercY = (lat: number): number => R * Math.log(Math.tan(Math.PI / 4 + rad(lat) / 2));

// 179E .. 179W, 1N .. 3N: crosses the antimeridian
const crossing: Polygon = { type: 'Polygon', coordinates: [[[179, 1], [-179, 1], [-179, 3], [179, 3], [179, 1]]] };

async function stats(raster: string): Promise<Record<string, unknown>> {
  const input = join(dir, 'crossing.gpkg');
  writeGeoPackage(input, [{ name: 'f', srsId: 4326, columns: { id: 'TEXT' }, features: [{ geometry: crossing, properties: { id: 'x' } }] }]);
  const r = await runStatsJob({ input, spec: parseJobSpec({ input: { idColumn: 'id' }, rasters: [{ name: 'r', uri: raster }], stats: ['count', 'mean'], coverage: 'exact' }), allowed: LOCAL_ONLY });
  return rowObject(r.columns, r.rows[0] ?? { id: '', fid: 0, values: [], error: 'none' });
}

describe('antimeridian', () => {
  it('splitAntimeridian: a polygon becomes one part per side, each within [-180, 180]; a line is cut at the crossing', () => {
    const g = splitAntimeridian(crossing);
    expect(g.type).toBe('MultiPolygon');
    if (g.type !== 'MultiPolygon') return;
    expect(g.coordinates).toHaveLength(2);
    const xs = g.coordinates.map((p) => (p[0] ?? []).map((q) => q[0]));
    expect(xs.map((x) => [Math.min(...x), Math.max(...x)])).toEqual([[179, 180], [-180, -179]]);
    const l = splitAntimeridian({ type: 'LineString', coordinates: [[179, 0], [-179, 2]] });
    expect(l).toEqual({ type: 'MultiLineString', coordinates: [[[179, 0], [180, 1]], [[-180, 1], [-179, 2]]] });
  });

  it('over EPSG:3857: two rectangles at the edges of the world (count and mean by arithmetic), not a strip around it', async () => {
    const cols = 400;
    const res = (2 * HALF) / cols;
    const raster = join(dir, 'world3857.tif');
    writeCog(raster, { width: cols, height: 20, dtype: 'float32', epsg: 3857, transform: [-HALF, 20 * res, res, res], value: (_r, c) => c });
    const row = await stats(raster);
    expect(row.error).toBeNull();
    const w = R * rad(1); // 1 degree of longitude in metres on each side
    const h = mercY(3) - mercY(1);
    const f = w / res - 1; // the part of the second column from each edge
    // columns 0 and 399 whole, 1 and 398 by the fraction f; rows by the part of [mercY(1), mercY(3)] in each.
    // Each cell's fraction is a float32, as exactextract keeps it (engine/cells.ts): the sums are of those
    let count = 0;
    let sum = 0;
    for (const [col, xf] of [[0, 1], [1, f], [398, f], [399, 1]] as const) {
      for (let r = 0; r < 20; r++) {
        const top = 20 * res - r * res;
        const yf = Math.max(0, Math.min(top, mercY(3)) - Math.max(top - res, mercY(1))) / res;
        const c = Math.fround(xf * yf);
        count += c;
        sum += c * col;
      }
    }
    expect(count).toBeCloseTo((2 * w * h) / (res * res), 6);
    expect(Number(row.r_count)).toBeCloseTo(count, 9);
    expect(Number(row.r_mean)).toBeCloseTo(sum / count, 9);
  }, 60_000);

  it('over a lon/lat raster (-180..180): 2 x 2 degrees = 16 cells of 0.5 degree at both edges', async () => {
    const raster = join(dir, 'world4326.tif');
    writeCog(raster, { width: 720, height: 20, dtype: 'float32', epsg: 4326, transform: [-180, 10, 0.5, 0.5], value: (_r, c) => c });
    const row = await stats(raster);
    expect(row.error).toBeNull();
    expect(Number(row.r_count)).toBeCloseTo(16, 9);
    expect(Number(row.r_mean)).toBeCloseTo((0 + 1 + 718 + 719) / 4, 9);
  }, 60_000);

  it('over a lon/lat raster laid out 0..360: the western part is read at +360', async () => {
    const raster = join(dir, 'world0360.tif');
    writeCog(raster, { width: 720, height: 20, dtype: 'float32', epsg: 4326, transform: [0, 10, 0.5, 0.5], value: (_r, c) => c });
    const row = await stats(raster);
    expect(Number(row.r_count)).toBeCloseTo(16, 9);
    // 179..181 -> columns 358..361
    expect(Number(row.r_mean)).toBeCloseTo((358 + 359 + 360 + 361) / 4, 9);
  }, 60_000);
});
