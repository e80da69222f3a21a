/**
 * MGRS grid squares (WGS84, "AA" lettering scheme) from UTM: zone number with
 * the Norway and Svalbard exceptions, latitude band letter, 100 km column and
 * row letters, and optionally 10 km / 1 km / 100 m digits (precision 1..3).
 * Polar areas (lat > 84 or < -80, UPS) are keyed by their zone letter only
 * (A, B, Y, Z): one square per polar cap half.
 * A square is returned as a number (an exact integer code) so that a million
 * of them are compared without strings; `mgrsLabel` spells it.
 */

const A = 6378137;
const E2 = 0.00669438;
const EP2 = E2 / (1 - E2);
const K0 = 0.9996;
const DEG = Math.PI / 180;
const BANDS = 'CDEFGHJKLMNPQRSTUVWX';
const COLUMN_SETS = ['STUVWXYZ', 'ABCDEFGH', 'JKLMNPQR'] as const; // zone % 3 == 0, 1, 2
const ROWS = 'ABCDEFGHJKLMNPQRSTUV';
const M1 = 1 - E2 / 4 - (3 * E2 * E2) / 64 - (5 * E2 * E2 * E2) / 256;
const M2 = (3 * E2) / 8 + (3 * E2 * E2) / 32 + (45 * E2 * E2 * E2) / 1024;
const M3 = (15 * E2 * E2) / 256 + (45 * E2 * E2 * E2) / 1024;
const M4 = (35 * E2 * E2 * E2) / 3072;

/** Finest precision supported: 3 = 100 m squares. */
export const MGRS_MAX_PRECISION = 3;

/** UTM zone number (1..60) of a lon/lat, with the Norway (32V) and Svalbard (31X..37X) exceptions. */
export function utmZone(lon: number, lat: number): number {
  let zone = Math.floor((lon + 180) / 6) + 1;
  if (zone > 60) zone = 1;
  if (zone < 1) zone = 1;
  if (lat >= 56 && lat < 64 && lon >= 3 && lon < 12) return 32;
  if (lat >= 72 && lat < 84) {
    if (lon >= 0 && lon < 9) return 31;
    if (lon >= 9 && lon < 21) return 33;
    if (lon >= 21 && lon < 33) return 35;
    if (lon >= 33 && lon < 42) return 37;
  }
  return zone;
}

/** UTM easting/northing (m, northing + 10,000 km south of the equator) of a lon/lat in `zone`. */
export function utmForward(lon: number, lat: number, zone: number): { easting: number; northing: number } {
  const phi = lat * DEG;
  const lam0 = ((zone - 1) * 6 - 180 + 3) * DEG;
  let dl = lon * DEG - lam0;
  if (dl > Math.PI) dl -= 2 * Math.PI;
  if (dl < -Math.PI) dl += 2 * Math.PI;
  const sin = Math.sin(phi);
  const cos = Math.cos(phi);
  const tan = Math.tan(phi);
  const n = A / Math.sqrt(1 - E2 * sin * sin);
  const t = tan * tan;
  const c = EP2 * cos * cos;
  const a = cos * dl;
  const m = A * (M1 * phi - M2 * Math.sin(2 * phi) + M3 * Math.sin(4 * phi) - M4 * Math.sin(6 * phi));
  const easting = K0 * n * (a + ((1 - t + c) * a ** 3) / 6 + ((5 - 18 * t + t * t + 72 * c - 58 * EP2) * a ** 5) / 120) + 500000;
  let northing = K0 * (m + n * tan * ((a * a) / 2 + ((5 - t + 9 * c + 4 * c * c) * a ** 4) / 24 + ((61 - 58 * t + t * t + 600 * c - 330 * EP2) * a ** 6) / 720));
  if (lat < 0) northing += 10000000;
  return { easting, northing };
}

const L = (ch: string): number => ch.charCodeAt(0) - 65;

/**
 * The MGRS square of a lon/lat as an integer code: zone (0 for UPS), band letter,
 * column letter, row letter (each 0..25), then the easting and northing digits. precision 0 = 100 km square, 1 = 10 km, 2 = 1 km, 3 = 100 m.
 */
export function mgrsCode(lon: number, lat: number, precision: number): number {
  const p10 = 10 ** precision;
  if (lat > 84 || lat < -80) {
    const letter = lat > 0 ? (lon < 0 ? 'Y' : 'Z') : lon < 0 ? 'A' : 'B';
    return L(letter) * 26 * 26 * p10 * p10;
  }
  const zone = utmZone(lon, lat);
  const band = BANDS[Math.min(19, Math.floor((lat + 80) / 8))] ?? 'X';
  const { easting, northing } = utmForward(lon, lat, zone);
  const colIndex = Math.min(7, Math.max(0, Math.floor(easting / 100000) - 1));
  const column = COLUMN_SETS[zone % 3 as 0 | 1 | 2][colIndex] ?? 'A';
  const rowIndex = (Math.floor(northing / 100000) + (zone % 2 === 0 ? 5 : 0)) % 20;
  const row = ROWS[rowIndex] ?? 'A';
  const e = Math.floor((easting % 100000) / (100000 / p10));
  const n = Math.floor((northing % 100000) / (100000 / p10));
  return ((((zone * 26 + L(band)) * 26 + L(column)) * 26 + L(row)) * p10 + e) * p10 + n;
}

/** The MGRS reference of a code from `mgrsCode` at the same precision, e.g. `32UKV` or `33UXP04` (UPS: `Z`). */
export function mgrsLabel(code: number, precision: number): string {
  const p10 = 10 ** precision;
  const n = code % p10;
  let rest = Math.floor(code / p10);
  const e = rest % p10;
  rest = Math.floor(rest / p10);
  const row = rest % 26;
  rest = Math.floor(rest / 26);
  const column = rest % 26;
  rest = Math.floor(rest / 26);
  const band = rest % 26;
  const zone = Math.floor(rest / 26);
  const ch = (i: number): string => String.fromCharCode(65 + i);
  if (zone === 0) return ch(band);
  const digits = precision > 0 ? String(e).padStart(precision, '0') + String(n).padStart(precision, '0') : '';
  return `${zone}${ch(band)}${ch(column)}${ch(row)}${digits}`;
}

/** Side of an MGRS square at `precision`, km (100, 10, 1, 0.1). */
export function mgrsSideKm(precision: number): number {
  return 100 / 10 ** precision;
}
