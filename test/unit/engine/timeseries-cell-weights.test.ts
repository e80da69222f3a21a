/**
 * A time series weighs its output grid's cells with the spec's `coverageWeight` and `minCoverageFrac`, as a zonal
 * job does (engine/cells.ts cellWeights, exactextract's coverage_weight / min_coverage_frac), where it weighed every
 * cell by its fraction whatever the spec said. Expected values are arithmetic: one scene asset of 8 x 8 cells of
 * 10 m (EPSG:32631) holding v = 8 row + col, and a 30 m square whose corners sit on the centres of cells (1, 1) and
 * (4, 4): it covers the 4 x 4 block of rows and columns 1..4, corners by 1/4, edge cells by 1/2, the 2 x 2 interior
 * whole (fractions 1/4 and 1/2 are exact in float32). The block's mean value is 8 x 2.5 + 2.5 = 22.5, and every
 * weighting below is symmetric about its centre, so sum = 22.5 x count:
 * - fraction: count = 4/4 + 8/2 + 4 = 9 (the area, 900 m², in cells);
 * - none: every covered cell 1, count = 16;
 * - minCoverageFrac 0.5 (fraction): corners (1/4) left out, count = 8/2 + 4 = 8;
 * - minCoverageFrac 0.6, none: the interior only, count 4, sum = 18 + 19 + 26 + 27 = 90;
 * - area_cartesian: f x 100 m², count = 900;
 * - area_spherical_m2 on projected assets: refused, one line in each feature's row (as a zonal raster's).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TimeseriesEngine } from '../../../shared/engine/timeseries';
import { crsFromEpsg } from '../../../shared/crs/epsg';
import { ensureProj } from '../../../shared/crs/transform';
import { allowedFromUris } from '../../../shared/io/uri';
import { parseJobSpec } from '../../../shared/spec';
import { writeCog } from '../../helpers/cog-writer';
import type { Polygon } from '../../../shared/geometry/types';

const dir = mkdtempSync(join(tmpdir(), 'zf-ts-weights-'));
const path = join(dir, 'scene.tif');
const X0 = 500000;
const Y0 = 5000080;
beforeAll(async () => {
  await ensureProj();
  writeCog(path, { width: 8, height: 8, dtype: 'float32', value: (r, c) => 8 * r + c, epsg: 32631, transform: [X0, Y0, 10, 10] });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The square's count, sum and mean (or its row's error) under the spec's weighting. */
async function run(extra: Record<string, unknown>): Promise<{ count: number; sum: number; mean: number; error: string | null }> {
  const spec = parseJobSpec({ stac: { api: 'https://stac.example.com/v1', collections: ['c'], datetime: '2024-05-01/2024-05-31', assets: { b: 'b' } }, interval: 'scene', stats: ['count', 'sum', 'mean'], ...extra });
  const scenes = [{ id: 's1', datetime: Date.parse('2024-05-03T10:00:00Z'), bbox: null, hrefs: { b: path } }];
  const engine = new TimeseriesEngine(spec, scenes, crsFromEpsg(32631), { allowed: allowedFromUris([path]) });
  const square: Polygon = { type: 'Polygon', coordinates: [[[X0 + 15, Y0 - 15], [X0 + 45, Y0 - 15], [X0 + 45, Y0 - 45], [X0 + 15, Y0 - 45], [X0 + 15, Y0 - 15]]] };
  const { rows } = await engine.computeChunk([{ fid: 1, id: 'sq', geometry: square }]);
  expect(rows).toHaveLength(1);
  const row = rows[0];
  const at = (name: string): number => Number(row?.values[engine.columns.findIndex((c) => c.name === name)]);
  return { count: at('b_count'), sum: at('b_sum'), mean: at('b_mean'), error: row?.error ?? null };
}

describe('time series: coverageWeight and minCoverageFrac weigh the cells as in a zonal job', () => {
  it.each([
    ['fraction (the default)', {}, 9, 202.5],
    ['coverageWeight none', { coverageWeight: 'none' }, 16, 360],
    ['minCoverageFrac 0.5', { minCoverageFrac: 0.5 }, 8, 180],
    ['minCoverageFrac 0.6 and none', { minCoverageFrac: 0.6, coverageWeight: 'none' }, 4, 90],
    ['area_cartesian', { coverageWeight: 'area_cartesian' }, 900, 20250],
  ] as const)('%s: the count, sum and mean of the arithmetic above', async (_name, extra, count, sum) => {
    const r = await run(extra);
    expect(r.error).toBeNull();
    expect(r.count).toBe(count);
    expect(r.sum).toBeCloseTo(sum, 9);
    expect(r.mean).toBeCloseTo(22.5, 12);
  });
  it('area_spherical_m2 on projected assets: the row says so in one line', async () => {
    const r = await run({ coverageWeight: 'area_spherical_m2' });
    expect(r.error).toBe('SPEC_INVALID: feature "sq" (fid 1): coverageWeight "area_spherical_m2" applies to lon/lat rasters; the assets of item s1 are projected (use "area_cartesian" for areas in their units)');
  });
});
