import { describe, expect, it } from 'vitest';
import { gridBounds, intersectWindows } from '../../../shared/raster/grid';

describe('grid', () => {
  it('computes bounds of a north-up grid', () => {
    expect(gridBounds({ width: 3, height: 2, originX: 10, originY: 20, resX: 0.5, resY: 2 })).toEqual({
      xmin: 10, xmax: 11.5, ymin: 16, ymax: 20,
    });
  });
  it('intersects windows and reports no overlap as null', () => {
    expect(intersectWindows({ row0: 0, col0: 0, rows: 4, cols: 4 }, { row0: 2, col0: 3, rows: 5, cols: 5 })).toEqual({
      row0: 2, col0: 3, rows: 2, cols: 1,
    });
    expect(intersectWindows({ row0: 0, col0: 0, rows: 2, cols: 2 }, { row0: 2, col0: 0, rows: 1, cols: 1 })).toBeNull();
  });
});
