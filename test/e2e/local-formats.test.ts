/**
 * The pipeline reads every input format: `zonalflow local` with a zipped Shapefile given to
 * the stack's upload rule (event trigger: the .zip suffix starts the job) gives the
 * statistics `stats` computes from the GeoPackage the fixture was converted from.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLocal } from '../../shared/local/runner';
import { runStatsJob } from '../../shared/engine/stats-job';
import { parseJobSpec } from '../../shared/spec';
import { allowedFromUris } from '../../shared/io/uri';
import { csvObjects } from '../cases/run-cli';

const FX = join(import.meta.dirname, '../fixtures');
const RASTER = join(FX, 'reference/data/lux/elev.cog.tif');

describe('local: non-GeoPackage inputs through Plan and the upload rule', () => {
  it('a .shp.zip started by the EventBridge rule gives the GeoPackage statistics', async () => {
    const spec = { input: { idColumn: 'ID_2' }, rasters: [{ uri: RASTER }], stats: ['count', 'mean'], output: { formats: ['parquet', 'csv'] } };
    const out = mkdtempSync(join(tmpdir(), 'zf-local-formats-'));
    const r = await runLocal({ input: join(FX, 'formats/lux_cantons_2169.shp.zip'), spec, out, trigger: 'event' });
    expect(r.status).toBe('DONE');
    const rows = csvObjects(readFileSync(join(out, 'results.csv'), 'utf8'));
    const ref = await runStatsJob({ input: join(FX, 'reference/data/lux/lux_cantons_2169.gpkg'), spec: parseJobSpec(spec), allowed: allowedFromUris([RASTER]) });
    expect(rows.length).toBe(12);
    for (const want of ref.rows) {
      const got = rows.find((x) => x.id === want.id);
      expect(Number(got?.elev_count)).toBe(want.values[0]);
      expect(Number(got?.elev_mean)).toBe(want.values[1]);
    }
  });
});
