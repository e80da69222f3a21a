/**
 * Rows of the reference CSVs (test/fixtures/reference/expected, produced by
 * exactextract and rasterio/rasterstats) whose cells and coverage fractions are
 * known by construction (exactextract's test grids, squares on cell edges and
 * centres), fed straight to the accumulator.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StatsAccumulator } from '../../../shared/stats/accumulator';
import type { StatName, StatValue } from '../../../shared/stats/accumulator';
import { closeRel } from './helpers';

const DIR = join(__dirname, '../../fixtures/reference/expected');

/** The row `fid` of a reference CSV, by column name. */
function row(file: string, fid: number): Record<string, string> {
  const [head, ...lines] = readFileSync(join(DIR, file), 'utf8').trim().split('\n');
  const cols = (head ?? '').split(',');
  const line = lines.find((l) => l.split(',')[0] === String(fid));
  if (line === undefined) throw new Error(`${file}: no fid ${fid}`);
  const cells = line.split(',');
  return Object.fromEntries(cols.map((c, i) => [c, cells[i] ?? '']));
}

function run(values: number[], weights: number[], semantics: 'exact' | 'unweighted', stats: StatName[]): Record<string, StatValue> {
  const acc = new StatsAccumulator({ stats, semantics });
  acc.addWindow(Float64Array.from(values), Uint8Array.from(values, (v) => (Number.isNaN(v) ? 0 : 1)), Float64Array.from(weights));
  return acc.result();
}

const EXACT: StatName[] = ['count', 'sum', 'mean', 'min', 'max', 'stdev', 'median', 'majority', 'minority', 'variety', 'q25', 'q75'];

/** Compares with an exactextract row: moments and quantiles (the _f64 columns) to 1e-9 relative, the rest exactly. */
function expectExactRow(r: Record<string, StatValue>, e: Record<string, string>): void {
  for (const s of ['count', 'sum', 'mean', 'stdev'] as const) expect(closeRel(r[s] as number, Number(e[s]), 1e-9), `${s}: ${JSON.stringify(r[s])} vs ${e[s]}`).toBe(true);
  for (const s of ['min', 'max', 'majority', 'minority', 'variety'] as const) expect(r[s], s).toBe(Number(e[s]));
  expect(closeRel(r.median as number, Number(e.median_f64), 1e-12), `median ${JSON.stringify(r.median)} vs ${e.median_f64}`).toBe(true);
  expect(closeRel(r.q25 as number, Number(e.q25_f64), 1e-12), `q25 ${JSON.stringify(r.q25)} vs ${e.q25_f64}`).toBe(true);
  expect(closeRel(r.q75 as number, Number(e.q75_f64), 1e-12), `q75 ${JSON.stringify(r.q75)} vs ${e.q75_f64}`).toBe(true);
}

describe('reference CSV rows with known cells and coverage', () => {
  it('tiny__r3x3_1to9 fid 1 (square 0.5..2.5) and fid 4 (the whole raster), exact', () => {
    const v = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    expectExactRow(run(v, [0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25], 'exact', EXACT), row('tiny__r3x3_1to9__exact.csv', 1));
    expectExactRow(run(v, v.map(() => 1), 'exact', EXACT), row('tiny__r3x3_1to9__exact.csv', 4));
  });
  it('tiny__r5x5_unweighted (5x5 with a nodata cell, square 0.5..2.5 on extent -1..4), exact', () => {
    const values = [1, 1, 1, 1, 1, 1, 1, 2, 3, 1, 1, 4, 5, 6, 1, 1, 0, NaN, 7, 1, 1, 1, 1, 1, 1];
    const cov = [0, 0, 0, 0, 0, 0, 0.25, 0.5, 0.25, 0, 0, 0.5, 1, 0.5, 0, 0, 0.25, 0.5, 0.25, 0, 0, 0, 0, 0, 0];
    expectExactRow(run(values, cov, 'exact', EXACT), row('tiny__r5x5_unweighted__exact.csv', 1));
  });
  it('tiny__r2x2_all_defined and some_defined (0.25 of each cell), exact', () => {
    expectExactRow(run([1, 2, 3, 4], [0.25, 0.25, 0.25, 0.25], 'exact', EXACT), row('tiny__r2x2_all_defined__exact.csv', 1));
    expectExactRow(run([1, 2, NaN, NaN], [0.25, 0.25, 0.25, 0.25], 'exact', EXACT), row('tiny__r2x2_some_defined__exact.csv', 1));
  });
  it('tiny__r3x3_1to9 fid 4 (whole raster, no boundary ties), center = rasterstats', () => {
    const e = row('tiny__r3x3_1to9__center.csv', 4);
    expect(e.boundary_ties).toBe('0');
    const v = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const r = run(v, v.map(() => 1), 'unweighted', ['count', 'nodata_count', 'sum', 'mean', 'min', 'max', 'stdev', 'median', 'majority', 'minority', 'variety']);
    for (const s of ['count', 'nodata_count', 'sum', 'mean', 'min', 'max', 'median', 'majority', 'minority', 'variety'] as const) expect(r[s], s).toBe(Number(e[s]));
    expect(closeRel(r.stdev as number, Number(e.std), 1e-14)).toBe(true);
  });
});
