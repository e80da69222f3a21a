/**
 * S2 cell ids (Google S2 geometry), written out: the point on the unit sphere,
 * its cube face, the quadratic (u,v) -> (s,t) projection, and the Hilbert
 * curve position of its (i, j) cell (orientation tables as in s2geometry's
 * s2coords). Positions are kept as plain numbers (face * 4^level + pos), exact
 * up to level 25, so that a million of them fit a Float64Array and sort natively.
 */

/** Finest level whose curve position is an exact float64 integer (3 + 2*25 = 53 bits). */
export const S2_MAX_LEVEL = 25;

const IJ_TO_POS = [[0, 1, 3, 2], [0, 3, 1, 2], [2, 3, 1, 0], [2, 1, 3, 0]] as const;
const POS_TO_ORIENTATION = [1, 0, 0, 3] as const;
const MAX_IJ = 2 ** 30;
const DEG = Math.PI / 180;

function st(w: number): number {
  return w >= 0 ? 0.5 * Math.sqrt(1 + 3 * w) : 1 - 0.5 * Math.sqrt(1 - 3 * w);
}

/** The cube face (0..5) and face coordinates (s, t) in [0, 1] of a lat/lng in degrees. */
export function s2FaceST(lat: number, lng: number): { face: number; s: number; t: number } {
  const phi = lat * DEG;
  const lam = lng * DEG;
  const x = Math.cos(phi) * Math.cos(lam);
  const y = Math.cos(phi) * Math.sin(lam);
  const z = Math.sin(phi);
  const ax = Math.abs(x);
  const ay = Math.abs(y);
  const az = Math.abs(z);
  let face = ax > ay ? (ax > az ? 0 : 2) : ay > az ? 1 : 2;
  if ((face === 0 && x < 0) || (face === 1 && y < 0) || (face === 2 && z < 0)) face += 3;
  switch (face) {
    case 0: return { face, s: st(y / x), t: st(z / x) };
    case 1: return { face, s: st(-x / y), t: st(z / y) };
    case 2: return { face, s: st(-x / z), t: st(-y / z) };
    case 3: return { face, s: st(z / x), t: st(y / x) };
    case 4: return { face, s: st(z / y), t: st(-x / y) };
    default: return { face, s: st(-y / z), t: st(-x / z) };
  }
}

/**
 * Position of a lat/lng on the S2 Hilbert curve at `level` (0..25): face * 4^level + the
 * cell's index along the face's curve. Cells adjacent on the curve are adjacent on the sphere,
 * and the position of a parent is floor(child / 4^(levels between)).
 */
export function s2Position(lat: number, lng: number, level: number): number {
  const { face, s, t } = s2FaceST(lat, lng);
  const i = Math.min(MAX_IJ - 1, Math.max(0, Math.floor(s * MAX_IJ)));
  const j = Math.min(MAX_IJ - 1, Math.max(0, Math.floor(t * MAX_IJ)));
  let orientation = face & 1;
  let pos = face;
  for (let b = 29; b >= 30 - level; b--) {
    const p = IJ_TO_POS[orientation as 0 | 1 | 2 | 3][(((i >> b) & 1) << 1) | ((j >> b) & 1)] as 0 | 1 | 2 | 3;
    pos = pos * 4 + p;
    orientation ^= POS_TO_ORIENTATION[p];
  }
  return pos;
}

/** The 64-bit S2 cell id of a curve position at `level` (as s2Position returns it). */
export function s2IdFromPosition(position: number, level: number): bigint {
  checkLevel(level);
  const p = BigInt(position);
  return (p << BigInt(61 - 2 * level)) | (1n << BigInt(60 - 2 * level));
}

/** The 64-bit S2 cell id (a bigint) of a lat/lng at `level` (0..25). */
export function s2CellId(lat: number, lng: number, level: number): bigint {
  checkLevel(level);
  return s2IdFromPosition(s2Position(lat, lng, level), level);
}

/** The cell's token (hex id without trailing zeros) as S2 libraries print it. */
export function s2Token(id: bigint): string {
  return id.toString(16).padStart(16, '0').replace(/0+$/, '') || 'X';
}

/** Average area of an S2 cell at `level`, km² (the sphere of radius 6371.0088 km split in 6 * 4^level). */
export function s2AverageAreaKm2(level: number): number {
  return (4 * Math.PI * 6371.0088 ** 2) / (6 * 4 ** level);
}

function checkLevel(level: number): void {
  if (!Number.isInteger(level) || level < 0 || level > S2_MAX_LEVEL) throw new RangeError(`S2 level ${level} is outside 0..${S2_MAX_LEVEL}`);
}
