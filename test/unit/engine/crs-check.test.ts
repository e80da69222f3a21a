/**
 * The outside warning's words from the facts (crs-check.ts), and their merging across the pipeline's parts
 * (mergeCrsParts: extents united, evidence from any part). Facts written by hand; extents by arithmetic.
 */
import { describe, expect, it } from 'vitest';
import { mergeCrsParts, outsideWarning } from '../../../shared/engine/crs-check';
import type { CrsPartNote } from '../../../shared/engine/crs-check';
import type { OutsideFacts } from '../../../shared/engine/outside-facts';

const CRS = 'EPSG:32631 (WGS 84 / UTM zone 31N)';
const facts = (over: Partial<OutsideFacts>): OutsideFacts => ({
  raster: 'r', crs: CRS, geographic: false, rasterExtent: [500000, 4998000, 502000, 5000000], features: [700000, 5200000, 700500, 5200500], source: [700000, 5200000, 700500, 5200500],
  layerGeographic: false, areaOfUse: { west: 0, south: 0, east: 6, north: 84 }, outsideAreaOfUse: false, layerAreaOfUse: null, outsideLayerAreaOfUse: false, asLonLatOverlaps: false, swappedOverlaps: false, ...over,
});
const note = (features: number, outside: number, f: OutsideFacts[] | undefined): CrsPartNote => ({ features, outside, crs: [{ raster: 'r', features: CRS, crs: CRS, transformation: 'none (same CRS)' }], warnings: [], ...(f ? { outsideFacts: f } : {}) });

describe('outside warning', () => {
  it('under half outside: none', () => {
    expect(outsideWarning(1, 3, CRS, [facts({})])).toBeNull();
  });

  it('parts merged: 3 of 4 outside, extents united, within the area of use: they do not overlap the raster', () => {
    const { warnings } = mergeCrsParts([note(2, 2, [facts({ features: [700000, 5200000, 700500, 5200500] })]), note(2, 1, [facts({ features: [690000, 5210000, 690500, 5210500] })]), null]);
    expect(warnings).toEqual([`3 of 4 features (75.0 %) do not intersect any raster: they do not overlap raster "r": their extent is (690000, 5200000) - (700500, 5210500) and raster "r"'s (500000, 4998000) - (502000, 5000000), both in ${CRS}; the features lie within that CRS's area of use (longitude 0 to 6, latitude 0 to 84), so their CRS looks right: they lie where the raster has no cells`]);
  });

  it('one part with evidence (outside the area of use): the CRS may be wrong', () => {
    const { warnings } = mergeCrsParts([note(2, 2, [facts({})]), note(2, 2, [facts({ features: [2.98, 45.15, 3.015, 45.155], source: [2.98, 45.15, 3.015, 45.155], outsideAreaOfUse: true })])]);
    expect(warnings).toEqual([`4 of 4 features (100 %) do not intersect any raster: the layer's CRS (${CRS}) may be wrong: in ${CRS} they lie outside its area of use (longitude 0 to 6, latitude 0 to 84); the features' extent is (2.98, 45.15) - (700500, 5200500) and raster "r"'s (500000, 4998000) - (502000, 5000000), both in ${CRS}`]);
  });

  it('an area of use PROJ does not know: both extents, no claim about the CRS', () => {
    expect(outsideWarning(2, 2, 'a custom CRS', [facts({ crs: 'a custom CRS', areaOfUse: null })])).toBe('2 of 2 features (100 %) do not intersect any raster: no feature overlaps raster "r": the features\' extent is (700000, 5200000) - (700500, 5200500) and raster "r"\'s (500000, 4998000) - (502000, 5000000), both in a custom CRS; the features lie in a custom CRS, whose area of use PROJ does not know');
  });

  it('a raster extent that cannot be in its CRS: the raster\'s CRS is blamed, not the features\' (finding D, 2026-12-03)', () => {
    const WGS84 = 'EPSG:4326 (WGS 84)';
    const world = { west: -180, south: -90, east: 180, north: 90 };
    // metres read as degrees (a raster without a CRS taken as the layer's EPSG:4326): out of range by the numbers
    // alone, also in a note without rasterOutsideAreaOfUse (an older Worker's)
    const lonLat = facts({ crs: WGS84, geographic: true, layerGeographic: true, rasterExtent: [500000, 5597500, 503000, 5600000], features: [9, 50.5, 9.07, 50.55], source: [9, 50.5, 9.07, 50.55], areaOfUse: world });
    expect(outsideWarning(6, 6, WGS84, [lonLat])).toBe('6 of 6 features (100 %) do not intersect any raster: raster "r"\'s extent (500000, 5597500) - (503000, 5600000) is not in EPSG:4326 (WGS 84)\'s range (longitude -180 to 180, latitude -90 to 90): the raster probably has another CRS; set it with gdal_edit.py -a_srs EPSG:XXXX; the features\' extent is (9, 50.5) - (9.07, 50.55) in EPSG:4326 (WGS 84)');
    // 0 to 360 longitudes are a raster in degrees, not metres: the usual words
    expect(outsideWarning(6, 6, WGS84, [{ ...lonLat, rasterExtent: [180, 0, 360, 10] }])).toMatch(/so their CRS looks right/);
    // a projected CRS: the centre of its extent outside the CRS's area of use (outside-extent.ts, PROJ)
    expect(outsideWarning(2, 2, CRS, [facts({ rasterOutsideAreaOfUse: true })])).toBe(`2 of 2 features (100 %) do not intersect any raster: raster "r"'s extent (500000, 4998000) - (502000, 5000000) is not in ${CRS}'s range (longitude 0 to 6, latitude 0 to 84): the raster probably has another CRS; set it with gdal_edit.py -a_srs EPSG:XXXX; the features' extent is (700000, 5200000) - (700500, 5200500) in ${CRS}`);
  });

  it('parts of older Workers (no facts): the count and the hint, as before', () => {
    const { warnings } = mergeCrsParts([note(2, 2, undefined)]);
    expect(warnings).toEqual([`2 of 2 features (100 %) do not intersect any raster: the layer's CRS (${CRS}) may be wrong`]);
  });
});
