/**
 * Errors found after the spec was validated (a band beyond the raster's count, two rasters of one name) name the
 * option when the options built the spec (`--bands`, `--raster #2`) and the spec's field when a spec file did
 * (`rasters[0].bands`); a spec file that is no JSON object is said as such (a newcomer's trial, F8: `--bands 2`
 * said `(rasters[0].bands)`, `--raster x --raster x` `(rasters[1])`, a spec of `[]` "rasters: at least one raster is needed").
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cases/run-cli';

const examples = join(import.meta.dirname, '../../../examples');
const input = join(examples, 'lux_cantons_2169.gpkg');
const elev = join(examples, 'elev.cog.tif'); // one band (gdalinfo examples/elev.cog.tif: Band 1 only)
const dir = mkdtempSync(join(tmpdir(), 'zf-option-names-'));
const stats = (...more: string[]): string[] => ['stats', '--input', input, '--out', join(dir, `${Math.random()}.csv`), '--quiet', ...more];
const oneLine = (err: string): string => {
  const lines = err.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0] ?? '';
};

describe('option names in errors of a spec built from options', () => {
  it('--bands 2 of a one-band raster names --bands; the same in a spec file names rasters[0].bands', async () => {
    const r = await runCli(stats('--raster', elev, '--bands', '2'));
    expect(oneLine(r.err)).toBe(`zonalflow: error [RASTER_INVALID]: ${elev} has 1 band; band 2 was asked for (--bands)`);
    const spec = join(dir, 'bands.json');
    writeFileSync(spec, JSON.stringify({ rasters: [{ uri: elev, bands: [2] }] }));
    expect(oneLine((await runCli(stats('--spec', spec))).err)).toBe(`zonalflow: error [RASTER_INVALID]: ${elev} has 1 band; band 2 was asked for (rasters[0].bands)`);
  });
  it('two --raster of one stem name the 2nd --raster; two in a spec file name rasters[1]', async () => {
    const r = await runCli(stats('--raster', elev, '--raster', elev));
    expect(r.code).toBe(2);
    expect(oneLine(r.err)).toBe('zonalflow: error [SPEC_INVALID]: two rasters are named "elev" (--raster #2): give each a distinct name (--raster NAME=URI, or the spec\'s "name")');
    const spec = join(dir, 'twice.json');
    writeFileSync(spec, JSON.stringify({ rasters: [{ uri: elev }, { uri: elev }] }));
    expect(oneLine((await runCli(stats('--spec', spec))).err)).toMatch(/two rasters are named "elev" \(rasters\[1\]\)/);
  });
  it('a spec file that is no JSON object: said as such, exit 2', async () => {
    for (const [text, kind] of [['[]', 'a list'], ['null', 'null'], ['5', 'the number 5'], ['"x"', 'the text "x"']] as const) {
      const spec = join(dir, 'notobject.json');
      writeFileSync(spec, text);
      const r = await runCli(stats('--spec', spec));
      expect(r.code).toBe(2);
      expect(oneLine(r.err)).toBe(`zonalflow: error [SPEC_INVALID]: invalid job spec ${spec}: a job spec is a JSON object ({"rasters": [...], "stats": [...], ...}), not ${kind}`);
    }
  });
});
