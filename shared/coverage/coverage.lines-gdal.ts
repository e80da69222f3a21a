/**
 * The cells GDAL's rasterizer burns for a line (alg/llrasterize.cpp, GDAL 3.6,
 * what rasterio `geometry_mask` and so rasterstats use), per segment, in grid
 * units (u = column, v = row, GDAL's inverse geotransform):
 *
 * - `center` (`GDALdllImageLine`): a Bresenham walk between the cells that
 *   hold the segment's two ends (column ⌊u⌋, row ⌊v⌋): along the major axis
 *   one cell per step, the minor axis stepped by the integer error term. It
 *   burns fewer cells than the segment crosses (a diagonal step skips the
 *   corner cells) and can burn a cell the segment does not enter.
 * - `all_touched` (`GDALdllImageLineAllTouched`): segments off the raster are
 *   skipped; a segment whose ends share a column (or differ by less than 0.01
 *   in u) burns that column from row ⌊v_min⌋ to ⌊v_max⌋; one whose ends share
 *   a row (or differ by less than 0.01 in v) burns that row from ⌊u_min⌋ to
 *   ⌊u_max⌋; otherwise the segment is walked left to right (clipped to
 *   u ∈ [0, width]), burning (⌊v⌋, ⌊u⌋) and stepping to the next column
 *   boundary, or to the next row boundary (at least 1e-9 in v) when the row
 *   changes first. A segment ending exactly on a cell edge burns the cell
 *   beyond that edge (⌊u⌋ of the end), as GDAL does.
 *
 * Cells outside the raster are never burned. Both walks are exact ports of the
 * arithmetic (same operations, same order), so ties resolve as in GDAL; the
 * random-line oracle of test/fixtures/lines-gdal checks them cell for cell.
 */
import type { Position } from '../geometry/types';
import type { RasterGrid } from '../raster/grid';

/** Called once per burned cell (a cell may be visited several times). */
export type CellVisitor = (row: number, col: number) => void;

/**
 * GDAL's inverse geotransform of a north-up grid, as `GDALInvGeoTransform` (alg/gdaltransformer.cpp)
 * computes it without rotation: [-gt0 / gt1, 1 / gt1, -gt3 / gt5, 1 / gt5] with gt5 = -resY, i.e.
 * u = inv[0] + x * inv[1], v = inv[2] + y * inv[3]. 1 / res is not exact for most cell sizes, so a
 * coordinate exactly on a cell centre or edge in world units can land a few ulps to one side of it,
 * where `(x - X0) / res` lands on it, and GDAL's rasterizer decides ties on these values. On the
 * integer-metre Sentinel-2 and Landsat grids of fixtures/center-grids the two never differed; on Web
 * Mercator and 1/3600-degree grids they did (54 of 273 geometries before center used this).
 */
export function gdalInvGeoTransform(grid: RasterGrid): [number, number, number, number] {
  return [-grid.originX / grid.resX, 1 / grid.resX, -grid.originY / -grid.resY, 1 / -grid.resY];
}

/** Converts a position to GDAL pixel/line units with the inverse geotransform `inv` ({@link gdalInvGeoTransform}). */
export function toPixel(p: Position, inv: readonly [number, number, number, number]): [number, number] {
  return [inv[0] + p[0] * inv[1], inv[2] + p[1] * inv[3]];
}

/** Burns every segment of `lines` as GDAL does in the given mode. */
export function gdalLineCells(lines: readonly Position[][], grid: RasterGrid, allTouched: boolean, visit: CellVisitor): void {
  const width = grid.width;
  const height = grid.height;
  const burn = (r: number, c: number): void => {
    if (c >= 0 && c < width && r >= 0 && r < height) visit(r, c);
  };
  const inv = gdalInvGeoTransform(grid);
  for (const line of lines) {
    for (let j = 1; j < line.length; j++) {
      const [x0, y0] = toPixel(line[j - 1] as Position, inv);
      const [x1, y1] = toPixel(line[j] as Position, inv);
      if (allTouched) allTouchedSegment(x0, y0, x1, y1, width, height, burn);
      else bresenhamSegment(x0, y0, x1, y1, burn);
    }
  }
}

/** GDALdllImageLine's walk of one segment. */
function bresenhamSegment(x0: number, y0: number, x1: number, y1: number, burn: CellVisitor): void {
  let iX = Math.floor(x0);
  let iY = Math.floor(y0);
  const iX1 = Math.floor(x1);
  const iY1 = Math.floor(y1);
  let dX = Math.abs(iX1 - iX);
  let dY = Math.abs(iY1 - iY);
  const xStep = iX > iX1 ? -1 : 1;
  const yStep = iY > iY1 ? -1 : 1;
  if (dX >= dY) {
    const xError = 2 * dY;
    const yError = xError - 2 * dX;
    let error = xError - dX;
    while (dX-- >= 0) {
      burn(iY, iX);
      iX += xStep;
      if (error >= 0) {
        iY += yStep;
        error += yError;
      } else error += xError;
    }
  } else {
    const xError = 2 * dX;
    const yError = xError - 2 * dY;
    let error = xError - dY;
    while (dY-- >= 0) {
      burn(iY, iX);
      iY += yStep;
      if (error >= 0) {
        iX += xStep;
        error += yError;
      } else error += xError;
    }
  }
}

/** GDALdllImageLineAllTouched's walk of one segment. */
function allTouchedSegment(xa: number, ya: number, xb: number, yb: number, width: number, height: number, burn: CellVisitor): void {
  let x = xa;
  let y = ya;
  let xEnd = xb;
  let yEnd = yb;
  if ((y < 0 && yEnd < 0) || (y > height && yEnd > height) || (x < 0 && xEnd < 0) || (x > width && xEnd > width)) return;
  if (x > xEnd) {
    [x, xEnd] = [xEnd, x];
    [y, yEnd] = [yEnd, y];
  }
  // (nearly) vertical: one column
  if (Math.floor(x) === Math.floor(xEnd) || Math.abs(x - xEnd) < 0.01) {
    if (yEnd < y) [y, yEnd] = [yEnd, y];
    const iX = Math.floor(xEnd);
    const iYEnd = Math.min(Math.floor(yEnd), height - 1);
    for (let iY = Math.max(Math.floor(y), 0); iY <= iYEnd; iY++) burn(iY, iX);
    return;
  }
  // (nearly) horizontal: one row
  if (Math.floor(y) === Math.floor(yEnd) || Math.abs(y - yEnd) < 0.01) {
    if (xEnd < x) [x, xEnd] = [xEnd, x];
    const iY = Math.floor(y);
    const iXEnd = Math.min(Math.floor(xEnd), width - 1);
    for (let iX = Math.max(Math.floor(x), 0); iX <= iXEnd; iX++) burn(iY, iX);
    return;
  }
  // general case, left to right
  const slope = (yEnd - y) / (xEnd - x);
  if (xEnd > width) xEnd = width;
  if (x < 0) {
    y += (0 - x) * slope;
    x = 0;
  }
  while (x < xEnd) {
    const iX = Math.floor(x);
    const iY = Math.floor(y);
    burn(iY, iX);
    let stepX = Math.floor(x + 1) - x;
    let stepY = stepX * slope;
    if (Math.floor(y + stepY) === iY) {
      x += stepX;
      y += stepY;
    } else if (slope < 0) {
      stepY = iY - y;
      if (stepY > -1e-9) stepY = -1e-9;
      stepX = stepY / slope;
      x += stepX;
      y += stepY;
    } else {
      stepY = iY + 1 - y;
      if (stepY < 1e-9) stepY = 1e-9;
      stepX = stepY / slope;
      x += stepX;
      y += stepY;
    }
  }
}
