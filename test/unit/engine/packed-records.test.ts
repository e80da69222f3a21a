/**
 * A prepared chunk packed for the trip between threads (packed-records.ts) comes back as it was: ids,
 * stored fids, NULL ids, fields, problems, windows, errors, and every geometry with the same float64 values.
 */
import { describe, expect, it } from 'vitest';
import { inputOfPacked, packRecords, transferables } from '../../../shared/engine/packed-records';
import type { EngineFeature, PreparedChunk } from '../../../shared/engine/zonal';
import type { Geometry } from '../../../shared/geometry/types';
import { unpackEncoded } from '../../../shared/engine/parallel-pack';

const square: Geometry = { type: 'Polygon', coordinates: [[[0.1, 0.2], [1 / 3, 0.2], [1 / 3, Math.PI], [0.1, 0.2]]] };
const multi: Geometry = { type: 'MultiPolygon', coordinates: [[[[5, 5], [6, 5], [6, 6], [5, 5]]], [[[7, 7], [8, 7], [8, 8], [7, 7]]]] };

describe('packRecords / inputOfPacked', () => {
  const features: EngineFeature[] = [
    { fid: 3, id: 'a', geometry: square },
    { fid: 9, id: '', idNull: true, geometry: null },
    { fid: -1.5, fidText: 'x7', id: 'c', geometry: multi },
  ];
  const prepared: PreparedChunk = {
    problems: [null, 'GEOMETRY_INVALID: feature 9: no geometry', null],
    touched: [true, false, true],
    perRaster: [{ local: [square, null, multi], windows: [{ row0: 1, col0: 2, rows: 3, cols: 4 }, null, { row0: 0, col0: 0, rows: 1, cols: 1 }], errors: [null, null, 'outside'] }],
  };
  const fields = [{ attributes: [1] }, { attributes: [null], idNull: true }, { attributes: ['z'], fidText: 'x7' }];

  it('round-trips a chunk for a worker thread (geometries passed on encoded) and for this thread (read where they are encoded)', () => {
    const packed = packRecords(features, prepared, fields, [10, 4, 7], true);
    expect(transferables(packed).length).toBeGreaterThan(0);
    const clone = structuredClone(packed);
    for (const local of [false, true]) {
      const got = inputOfPacked(clone, local);
      expect(got.positions).toEqual([10, 4, 7]);
      expect(got.features).toEqual(features);
      expect(got.prepared.problems).toEqual(prepared.problems);
      expect(got.prepared.touched).toEqual(prepared.touched);
      expect(got.prepared.perRaster[0]?.windows).toEqual(prepared.perRaster[0]?.windows);
      expect(got.prepared.perRaster[0]?.errors).toEqual(prepared.perRaster[0]?.errors);
      expect(got.fields).toEqual(new Map([[3, fields[0]], [9, fields[1]], [-1.5, fields[2]]]));
      const none = { data: new Float64Array(), starts: new Int32Array() };
      if (local) expect(unpackEncoded(got.prepared.perRaster[0]?.encoded ?? none, 3)).toEqual([square, null, multi]);
      else expect(unpackEncoded(got.encoded[0] ?? none, 3)).toEqual([square, null, multi]);
    }
  });

  it('a chunk without attributes, stored fids or NULL ids carries no fields, and no input geometries unless kept', () => {
    const plain = packRecords([features[0] as EngineFeature], { problems: [null], touched: [true], perRaster: [{ local: [square], windows: [null], errors: [null] }] }, [{ attributes: [] }], [0], false);
    expect(plain.fields).toBeNull();
    expect(plain.geometry).toBeNull();
    expect(inputOfPacked(plain, false).features).toEqual([{ fid: 3, id: 'a', geometry: null }]);
  });
});
