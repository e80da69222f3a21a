/**
 * Coverage fractions weighed as exactextract weighs them, 32-bit floats (fixtures/float32-coverage: make.py
 * builds the raster, the weights and the layer and records exactextract 0.3.1's answers in expected.json).
 * Strips two columns wide covering both columns by 1/3 (or 2/3) each tie two values; exactextract's float
 * fractions are bit for bit equal there and its tie rule decides (majority: the largest value, minority: the
 * smallest), where 64-bit fractions differing in their last bits let rounding decide. Every statistic is
 * compared with exactextract's: the coverage list, count, sum, frac, the ties and the other exact-valued
 * statistics to the bit; the ones computed through a division or a running mean to 1e-12 relative.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStatsJob } from '../../shared/engine/stats-job';
import type { StatsJobResult } from '../../shared/engine/stats-job';
import { parseJobSpec } from '../../shared/spec';
import type { JobSpecInput } from '../../shared/spec';
import { LOCAL_ONLY } from '../../shared/io/uri';
import type { CellValue, FracCell } from '../../shared/output/table';
import { TimeseriesEngine } from '../../shared/engine/timeseries';
import { crsFromEpsg } from '../../shared/crs/epsg';
import { ensureProj } from '../../shared/crs/transform';
import { allowedFromUris } from '../../shared/io/uri';
import { readFeatures } from '../helpers/read-features';

const DIR = join(import.meta.dirname, '../fixtures/float32-coverage');
type Rows = Record<string, Record<string, unknown>>;
const E = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<'exact' | 'area' | 'none', { command: string; rows: Rows }>;
const TIES = join(DIR, 'ties.gpkg');

/** exactextract's columns (v_<name>) as zonalflow names the statistics. */
const NAMES: Record<string, string> = { quantile_25: 'quantile(q=0.25)' };
/** Statistics computed through a division or a running mean: 1e-12 relative; every other one to the bit. */
const ROUNDED = new Set(['mean', 'stdev', 'median', 'quantile_25', 'weighted_mean']);
/** |a − b| <= rel · |b|, element by element for lists (same length). */
function close(a: unknown, b: unknown, rel: number): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => close(x, b[i], rel));
  return typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= rel * Math.abs(b);
}

function spec(extra: Partial<JobSpecInput>): ReturnType<typeof parseJobSpec> {
  return parseJobSpec({ input: { idColumn: 'id' }, rasters: [{ name: 'v', uri: join(DIR, 'v.tif') }], ...extra });
}

/** Our value of exactextract's column `col` (frac / weighted_frac in the order of exactextract's unique). */
function ours(r: StatsJobResult, id: string, col: string, theirs: Record<string, unknown>): unknown {
  const row = r.rows.find((x) => x.id === id);
  if (!row) throw new Error(`no row ${id}`);
  expect(row.error).toBeNull();
  const name = col.slice(2);
  const i = r.columns.findIndex((c) => c.name === col);
  if (i < 0) throw new Error(`no column ${col}`);
  const v = row.values[i] as CellValue;
  if (name === 'frac' || name === 'weighted_frac') {
    const f = v as FracCell;
    return (theirs.v_unique as number[]).map((x) => f.fracs[f.values.indexOf(x)] ?? null);
  }
  if (name === 'unique') return [...(v as number[])].sort((a, b) => a - b);
  return v;
}

/** Every mismatch of our rows with exactextract's (none expected): `id column: ours vs theirs`. */
function mismatches(r: StatsJobResult, rows: Rows): string[] {
  expect(r.rows.map((row) => String(row.id)).sort()).toEqual(Object.keys(rows).sort());
  const out: string[] = [];
  for (const [id, theirs] of Object.entries(rows)) {
    for (const [col, t] of Object.entries(theirs)) {
      const o = ours(r, id, col, theirs);
      const want = col === 'v_unique' ? [...(t as number[])].sort((a, b) => a - b) : t;
      // holes and parts too (`hole`, `holes2`, `multi`, `multi_hole`): their rings summed in float32 as exactextract sums them
      const same = ROUNDED.has(col.slice(2)) ? close(o, want, 1e-12) : JSON.stringify(o) === JSON.stringify(want);
      if (!same) out.push(`${id} ${col}: ${JSON.stringify(o)} vs ${JSON.stringify(want)}`);
    }
  }
  return out;
}

describe('coverage as exactextract weighs it: float32 fractions (fixtures/float32-coverage, exactextract 0.3.1)', () => {
  for (const prepareThread of [false, true]) {
    it(`ties of equal coverage decided by exactextract's rule; every statistic as exactextract's${prepareThread ? ' (prepare thread)' : ''}`, async () => {
      const stats = Object.keys(E.exact.rows.tri ?? {}).map((c) => NAMES[c.slice(2)] ?? c.slice(2));
      const r = await runStatsJob({ input: TIES, spec: spec({ stats, weights: { uri: join(DIR, 'w.tif') } }), allowed: LOCAL_ONLY, prepareThread, threads: 1 });
      expect(mismatches(r, E.exact.rows)).toEqual([]);
    }, 60_000);
  }

  it('coverageWeight area_cartesian and none: the float32 fraction times the float32 cell area (the coverage list too: a float32 step of a holed cell shows as ~5e-5 m2); 1 for every covered cell', async () => {
    expect(mismatches(await runStatsJob({ input: TIES, spec: spec({ stats: ['count', 'sum', 'coverage'], coverageWeight: 'area_cartesian' }), allowed: LOCAL_ONLY, threads: 1 }), E.area.rows)).toEqual([]);
    expect(mismatches(await runStatsJob({ input: TIES, spec: spec({ stats: ['count', 'coverage'], coverageWeight: 'none' }), allowed: LOCAL_ONLY, threads: 1 }), E.none.rows)).toEqual([]);
  }, 60_000);

  it('the ties are real: each strip covers its two columns by the same area, and the 64-bit fractions differ in their last bits', async () => {
    const r = await runStatsJob({ input: TIES, spec: spec({ stats: ['values', 'coverage'] }), allowed: LOCAL_ONLY, threads: 1 });
    for (const [id, theirs] of Object.entries(E.exact.rows)) {
      if (!id.startsWith('rect_') && !id.startsWith('poly_')) continue;
      // exactextract's float fractions: 20 cells (10 rows x 2 columns), all equal
      expect(new Set(theirs.v_coverage as number[]).size).toBe(1);
      expect((theirs.v_coverage as number[]).length).toBe(20);
      expect(ours(r, id, 'v_coverage', theirs)).toEqual(theirs.v_coverage);
    }
  }, 60_000);
});

describe('a time series weighs the cells as exactextract too (fixtures/float32-coverage, exactextract 0.3.1)', () => {
  it('v.tif as a scene asset: count and sum of every feature, the holed and multi-part ones included, to the bit; mean to 1e-12', async () => {
    await ensureProj();
    const path = join(DIR, 'v.tif');
    const spec = parseJobSpec({ stac: { api: 'https://stac.example.com/v1', collections: ['c'], datetime: '2024-05-01/2024-05-31', assets: { v: 'v' } }, interval: 'scene', stats: ['count', 'sum', 'mean'] });
    const engine = new TimeseriesEngine(spec, [{ id: 's1', datetime: Date.parse('2024-05-03T10:00:00Z'), bbox: null, hrefs: { v: path } }], crsFromEpsg(32631), { allowed: allowedFromUris([path]) });
    const features = await readFeatures(TIES, { idColumn: 'id' });
    const { rows } = await engine.computeChunk(features);
    const col = (name: string): number => engine.columns.findIndex((c) => c.name === name);
    const out: string[] = [];
    for (const [id, theirs] of Object.entries(E.exact.rows)) {
      const row = rows.find((x) => x.id === id);
      if (!row) throw new Error(`no row ${id}`);
      const [count, sum, mean] = ['v_count', 'v_sum', 'v_mean'].map((n) => row.values[col(n)] as number) as [number, number, number];
      if (count !== theirs.v_count || sum !== theirs.v_sum || !close(mean, theirs.v_mean, 1e-12)) out.push(`${id}: ${count} ${sum} ${mean} vs ${String(theirs.v_count)} ${String(theirs.v_sum)} ${String(theirs.v_mean)}`);
    }
    expect(out).toEqual([]);
    expect(Object.keys(E.exact.rows)).toEqual(expect.arrayContaining(['hole', 'holes2', 'multi', 'multi_hole']));
  }, 60_000);
});
