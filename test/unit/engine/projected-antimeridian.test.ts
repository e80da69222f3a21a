/**
 * Projected layers over a global lon/lat raster whose features cross the antimeridian or enclose a pole once in
 * longitude/latitude: cut at ±180 and closed over the pole as ogr2ogr -t_srs EPSG:4326 cuts them, then measured as
 * exactextract measures GDAL's result. A newcomer's trial (2026-12-04): a box in EPSG:3832 across 180 counted 3075.68
 * instead of 86.81 (the ring went the long way round), a square around the South Pole in EPSG:3031 counted 0, both
 * with exit 0 and no warning. Expected values: exactextract 0.3.1-dev on GDAL's cut,
 * test/fixtures/projected-antimeridian/make.sh (GDAL 3.6.2; the polar cut as GDAL main makes it, polar_cut.py).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsv, runCli } from '../../cases/run-cli';
import { runLocal } from '../../../shared/local/runner';
import { cutAtAntimeridian } from '../../../shared/geometry/geographic-cut';
import type { Polygon } from '../../../shared/geometry/types';

const fixtures = join(import.meta.dirname, '../../fixtures/projected-antimeridian');
const dir = mkdtempSync(join(tmpdir(), 'zf-projected-antimeridian-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LAYERS = ['pacific_3832', 'utm60_32660', 'south_3031', 'north_3995'] as const;

/** exactextract's rows: name -> [count, sum, mean, min, max]. */
function expected(file: string): Map<string, number[]> {
  const [, ...rows] = parseCsv(readFileSync(join(fixtures, file), 'utf8'));
  return new Map(rows.map(([name, ...v]) => [name ?? '', v.map(Number)]));
}

function rowsOf(text: string): Map<string, number[]> {
  const [, ...rows] = parseCsv(text);
  return new Map(rows.map((c) => [c[0] ?? '', c.slice(2, 7).map(Number)]));
}

async function stats(input: string, raster: string, extra: string[] = []): Promise<{ code: number; err: string; text: string }> {
  const out = join(dir, `${input}-${raster}-${extra.join('')}.csv`);
  const r = await runCli(['stats', '--input', input.includes('/') ? input : join(fixtures, input), '--raster', join(fixtures, raster), '--id-column', 'name', '--stats', 'count,sum,mean,min,max', '--out', out, '--quiet', ...extra]);
  return { code: r.code, err: r.err, text: readFileSync(out, 'utf8') };
}

function expectClose(got: Map<string, number[]>, want: Map<string, number[]>): void {
  expect([...got.keys()]).toEqual([...want.keys()]);
  for (const [name, w] of want) {
    const g = got.get(name) ?? [];
    // exactextract sums float32 coverage fractions: 1e-6 relative (as the other exactextract fixtures)
    w.forEach((v, k) => {
      if (Number.isNaN(v)) expect(g[k], `${name} [${k}]`).toBeNaN();
      else expect(Math.abs((g[k] ?? NaN) - v), `${name} [${k}]: ${g[k]} vs ${v}`).toBeLessThanOrEqual(1e-6 * Math.abs(v));
    });
  }
}

describe('projected features into a lon/lat raster, across ±180 and around a pole', () => {
  for (const layer of LAYERS) {
    it(`${layer}: exactextract's values on ogr2ogr's cut (crossing 180, holes, multipolygons, poles)`, async () => {
      const r = await stats(`${layer}.gpkg`, 'world.tif');
      expect(r.code).toBe(0);
      expect(r.text).not.toMatch(/,[A-Z_]+: feature/); // no feature failed
      expectClose(rowsOf(r.text), expected(`expected_${layer}.csv`));
    });

    it(`${layer}: the same cells laid out over 0..360 give the same values`, async () => {
      const r = await stats(`${layer}.gpkg`, 'world360.tif');
      expect(r.code).toBe(0);
      const want = expected(`expected_${layer}.csv`);
      // south_3031 "facing" crosses 0, not 180: its part west of 0 lies outside a 0..360 raster, as for exactextract
      if (layer === 'south_3031') want.set('facing', expected('expected_south_3031_world360.csv').get('facing') ?? []);
      expectClose(rowsOf(r.text), want);
    });
  }

  it('coverage center: the cells whose centre is inside, the same on the projected layer as on GDAL\'s cut of it', async () => {
    for (const layer of LAYERS) {
      const cut = layer === 'south_3031' || layer === 'north_3995' ? `${layer}_gdal_main_4326.geojson` : `${layer}_ogr2ogr_4326.geojson`;
      const projected = await stats(`${layer}.gpkg`, 'world.tif', ['--coverage', 'center']);
      const lonlat = await stats(join(fixtures, cut), 'world.tif', ['--coverage', 'center']);
      expect(projected.code).toBe(0);
      expect(lonlat.code).toBe(0);
      expect(rowsOf(projected.text)).toEqual(rowsOf(lonlat.text));
    }
  });

  it('zonalflow local (Plan, Workers, Collect): exactextract\'s values', async () => {
    for (const layer of ['pacific_3832', 'south_3031'] as const) {
      const out = join(dir, `local-${layer}`);
      const r = await runLocal({ input: join(fixtures, `${layer}.gpkg`), out, spec: { input: { idColumn: 'name' }, rasters: [{ name: 'world', uri: join(fixtures, 'world.tif') }], stats: ['count', 'sum', 'mean', 'min', 'max'], output: { formats: ['csv'] } } });
      expect(r.status).toBe('DONE');
      expectClose(rowsOf(readFileSync(join(out, 'results.csv'), 'utf8')), expected(`expected_${layer}.csv`));
    }
  }, 120_000);

  it('a ring winding around a pole from a projection that is not polar is refused, not computed the long way round', () => {
    // a made-up projection, x = longitude * 1000 (not polar): a ring whose longitudes go round the globe once
    const forward = (x: number, y: number): [number, number] => [((((x / 1000) + 180) % 360) + 360) % 360 - 180, y];
    const source: Polygon = { type: 'Polygon', coordinates: [[[0, 80], [120000, 80], [240000, 80], [360000, 80], [0, 80]]] };
    const local: Polygon = { type: 'Polygon', coordinates: source.coordinates.map((r) => r.map((p) => forward(p[0], p[1]))) };
    expect(() => cutAtAntimeridian({ forward, inverse: (x, y) => [x * 1000, y], polar: 0 }, source, local)).toThrow(/winds 1 time\(s\) around a pole.*not a polar projection/);
  });
});
