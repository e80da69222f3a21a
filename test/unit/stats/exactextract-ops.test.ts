/**
 * exactextract's operations on hand-checkable rasters, written as arithmetic:
 * a 3x3 raster of two classes under the square 0.5..2.5 (coverage fractions
 * .25 corners, .5 edges, 1 centre, exactextract's own test case), a weights
 * raster 1..9, a weights raster of 1s; plus the writers (CSV, Parquet) and the
 * clear refusals.
 *
 * Classes (row-major):  1 2 2 / 1 2 2 / 1 1 2;  coverage: .25 .5 .25 / .5 1 .5 / .25 .5 .25
 * class 1: Σc = .25 + .5 + .25 + .5 = 1.5;  class 2: Σc = .5 + .25 + 1 + .5 + .25 = 2.5;  count 4
 * weights 1..9: class 1 Σcw = .25·1 + .5·4 + .25·7 + .5·8 = 8; class 2 Σcw = .5·2 + .25·3 + 1·5 + .5·6 + .25·9 = 12
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStatsJob } from '../../../shared/engine/stats-job';
import type { StatsJobResult } from '../../../shared/engine/stats-job';
import { parseJobSpec } from '../../../shared/spec';
import type { JobSpecInput } from '../../../shared/spec';
import { LOCAL_ONLY } from '../../../shared/io/uri';
import { rowObject } from '../../../shared/output/table';
import { toCsv } from '../../../shared/output/csv';
import { toParquet } from '../../../shared/output/parquet';
import { readResultParquet } from '../../../shared/output/read-parquet';
import { writeCog } from '../../helpers/cog-writer';
import { writeGeoPackage } from '../../helpers/gpkg-writer';
import type { Position } from '../../../shared/geometry/types';

const dir = mkdtempSync(join(tmpdir(), 'zf-eeops-'));
const CLASSES = [1, 2, 2, 1, 2, 2, 1, 1, 2];
const cog = (name: string, value: (r: number, c: number) => number, opts: { nodata?: number; transform?: [number, number, number, number]; size?: number } = {}): string => {
  const path = join(dir, name);
  const n = opts.size ?? 3;
  writeCog(path, { width: n, height: n, dtype: 'float32', epsg: 3857, transform: opts.transform ?? [0, 3, 1, 1], value, ...(opts.nodata !== undefined ? { nodata: opts.nodata } : {}) });
  return path;
};
const classes = cog('classes.tif', (r, c) => CLASSES[r * 3 + c] ?? 0);
const weights = cog('weights.tif', (r, c) => r * 3 + c + 1);
const ones = cog('ones.tif', () => 1);
const holed = cog('holed.tif', (r, c) => (r === 1 && c === 1 ? -1 : r * 3 + c + 1), { nodata: -1 });
const fine = cog('fine.tif', (r, c) => Math.floor(r / 2) * 3 + Math.floor(c / 2) + 1, { transform: [0, 3, 0.5, 0.5], size: 6 });
const shifted = cog('shifted.tif', () => 1, { transform: [0.25, 3, 1, 1] });
const sq = (a: number, b: number): Position[] => [[a, a], [b, a], [b, b], [a, b], [a, a]];
const gpkg = join(dir, 'square.gpkg');
writeGeoPackage(gpkg, [{ name: 'sq', srsId: 3857, columns: { name: 'TEXT' }, features: [
  { geometry: { type: 'Polygon', coordinates: [sq(0.5, 2.5)] }, properties: { name: 'square' } },
  { geometry: { type: 'Polygon', coordinates: [sq(0.4, 2.6)] }, properties: { name: 'all-centres' } },
  { geometry: { type: 'Polygon', coordinates: [sq(10, 11)] }, properties: { name: 'outside' } },
] }]);

async function run(spec: Partial<JobSpecInput>): Promise<StatsJobResult> {
  return runStatsJob({ input: gpkg, spec: parseJobSpec({ input: { idColumn: 'name' }, rasters: [{ name: 'c', uri: classes }], ...spec }), allowed: LOCAL_ONLY });
}
const row = (r: StatsJobResult, id: string): Record<string, unknown> => rowObject(r.columns, r.rows.find((x) => x.id === id) ?? (r.rows[0] as never));

describe('exactextract operations, by hand (3x3 two classes)', () => {
  it('frac, unique, range, coefficient_of_variation', async () => {
    const r = row(await run({ stats: ['count', 'frac', 'unique', 'range', 'mean', 'coefficient_of_variation'] }), 'square');
    expect(r.c_count).toBe(4);
    expect(r.c_frac_1).toBe(1.5 / 4);
    expect(r.c_frac_2).toBe(2.5 / 4);
    expect(r.c_unique).toEqual([1, 2]);
    expect(r.c_range).toBe(1);
    expect(r.c_mean).toBe(6.5 / 4);
    // variance = (1.5·0.625² + 2.5·0.375²) / 4 = 0.234375; CV = √0.234375 / 1.625
    expect(r.c_coefficient_of_variation as number).toBeCloseTo(Math.sqrt(0.234375) / 1.625, 14);
  });
  it('weighted_frac, weighted_mean, weighted_sum with weights 1..9', async () => {
    const r = row(await run({ stats: ['weighted_frac', 'weighted_mean', 'weighted_sum', 'weighted_variance'], weights: { uri: weights } }), 'square');
    expect(r.c_weighted_frac_1).toBe(8 / 20);
    expect(r.c_weighted_frac_2).toBe(12 / 20);
    expect(r.c_weighted_sum).toBe(32);
    expect(r.c_weighted_mean).toBe(32 / 20);
    // Σcw(x − 1.6)² / Σcw = (8·0.36 + 12·0.16) / 20 = 0.24
    expect(r.c_weighted_variance as number).toBeCloseTo(0.24, 14);
  });
  it('a weights raster of 1s gives the unweighted mean and stdev', async () => {
    const r = row(await run({ stats: ['mean', 'weighted_mean', 'stdev', 'weighted_stdev'], weights: { uri: ones } }), 'square');
    expect(r.c_weighted_mean).toBe(r.c_mean);
    expect(r.c_weighted_stdev as number).toBeCloseTo(r.c_stdev as number, 15);
  });
  it('a nodata weight under the feature makes every weighted statistic empty, unless defaultWeight', async () => {
    const a = row(await run({ stats: ['mean', 'weighted_mean', 'weighted_sum', 'weighted_frac'], weights: { uri: holed } }), 'square');
    expect(a.c_mean).toBe(6.5 / 4);
    expect([a.c_weighted_mean, a.c_weighted_sum]).toEqual([null, null]);
    expect(Object.keys(a).filter((k) => k.startsWith('c_weighted_frac'))).toEqual([]);
    // default weight 0 for the centre (class 2, c = 1): class 2 Σcw = 12 − 5 = 7
    const b = row(await run({ stats: ['weighted_sum', 'weighted_frac'], weights: { uri: holed }, defaultWeight: 0 }), 'square');
    expect(b.c_weighted_sum).toBe(8 + 2 * 7);
    expect(b.c_weighted_frac_1).toBe(8 / 15);
  });
  it('minCoverageFrac drops the quarter corners and keeps the others\' fractions; none counts every cell as 1', async () => {
    const m = row(await run({ stats: ['count', 'frac'], minCoverageFrac: 0.5 }), 'square');
    expect([m.c_count, m.c_frac_1, m.c_frac_2]).toEqual([3, 1 / 3, 2 / 3]);
    const n = row(await run({ stats: ['count', 'frac'], coverageWeight: 'none' }), 'square');
    expect([n.c_count, n.c_frac_1, n.c_frac_2]).toEqual([9, 4 / 9, 5 / 9]);
    const a = row(await run({ stats: ['count'], coverageWeight: 'area_cartesian' }), 'square');
    expect(a.c_count).toBe(4); // 1 m² cells
  });
  it('center mode: frac and unique are rasterstats\' categorical counts ÷ count', async () => {
    const r = row(await run({ stats: ['count', 'frac', 'unique'], coverage: 'center' }), 'all-centres');
    expect([r.c_count, r.c_frac_1, r.c_frac_2, r.c_unique]).toEqual([9, 4 / 9, 5 / 9, [1, 2]]);
  });
  it('per-cell lists: row-major values, coverage, cell_id, centres, weights; empty for a feature outside', async () => {
    const res = await run({ stats: ['values', 'coverage', 'cell_id', 'center_x', 'center_y', 'weights'], weights: { uri: weights } });
    const r = row(res, 'square');
    expect(r.c_values).toEqual(CLASSES);
    expect(r.c_coverage).toEqual([0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25]);
    expect(r.c_cell_id).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(r.c_center_x).toEqual([0.5, 1.5, 2.5, 0.5, 1.5, 2.5, 0.5, 1.5, 2.5]);
    expect(r.c_center_y).toEqual([2.5, 2.5, 2.5, 1.5, 1.5, 1.5, 0.5, 0.5, 0.5]);
    expect(r.c_weights).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const o = row(res, 'outside');
    expect([o.error, o.c_values, o.c_cell_id]).toEqual([null, [], []]);
    // CSV: JSON arrays; Parquet: list columns that read back
    const csv = toCsv(res.columns, res.rows).split('\n');
    expect(csv[0]).toBe('id,fid,c_values,c_coverage,c_cell_id,c_center_x,c_center_y,c_weights,error');
    expect(csv[1]).toContain('"[1,2,2,1,2,2,1,1,2]"');
    const back = await readResultParquet(toParquet(res.columns, res.rows));
    expect(back.columns.map((c) => c.kind)).toEqual(['list', 'list', 'list', 'list', 'list', 'list']);
    expect(back.rows[0]?.values[0]).toEqual(CLASSES);
    expect(back.rows[2]?.values[0]).toEqual([]);
  });
  it('a finer compatible weights grid: coverage on the 0.5 grid, count in its cells, values spread, cell_id of the value raster', async () => {
    const res = await run({ stats: ['count', 'frac', 'weighted_mean', 'cell_id'], weights: { uri: fine } });
    const r = row(res, 'square');
    // the square covers 4 x 4 fine cells whole: count 16, class 1 on 6 of them
    expect([r.c_count, r.c_frac_1, r.c_frac_2]).toEqual([16, 6 / 16, 10 / 16]);
    // the fine weights repeat the 1..9 cells: same weighted mean as the coarse weights raster, 1.6
    expect(r.c_weighted_mean as number).toBeCloseTo(1.6, 14);
    expect((r.c_cell_id as number[]).length).toBe(16);
    expect(new Set(r.c_cell_id as number[])).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8]));
  });
  it('frac columns: one per value over the whole table, in CSV and Parquet (expanded), kept whole in parts', async () => {
    const res = await run({ stats: ['frac'] });
    expect(toCsv(res.columns, res.rows).split('\n')[0]).toBe('id,fid,c_frac_1,c_frac_2,error');
    const pq = await readResultParquet(toParquet(res.columns, res.rows));
    expect(pq.columns.map((c) => c.name)).toEqual(['c_frac_1', 'c_frac_2']);
    const part = await readResultParquet(toParquet(res.columns, res.rows, { keepFrac: true }));
    expect(part.columns).toEqual([{ name: 'c_frac', kind: 'frac' }]);
    expect(part.rows[0]?.values[0]).toEqual({ values: [1, 2], fracs: [0.375, 0.625] });
  });
  it('refusals name the problem', async () => {
    await expect(run({ stats: ['weighted_mean'] })).rejects.toThrow(/weighted_mean needs a weights raster \(--weights <uri>, or "weights": \{"uri": \.\.\.\} in a spec\)/);
    await expect(run({ stats: ['weighted_mean'], weights: { uri: weights }, coverage: 'center' })).rejects.toThrow(/weighted_mean needs coverage "exact"/);
    await expect(run({ stats: ['count'], coverageWeight: 'none', coverage: 'all_touched' })).rejects.toThrow(/coverageWeight: "none" needs coverage "exact"/);
    await expect(run({ stats: ['weighted_mean'], weights: { uri: shifted } })).rejects.toThrow(/not on a grid compatible with/);
    await expect(run({ stats: ['count'], coverageWeight: 'area_spherical_m2' })).rejects.toThrow(/applies to lon\/lat rasters/);
  });
});
