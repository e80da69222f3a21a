/**
 * exactextract's operation syntax through `zonalflow stats --stats` (the CLI a user runs): the value is split
 * at the commas between operations only (`quantile(elev,q=0.25)` stays whole), the columns are named as
 * exactextract names them, and an argument zonalflow cannot honour exits 2 with one line naming --stats.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv, runCli } from '../../cases/run-cli';

const dir = mkdtempSync(join(tmpdir(), 'zf-stats-ops-'));
const input = join(import.meta.dirname, '../../../examples/lux_cantons_2169.gpkg');
const raster = join(import.meta.dirname, '../../../examples/elev.cog.tif');
const stats = (out: string, ...more: string[]): string[] => ['stats', '--input', input, '--raster', raster, '--id-column', 'ID_2', '--out', out, '--quiet', ...more];

describe('zonalflow stats --stats with exactextract\'s forms', () => {
  it('quantile(elev,q=0.25),mode,q25,majority,min_center_x: exactextract\'s column names, the same numbers as q25 and majority', async () => {
    const out = join(dir, 'forms.csv');
    const r = await runCli(stats(out, '--stats', 'quantile(elev,q=0.25),mode,q25,majority,min_center_x', '--min-coverage-frac', '0.5', '--stats', 'mean(min_coverage_frac=0.5)'));
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^zonalflow: 12 features \(12 computed, 0 failed\)/);
    const rows = parseCsv(readFileSync(out, 'utf8'));
    expect(rows[0]).toEqual(['id', 'fid', 'elev_quantile_25', 'elev_mode', 'elev_q25', 'elev_majority', 'elev_min_center_x', 'elev_mean', 'error']);
    expect(rows.length).toBe(13);
    for (const row of rows.slice(1)) {
      expect(row[2]).toBe(row[4]);
      expect(row[3]).toBe(row[5]);
      expect(Number(row[6])).toBeGreaterThan(0);
    }
  });

  it('an argument given to some operations only: exit 2, one line naming --stats and what zonalflow does instead', async () => {
    const r = await runCli(stats(join(dir, 'bad.csv'), '--stats', 'count,mean(min_coverage_frac=0.5)'));
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toEqual(['zonalflow: error [SPEC_INVALID]: --stats: min_coverage_frac=0.5 is given to "mean(min_coverage_frac=0.5)" but not to "count"; zonalflow applies one min_coverage_frac to every statistic of a job (--min-coverage-frac, spec "minCoverageFrac"): give it to every operation, or set it for the job (--min-coverage-frac 0.5)']);
  });
});
