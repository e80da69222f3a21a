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

  it('parts of older Workers (no facts): the count and the hint, as before', () => {
    const { warnings } = mergeCrsParts([note(2, 2, undefined)]);
    expect(warnings).toEqual([`2 of 2 features (100 %) do not intersect any raster: the layer's CRS (${CRS}) may be wrong`]);
  });
});
