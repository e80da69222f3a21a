/** The report model: which statistic, histogram counts, time curves, failures (arithmetic). */
import { describe, expect, it } from 'vitest';
import { buildReport, equalBins, ReportBuilder } from '../../../shared/report/model';
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
    expect(() => buildReport(columns, rows, { title: 't', stat: 'elev_median' })).toThrow(/^--stat elev_median: not a numeric column of the results \(numeric columns: elev_count, elev_mean\); did you mean "elev_mean"\?$/);
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
      { fid: 1, label: '1', id: 'f1', points: [[Date.parse('2024-04-01T10:00:00Z'), 0.2], [Date.parse('2024-05-01T10:00:00Z'), 0.5]] },
      { fid: 2, label: '2', id: 'f2', points: [[Date.parse('2024-04-01T10:00:00Z'), null], [Date.parse('2024-05-01T10:00:00Z'), 0.7]] },
    ]);
    expect(m.map.map((f) => f.value)).toEqual([0.5, 0.7]);
    expect(m.summary.rows).toBe(4);
  });

  it('read in pieces (row groups), the model equals the whole table\'s; the map keeps the smallest fids', () => {
    const columns: StatColumn[] = [{ name: 'v_mean', kind: 'number' }];
    // fids 0..99 in a scrambled order (37 is prime to 100), value = 2 * fid; every 10th failed
    const rows: ResultRow[] = Array.from({ length: 100 }, (_, i) => {
      const fid = (i * 37) % 100;
      return { id: `f${fid}`, fid, values: [fid % 10 === 0 ? null : 2 * fid], error: fid % 10 === 0 ? `E: feature ${fid}` : null, geometry: sq(fid) };
    });
    const opts = { title: 't', bins: 4, maxMapFeatures: 7, maxFailures: 3 };
    const whole = buildReport(columns, rows, opts);
    const b = new ReportBuilder(columns, opts);
    for (let i = 0; i < rows.length; i += 9) b.scan(rows.slice(i, i + 9));
    b.startBinning();
    for (let i = 0; i < rows.length; i += 13) b.bin(rows.slice(i, i + 13));
    const pieces = b.model();
    expect(pieces).toEqual(whole);
    expect(whole.map.map((f) => f.fid)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(whole.mapOmitted).toBe(93);
    // 90 values 2..198 without multiples of 20: 4 bins of width (198 - 2) / 4 = 49
    expect(whole.histogram.edges).toEqual([2, 51, 100, 149, 198]);
    expect(whole.histogram.counts.reduce((a, c) => a + c, 0)).toBe(90);
    expect(whole.histogram.counts[0]).toBe([...Array(100).keys()].filter((f) => f % 10 !== 0 && 2 * f < 51).length);
    expect(whole.summary).toMatchObject({ features: 100, computed: 90, failed: 10 });
    expect(whole.failures).toHaveLength(3);
    expect(whole.failuresTotal).toBe(10);
  });

  it('a later date that succeeds clears a feature\'s failure; text and NULL fids are distinct features labelled as stored', () => {
    const columns: StatColumn[] = [{ name: 'datetime', kind: 'text' }, { name: 'x_mean', kind: 'number' }];
    const rows: ResultRow[] = [
      { id: 'a', fid: 1, values: ['2024-04-01T00:00:00Z', null], error: 'E: cloudy', geometry: sq(0) },
      { id: 'a', fid: 1, values: ['2024-05-01T00:00:00Z', 3], error: null, geometry: sq(0) },
      { id: 'b', fid: 2, values: ['2024-04-01T00:00:00Z', 4], error: null, geometry: sq(1) },
      { id: 'b', fid: 2, values: ['2024-05-01T00:00:00Z', null], error: 'E: tile', geometry: sq(1) },
    ];
    const m = buildReport(columns, rows, { title: 't' });
    expect(m.summary).toMatchObject({ features: 2, computed: 1, failed: 1, rows: 4 });
    expect(m.failures).toEqual([{ fid: 2, id: 'b', reason: 'E: tile' }]);

    const plain: StatColumn[] = [{ name: 'x_mean', kind: 'number' }];
    const textRows: ResultRow[] = [
      { id: 'p', fid: NaN, fidText: 'plot-A', values: [1], error: null, geometry: sq(0) },
      { id: 'q', fid: NaN, fidText: 'plot-B', values: [2], error: null, geometry: sq(1) },
      { id: 'r', fid: NaN, fidText: null, values: [3], error: null, geometry: sq(2) },
      { id: 's', fid: NaN, fidText: null, values: [4], error: null, geometry: sq(3) },
    ];
    const t = buildReport(plain, textRows, { title: 't' });
    expect(t.summary.features).toBe(4);
    expect(t.map.map((f) => [f.label, f.id]).sort()).toEqual([['', 'r'], ['', 's'], ['plot-A', 'p'], ['plot-B', 'q']]);
  });
});
