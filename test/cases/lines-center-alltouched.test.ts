/**
 * Case lines-center-alltouched (fixtures/cases/lines-center-alltouched, copied from
 * the shared cases with its make.py): five lines over a 20x20 grid through
 * `runStatsJob` in the three coverage modes; center and all_touched cells and
 * sums from rasterio 1.3.5 geometry_mask (GDAL 3.6.2), exact from exactextract
 * 0.3.1 and hand arithmetic (expected.json).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStatsJob } from '../../shared/engine/stats-job';
import { parseJobSpec } from '../../shared/spec';
import { LOCAL_ONLY } from '../../shared/io/uri';

const dir = join(__dirname, '../fixtures/cases/lines-center-alltouched');
interface ModeResult { count: number; sum: number }
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { features: Record<string, Record<'center' | 'all_touched' | 'exact', ModeResult>> };

describe('case lines-center-alltouched', () => {
  for (const mode of ['center', 'all_touched', 'exact'] as const) {
    it(`${mode}: count and sum of every line`, async () => {
      const spec = parseJobSpec({ input: { idColumn: 'id' }, rasters: [{ name: 'g', uri: join(dir, 'grid.tif') }], stats: ['count', 'sum'], coverage: mode });
      const r = await runStatsJob({ input: join(dir, 'lines.gpkg'), spec, allowed: LOCAL_ONLY });
      for (const [id, want] of Object.entries(expected.features)) {
        const row = r.rows.find((x) => x.id === id);
        expect(row?.error ?? null).toBeNull();
        const [count, sum] = row?.values ?? [];
        if (mode === 'exact') {
          // the project's exact tolerance (exactextract's CSV differs by ~1e-8 relative)
          expect(Math.abs((count as number) - want[mode].count) / want[mode].count).toBeLessThan(1e-6);
          expect(Math.abs((sum as number) - want[mode].sum) / want[mode].sum).toBeLessThan(1e-6);
        } else {
          expect([id, count, sum]).toEqual([id, want[mode].count, want[mode].sum]);
        }
      }
    });
  }
});
