/**
 * `zonalflow report` given what it cannot read: a CSV/JSON output of `stats`, a file that is not
 * Parquet, a mistyped folder. Each is one INPUT_INVALID line and exit 2, never a "bug" or an AWS
 * lookup (found by a newcomer trial: a missing folder was taken for a job id and asked for a region).
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cases/run-cli';

describe('report: inputs it cannot read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zf-report-inputs-'));
  writeFileSync(join(dir, 'stats.csv'), 'id,fid,a_mean,error\n1,1,2,\n');
  writeFileSync(join(dir, 'fake.parquet'), 'not parquet at all');
  const cases: [string, string, RegExp][] = [
    ['a CSV written by stats', join(dir, 'stats.csv'), /stats\.csv: report reads zonalflow's Parquet results/],
    ['a .parquet that is not Parquet', join(dir, 'fake.parquet'), /fake\.parquet is not a readable Parquet file/],
    ['a folder that does not exist', join(dir, 'nope/'), /nope\/ does not exist: give a results folder/],
  ];
  for (const [name, results, message] of cases) {
    it(`${name}: one INPUT_INVALID line, exit 2`, async () => {
      const r = await runCli(['report', results, '--out', join(dir, 'r.html')]);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(/INPUT_INVALID/);
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/looks like a bug|region/i);
      expect(r.err.trim().split('\n').length).toBe(1);
    });
  }
});

describe('report --stat: a name the results lack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zf-report-stat-'));
  const examples = join(import.meta.dirname, '../../../examples');
  // 101 numeric statistic columns: elev_q1 .. elev_q99, elev_count, elev_mean (the count of a wide result)
  const stats = [...Array.from({ length: 99 }, (_, i) => `q${i + 1}`), 'count', 'mean'];
  const results = join(dir, 'wide.parquet');

  it('one short line (20 names, then "... and N more"), the near name suggested, exit 2, nothing written', async () => {
    const s = await runCli(['stats', '--input', join(examples, 'lux_cantons_2169.gpkg'), '--raster', join(examples, 'elev.cog.tif'), '--stats', stats.join(','), '--out', results, '--quiet']);
    expect(s.code, s.err).toBe(0);
    const r = await runCli(['report', results, '--stat', 'elev_maen', '--out', join(dir, 'r.html')]);
    expect(r.code, r.err).toBe(2);
    const columns = stats.map((x) => `elev_${x}`);
    expect(r.err).toBe(`zonalflow: error [SPEC_INVALID]: --stat elev_maen: not a numeric column of the results (numeric columns: ${columns.slice(0, 20).join(', ')}, ... and 81 more); did you mean "elev_mean"?\n`);
    // nothing near: no suggestion
    const far = await runCli(['report', results, '--stat', 'dem_nope', '--out', join(dir, 'r.html')]);
    expect(far.code).toBe(2);
    expect(far.err).toMatch(/--stat dem_nope: not a numeric column of the results \(numeric columns: elev_q1, [^)]*\.\.\. and 81 more\)\n$/);
    expect(far.err.length).toBeLessThan(400);
    expect(existsSync(join(dir, 'r.html'))).toBe(false);
  }, 60_000);
});
