import { describe, expect, it } from 'vitest';
import proj4 from 'proj4';
import { S2 } from 's2-geometry';
import { S2_MAX_LEVEL, s2CellId, s2IdFromPosition, s2Position, s2Token } from '../../../shared/batching/grid.s2';
import { mgrsCode, mgrsLabel, utmForward, utmZone } from '../../../shared/batching/grid.mgrs';
import { cellAreaKm2, checkResolution, resolutionForArea } from '../../../shared/batching/grid';
import { SpecError } from '../../../shared/errors';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const proj4Mgrs = (proj4 as unknown as { mgrs: { forward(p: [number, number], accuracy: number): string } }).mgrs;
const mgrs = (lon: number, lat: number, p: number): string => mgrsLabel(mgrsCode(lon, lat, p), p);

describe('S2 cells', () => {
  it('face cells and a level-1 cell worked out by hand', () => {
    // the six faces: id = face << 61 | 1 << 60, tokens 1, 3, 5, 7, 9, b
    const faces: [number, number][] = [[0, 0], [0, 90], [90, 0], [0, 180], [0, -90], [-90, 0]];
    expect(faces.map(([lat, lng]) => s2Token(s2CellId(lat, lng, 0)))).toEqual(['1', '3', '5', '7', '9', 'b']);
    // (0.1, 0.1): face 0, s = t just above 0.5 -> (i, j) bits (1, 1) -> Hilbert pos 2 in orientation 0
    expect(s2CellId(0.1, 0.1, 1)).toBe((2n << 59n) | (1n << 58n));
    expect(s2Token(s2CellId(0.1, 0.1, 1))).toBe('14');
    // New York City's cells have tokens starting 89c2 (as in the S2 documentation's examples)
    expect(s2Token(s2CellId(40.7128, -74.006, 12)).startsWith('89c2')).toBe(true);
  });
  it('equals the s2-geometry library at every level 1..25 on 2,000 random points', () => {
    const rnd = seeded(9);
    for (let t = 0; t < 2000; t++) {
      const lat = rnd() * 180 - 90;
      const lng = rnd() * 360 - 180;
      const level = 1 + Math.floor(rnd() * S2_MAX_LEVEL);
      expect(s2CellId(lat, lng, level), `${lat},${lng} level ${level}`).toBe(BigInt(S2.keyToId(S2.latLngToKey(lat, lng, level))));
    }
  });
  it('a parent position is the child position divided by 4 per level', () => {
    const p25 = s2Position(49.61, 6.13, 25);
    for (let l = 0; l <= 25; l++) {
      expect(s2Position(49.61, 6.13, l)).toBe(Math.floor(p25 / 4 ** (25 - l)));
      expect(s2IdFromPosition(s2Position(49.61, 6.13, l), l)).toBe(s2CellId(49.61, 6.13, l));
    }
    expect(() => s2CellId(0, 0, 26)).toThrow(RangeError);
  });
});

describe('MGRS squares', () => {
  it('known references (mgrs package test vectors, landmarks)', () => {
    expect(mgrs(16.4145, 48.24949, 1)).toBe('33UXP04'); // mgrs test: "33UXP04" -> (16.41450, 48.24949)
    expect(mgrs(16.4145, 48.24949, 0)).toBe('33UXP');
    expect(mgrs(-32.66433, 83.62778, 3)).toBe('25XEN041865'); // mgrs test, Greenland, zone border
    expect(mgrs(0, 0, 0)).toBe('31NAA'); // mgrs test: 31NAA6602100000
    expect(mgrs(0, 0.00001, 2)).toBe('31NAA6600');
    expect(mgrs(-73.9857, 40.7484, 0)).toBe('18TWL'); // Empire State Building
    expect(mgrs(6.13, 49.61, 0)).toBe('32UKV'); // Luxembourg
  });
  it('zone exceptions: Norway 32V, Svalbard 31X/33X/35X/37X', () => {
    expect(utmZone(5, 60)).toBe(32);
    expect(utmZone(2, 60)).toBe(31);
    expect([utmZone(8, 78), utmZone(10, 78), utmZone(30, 78), utmZone(40, 78)]).toEqual([31, 33, 35, 37]);
    expect(utmZone(180, 0)).toBe(1);
  });
  it('polar caps (UPS) are keyed by their zone letter', () => {
    expect([mgrs(10, 85, 0), mgrs(-10, 85, 0), mgrs(10, -85, 2), mgrs(-10, -85, 0)]).toEqual(['Z', 'Y', 'B', 'A']);
  });
  it('equals proj4 mgrs on 6,000 random points: 100 km squares, and UTM metres', () => {
    const rnd = seeded(7);
    for (let k = 0; k < 6000; k++) {
      const lon = rnd() * 360 - 180;
      const lat = rnd() * 164 - 80;
      const full = proj4Mgrs.forward([lon, lat], 5); // e.g. 31NAA6602100000: square, then metres (rounded)
      const square = full.slice(0, -10);
      expect(mgrs(lon, lat, 0), `${lon},${lat}`).toBe(square);
      const zone = utmZone(lon, lat);
      const { easting, northing } = utmForward(lon, lat, zone);
      expect(Math.round(easting) % 100000, `${lon},${lat} easting`).toBe(Number(full.slice(-10, -5)) % 100000);
      expect(Math.round(northing) % 100000, `${lon},${lat} northing`).toBe(Number(full.slice(-5)) % 100000);
      // finer squares agree except within a metre of a square edge (proj4 rounds metres, MGRS truncates)
      const edge = (v: number): boolean => Math.abs(v / 1000 - Math.round(v / 1000)) * 1000 < 1;
      if (!edge(easting) && !edge(northing)) expect(mgrs(lon, lat, 2)).toBe(full.slice(0, -10) + full.slice(-10, -8) + full.slice(-5, -3));
    }
  });
});

describe('resolutions', () => {
  it('picks the resolution whose cell area is nearest on a log scale, and checks given ones', () => {
    expect(resolutionForArea('mgrs', 100 * 100)).toBe(0);
    expect(resolutionForArea('mgrs', 1.2)).toBe(2);
    expect(resolutionForArea('s2', cellAreaKm2('s2', 13) * 1.1)).toBe(13);
    expect(resolutionForArea('h3', cellAreaKm2('h3', 8) * 0.9)).toBe(8);
    expect(checkResolution('h3', 15)).toBe(15);
    expect(() => checkResolution('h3', 16)).toThrow(SpecError);
    expect(() => checkResolution('mgrs', 1.5)).toThrow(/mgrs/);
  });
});
