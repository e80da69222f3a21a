/**
 * A nearly horizontal edge (a newcomer's trial: a rectangle whose top edge a reprojection tilted by 1e-9 m) is
 * covered as exactly as a horizontal one. Exact coverage averaged h_r (the cover of row r under the edge) over
 * an edge piece as the difference of its antiderivative at the piece's ends over the piece's height, which
 * cancellation put ~1e-16 / height wrong: 3.5e-6 of a cell at a 1e-10-cell tilt (GEOS's intersection: 0.77).
 * Oracle: arithmetic here. Under a straight edge from (u0, v0) to (u1, v1) that stays in row 0, a column
 * spanned by it is covered by 1 − v(u_mid) (the edge's height at the column's middle), and the whole polygon
 * by its shoelace area.
 */
import { describe, expect, it } from 'vitest';
import { exactCoverage } from '../../../shared/coverage/coverage.exact';
import type { Position } from '../../../shared/geometry/types';
import { slowExactCoverage } from '../../helpers/coverage-reference';

// 10 m cells, origin (600000, 5395000): grid v = (5395000 − y) / 10, u = (x − 600000) / 10
const grid = { width: 20, height: 10, originX: 600000, originY: 5395000, resX: 10, resY: 10 };
const window = { row0: 0, col0: 0, rows: 10, cols: 20 };

/** The rectangle x0..x1 with its top edge from (x0, yTopLeft) to (x1, yTopRight) and bottom at y 5394950, clockwise from the top left. */
function ring(x0: number, x1: number, yTopLeft: number, yTopRight: number): Position[] {
  return [[x0, yTopLeft], [x1, yTopRight], [x1, 5394950], [x0, 5394950], [x0, yTopLeft]];
}

describe('exact coverage under a nearly horizontal edge', () => {
  it('the newcomer\'s rectangle: each top-row cell as covered as the edge\'s height says, to 1e-12', () => {
    // the edge of the trial: y 5394997.699999999 -> 5394997.7 over x 605103.7 -> 605227.1 (here shifted to this grid)
    const x0 = 600003.7;
    const x1 = 600127.1;
    const yl = 5394997.699999999;
    const yr = 5394997.7;
    const cov = exactCoverage([[ring(x0, x1, yl, yr)]], grid, window);
    const u0 = (x0 - 600000) / 10;
    const u1 = (x1 - 600000) / 10;
    const v0 = (5395000 - yl) / 10;
    const v1 = (5395000 - yr) / 10;
    for (let c = 1; c <= 11; c++) {
      const mid = c + 0.5;
      const expected = 1 - (v0 + ((v1 - v0) * (mid - u0)) / (u1 - u0));
      expect(Math.abs((cov[c] as number) - expected)).toBeLessThan(1e-12);
    }
    // the whole: the shoelace area in cells
    const r = ring(x0, x1, yl, yr).map(([x, y]) => [((x) - 600000) / 10, (5395000 - (y)) / 10] as const);
    let area = 0;
    for (let i = 0; i + 1 < r.length; i++) area += (r[i]![0] * r[i + 1]![1] - r[i + 1]![0] * r[i]![1]) / 2;
    const total = [...cov].reduce((a, b) => a + b, 0);
    expect(Math.abs(total / Math.abs(area) - 1)).toBeLessThan(1e-12);
  });

  it('tilts from 1e-5 down to 1e-13 of a cell, rising and falling, give the cover of the edge\'s height (and the slow clipper\'s)', () => {
    for (const tilt of [1e-5, 1e-7, 1e-9, 1e-10, 1e-11, 1e-12, 1e-13]) {
      for (const sign of [1, -1]) {
        const yl = 5394997.3;
        const yr = yl + sign * tilt * 10;
        const x0 = 600001.25;
        const x1 = 600188.75;
        const rings = [ring(x0, x1, yl, yr)];
        const cov = exactCoverage([rings], grid, window);
        const ref = slowExactCoverage([rings], grid, window);
        const u0 = (x0 - 600000) / 10;
        const u1 = (x1 - 600000) / 10;
        const v0 = (5395000 - yl) / 10;
        const v1 = (5395000 - yr) / 10;
        for (let c = 1; c <= 17; c++) {
          const expected = 1 - (v0 + ((v1 - v0) * (c + 0.5 - u0)) / (u1 - u0));
          expect(Math.abs((cov[c] as number) - expected), `tilt ${sign * tilt}, column ${c}`).toBeLessThan(1e-12);
          expect(Math.abs((cov[c] as number) - (ref[c] as number)), `tilt ${sign * tilt}, column ${c}: the slow clipper`).toBeLessThan(1e-9);
        }
      }
    }
  });

  it('an edge that crosses a row line by a hair: each row gets its share, to 1e-12', () => {
    // top edge from v = 0.9999999999 to v = 1.0000000001 (grid units) over columns 2..9, crossing v = 1 at u = 6
    const yl = 5395000 - 9.999999999;
    const yr = 5395000 - 10.000000001;
    const cov = exactCoverage([[ring(600020, 600100, yl, yr)]], grid, window);
    const vl = (5395000 - yl) / 10;
    const vr = (5395000 - yr) / 10;
    const v = (u: number): number => vl + ((vr - vl) * (u - 2)) / 8;
    for (let c = 2; c < 10; c++) {
      const mid = v(c + 0.5);
      // left of u = 6 the edge is in row 0 (row 1 wholly covered); right of it in row 1 (row 0 not at all)
      const row0 = c < 6 ? 1 - mid : 0;
      const row1 = c < 6 ? 1 : 2 - mid;
      expect(Math.abs((cov[c] as number) - row0), `row 0, column ${c}`).toBeLessThan(1e-12);
      expect(Math.abs((cov[20 + c] as number) - row1), `row 1, column ${c}`).toBeLessThan(1e-12);
    }
  });
});
