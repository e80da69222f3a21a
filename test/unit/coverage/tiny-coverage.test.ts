/**
 * Cells covered by a tiny fraction: three fields of the 1M-field benchmark whose ring clips a cell's
 * corner by about a micrometre (coverage 4e-15 .. 4e-14). exactextract counts such a cell (coverage > 0)
 * in min, max, minority, variety..., so the cell decides those statistics. Expected values: exactextract
 * 0.3.1-dev on 20x20-cell windows of the benchmark raster, fields reprojected into its CRS with ogr2ogr
 * (test/fixtures/tiny-coverage/make.sh).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exactCoverage } from '../../../shared/coverage/coverage.exact';
import { runStatsJob } from '../../../shared/engine/stats-job';
import { parseJobSpec } from '../../../shared/spec';
import { LOCAL_ONLY } from '../../../shared/io/uri';
import { rowObject } from '../../../shared/output/table';
import type { Position } from '../../../shared/geometry/types';
import { slowExactCoverage } from '../../helpers/coverage-reference';

const DIR = join(import.meta.dirname, '../../fixtures/tiny-coverage');
interface Expected {
  raster: string;
  geotransform: [number, number, number, number, number, number];
  width: number;
  height: number;
  stats: { count: number; mean: number; min: number; max: number; minority: number; majority: number; variety: number };
  /** [cell id = row * width + col, exactextract's coverage fraction, value] */
  cells: [number, number, number][];
}
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as { features: Record<string, Expected> };
const fields = JSON.parse(readFileSync(join(DIR, 'fields_32631.geojson'), 'utf8')) as {
  features: { properties: { field_id: string }; geometry: { coordinates: Position[][] } }[];
};
const ids = Object.keys(expected.features);

describe('cells covered by a tiny fraction (exactextract: coverage > 0 counts)', () => {
  it.each(ids)('%s: exact coverage is positive on exactly the cells exactextract covers, with its fractions', (id) => {
    const e = expected.features[id] as Expected;
    const [originX, resX, , originY, , negResY] = e.geotransform;
    const grid = { width: e.width, height: e.height, originX, originY, resX, resY: -negResY };
    const f = fields.features.find((x) => x.properties.field_id === id);
    if (f === undefined) throw new Error(`no feature ${id}`);
    const cov = exactCoverage([f.geometry.coordinates], grid, { row0: 0, col0: 0, rows: e.height, cols: e.width });
    const covered = [...cov.keys()].filter((k) => (cov[k] as number) > 0);
    expect(covered).toEqual(e.cells.map((c) => c[0]).sort((a, b) => a - b));
    const tiny = e.cells.filter((c) => c[1] < 1e-13);
    expect(tiny.length).toBe(1);
    for (const [k, frac] of e.cells) {
      // exactextract keeps fractions as float32; the tiny one is a difference of window-relative coordinates
      if (frac < 1e-13) expect(cov[k] as number).toBeGreaterThan(0);
      else expect(cov[k] as number).toBeCloseTo(frac, 6);
    }
  });

  it.each(ids)('%s: min, max, minority, majority, variety, count and mean are exactextract\'s', async (id) => {
    const e = expected.features[id] as Expected;
    const spec = parseJobSpec({
      input: { idColumn: 'field_id' },
      rasters: [{ name: 'b', uri: join(DIR, e.raster) }],
      stats: ['min', 'max', 'minority', 'majority', 'variety', 'count', 'mean'],
    });
    const r = await runStatsJob({ input: join(DIR, 'fields_32631.geojson'), spec, allowed: LOCAL_ONLY });
    const row = r.rows.find((x) => x.id === id);
    if (row === undefined) throw new Error(`no row ${id}`);
    const o = rowObject(r.columns, row);
    expect({ min: o.b_min, max: o.b_max, minority: o.b_minority, majority: o.b_majority, variety: o.b_variety }).toEqual({
      min: e.stats.min, max: e.stats.max, minority: e.stats.minority, majority: e.stats.majority, variety: e.stats.variety,
    });
    expect(o.b_count as number).toBeCloseTo(e.stats.count, 6);
    expect(o.b_mean as number).toBeCloseTo(e.stats.mean, 6);
  });
});

describe('positive coverage = the cells a polygon meets with positive area (no float noise, no cut-off)', () => {
  const g3 = { width: 3, height: 3, originX: 0, originY: 3, resX: 1, resY: 1 };
  const full = { row0: 0, col0: 0, rows: 3, cols: 3 };
  it('a ring clipping a cell corner by δ covers δ²/2 of it, however small δ is', () => {
    for (const d of [1e-3, 1e-5, 1e-6, 1e-7, 1e-8]) {
      // (1, 2 + δ) -> (1 − δ, 2) cuts the lower right corner of cell (row 0, col 0) (x 0..1, y 2..3)
      const ring: Position[] = [[1 - d, 2], [1, 1], [3, 1], [3, 3], [1, 3], [1, 2 + d], [1 - d, 2]];
      const w = exactCoverage([[ring]], g3, full);
      expect(w[0]).toBeGreaterThan(0);
      // to 1e-6 relative, however small: a crossed cell with a tiny sum is measured again by clipping
      expect(Math.abs((w[0] as number) / ((d * d) / 2) - 1)).toBeLessThan(1e-6);
      expect(w[3] as number).toBeCloseTo(d / 2, 12);
      expect([w[1], w[2], w[4], w[5], w[6], w[7], w[8]]).toEqual([1, 1, 1, 1, 0, 0, 0]);
    }
  });
  it('cells a ring only touches (a vertex or an edge on their boundary) get exactly 0; cells wholly inside exactly 1', () => {
    // UTM-sized lattice: 10 m cells; diamonds with vertices on grid nodes (edges through cell corners) or on
    // grid lines (half-cell centres), alone and as holes in a box; positive cells = the slow clipper's
    const grid = { width: 40, height: 40, originX: 399960, originY: 5000040, resX: 10, resY: 10 };
    const w = { row0: 0, col0: 0, rows: 40, cols: 40 };
    const node = (c: number, r: number): Position => [399960 + c * 10, 5000040 - r * 10];
    const rnd = (() => { let s = 7; return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32); })();
    const bad: string[] = [];
    for (let t = 0; t < 100; t++) {
      const k = 1 + Math.floor(rnd() * 8);
      const half = t % 2 === 0 ? 0 : 0.5;
      const cx = k + 1 + Math.floor(rnd() * (38 - 2 * k)) + half;
      const cy = k + 1 + Math.floor(rnd() * (38 - 2 * k));
      const diamond = [node(cx - k, cy), node(cx, cy + k), node(cx + k, cy), node(cx, cy - k), node(cx - k, cy)];
      const box = [node(cx - k, cy - k), node(cx - k, cy + k), node(cx + k, cy + k), node(cx + k, cy - k), node(cx - k, cy - k)];
      for (const rings of [[diamond], [box, [...diamond].reverse()]]) {
        const got = exactCoverage([rings], grid, w);
        const ref = slowExactCoverage([rings], grid, w);
        for (let r = 0; r < 40; r++) {
          for (let c = 0; c < 40; c++) {
            const g = got[r * 40 + c] as number;
            const e = ref[r * 40 + c] as number;
            // integer centre: a cell's centre is at L1 distance 1, 2, ... from it; the diagonals halve the cells at k
            const l1 = Math.abs(c + 0.5 - cx) + Math.abs(r + 0.5 - cy);
            const exact = half === 0 ? (l1 < k ? 1 : l1 === k ? 0.5 : 0) : undefined;
            const want = exact === undefined ? undefined : rings.length === 1 ? exact : Math.abs(c + 0.5 - cx) < k && Math.abs(r + 0.5 - cy) < k ? 1 - exact : 0;
            if ((want !== undefined && g !== want) || Math.abs(g - e) > 1e-9 || g > 0 !== e > 1e-9) bad.push(`t${t} rings ${rings.length} cell ${r},${c}: ${g} (clipper ${e}, want ${want})`);
          }
        }
      }
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });
});
