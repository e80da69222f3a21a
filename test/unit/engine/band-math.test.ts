/**
 * Band math over plain rasters: `"bands": {"ndvi": "(nir - red) / (nir + red)"}`
 * over rasters named in `rasters`, checked by hand on 3x3 rasters; a raster on
 * another grid is refused with both grids named.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runStatsJob } from '../../../shared/engine/stats-job';
import { parseJobSpec } from '../../../shared/spec';
import type { JobSpecInput } from '../../../shared/spec';
import { LOCAL_ONLY } from '../../../shared/io/uri';
import { rowObject } from '../../../shared/output/table';
import { writeCog } from '../../helpers/cog-writer';
import { writeGeoPackage } from '../../helpers/gpkg-writer';

const dir = mkdtempSync(join(tmpdir(), 'zf-bandmath-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cog = (name: string, value: (r: number, c: number) => number, transform: [number, number, number, number] = [0, 3, 1, 1], nodata?: number): string => {
  const path = join(dir, name);
  writeCog(path, { width: 3, height: 3, dtype: 'float32', epsg: 3857, transform, value, ...(nodata !== undefined ? { nodata } : {}) });
  return path;
};
const nir = cog('nir.tif', (r, c) => 10 + r * 3 + c); // 10..18
const red = cog('red.tif', (r, c) => (r === 2 && c === 2 ? -1 : 2), undefined, -1); // 2, nodata in the corner
const moved = cog('moved.tif', () => 1, [1, 3, 1, 1]);
const gpkg = join(dir, 'all.gpkg');
writeGeoPackage(gpkg, [{ name: 'f', srsId: 3857, columns: { name: 'TEXT' }, features: [{ geometry: { type: 'Polygon', coordinates: [[[0, 0], [3, 0], [3, 3], [0, 3], [0, 0]]] }, properties: { name: 'all' } }] }]);

const run = async (spec: Partial<JobSpecInput>): Promise<Record<string, unknown>> => {
  const r = await runStatsJob({ input: gpkg, spec: parseJobSpec({ input: { idColumn: 'name' }, rasters: [{ name: 'nir', uri: nir }, { name: 'red', uri: red }], ...spec }), allowed: LOCAL_ONLY });
  return rowObject(r.columns, r.rows[0] as never);
};

describe('band math over plain rasters', () => {
  it('ndvi = (nir - red) / (nir + red): cells where any input is nodata are nodata', async () => {
    const r = await run({ bands: { ndvi: '(nir - red) / (nir + red)', ratio: 'nir / red' }, stats: ['count', 'mean', 'max'] });
    // 8 valid cells: nir 10..17 with red 2
    const ndvi = [10, 11, 12, 13, 14, 15, 16, 17].map((n) => (n - 2) / (n + 2));
    expect(r.ndvi_count).toBe(8);
    expect(r.ndvi_mean as number).toBeCloseTo(ndvi.reduce((a, b) => a + b, 0) / 8, 14);
    expect(r.ndvi_max).toBe((17 - 2) / (17 + 2));
    expect([r.ratio_count, r.ratio_mean]).toEqual([8, 13.5 / 2]);
    // the rasters' own columns come first
    expect([r.nir_count, r.red_count]).toEqual([9, 8]);
  });
  it('rasters on different grids, or unknown names, are refused with the reason', async () => {
    await expect(run({ rasters: [{ name: 'nir', uri: nir }, { name: 'moved', uri: moved }], bands: { d: 'nir - moved' }, stats: ['mean'] })).rejects.toThrow(/are not on the same grid/);
    await expect(run({ bands: { d: 'nir - blue' }, stats: ['mean'] })).rejects.toThrow(/blue/);
    expect(() => parseJobSpec({ rasters: [{ uri: nir }], bands: { d: 'nir -' } })).toThrow(/bands.d/);
  });
});
