/**
 * Bad spec values through the CLI a user runs (`main`, as bin/zonalflow.mjs): one line naming the option or
 * field and the problem, never zod's own text ("Too small: expected string to have >=1 characters"); an empty
 * or blank string in any string field of the spec refused as such; and every problem at once, one line each
 * (a bad --coverage never hides a bad --stats, nor a bad number option either of them).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cases/run-cli';
import { parseJobSpec } from '../../../shared/spec';

const dir = mkdtempSync(join(tmpdir(), 'zf-spec-problems-'));
const input = join(import.meta.dirname, '../../../examples/lux_cantons_2169.gpkg');
const raster = join(import.meta.dirname, '../../../examples/elev.cog.tif');

async function run(args: string[]): Promise<{ code: number; lines: string[] }> {
  const { code, err } = await runCli(args);
  return { code, lines: err.trim().split('\n') };
}
const stats = (...more: string[]): string[] => ['stats', '--input', input, '--out', join(dir, `${Math.random()}.csv`), '--quiet', ...more];
const specFile = (spec: unknown): string => {
  const path = join(dir, `${Math.random()}.json`);
  writeFileSync(path, JSON.stringify(spec));
  return path;
};
const ZOD = /Too small|Too big|expected string|Invalid (input|option)/;

describe('an empty raster URI', () => {
  it('--raster "" and --raster " ": exit 2, one line naming --raster', async () => {
    for (const [value, what] of [['', 'empty URI'], [' ', 'blank URI']] as const) {
      const r = await run(stats('--raster', value));
      expect(r.code).toBe(2);
      expect(r.lines).toEqual([`zonalflow: error [SPEC_INVALID]: --raster: ${what}${value === '' ? '' : ' (only whitespace)'}; give a local path, an https:// or an s3:// URI`]);
    }
    // the second of two is named as such
    const two = await run(stats('--raster', raster, '--raster', ''));
    expect(two.lines).toEqual(['zonalflow: error [SPEC_INVALID]: --raster #2: empty URI; give a local path, an https:// or an s3:// URI']);
  });
  it('an empty uri in a spec file, for stats and local: one line naming the file and the field', async () => {
    const spec = specFile({ rasters: [{ uri: '' }] });
    for (const cmd of [['stats', '--input', input, '--spec', spec, '--out', join(dir, 'y.csv')], ['local', '--input', input, '--spec', spec, '--out', join(dir, 'local-out')]]) {
      const r = await run(cmd);
      expect(r.code).toBe(2);
      expect(r.lines).toEqual([`zonalflow: error [SPEC_INVALID]: invalid job spec ${spec}: rasters.0.uri: empty URI; give a local path, an https:// or an s3:// URI`]);
    }
  });
  it('a raster or weights URI with leading or trailing whitespace is refused as such', () => {
    expect(() => parseJobSpec({ rasters: [{ uri: ' elev.tif' }] })).toThrow(/^invalid job spec: rasters\.0\.uri: " elev\.tif" has leading or trailing whitespace$/);
    expect(() => parseJobSpec({ rasters: [{ uri: 'elev.tif' }], stats: ['weighted_mean'], weights: { uri: 'w.tif\t' } })).toThrow(/^invalid job spec: weights\.uri: "w\.tif\\t" has leading or trailing whitespace$/);
  });
  it('every string field of the spec refuses an empty or blank value, in plain words', () => {
    const raster0 = { uri: 'elev.tif' };
    const stac = { api: 'https://earth-search.aws.element84.com/v1', collections: ['s2'], datetime: '2024-01-01/2024-02-01', assets: { red: 'red', scl: 'scl' } };
    const cases: [unknown, string][] = [
      [{ rasters: [raster0], input: { layer: '' } }, 'input.layer'],
      [{ rasters: [raster0], input: { idColumn: '  ' } }, 'input.idColumn'],
      [{ rasters: [raster0], input: { include: ['a', ''] } }, 'input.include.1'],
      [{ rasters: [{ uri: '\t' }] }, 'rasters.0.uri'],
      [{ rasters: [raster0], stats: ['weighted_mean'], weights: { uri: '' } }, 'weights.uri'],
      [{ rasters: [raster0], bands: { ndvi: ' ' } }, 'bands.ndvi'],
      [{ stac: { ...stac, collections: [''] } }, 'stac.collections.0'],
      [{ stac: { ...stac, assets: { red: '' } } }, 'stac.assets.red'],
      [{ stac, outputs: [''] }, 'outputs.0'],
      [{ stac, mask: { classes: { band: ' ', exclude: [3] } } }, 'mask.classes.band'],
    ];
    for (const [spec, field] of cases) {
      let message = '';
      try {
        parseJobSpec(spec);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message, field).toMatch(new RegExp(`(^invalid job spec: |\\n  - )${field.replace(/\./g, '\\.')}: (empty|blank) (value|URI)`));
      expect(message, field).not.toMatch(ZOD);
    }
  });
});

describe('an empty statistic name', () => {
  const line = 'empty statistic name at position 2 of 3 (after "mean"); name a statistic there or remove it';
  it('--stats "mean,,max": exit 2, one line naming --stats and the position (never dropped silently)', async () => {
    const r = await run(stats('--raster', raster, '--stats', 'mean,,max'));
    expect(r.code).toBe(2);
    expect(r.lines).toEqual([`zonalflow: error [SPEC_INVALID]: --stats: ${line}`]);
    // a trailing comma, and a repeated --stats whose second value is empty: the position in the whole list
    expect((await run(stats('--raster', raster, '--stats', 'mean,max,'))).lines).toEqual(['zonalflow: error [SPEC_INVALID]: --stats: empty statistic name at position 3 of 3 (after "max"); name a statistic there or remove it']);
    expect((await run(stats('--raster', raster, '--stats', 'mean', '--stats', ''))).lines).toEqual(['zonalflow: error [SPEC_INVALID]: --stats: empty statistic name at position 2 of 2 (after "mean"); name a statistic there or remove it']);
  });
  it('"stats": ["mean", "", "max"] in a spec file, for stats and local: the same line, naming the file and the field', async () => {
    const spec = specFile({ rasters: [{ uri: raster }], stats: ['mean', '', 'max'] });
    for (const cmd of [['stats', '--input', input, '--spec', spec, '--out', join(dir, 'e.csv')], ['local', '--input', input, '--spec', spec, '--out', join(dir, 'local-e')]]) {
      const r = await run(cmd);
      expect(r.code).toBe(2);
      expect(r.lines).toEqual([`zonalflow: error [SPEC_INVALID]: invalid job spec ${spec}: stats: ${line}`]);
    }
    // a blank name is empty too; beside another problem, one line each
    expect(() => parseJobSpec({ rasters: [{ uri: raster }], stats: ['mean', ' ', 'max'], coverage: 'most' })).toThrow(`invalid job spec:\n  - stats: ${line}\n  - coverage: "most" is not one of exact, center, all_touched`);
  });
});

describe('every problem at once', () => {
  it('--coverage bogus and an unknown statistic: both named, one line each', async () => {
    const r = await run(stats('--raster', raster, '--coverage', 'bogus', '--stats', 'mean,bogus'));
    expect(r.code).toBe(2);
    expect(r.lines[0]).toBe('zonalflow: error [SPEC_INVALID]: invalid options:');
    expect(r.lines.slice(1).map((l) => l.replace(/;.*/, ''))).toEqual(['  - --coverage: "bogus" is not one of exact, center, all_touched', '  - --stats: unknown statistic "bogus"']);
  });
  it('a bad number option, a bad --coverage-weight, a bad --coverage and a bad statistic: all four', async () => {
    const r = await run(stats('--raster', raster, '--threads', 'x', '--coverage-weight', 'area', '--coverage', 'most', '--stats', 'meen'));
    expect(r.code).toBe(2);
    expect(r.lines).toHaveLength(5);
    for (const option of ['--threads', '--coverage-weight', '--coverage', '--stats']) expect(r.lines.some((l) => l.startsWith(`  - ${option}: `)), option).toBe(true);
  });
  it('the same in a spec file: coverage and stats both named', async () => {
    const spec = specFile({ rasters: [{ uri: raster }], coverage: 'bogus', stats: ['mean', 'bogus'] });
    const r = await run(['local', '--input', input, '--spec', spec, '--out', join(dir, 'local-2')]);
    expect(r.code).toBe(2);
    expect(r.lines.map((l) => l.replace(/;.*/, ''))).toEqual([`zonalflow: error [SPEC_INVALID]: invalid job spec ${spec}:`, '  - coverage: "bogus" is not one of exact, center, all_touched', '  - stats: unknown statistic "bogus"']);
  });
});
