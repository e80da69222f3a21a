/**
 * Rounding slivers (fixtures/rounding-slivers: make.py builds the raster and the fields and records, for ogr2ogr's
 * coordinates, every cell's exact coverage in rational arithmetic and exactextract 0.3.1's answer). Fields whose
 * corners are cell corners in the raster's CRS come back from EPSG:4326 a few units in the last place off the cell
 * edges, so their edges cover slivers of 1e-23..1e-10 of the cells beside them. zonalflow measures those slivers:
 * on the same coordinates it selects exactly the cells of positive exact coverage. exactextract drops 44 of those
 * cells (its boundary crossings are rounded to world-coordinate doubles: README, Accuracy), which is why its
 * variety, minority and quantiles can differ there; this test holds zonalflow to the exact arithmetic.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStatsJob } from '../../shared/engine/stats-job';
import { parseJobSpec } from '../../shared/spec';
import { LOCAL_ONLY } from '../../shared/io/uri';

const DIR = join(import.meta.dirname, '../fixtures/rounding-slivers');
interface Feature { ring: number[][]; exact: Record<string, number>; exactextract: Record<string, number>; exactextract_stats: Record<string, number> }
const E = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as { features: Record<string, Feature> };

describe('rounding slivers on fields carried through EPSG:4326 (fixtures/rounding-slivers)', () => {
  it("on ogr2ogr's coordinates, zonalflow selects exactly the cells of positive exact coverage, each to its float32 rounding (slivers to 1e-13)", async () => {
    const spec = parseJobSpec({ input: { idColumn: 'id' }, rasters: [{ name: 's', uri: join(DIR, 's.tif') }], stats: ['cell_id', 'coverage', 'variety'] });
    const r = await runStatsJob({ input: join(DIR, 'fields_32631.gpkg'), spec, allowed: LOCAL_ONLY, threads: 1 });
    expect(r.rows.map((x) => String(x.id)).sort()).toEqual(Object.keys(E.features).sort());
    const problems: string[] = [];
    for (const row of r.rows) {
      const f = E.features[String(row.id)] as Feature;
      const [ids, cov, variety] = row.values as [number[], number[], number];
      const ours = new Map(ids.map((id, k) => [String(id), cov[k] as number]));
      expect([row.id, [...ours.keys()].sort()]).toEqual([row.id, Object.keys(f.exact).sort()]);
      // every cell its own value: variety counts the cells
      expect(variety).toBe(Object.keys(f.exact).length);
      for (const [id, exact] of Object.entries(f.exact)) {
        const c = ours.get(id) as number;
        const ok = exact < 1e-6 ? Math.abs(c - exact) <= 1e-13 : Math.abs(c - exact) <= 2 ** -24 * exact;
        if (!ok) problems.push(`${String(row.id)} cell ${id}: ${c} vs exact ${exact}`);
      }
    }
    expect(problems).toEqual([]);
  }, 60_000);
});
