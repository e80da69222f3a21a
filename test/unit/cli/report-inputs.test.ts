/**
 * `zonalflow report` given what it cannot read: a CSV/JSON output of `stats`, a file that is not
 * Parquet, a mistyped folder. Each is one INPUT_INVALID line and exit 2, never a "bug" or an AWS
 * lookup (found by a newcomer trial: a missing folder was taken for a job id and asked for a region).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
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
