import { describe, expect, it } from 'vitest';
import { intervals, isoTime, parseDuration, parseTimeRange } from '../../../shared/timeseries/intervals';
import { dilate, excludedCells, resampleNearest } from '../../../shared/timeseries/mask';
import { acquisitionIntervals } from '../../../shared/timeseries/acquisitions';

const range = (t: string): [number, number] => { const r = parseTimeRange(t); return [r.from, r.to]; };
const iso = (xs: { from: number; to: number }[]): string[] => xs.map((i) => `${isoTime(i.from)}/${isoTime(i.to)}`);

describe('intervals (Sentinel Hub semantics)', () => {
  it('P10D over 2024-04-01/2024-04-25: SKIP drops the short tail, SHORTEN keeps it, EXTEND extends it', () => {
    const [a, b] = range('2024-04-01/2024-04-25'); // date-only end includes the 25th: until 04-26T00
    const d = parseDuration('P10D');
    expect(iso(intervals(a, b, d, 'SKIP'))).toEqual(['2024-04-01T00:00:00Z/2024-04-11T00:00:00Z', '2024-04-11T00:00:00Z/2024-04-21T00:00:00Z']);
    expect(iso(intervals(a, b, d, 'SHORTEN')).at(-1)).toBe('2024-04-21T00:00:00Z/2024-04-26T00:00:00Z');
    expect(iso(intervals(a, b, d, 'EXTEND')).at(-1)).toBe('2024-04-21T00:00:00Z/2024-05-01T00:00:00Z');
  });
  it('P1M follows the calendar', () => {
    const [a, b] = range('2024-01-31T00:00:00Z/2024-05-01T00:00:00Z');
    expect(iso(intervals(a, b, parseDuration('P1M'))).slice(0, 2)).toEqual(['2024-01-31T00:00:00Z/2024-02-29T00:00:00Z', '2024-02-29T00:00:00Z/2024-03-29T00:00:00Z']);
  });
  it('rejects bad durations and ranges', () => {
    expect(() => parseDuration('10D')).toThrow(/ISO-8601/);
    expect(() => parseDuration('P0D')).toThrow(/zero/);
    expect(() => parseTimeRange('2024-05-01/2024-04-01')).toThrow(/not after/);
  });
});

describe('acquisition intervals (scene mode, Sentinel Hub JSON)', () => {
  it('a UTC day each; a day with several acquisitions is cut at each later one, so no two entries share an interval', () => {
    const at = (s: string): { datetime: number } => ({ datetime: Date.parse(s) });
    const got = acquisitionIntervals([at('2024-05-22T23:59:59Z'), at('2024-05-23T10:36:29.024Z'), at('2024-05-23T12:16:29.024Z'), at('2024-05-23T13:56:00Z'), at('2024-05-24T00:00:00Z')]);
    expect(iso(got)).toEqual([
      '2024-05-22T00:00:00Z/2024-05-23T00:00:00Z',
      '2024-05-23T00:00:00Z/2024-05-23T12:16:29.024Z',
      '2024-05-23T12:16:29.024Z/2024-05-23T13:56:00Z',
      '2024-05-23T13:56:00Z/2024-05-24T00:00:00Z',
      '2024-05-24T00:00:00Z/2024-05-25T00:00:00Z',
    ]);
  });
});

describe('masks', () => {
  it('excluded classes, then dilation by one cell (square)', () => {
    // 5x5 classes, one cloud (9) in the middle
    const classes = new Float64Array(25).fill(4);
    classes[12] = 9;
    const m = excludedCells(classes, new Uint8Array(25).fill(1), new Set([9]));
    expect([...m].filter((v) => v === 1)).toHaveLength(1);
    const d = dilate(m, 5, 5, 1);
    const ones = [...d].map((v, i) => (v === 1 ? i : -1)).filter((i) => i >= 0);
    expect(ones).toEqual([6, 7, 8, 11, 12, 13, 16, 17, 18]);
  });
  it('only excluded classes grow: nodata class cells and a cloud next to them', () => {
    // 1 x 7 row: nodata, nodata, clear, clear, clear, cloud, clear -> radius 1 grows the cloud only
    const classes = Float64Array.of(0, 0, 4, 4, 4, 9, 4);
    const valid = Uint8Array.of(0, 0, 1, 1, 1, 1, 1);
    const d = dilate(excludedCells(classes, valid, new Set([9, 0])), 1, 7, 1);
    expect([...d]).toEqual([0, 0, 0, 0, 1, 1, 1]);
    // radius 2 in a 5 x 5 square around a corner cloud
    const sq = new Uint8Array(25);
    sq[0] = 1;
    expect([...dilate(sq, 5, 5, 2)].map((v, i) => (v ? i : -1)).filter((i) => i >= 0)).toEqual([0, 1, 2, 5, 6, 7, 10, 11, 12]);
  });
  it('nearest-neighbour resampling of a 20 m mask onto a 10 m grid', () => {
    const src = Uint8Array.of(1, 0, 1, 1); // 2x2 at 20 m
    const out = resampleNearest(src, { originX: 0, originY: 40, resX: 20, resY: 20, rows: 2, cols: 2 }, { originX: 0, originY: 40, resX: 10, resY: 10, rows: 4, cols: 4 }, 0);
    expect([...out]).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
  });
});
