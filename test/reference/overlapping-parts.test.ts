/**
 * Features whose parts overlap (MultiPolygon parts, GeometryCollection members, a part across another's hole,
 * MultiLineStrings over themselves) against exactextract 0.3.1 and GDAL 3.6.2: fixtures/overlapping-parts
 * (make.py builds the rasters and layers and records the answers, with the commands, in expected.json).
 * exactextract adds the parts' coverage unclamped: a cell two parts cover wholly is one cell of coverage 2,
 * in every statistic and in the per-cell lists. Compared at 1e-6 relative (exactextract's fractions are
 * float32), lists element by element; in `center` the cells are GDAL's (rasterio geometry_mask, rasterstats'
 * call), in `all_touched` the cells of exact coverage > 1e-10 (zonalflow's definition), both exactly.
 * The same job runs in this thread, on the prepare thread (geometries flat, coverage read from the
 * GeoPackage blobs' numbers) and in `zonalflow local` (the pipeline's Worker), to the same rows.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStatsJob } from '../../shared/engine/stats-job';
import type { StatsJobResult } from '../../shared/engine/stats-job';
import { parseJobSpec } from '../../shared/spec';
import type { JobSpecInput } from '../../shared/spec';
import { LOCAL_ONLY } from '../../shared/io/uri';
import { runLocal } from '../../shared/local/runner';
import { readResultParquet } from '../../shared/output/read-parquet';
import type { CellValue, FracCell } from '../../shared/output/table';
import type { Position } from '../../shared/geometry/types';
import { writeGeoPackage } from '../helpers/gpkg-writer';

const DIR = join(import.meta.dirname, '../fixtures/overlapping-parts');
type Rows = Record<string, Record<string, unknown>>;
interface Expected {
  exact: Record<string, { command: string; rows: Rows }>;
  coverage_all: { rows: Rows };
  gdal: Record<string, { center: number[]; all_touched: number[] }>;
}
const E = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Expected;
const PARTS = join(DIR, 'parts.gpkg');
const LINES = join(DIR, 'lines.gpkg');
/** The nodata cell of v.tif (row 5, column 5 of 12). */
const NODATA_CELL = 65;

/** exactextract's operations of each run (its columns v_<name>), as zonalflow names them, and the run's options. */
const EXACT_STATS = ['count', 'sum', 'mean', 'min', 'max', 'stdev', 'variance', 'median', 'quantile(q=0.25)', 'majority', 'minority', 'variety', 'frac', 'unique', 'coefficient_of_variation', 'values', 'coverage', 'cell_id', 'center_x', 'center_y', 'min_center_x', 'min_center_y', 'max_center_x', 'max_center_y', 'weighted_mean', 'weighted_sum', 'weighted_stdev', 'weighted_variance', 'weighted_frac', 'weights'];
const RUNS: Record<string, { input: string; spec: Partial<JobSpecInput> }> = {
  exact: { input: PARTS, spec: { stats: EXACT_STATS, weights: { uri: join(DIR, 'w.tif') } } },
  none: { input: PARTS, spec: { stats: ['count', 'sum', 'mean', 'stdev', 'frac', 'unique', 'coverage', 'weighted_mean'], weights: { uri: join(DIR, 'w.tif') }, coverageWeight: 'none' } },
  mincov: { input: PARTS, spec: { stats: ['count', 'mean', 'values', 'coverage', 'cell_id'], minCoverageFrac: 0.9 } },
  area: { input: PARTS, spec: { stats: ['count', 'sum', 'mean'], coverageWeight: 'area_cartesian' } },
  lines: { input: LINES, spec: { stats: ['count', 'sum', 'mean', 'min', 'max', 'values', 'coverage', 'cell_id', 'weighted_mean'], weights: { uri: join(DIR, 'w.tif') } } },
};

function spec(extra: Partial<JobSpecInput>): ReturnType<typeof parseJobSpec> {
  return parseJobSpec({ input: { idColumn: 'id' }, rasters: [{ name: 'v', uri: join(DIR, 'v.tif') }], ...extra });
}

/** Relative difference (absolute below 1e-9 in magnitude). */
function rel(a: number, b: number): number {
  const scale = Math.max(Math.abs(a), Math.abs(b));
  return scale < 1e-9 ? Math.abs(a - b) : Math.abs(a - b) / scale;
}
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The relative difference of one of our values from exactextract's (Infinity when the shapes differ). */
function diff(name: string, ours: CellValue | undefined, theirs: unknown, row: Record<string, unknown>): number {
  if (name === 'frac' || name === 'weighted_frac') {
    // exactextract's frac arrays are in the order of its unique
    const values = row.v_unique as number[];
    const fr = theirs as number[];
    const f = ours as FracCell | null;
    if (!f || f.values.length !== values.length) return Infinity;
    return Math.max(...values.map((v, i) => { const k = f.values.indexOf(v); return k < 0 ? Infinity : rel(f.fracs[k] as number, fr[i] as number); }));
  }
  if (name === 'unique') return JSON.stringify(ours) === JSON.stringify([...(theirs as number[])].sort((a, b) => a - b)) ? 0 : Infinity;
  if (Array.isArray(theirs)) {
    const o = ours as number[];
    if (!Array.isArray(o) || o.length !== theirs.length) return Infinity;
    return o.reduce((m, v, i) => Math.max(m, rel(v, theirs[i] as number)), 0);
  }
  const t = num(theirs);
  if (t === null) return ours === null || ours === undefined ? 0 : Infinity;
  return typeof ours === 'number' ? rel(ours, t) : Infinity;
}

/** Per exactextract column, the largest difference over the features (every feature of the run must be there). */
function compare(r: StatsJobResult | { columns: { name: string }[]; rows: { id: unknown; values: CellValue[]; error: string | null }[] }, rows: Rows): Record<string, number> {
  const worst: Record<string, number> = {};
  expect(r.rows.map((row) => String(row.id)).sort()).toEqual(Object.keys(rows).sort());
  for (const row of r.rows) {
    expect(row.error).toBeNull();
    const theirs = rows[String(row.id)] ?? {};
    for (const [col, value] of Object.entries(theirs)) {
      const i = r.columns.findIndex((c) => c.name === col);
      worst[col] = Math.max(worst[col] ?? 0, i < 0 ? Infinity : diff(col.slice(2), row.values[i], value, theirs));
    }
  }
  return worst;
}

function expectWithin(worst: Record<string, number>): void {
  for (const [s, v] of Object.entries(worst)) expect([s, v < 1e-6 ? 'ok' : v]).toEqual([s, 'ok']);
}

/** The cells a feature's row selects: its cell_id list, and the nodata cell when nodata_count says it was selected. */
function selected(r: StatsJobResult, id: string): number[] {
  const row = r.rows.find((x) => x.id === id);
  const cells = row?.values[r.columns.findIndex((c) => c.name === 'v_cell_id')] as number[];
  const nodata = row?.values[r.columns.findIndex((c) => c.name === 'v_nodata_count')] as number;
  return [...cells, ...(nodata > 0 ? [NODATA_CELL] : [])].sort((a, b) => a - b);
}

describe('overlapping parts: exact mode = exactextract 0.3.1 (fixtures/overlapping-parts)', () => {
  for (const [name, run] of Object.entries(RUNS)) {
    for (const prepareThread of [false, true]) {
      it(`${name}${prepareThread ? ' (prepare thread)' : ''}: every operation within 1e-6 relative`, async () => {
        const exp = E.exact[name];
        if (!exp) throw new Error(`no expected values for ${name}`);
        const r = await runStatsJob({ input: run.input, spec: spec(run.spec), allowed: LOCAL_ONLY, prepareThread, threads: 1 });
        expectWithin(compare(r, exp.rows));
      }, 60_000);
    }
  }

  it('a cell two parts cover is one cell of coverage 2, never two cells (the per-cell lists), in zonalflow as in exactextract', async () => {
    const r = await runStatsJob({ input: PARTS, spec: spec({ stats: ['count', 'mean', 'coverage', 'cell_id'] }), allowed: LOCAL_ONLY, threads: 1 });
    const ours = (id: string): Record<string, CellValue> => {
      const row = r.rows.find((x) => x.id === id);
      return Object.fromEntries(r.columns.map((c, i) => [c.name, row?.values[i] ?? null]));
    };
    for (const rows of [Object.fromEntries(['single', 'identical', 'partial', 'triple'].map((id) => [id, ours(id)])), E.exact.exact?.rows ?? {}]) {
      interface Lists { v_count: number; v_mean: number; v_coverage: number[]; v_cell_id: number[] }
      const single = rows.single as unknown as Lists;
      const identical = rows.identical as unknown as Lists;
      // the same part twice: the same cells, listed once, each coverage doubled; count doubled, mean unchanged
      expect(identical.v_cell_id).toEqual(single.v_cell_id);
      identical.v_coverage.forEach((c, i) => expect(c).toBeCloseTo(2 * (single.v_coverage[i] ?? NaN), 6));
      expect(identical.v_count).toBeCloseTo(2 * single.v_count, 5);
      expect(identical.v_mean).toBeCloseTo(single.v_mean, 6);
      expect(Math.max(...(rows.triple?.v_coverage as number[]))).toBe(3);
      expect(new Set(rows.partial?.v_cell_id as number[]).size).toBe((rows.partial?.v_cell_id as number[]).length);
    }
  }, 60_000);

  it('nodata_count adds the parts too: the coverage of the nodata cell by every part (exactextract over a raster without nodata)', async () => {
    const r = await runStatsJob({ input: PARTS, spec: spec({ stats: ['nodata_count'] }), allowed: LOCAL_ONLY, threads: 1 });
    for (const row of r.rows) {
      const all = E.coverage_all.rows[String(row.id)] as { a_cell_id: number[]; a_coverage: number[] };
      const k = all.a_cell_id.indexOf(NODATA_CELL);
      expect([row.id, rel(row.values[0] as number, k < 0 ? 0 : (all.a_coverage[k] as number)) < 1e-6]).toEqual([row.id, true]);
    }
    expect(r.rows.find((x) => x.id === 'identical')?.values[0]).toBe(2);
  }, 60_000);

  it('the pipeline (zonalflow local, the Worker over two batches) gives the rows zonalflow stats gives, = exactextract', async () => {
    const out = mkdtempSync(join(tmpdir(), 'zf-overlap-'));
    const stats = ['count', 'sum', 'mean', 'min', 'max', 'median', 'majority', 'weighted_mean', 'coverage', 'cell_id'];
    const s = { input: { idColumn: 'id' }, rasters: [{ name: 'v', uri: join(DIR, 'v.tif') }], weights: { uri: join(DIR, 'w.tif') }, stats, output: { formats: ['parquet'] }, batching: { grid: 'h3', maxFeatures: 7 } };
    const run = await runLocal({ input: PARTS, spec: s, out });
    expect(run.status).toBe('DONE');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { batches: { total: number } };
    expect(summary.batches.total).toBe(2);
    const results = await readResultParquet(readFileSync(join(out, 'results.parquet')));
    const local = await runStatsJob({ input: PARTS, spec: parseJobSpec(s), allowed: LOCAL_ONLY });
    expect(results.rows).toEqual(local.rows);
    const rows: Rows = Object.fromEntries(Object.entries(E.exact.exact?.rows ?? {}).map(([id, v]) => [id, Object.fromEntries(stats.map((st) => [`v_${st}`, v[`v_${st}`]]))]));
    expectWithin(compare(results, rows));
  }, 180_000);
});

describe('overlapping parts: center = GDAL 3.6.2, all_touched = exact coverage > 1e-10; a cell counts once', () => {
  for (const mode of ['center', 'all_touched'] as const) {
    for (const prepareThread of [false, true]) {
      it(`${mode}${prepareThread ? ' (prepare thread)' : ''}: the selected cells of every feature`, async () => {
        for (const input of [PARTS, LINES]) {
          const r = await runStatsJob({ input, spec: spec({ stats: ['count', 'nodata_count', 'cell_id'], coverage: mode }), allowed: LOCAL_ONLY, prepareThread, threads: 1 });
          for (const row of r.rows) {
            const id = String(row.id);
            const gdal = E.gdal[id];
            if (!gdal) throw new Error(`no GDAL cells for ${id}`);
            const all = E.coverage_all.rows[id] as { a_cell_id: number[]; a_coverage: number[] } | undefined;
            // polygons in all_touched: exactextract's cells with coverage > 1e-10; lines (and center): GDAL's burn
            const want = mode === 'all_touched' && input === PARTS && all ? all.a_cell_id.filter((_, k) => (all.a_coverage[k] as number) > 1e-10).sort((a, b) => a - b) : gdal[mode];
            expect([id, selected(r, id)]).toEqual([id, want]);
            expect(row.values[0]).toBe(selected(r, id).filter((c) => c !== NODATA_CELL).length);
          }
        }
      }, 60_000);
    }
  }
});


describe('a GeometryCollection mixing a polygon and a line: refused in exact mode, as exactextract 0.3.1 refuses it', () => {
  // the fixture's `refused` feature: GC(A, L1), A the polygon of `single`, L1 the line of `line_single` (make.py)
  const X0 = 500000;
  const Y0 = 5000012;
  const A: Position[] = [[1.31, 1.63], [6.77, 1.63], [6.77, 7.19], [1.31, 7.19], [1.31, 1.63]].map(([u, v]) => [X0 + (u as number), Y0 - (v as number)]);
  const L1: Position[] = [[X0 + 0.4, Y0 - 0.7], [X0 + 9.3, Y0 - 6.2], [X0 + 11.6, Y0 - 11.1]];
  const mixedGpkg = join(mkdtempSync(join(tmpdir(), 'zf-mixed-')), 'mixed.gpkg');
  writeGeoPackage(mixedGpkg, [{
    name: 'mixed', srsId: 32631, columns: { id: 'TEXT' },
    features: [
      { geometry: { type: 'Polygon', coordinates: [A] }, properties: { id: 'single' } },
      { geometry: { type: 'GeometryCollection', geometries: [{ type: 'Polygon', coordinates: [A] }, { type: 'LineString', coordinates: L1 }] }, properties: { id: 'gc_mixed' } },
      { geometry: { type: 'LineString', coordinates: L1 }, properties: { id: 'line_single' } },
    ],
  }]);
  const REASON = /^GEOMETRY_INVALID: feature "gc_mixed" \(fid 2\): a GeometryCollection mixing polygons and lines has no exact coverage \(exactextract refuses it: "Mixed-type geometries not supported"\); use coverage center or all_touched, or one feature per kind$/;
  const want = (id: string, stats: string[]): Record<string, unknown> => {
    const row = (id === 'single' ? E.exact.exact?.rows.single : E.exact.lines?.rows.line_single) ?? {};
    return Object.fromEntries(stats.map((s) => [`v_${s}`, row[`v_${s}`]]));
  };
  it('exactextract says so (the fixture)', () => {
    expect((E as unknown as { refused: { error: string } }).refused.error).toBe('Error: Mixed-type geometries not supported.');
  });
  for (const prepareThread of [false, true]) {
    it(`zonalflow stats${prepareThread ? ' (prepare thread)' : ''}: one line naming the problem and the feature; the others = exactextract`, async () => {
      const stats = ['count', 'sum', 'mean', 'min', 'max'];
      const r = await runStatsJob({ input: mixedGpkg, spec: spec({ stats }), allowed: LOCAL_ONLY, prepareThread, threads: 1 });
      const mixed = r.rows.find((x) => x.id === 'gc_mixed');
      expect(mixed?.error).toMatch(REASON);
      expect(mixed?.values.every((v) => v === null)).toBe(true);
      const rest = { ...r, rows: r.rows.filter((x) => x.id !== 'gc_mixed') };
      expectWithin(compare(rest, { single: want('single', stats), line_single: want('line_single', stats) }));
    });
  }
  it('zonalflow local (the Worker): the same failure in the rows and the summary, the rest computed', async () => {
    const out = mkdtempSync(join(tmpdir(), 'zf-mixed-out-'));
    const stats = ['count', 'mean'];
    const s = { input: { idColumn: 'id' }, rasters: [{ name: 'v', uri: join(DIR, 'v.tif') }], stats, output: { formats: ['parquet'] } };
    const run = await runLocal({ input: mixedGpkg, spec: s, out });
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { failures: { id: string; reason: string }[]; features: { done: number; failed: number } };
    expect(run.status).not.toBe('FAILED');
    expect(summary.features).toMatchObject({ done: 2, failed: 1 });
    expect(summary.failures.map((f) => [f.id, REASON.test(f.reason)])).toEqual([['gc_mixed', true]]);
    const results = await readResultParquet(readFileSync(join(out, 'results.parquet')));
    expect(results.rows.find((x) => x.id === 'gc_mixed')?.error).toMatch(REASON);
    expectWithin(compare({ ...results, rows: results.rows.filter((x) => x.id !== 'gc_mixed') }, { single: want('single', stats), line_single: want('line_single', stats) }));
  }, 180_000);
  for (const mode of ['center', 'all_touched'] as const) {
    it(`${mode}: computed, every member burned (GDAL burns each member: the union of the polygon's and the line's cells)`, async () => {
      const r = await runStatsJob({ input: mixedGpkg, spec: spec({ stats: ['count', 'nodata_count', 'cell_id'], coverage: mode }), allowed: LOCAL_ONLY, threads: 1 });
      expect(r.rows.map((x) => x.error)).toEqual([null, null, null]);
      const all = E.coverage_all.rows.single as { a_cell_id: number[]; a_coverage: number[] };
      const polygon = mode === 'center' ? (E.gdal.single?.center ?? []) : all.a_cell_id.filter((_, k) => (all.a_coverage[k] as number) > 1e-10);
      const union = [...new Set([...polygon, ...(E.gdal.line_single?.[mode] ?? [])])].sort((a, b) => a - b);
      expect(selected(r, 'gc_mixed')).toEqual(union);
    });
  }
});
