/**
 * `zonalflow estimate` and `run --dry-run` refuse what the job refuses, with the job's own line: an `input.idColumn`
 * or `input.include` column the layer lacks, an unknown statistic. Each spec is also given to `stats`, whose line
 * (the job's check) the estimate's must equal; exit 2 and no estimate printed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cases/run-cli';

const dir = mkdtempSync(join(tmpdir(), 'zf-estimate-checks-'));
const gpkg = join(import.meta.dirname, '../../../examples/lux_cantons_2169.gpkg');
const raster = join(import.meta.dirname, '../../../examples/elev.cog.tif');

function spec(name: string, extra: Record<string, unknown>): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ rasters: [{ name: 'elev', uri: raster }], stats: ['mean'], ...extra }));
  return path;
}

const CASES: [string, Record<string, unknown>, RegExp][] = [
  ['id', { input: { idColumn: 'nope' } }, /layer "lux_cantons" has no column "nope" for the ids/],
  ['id-near', { input: { idColumn: 'id_2' } }, /has no column "id_2" for the ids .*did you mean "ID_2"\?/],
  ['include', { input: { include: ['zzz'] } }, /layer "lux_cantons" has no column "zzz" to include/],
  ['stat', { stats: ['meen'] }, /unknown statistic "meen" \(did you mean mean\?\)/],
];

describe('estimate and run --dry-run check the spec against the input as the job does', () => {
  it.each(CASES)('%s: exit 2 with the line stats gives, nothing estimated', async (name, extra, expected) => {
    const file = spec(name, extra);
    const stats = await runCli(['stats', '--input', gpkg, '--spec', file, '--out', join(dir, `${name}.csv`), '--quiet']);
    expect(stats.code).toBe(2);
    expect(stats.err).toMatch(expected);
    for (const argv of [['estimate', '--input', gpkg, '--spec', file], ['run', '--dry-run', '--input', gpkg, '--spec', file]]) {
      const r = await runCli(argv);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toBe(stats.err);
    }
  }, 60_000);

  it('a spec the input satisfies is still estimated (exit 0)', async () => {
    const r = await runCli(['estimate', '--input', gpkg, '--spec', spec('ok', { input: { idColumn: 'ID_2', include: ['NAME_2'] } })]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/features\s+12\n/);
  }, 60_000);
});
