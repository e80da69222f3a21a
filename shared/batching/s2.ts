/**
 * S2 cell ids (Google S2 geometry): the point on the unit sphere, its cube
 * face, the quadratic (u,v) -> (s,t) projection, and the Hilbert curve
 * position of its (i, j) cell at a level (face orientation tables as in
 * s2geometry's s2coords). Levels up to 26 here (plenty for batching).
 */
const IJ_TO_POS = [[0, 1, 3, 2], [0, 3, 1, 2], [2, 3, 1, 0], [2, 1, 3, 0]];
const POS_TO_ORIENTATION = [1, 0, 0, 3];

/** The face and face coordinates (s, t) in [0, 1] of a lat/lng. */
export function s2FaceST(lat: number, lng: number): { face: number; s: number; t: number } {
  const phi = (lat * Math.PI) / 180;
  const lam = (lng * Math.PI) / 180;
  const x = Math.cos(phi) * Math.cos(lam);
  const y = Math.cos(phi) * Math.sin(lam);
  const z = Math.sin(phi);
  const ax = Math.abs(x);
  const ay = Math.abs(y);
  const az = Math.abs(z);
  let face = ax >= ay && ax >= az ? 0 : ay >= az ? 1 : 2;
  if ((face === 0 && x < 0) || (face === 1 && y < 0) || (face === 2 && z < 0)) face += 3;
  let u: number;
  let v: number;
  switch (face) {
    case 0: u = y / x; v = z / x; break;
    case 1: u = -x / y; v = z / y; break;
    case 2: u = -x / z; v = -y / z; break;
    case 3: u = z / x; v = y / x; break;
    case 4: u = z / y; v = -x / y; break;
    default: u = -y / z; v = -x / z; break;
  }
  const st = (w: number): number => (w >= 0 ? 0.5 * Math.sqrt(1 + 3 * w) : 1 - 0.5 * Math.sqrt(1 - 3 * w));
  return { face, s: st(u), t: st(v) };
}

/** The S2 cell id (64-bit, as a bigint) of a lat/lng at `level` (0..26). */
export function s2CellId(lat: number, lng: number, level: number): bigint {
  if (!Number.isInteger(level) || level < 0 || level > 26) throw new RangeError(`S2 level ${level} is outside 0..26`);
  const { face, s, t } = s2FaceST(lat, lng);
  const max = 2 ** 30;
  const i = Math.min(max - 1, Math.max(0, Math.floor(s * max)));
  const j = Math.min(max - 1, Math.max(0, Math.floor(t * max)));
  let orientation = face & 1;
  let pos = 0;
  for (let b = 29; b >= 30 - level; b--) {
    const ij = (((i >> b) & 1) << 1) | ((j >> b) & 1);
    const p = IJ_TO_POS[orientation]?.[ij] ?? 0;
    pos = pos * 4 + p;
    orientation ^= POS_TO_ORIENTATION[p] ?? 0;
  }
  return (BigInt(face) << 61n) | (BigInt(pos) << BigInt(61 - 2 * level)) | (1n << BigInt(60 - 2 * level));
}

/** The cell's token (hex id without trailing zeros), as S2 libraries print it. */
export function s2Token(id: bigint): string {
  return id.toString(16).padStart(16, '0').replace(/0+$/, '') || 'X';
}
