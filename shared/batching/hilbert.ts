/** Hilbert curve index of (x, y) on a 2^order x 2^order grid (order <= 16): nearby indices are nearby cells. */
export function hilbertIndex(x: number, y: number, order = 16): number {
  let rx: number;
  let ry: number;
  let d = 0;
  let xi = x;
  let yi = y;
  for (let s = 1 << (order - 1); s > 0; s >>= 1) {
    rx = (xi & s) > 0 ? 1 : 0;
    ry = (yi & s) > 0 ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    if (ry === 0) {
      if (rx === 1) {
        xi = s - 1 - xi;
        yi = s - 1 - yi;
      }
      const t = xi;
      xi = yi;
      yi = t;
    }
  }
  return d;
}
