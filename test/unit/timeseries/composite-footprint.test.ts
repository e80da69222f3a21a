import { describe, expect, it } from 'vitest';
import { composite, interpolateLinear } from '../../../shared/timeseries/composite';
import type { Plane } from '../../../shared/timeseries/composite';
import { footprintOf, footprintTouches } from '../../../shared/timeseries/footprint';
import { acquisitionsOf, utcDay } from '../../../shared/timeseries/acquisitions';
import type { Geometry } from '../../../shared/geometry/types';

const plane = (values: number[], valid: number[]): Plane => ({ values: Float64Array.from(values), valid: Uint8Array.from(valid) });

describe('composites', () => {
  it('mean and numpy median of the valid values per cell', () => {
    const ps = [plane([1, 5, 9, 2], [1, 1, 0, 0]), plane([3, 1, 9, 2], [1, 1, 0, 0]), plane([8, 2, 9, 2], [1, 0, 0, 0])];
    const mean = composite(ps, 'mean', 4);
    expect([...mean.values.slice(0, 2)]).toEqual([(1 + 3 + 8) / 3, (5 + 1) / 2]);
    expect([...mean.valid]).toEqual([1, 1, 0, 0]);
    const med = composite(ps, 'median', 4);
    expect([...med.values.slice(0, 2)]).toEqual([3, 3]); // median(1,3,8) = 3; median(5,1) = (1+5)/2
  });
  it('linear interpolation in time: interior gaps filled from the nearest valid neighbours, edges stay empty', () => {
    // one cell over 5 steps at days 0, 10, 15, 30, 40: [-, 2, -, 8, -]; a second cell [1, -, -, -, 5]
    const series = [plane([0, 1], [0, 1]), plane([2, 0], [1, 0]), plane([0, 0], [0, 0]), plane([8, 0], [1, 0]), plane([0, 5], [0, 1])];
    const day = 86_400_000;
    const filled = interpolateLinear(series, [0, 10 * day, 15 * day, 30 * day, 40 * day], 2);
    expect(series.map((p) => p.valid[0])).toEqual([0, 1, 1, 1, 0]);
    expect(series[2]?.values[0]).toBeCloseTo(2 + (8 - 2) * (5 / 20), 12);
    expect(series.map((p) => p.values[1])).toEqual([1, 1 + 4 * (10 / 40), 1 + 4 * (15 / 40), 1 + 4 * (30 / 40), 5]);
    expect(filled).toEqual([0, 1, 2, 1, 0]);
  });
});

describe('footprints and acquisitions', () => {
  const square: Geometry = { type: 'Polygon', coordinates: [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]] };
  const fp = footprintOf({ type: 'Polygon', coordinates: [[[0, 0], [10, 0], [0, 10], [0, 0]]] }); // a triangle: the swath's valid half
  const bbox = { xmin: 0, ymin: 0, xmax: 10, ymax: 10 };
  it('the geometry decides, not the bbox; touching boundaries count', () => {
    expect(footprintTouches(fp, bbox, { type: 'Point', coordinates: [2, 2] })).toBe(true);
    expect(footprintTouches(fp, bbox, { type: 'Point', coordinates: [8, 8] })).toBe(false); // in the bbox, outside the triangle
    expect(footprintTouches(fp, bbox, { type: 'Point', coordinates: [5, 5] })).toBe(true); // on the hypotenuse
    expect(footprintTouches(fp, bbox, { type: 'Polygon', coordinates: [[[6, 6], [9, 6], [9, 9], [6, 9], [6, 6]]] })).toBe(false);
    expect(footprintTouches(fp, bbox, { type: 'Polygon', coordinates: [[[4, 4], [9, 4], [9, 9], [4, 9], [4, 4]]] })).toBe(true); // edges cross
    expect(footprintTouches(fp, bbox, { type: 'Polygon', coordinates: [[[-5, -5], [20, -5], [20, 20], [-5, 20], [-5, -5]]] })).toBe(true); // contains it
    expect(footprintTouches(null, bbox, square)).toBe(true);
    expect(footprintTouches(null, { xmin: 11, ymin: 0, xmax: 12, ymax: 1 }, square)).toBe(false);
  });
  it('items sharing a datetime are one acquisition, items in ascending id; a UTC day is [00:00Z, next 00:00Z)', () => {
    const t = Date.parse('2024-05-03T10:36:29Z');
    const s = (id: string, dt: number): { id: string; datetime: number; bbox: null; hrefs: Record<string, string> } => ({ id, datetime: dt, bbox: null, hrefs: {} });
    const acq = acquisitionsOf([s('S2A_32TLQ', t), s('S2A_31TGK', t), s('S2A_31TGK_b', t + 1)]);
    expect(acq.map((a) => a.items.map((i) => i.id))).toEqual([['S2A_31TGK', 'S2A_32TLQ'], ['S2A_31TGK_b']]);
    expect(utcDay(t)).toEqual({ from: Date.parse('2024-05-03T00:00:00Z'), to: Date.parse('2024-05-04T00:00:00Z') });
  });
});
