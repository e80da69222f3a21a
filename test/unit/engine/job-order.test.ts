/**
 * The job's spatial order (job-order.ts): geometries survive the spool exactly (every type, the same
 * float64 values), records carry what the engine measures and give it back unchanged, and sorting by
 * key puts features of the same area of the raster next to each other whatever their input order.
 */
import { describe, expect, it } from 'vitest';
import { byKey, decodeGeometry, encodedGeometries, encodeGeometry, fromRecords, NO_KEY, toRecords } from '../../../shared/engine/job-order';
import type { Geometry } from '../../../shared/geometry/types';
import type { PreparedRecord } from '../../../shared/engine/job-order';
import type { EngineFeature, PreparedChunk } from '../../../shared/engine/zonal';

const geometries: Geometry[] = [
  { type: 'Point', coordinates: [0.1 + 0.2, -1e300] },
  { type: 'MultiPoint', coordinates: [[1, 2], [3, 4]] },
  { type: 'LineString', coordinates: [[1, 2], [3, 4], [5, 6]] },
  { type: 'MultiLineString', coordinates: [[[1, 2], [3, 4]], [[5, 6], [7, 8]]] },
  { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]], [[0.2, 0.2], [0.3, 0.2], [0.3, 0.3], [0.2, 0.2]]] },
  { type: 'MultiPolygon', coordinates: [[[[0, 0], [1, 0], [1, 1], [0, 0]]], [[[5, 5], [6, 5], [6, 6], [5, 5]]]] },
  { type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [9, 9] }, { type: 'Polygon', coordinates: [[[0, 0], [2, 0], [2, 2], [0, 0]]] }] },
];

describe('encodeGeometry', () => {
  it('gives back every geometry type exactly', () => {
    for (const g of geometries) expect(decodeGeometry(encodeGeometry(g) as number[])).toEqual(g);
    expect(encodeGeometry(null)).toBeNull();
  });
  it('a chunk\'s geometries in one Float64Array (what a worker thread gets) decode to the same geometries', () => {
    const recs: PreparedRecord[] = geometries.map((g, i) => ({ i, k: i, fid: i, id: String(i), fields: { attributes: [] }, problem: null, touched: true, g: [i === 2 ? null : encodeGeometry(g)], w: [0, 0, 1, 1], e: [null] }));
    const { data, starts } = encodedGeometries(recs, 0);
    expect(starts[2]).toBe(-1);
    geometries.forEach((g, i) => {
      if (i !== 2) expect(decodeGeometry(data, starts[i])).toEqual(g);
    });
  });
});

describe('records', () => {
  const square = (x: number, y: number): Geometry => ({ type: 'Polygon', coordinates: [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y]]] });
  // four features in input order far, near, far, near on a 1000 x 1000 grid; the third has no window
  const features: EngineFeature[] = [
    { fid: 1, id: 'a', geometry: square(900, 900) },
    { fid: 2, id: 'b', geometry: square(1, 1), fidText: '2.0' },
    { fid: 3, id: '', idNull: true, geometry: null },
    { fid: 4, id: 'd', geometry: square(3, 2) },
  ];
  const prepared: PreparedChunk = {
    problems: [null, null, 'GEOMETRY_EMPTY: feature with a NULL id (fid 3): empty or missing geometry', null],
    touched: [true, true, false, true],
    perRaster: [{
      local: features.map((f) => f.geometry),
      windows: [{ row0: 900, col0: 900, rows: 1, cols: 1 }, { row0: 1, col0: 1, rows: 1, cols: 1 }, null, { row0: 2, col0: 3, rows: 1, cols: 1 }],
      errors: [null, null, null, 'CRS_TRANSFORM_FAILED: feature "d" (fid 4): no'],
    }],
  };
  const fields = features.map((f) => ({ attributes: [f.fid * 10] }));
  const grid = { width: 1000, height: 1000 };

  it('carry what the engine measures, unchanged', () => {
    const recs = toRecords(features, prepared, fields, [grid], 100, true);
    expect(recs.map((r) => r.i)).toEqual([100, 101, 102, 103]);
    expect(recs[2]?.k).toBe(NO_KEY);
    const back = fromRecords(recs);
    expect(back.features).toEqual(features);
    expect(back.prepared).toEqual(prepared);
    expect(recs.map((r) => r.fields)).toEqual(fields);
    // without kept geometries the features come back without them
    expect(fromRecords(toRecords(features, prepared, fields, [grid], 0, false)).features.map((f) => f.geometry)).toEqual([null, null, null, null]);
  });

  it('sort by key: the two features near the origin become neighbours, the one without a window goes last; input positions kept', () => {
    const recs = toRecords(features, prepared, fields, [grid], 0, false).sort(byKey);
    expect(recs.map((r) => r.fid)).toEqual([2, 4, 1, 3]);
    expect(recs.map((r) => r.i)).toEqual([1, 3, 0, 2]);
  });
});
