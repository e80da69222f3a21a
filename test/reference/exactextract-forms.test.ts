/**
 * exactextract's operation syntax against the exactextract CLI: the very `-s` strings given to exactextract
 * (quantile(q=...), mode, min_center_x..., per-operation arguments) are given to zonalflow as its `stats`, and
 * zonalflow's columns and values must be exactextract's. Expected values: fixtures/exactextract-ops/
 * expected-forms.json, written by make_forms.py beside it (the commands are in the JSON).
 * - Column names: exactextract's, with zonalflow's `<raster>_` prefix where exactextract writes none (one
 *   raster and no raster argument): `quantile(q=0.29)` -> `w_quantile_28`, as exactextract.
 * - Values: 1e-6 relative (1e-9 absolute near 0); exactextract casts quantiles, mode, min and max to the
 *   raster's type: on the Byte rasters zonalflow's quantiles are compared truncated, on the Float32 one at
 *   float32 precision (within the 1e-6); the cell centres of min/max within 1e-9 relative (a wrong cell is
 *   a whole cell away).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStatsJob } from '../../shared/engine/stats-job';
import { parseJobSpec } from '../../shared/spec';
import type { JobSpecInput } from '../../shared/spec';
import { LOCAL_ONLY } from '../../shared/io/uri';

const DIR = join(import.meta.dirname, '../fixtures/exactextract-ops');
const REF = join(import.meta.dirname, '../fixtures/reference/data');
interface Expected { command: string; stats: string[]; columns: string[]; rows: Record<string, Record<string, number | null>> }
const expected = JSON.parse(readFileSync(join(DIR, 'expected-forms.json'), 'utf8')) as { cases: Record<string, Expected> };

const FIELDS = join(REF, 'l7/l7_fields_4326.gpkg');
const CANTONS = join(REF, 'lux/lux_cantons_4326.gpkg');
const L7 = join(REF, 'l7/L7_ETMs.cog.tif');

interface Case { input: string; idColumn: string; raster: { name: string; uri: string; bands?: number[] }; integer: boolean }
const CASES: Record<string, Case> = {
  lux_forms: { input: CANTONS, idColumn: 'ID_2', raster: { name: 'w', uri: join(DIR, 'lux_weights.tif') }, integer: false },
  l7_classes_forms: { input: FIELDS, idColumn: 'field_id', raster: { name: 'c', uri: join(DIR, 'l7_classes.tif') }, integer: true },
  l7_forms_mincov: { input: FIELDS, idColumn: 'field_id', raster: { name: 'b', uri: L7, bands: [1] }, integer: true },
  l7_forms_none: { input: FIELDS, idColumn: 'field_id', raster: { name: 'b', uri: L7, bands: [1] }, integer: true },
};

function rel(a: number, b: number): number {
  const scale = Math.max(Math.abs(a), Math.abs(b));
  return scale < 1e-9 ? Math.abs(a - b) : Math.abs(a - b) / scale;
}

describe('exactextract operation forms vs the exactextract CLI (fixtures/exactextract-ops/expected-forms.json)', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: exactextract's column names and values`, async () => {
      const exp = expected.cases[name];
      if (!exp) throw new Error(`no expected values for ${name}`);
      const specInput: JobSpecInput = { input: { idColumn: c.idColumn }, rasters: [c.raster], stats: exp.stats };
      const spec = parseJobSpec(specInput);
      const r = await runStatsJob({ input: c.input, spec, allowed: LOCAL_ONLY });
      const prefix = `${c.raster.name}_`;
      const theirs = exp.columns.map((col) => (col.startsWith(prefix) ? col : prefix + col));
      const ours = r.columns.map((col) => col.name).filter((n) => n.startsWith(prefix));
      expect(ours).toEqual(theirs);
      let compared = 0;
      for (const row of r.rows) {
        const e = exp.rows[row.id];
        if (e === undefined) continue;
        expect(row.error).toBeNull();
        exp.columns.forEach((col, j) => {
          const t = e[col] ?? null;
          const o = row.values[r.columns.findIndex((x) => x.name === theirs[j])];
          if (t === null) {
            expect([row.id, col, o]).toEqual([row.id, col, null]);
            return;
          }
          expect(typeof o).toBe('number');
          const cast = c.integer && /quantile|median/.test(col) ? Math.trunc(o as number) : (o as number);
          const tol = /center/.test(col) ? 1e-9 : 1e-6;
          const d = rel(cast, t);
          if (d >= tol) expect([row.id, col, o, t]).toEqual([row.id, col, t, t]);
          compared++;
        });
      }
      expect(compared).toBe(Object.keys(exp.rows).length * exp.columns.length);
    });
  }

  it('lux_forms: quantile(q=F) is the same number as qNN and median, mode the same as majority', async () => {
    const spec = parseJobSpec({ input: { idColumn: 'ID_2' }, rasters: [CASES.lux_forms?.raster], stats: ['quantile(q=0.25)', 'q25', 'quantile(q=0.5)', 'median', 'mode', 'majority'] });
    const r = await runStatsJob({ input: CANTONS, spec, allowed: LOCAL_ONLY });
    expect(r.columns.map((col) => col.name)).toEqual(['w_quantile_25', 'w_q25', 'w_quantile_50', 'w_median', 'w_mode', 'w_majority']);
    for (const row of r.rows) {
      const v = row.values;
      expect([row.id, v[0], v[2], v[4]]).toEqual([row.id, v[1], v[3], v[5]]);
    }
  });
});
