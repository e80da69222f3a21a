/** Geometries and windows packed for a worker thread come back equal, coordinate for coordinate (parallel-pack.ts). */
import { describe, expect, it } from 'vitest';
import { packValues, packWindows, unpackEncoded, unpackValues, unpackWindows } from '../../../shared/engine/parallel-pack';
import { encodedGeometries, encodeGeometry } from '../../../shared/engine/job-order';
import type { PreparedRecord } from '../../../shared/engine/job-order';
import type { ResultRow } from '../../../shared/output/table';
import type { Geometry } from '../../../shared/geometry/types';

describe('geometries sent to a worker (the spool\'s encoding: encodedGeometries / unpackEncoded)', () => {
  it('every geometry type, nulls and awkward doubles round-trip exactly', () => {
    const gs: (Geometry | null)[] = [
      null,
      { type: 'Point', coordinates: [0.1 + 0.2, -0] },
      { type: 'MultiPoint', coordinates: [[1, 2], [3, 4]] },
      { type: 'LineString', coordinates: [[1e300, -1e-300], [Number.MAX_VALUE, Number.MIN_VALUE]] },
      { type: 'MultiLineString', coordinates: [[[0, 0], [1, 1]], [[2, 2], [3, 3], [4, 4]]] },
      { type: 'Polygon', coordinates: [[[0, 0], [4, 0], [4, 4], [0, 0]], [[1, 1], [2, 1], [2, 2], [1, 1]]] },
      { type: 'MultiPolygon', coordinates: [[[[0, 0], [1, 0], [1, 1], [0, 0]]], [[[5, 5], [6, 5], [6, 6], [5, 5]], [[5.2, 5.2], [5.4, 5.2], [5.4, 5.4], [5.2, 5.2]]]] },
      { type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [7, 8] }, { type: 'Polygon', coordinates: [] }] },
      { type: 'Polygon', coordinates: Array.from({ length: 3 }, (_, r) => Array.from({ length: 2000 }, (_, k) => [r + Math.sin(k), Math.cos(k) / 3] as [number, number])) },
      null,
    ];
    const records = gs.map((g, i): PreparedRecord => ({ i, k: i, fid: i, id: String(i), fields: { attributes: [] }, problem: null, touched: true, g: [encodeGeometry(g)], w: [0, 0, 1, 1], e: [null] }));
    const back = unpackEncoded(encodedGeometries(records, 0), gs.length);
    expect(back).toStrictEqual(gs);
    expect(Object.is((back[1] as { coordinates: number[] }).coordinates[1], -0)).toBe(true);
  });

  it('windows, with none for some features', () => {
    const ws = [{ row0: -3, col0: 5, rows: 10, cols: 1 }, null, { row0: 0, col0: 0, rows: 0, cols: 0 }];
    expect(unpackWindows(packWindows(ws))).toStrictEqual(ws);
  });
});

describe('packValues / unpackValues (rows back from a worker)', () => {
  const features = [{ fid: 1, id: 'a' }, { fid: -2.5, id: '', fidText: null }, { fid: 3, id: 'c', fidText: '9007199254740993' }];
  it('numbers (awkward doubles, -0) and nulls round-trip exactly with the errors; ids and fids come from the features', () => {
    const rows: ResultRow[] = [
      { id: 'a', fid: 1, values: [0.1 + 0.2, -0, null, Number.MAX_VALUE], error: null },
      { id: '', fid: -2.5, fidText: null, values: [null, null, null, null], error: 'GEOMETRY_EMPTY: feature (fid NULL): empty or missing geometry' },
      { id: 'c', fid: 3, fidText: '9007199254740993', values: [Number.MIN_VALUE, -1e300, 7, Infinity], error: null },
    ];
    const packed = packValues(rows, 4);
    expect(packed).not.toBeNull();
    const back = unpackValues(packed as NonNullable<typeof packed>, features);
    expect(back).toStrictEqual(rows);
    expect(Object.is(back[0]?.values[1], -0)).toBe(true);
  });
  it('declines rows holding lists, histograms, fracs or text (they travel as rows)', () => {
    for (const v of [[1, 2], { bins: [0, 1], counts: [3] }, { values: [1], fracs: [1] }, 'x']) {
      expect(packValues([{ id: 'a', fid: 1, values: [1, v as ResultRow['values'][number]], error: null }], 2)).toBeNull();
    }
  });
});
