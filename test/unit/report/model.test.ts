/** The report model: which statistic, histogram counts, time curves, failures (arithmetic). */
import { describe, expect, it } from 'vitest';
import { buildReport, equalBins } from '../../../shared/report/model';
import type { ResultRow, StatColumn } from '../../../shared/output/table';
import type { Geometry } from '../../../shared/geometry/types';

const sq = (x: number): Geometry => ({ type: 'Polygon', coordinates: [[[x, 0], [x + 1, 0], [x + 1, 1], [x, 1], [x, 0]]] });

describe('report model', () => {
  it('equal-width bins: edges and counts by arithmetic', () => {
    expect(equalBins([0, 1, 2, 3, 4, 5, 6, 7, 8, 10], 5)).toEqual({ edges: [0, 2, 4, 6, 8, 10], counts: [2, 2, 2, 2, 2] });
    expect(equalBins([3, 3], 4)).toEqual({ edges: [3, 4], counts: [2] });
    expect(equalBins([], 4)).toEqual({ edges: [], counts: [] });
  });

  it('colours by the first *_mean column; failed features have no value; geometries from the input', () => {
    const columns: StatColumn[] = [{ name: 'elev_count', kind: 'number' }, { name: 'elev_mean', kind: 'number' }];
    const rows: ResultRow[] = [
      { id: 'a', fid: 1, values: [4, 10], error: null },
      { id: 'b', fid: 2, values: [4, 30], error: null },
      { id: 'c', fid: 3, values: [null, null], error: 'GEOMETRY_INVALID: feature "c" (fid 3): bowtie' },
    ];
    const m = buildReport(columns, rows, { title: 't', geometries: new Map([[1, sq(0)], [2, sq(1)], [3, sq(2)]]), bins: 2 });
    expect(m.stat).toBe('elev_mean');
    expect(m.map.map((f) => [f.fid, f.value, f.error !== null])).toEqual([[1, 10, false], [2, 30, false], [3, null, true]]);
    expect(m.histogram).toEqual({ edges: [10, 20, 30], counts: [1, 1] });
    expect(m.summary).toMatchObject({ features: 3, computed: 2, failed: 1, 'elev_mean (mean of features)': 20 });
    expect(m.failures).toEqual([{ fid: 3, id: 'c', reason: rows[2]!.error }]);
    expect(() => buildReport(columns, rows, { title: 't', stat: 'elev_median' })).toThrow(/elev_median.*have: elev_count, elev_mean/);
  });

  it('time series: one curve per feature in time order, the map shows the last date', () => {
    const columns: StatColumn[] = [{ name: 'datetime', kind: 'text' }, { name: 'ndvi_mean', kind: 'number' }];
    const rows: ResultRow[] = [
      { id: 'f1', fid: 1, values: ['2024-05-01T10:00:00Z', 0.5], error: null, geometry: sq(0) },
      { id: 'f1', fid: 1, values: ['2024-04-01T10:00:00Z', 0.2], error: null, geometry: sq(0) },
      { id: 'f2', fid: 2, values: ['2024-04-01T10:00:00Z', null], error: null, geometry: sq(1) },
      { id: 'f2', fid: 2, values: ['2024-05-01T10:00:00Z', 0.7], error: null, geometry: sq(1) },
    ];
    const m = buildReport(columns, rows, { title: 't' });
    expect(m.series).toEqual([
      { fid: 1, id: 'f1', points: [[Date.parse('2024-04-01T10:00:00Z'), 0.2], [Date.parse('2024-05-01T10:00:00Z'), 0.5]] },
      { fid: 2, id: 'f2', points: [[Date.parse('2024-04-01T10:00:00Z'), null], [Date.parse('2024-05-01T10:00:00Z'), 0.7]] },
    ]);
    expect(m.map.map((f) => f.value)).toEqual([0.5, 0.7]);
    expect(m.summary.rows).toBe(4);
  });
});
