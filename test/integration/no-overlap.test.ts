/**
 * Features that lie wholly outside the raster: the warning says the layer's CRS may be wrong only when the
 * coordinates point to it, and otherwise says plainly that no feature overlaps the raster, with both extents in
 * the raster's CRS. Fixture test/fixtures/no-overlap (make.py: GDAL and pyproj): a 2 x 2 km raster in EPSG:32631
 * and four layers of four squares, none on it: in the same UTM zone 200 km away (EPSG:32631), in lon/lat inside
 * the zone (EPSG:4326), longitude/latitude numbers declared EPSG:32631, and lon/lat with the axes swapped. The
 * features' extents in EPSG:32631, the raster's, and EPSG:32631's area of use are pyproj's (PROJ) in
 * expected.json; zonalflow's PROJ (gdal3.js) must give them to 10 significant digits. Run in this thread and
 * with the prepare thread (GeoPackages read in their spatial order, flat geometries: prepare-flat.ts), and in
 * `zonalflow local` over two batches (the Workers' part notes merged by Collect).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStatsJob } from '../../shared/engine/stats-job';
import { parseJobSpec } from '../../shared/spec';
import { LOCAL_ONLY } from '../../shared/io/uri';
import { runLocal } from '../../shared/local/runner';
import { writeCog } from '../helpers/cog-writer';

const FIX = join(import.meta.dirname, '../fixtures/no-overlap');
type Extent = [number, number, number, number];
interface Expected {
  raster: { crs: string; extent: Extent };
  areaOfUse: { west: number; south: number; east: number; north: number };
  sets: Record<string, { epsg: number; sourceExtent: Extent; extent: Extent; insideAreaOfUse: boolean }>;
}
const E = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8')) as Expected;
const CRS = 'EPSG:32631 \\(WGS 84 / UTM zone 31N\\)';
const AREA = `longitude ${E.areaOfUse.west} to ${E.areaOfUse.east}, latitude ${E.areaOfUse.south} to ${E.areaOfUse.north}`;

async function warning(set: string, prepareThread: boolean): Promise<string> {
  const spec = parseJobSpec({ input: { idColumn: 'id' }, rasters: [{ name: 'r', uri: join(FIX, 'raster.tif') }], stats: ['count'] });
  const r = await runStatsJob({ input: join(FIX, `${set}.gpkg`), spec, allowed: LOCAL_ONLY, prepareThread, threads: 1 });
  expect(r.summary).toMatchObject({ features: 4, done: 4, failed: 0 });
  for (const row of r.rows) expect(row.values).toEqual([0]);
  const w = (r.summary.warnings ?? []).filter((x) => x.includes('do not intersect any raster'));
  expect(w).toHaveLength(1);
  return w[0] ?? '';
}

/** The two extents the warning gives (features', raster's), in the raster's CRS. */
function extents(w: string): { features: Extent; raster: Extent } {
  const n = String.raw`(-?[\d.e+-]+)`;
  const m = new RegExp(String.raw`extent is \(${n}, ${n}\) - \(${n}, ${n}\) and raster "r"'s \(${n}, ${n}\) - \(${n}, ${n}\), both in ${CRS}`).exec(w);
  if (!m) throw new Error(`no extents in: ${w}`);
  const v = m.slice(1).map(Number);
  return { features: v.slice(0, 4) as Extent, raster: v.slice(4, 8) as Extent };
}

function expectClose(got: Extent, want: Extent): void {
  for (let i = 0; i < 4; i++) expect(Math.abs((got[i] as number) - (want[i] as number))).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want[i] as number)));
}

describe('features outside the raster: a wrong CRS only when the coordinates point to it', () => {
  for (const prepareThread of [false, true]) {
    const where = prepareThread ? 'prepare thread' : 'this thread';
    for (const set of ['same-zone', 'other-area']) {
      it(`${set} (${where}): the CRS is right (inside its area of use): no feature overlaps the raster, both extents in EPSG:32631`, async () => {
        expect(E.sets[set]?.insideAreaOfUse).toBe(true); // the oracle agrees the features lie within the area of use
        const w = await warning(set, prepareThread);
        expect(w).not.toMatch(/may be wrong/);
        expect(w).toMatch(new RegExp(`^4 of 4 features \\(100 %\\) do not intersect any raster: no feature overlaps raster "r": `));
        expect(w).toContain(`within that CRS's area of use (${AREA}), so their CRS looks right`);
        const x = extents(w);
        expectClose(x.features, E.sets[set]?.extent as Extent);
        expectClose(x.raster, E.raster.extent);
      }, 60_000);
    }

    it(`degrees-as-utm (${where}): longitude/latitude numbers in a projected CRS, outside its area of use: the CRS may be wrong`, async () => {
      expect(E.sets['degrees-as-utm']?.insideAreaOfUse).toBe(false);
      const w = await warning('degrees-as-utm', prepareThread);
      expect(w).toMatch(new RegExp(`^4 of 4 features \\(100 %\\) do not intersect any raster: the layer's CRS \\(${CRS}\\) may be wrong: `));
      expect(w).toContain('look like longitude/latitude, but the layer\'s CRS is projected (read as longitude/latitude they would overlap raster "r")');
      expect(w).toContain(`they lie outside its area of use (${AREA})`);
      expectClose(extents(w).features, E.sets['degrees-as-utm']?.extent as Extent);
    }, 60_000);

    it(`swapped (${where}): lon/lat with the axes swapped: the CRS (axis order) may be wrong`, async () => {
      expect(E.sets.swapped?.insideAreaOfUse).toBe(false);
      const w = await warning('swapped', prepareThread);
      expect(w).toMatch(/^4 of 4 features \(100 %\) do not intersect any raster: the layer's CRS \(EPSG:4326 \(WGS 84\)\) may be wrong: /);
      expect(w).toContain('with longitude and latitude swapped (axis order) they would overlap raster "r"');
      expect(w).not.toContain('look like longitude/latitude'); // the layer's CRS is lon/lat: nothing odd about such numbers
      const x = extents(w);
      expectClose(x.features, E.sets.swapped?.extent as Extent);
      expectClose(x.raster, E.raster.extent);
    }, 60_000);
  }

  it('other-area in zonalflow local, two batches: the parts\' extents merged, the same plain warning', async () => {
    const out = mkdtempSync(join(tmpdir(), 'zf-no-overlap-'));
    await runLocal({ input: join(FIX, 'other-area.gpkg'), out, spec: { input: { idColumn: 'id' }, rasters: [{ name: 'r', uri: join(FIX, 'raster.tif') }], stats: ['count'], output: { formats: ['parquet'] }, batching: { grid: 'h3', maxFeatures: 2 } } });
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { batches: { total: number }; warnings: string[] };
    expect(summary.batches.total).toBe(2);
    const w = summary.warnings.filter((x) => x.includes('do not intersect any raster'));
    expect(w).toHaveLength(1);
    expect(w[0]).not.toMatch(/may be wrong/);
    expect(w[0]).toContain(`no feature overlaps raster "r": `);
    expectClose(extents(w[0] ?? '').features, E.sets['other-area']?.extent as Extent);
  }, 120_000);
});

describe('a right CRS over a raster elsewhere, in another CRS: no blame on the layer\'s CRS', () => {
  // examples/lux_cantons_2169.gpkg: Luxembourg's cantons in EPSG:2169 (ogrinfo: extent (49540, 57010) - (105922,
  // 138631)), within EPSG:2169's area of use (projinfo EPSG:2169: BBOX[49.44,5.73,50.19,6.53]); the raster: 20 x 20 km
  // in EPSG:32633 around 60°N 15°E (cs2cs EPSG:4326 EPSG:32633: 500000, 6651411), far from Luxembourg and far
  // outside UTM 33N's area of use seen from the cantons, which says nothing about the layer's CRS.
  it.each([false, true])('cantons (EPSG:2169) over a UTM 33N raster in Scandinavia (prepare thread %s): the plain warning', async (prepareThread) => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-elsewhere-'));
    const tif = join(dir, 'scandinavia.tif');
    writeCog(tif, { width: 200, height: 200, dtype: 'uint8', value: () => 1, epsg: 32633, transform: [490_000, 6_661_000, 100, 100] });
    const spec = parseJobSpec({ input: { idColumn: 'ID_2' }, rasters: [{ name: 'r', uri: tif }], stats: ['count'] });
    const r = await runStatsJob({ input: join(import.meta.dirname, '../../examples/lux_cantons_2169.gpkg'), spec, allowed: LOCAL_ONLY, prepareThread, threads: 1 });
    expect(r.summary).toMatchObject({ features: 12, done: 12, failed: 0 });
    const w = (r.summary.warnings ?? []).filter((x) => x.includes('do not intersect any raster'));
    expect(w).toHaveLength(1);
    expect(w[0]).not.toMatch(/may be wrong/);
    expect(w[0]).toMatch(/^12 of 12 features \(100 %\) do not intersect any raster: no feature overlaps raster "r": the features' extent is .* both in EPSG:32633 /);
    expect(w[0]).toContain('within the area of use of the layer\'s CRS, EPSG:2169');
    expect(w[0]).toContain('(longitude 5.73 to 6.53, latitude 49.44 to 50.19), so their CRS looks right');
  }, 60_000);
});
