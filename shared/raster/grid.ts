/**
 * A north-up raster grid: cell (row, col) covers
 * x in [originX + col*resX, originX + (col+1)*resX], y in [originY - (row+1)*resY, originY - row*resY].
 * Rotated/sheared geotransforms are rejected when the raster is opened; south-up files (and files
 * with a negative x pixel size) are presented through this north-up grid, the reader flipping rows.
 */
export interface RasterGrid {
  width: number;
  height: number;
  /** x of the left edge of column 0. */
  originX: number;
  /** y of the top edge of row 0. */
  originY: number;
  /** Cell width, > 0. */
  resX: number;
  /** Cell height, > 0 (rows go south). */
  resY: number;
}

/** A rectangle of cells: rows [row0, row0+rows), cols [col0, col0+cols). */
export interface Window {
  row0: number;
  col0: number;
  rows: number;
  cols: number;
}

/** Extent of a grid in its CRS. */
export function gridBounds(grid: RasterGrid): { xmin: number; ymin: number; xmax: number; ymax: number } {
  return {
    xmin: grid.originX,
    xmax: grid.originX + grid.width * grid.resX,
    ymax: grid.originY,
    ymin: grid.originY - grid.height * grid.resY,
  };
}

/** Intersection of two windows, or null when they do not overlap. */
export function intersectWindows(a: Window, b: Window): Window | null {
  const row0 = Math.max(a.row0, b.row0);
  const col0 = Math.max(a.col0, b.col0);
  const row1 = Math.min(a.row0 + a.rows, b.row0 + b.rows);
  const col1 = Math.min(a.col0 + a.cols, b.col0 + b.cols);
  if (row1 <= row0 || col1 <= col0) return null;
  return { row0, col0, rows: row1 - row0, cols: col1 - col0 };
}
