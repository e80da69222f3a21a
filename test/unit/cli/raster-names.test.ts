/**
 * `--raster NAME=URI`: NAME is what comes before the first `=` when that holds no `/`, `\` or `:`; a NAME that
 * breaks the spec's rule (raster-stem.ts RASTER_NAME) is a usage error stating the rule, not a path that does not
 * exist (a newcomer's trial, F7: `--raster 1x=dem.tif` said "cannot open 1x=/…/elev.cog.tif: no such file").
 * A file whose own name holds `=` still opens, and a URI's `=` after a `/` is never a NAME=.
 */
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cases/run-cli';
import { rasterArg } from '../../../cli/commands/stats';
import { RasterSpecSchema } from '../../../shared/spec';

const examples = join(import.meta.dirname, '../../../examples');
const input = join(examples, 'lux_cantons_2169.gpkg');
const elev = join(examples, 'elev.cog.tif');
const dir = mkdtempSync(join(tmpdir(), 'zf-raster-names-'));
const stats = (...rasters: string[]): string[] => ['stats', '--input', input, ...rasters.flatMap((r) => ['--raster', r]), '--stats', 'mean', '--out', join(dir, `${Math.random()}.csv`), '--quiet'];

describe('--raster NAME=URI', () => {
  it('an invalid NAME: exit 2, one line with the spec\'s own rule', async () => {
    for (const [value, name] of [[`1x=${elev}`, '1x'], [`my-dem=${elev}`, 'my-dem'], [`=${elev}`, '']] as const) {
      const r = await runCli(stats(value));
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toEqual([`zonalflow: error [SPEC_INVALID]: --raster: invalid raster name '${name}': a name is letters, digits and _, not starting with a digit (in --raster ${value})`]);
    }
    // the spec's rule, the same words (one source)
    const spec = RasterSpecSchema.safeParse({ name: '1x', uri: elev });
    expect(spec.error?.issues[0]?.message).toBe('a name is letters, digits and _, not starting with a digit');
  });
  it('every invalid --raster is listed with the other problems', async () => {
    const r = await runCli(stats(`1x=${elev}`, `2y=${elev}`));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/- --raster: invalid raster name '1x'.*\n.*- --raster: invalid raster name '2y'/);
    expect(r.err).not.toMatch(/no such file|at least one raster/);
  });
  it('a valid NAME names the columns; a file whose name holds "=" opens as a path', async () => {
    const named = join(dir, 'named.csv');
    expect((await runCli(['stats', '--input', input, '--raster', `dem_1=${elev}`, '--stats', 'mean', '--out', named, '--quiet'])).code).toBe(0);
    expect(readFileSync(named, 'utf8').split('\n')[0]).toMatch(/dem_1_mean/);
    // a file literally named 1x=elev.tif, given relative to the current folder
    copyFileSync(elev, join(dir, '1x=elev.tif'));
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const literal = join(dir, 'literal.csv');
      const r = await runCli(['stats', '--input', input, '--raster', '1x=elev.tif', '--stats', 'mean', '--out', literal, '--quiet']);
      expect(r.err).not.toMatch(/error/);
      expect(r.code).toBe(0);
      expect(readFileSync(literal, 'utf8').split('\n')[0]).toMatch(/r_1x_elev_mean/);
    } finally {
      process.chdir(cwd);
    }
  });
  it('the rule: NAME before the first "=" when it holds no "/", "\\" or ":"', () => {
    expect(rasterArg('dem=s3://b/year=2024/dem.tif')).toEqual({ name: 'dem', uri: 's3://b/year=2024/dem.tif' });
    expect(rasterArg('s3://b/year=2024/dem.tif')).toEqual({ uri: 's3://b/year=2024/dem.tif' });
    expect(rasterArg('https://host/dem.tif?x=1')).toEqual({ uri: 'https://host/dem.tif?x=1' });
    expect(rasterArg('./a=b.tif')).toEqual({ uri: './a=b.tif' });
    expect(rasterArg('C:\\data\\x=1.tif')).toEqual({ uri: 'C:\\data\\x=1.tif' });
    expect(rasterArg('a=b=dem.tif')).toEqual({ name: 'a', uri: 'b=dem.tif' });
    expect(() => rasterArg('1x=dem.tif')).toThrow("invalid raster name '1x'");
  });
});
