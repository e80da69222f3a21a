/**
 * `zonalflow report results.parquet --input other.gpkg` joins the input's geometries to the results by fid: a layer
 * that is not the results' input (another count of features, fids the results have and it lacks) is said in one
 * warning naming how many (a newcomer's trial, F4: the Luxembourg results drawn over a 2-feature Pacific layer
 * without a word).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cases/run-cli';
import { writeGeoPackage } from '../../helpers/gpkg-writer';
import type { Position } from '../../../shared/geometry/types';

const examples = join(import.meta.dirname, '../../../examples');
const lux = join(examples, 'lux_cantons_2169.gpkg'); // 12 features, fids 1..12 (ogrinfo -so -al)
const dir = mkdtempSync(join(tmpdir(), 'zf-report-join-'));
const square = (x: number, y: number): Position[] => [[x, y], [x + 1000, y], [x + 1000, y + 1000], [x, y + 1000], [x, y]];

describe('report --input: a layer that is not the results\' input', () => {
  it('warns naming the counts and the fids it lacks; the results\' own input gives no warning', async () => {
    const results = join(dir, 'lux.parquet');
    expect((await runCli(['stats', '--input', lux, '--raster', join(examples, 'elev.cog.tif'), '--out', results, '--quiet'])).code).toBe(0);
    const same = await runCli(['report', results, '--input', lux, '--out', join(dir, 'same.html')]);
    expect(same.code).toBe(0);
    expect(same.err).not.toMatch(/warning/);
    const other = join(dir, 'other.gpkg');
    writeGeoPackage(other, [{ name: 'f', srsId: 2169, features: [{ geometry: { type: 'Polygon', coordinates: [square(70000, 80000)] } }, { geometry: { type: 'Polygon', coordinates: [square(72000, 80000)] } }] }]);
    const r = await runCli(['report', results, '--input', other, '--out', join(dir, 'other.html')]);
    expect(r.code).toBe(0);
    const warnings = r.err.split('\n').filter((l) => l.includes('warning'));
    expect(warnings).toEqual([`zonalflow: warning: --input ${other} may not be the results' input: the results hold 12 features, the layer 2, and 10 of the results' 12 fids to map are not in it (the map joins them by fid)`]);
  }, 60_000);
});
