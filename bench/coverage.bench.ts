/**
 * Coverage timing (`npm run bench -- coverage`; a benchmark, not a test).
 * A circle of radius 990 cells (1000 and 100000 vertices) over a 2000x2000 window: prints the
 * time of each mode, the boundary pass alone (ns per boundary cell) and the rest (ns per window cell).
 */
import { coverage } from '../shared/coverage/coverage';
import { accumulatePolygon, Carry, toGridRings } from '../shared/coverage/coverage.exact';
import type { Geometry, Position } from '../shared/geometry/types';
import type { RasterGrid, Window } from '../shared/raster/grid';

const grid: RasterGrid = { width: 2000, height: 2000, originX: 0, originY: 2000, resX: 1, resY: 1 };
const w: Window = { row0: 0, col0: 0, rows: 2000, cols: 2000 };
const best = (f: () => void): number => {
  let b = Infinity;
  for (let k = 0; k < 9; k++) {
    const t = performance.now();
    f();
    b = Math.min(b, performance.now() - t);
  }
  return b;
};
for (const nv of [1000, 100000]) {
  const ring: Position[] = [];
  for (let i = 0; i < nv; i++) {
    const a = (i / nv) * 2 * Math.PI;
    ring.push([1000.3 + 990 * Math.cos(a), 1000.7 + 990 * Math.sin(a)]);
  }
  ring.push(ring[0] as Position);
  const g: Geometry = { type: 'Polygon', coordinates: [ring] };
  let boundary = 0;
  let interior = 0;
  coverage(g, grid, 'exact', w)?.weights.forEach((v) => {
    if (v > 0 && v < 1) boundary++;
    else if (v === 1) interior++;
  });
  const n = w.rows * w.cols;
  const acc = new Float64Array(n);
  const rings = toGridRings([ring], grid);
  const tZero = best(() => acc.fill(0));
  const tBoundary = best(() => {
    acc.fill(0);
    accumulatePolygon(rings, w, acc, new Carry(w.rows));
  }) - tZero;
  const tExact = best(() => coverage(g, grid, 'exact', w));
  const tCenter = best(() => coverage(g, grid, 'center', w));
  const tTouched = best(() => coverage(g, grid, 'all_touched', w));
  console.log(JSON.stringify({
    vertices: nv, windowCells: n, boundaryCells: boundary, interiorCells: interior,
    exactMs: +tExact.toFixed(1), centerMs: +tCenter.toFixed(1), allTouchedMs: +tTouched.toFixed(1),
    nsPerBoundaryCell: +((tBoundary * 1e6) / boundary).toFixed(1),
    nsPerWindowCellRest: +(((tExact - tBoundary) * 1e6) / n).toFixed(2),
  }));
}
