/**
 * Every reference pair in test/fixtures/reference/expected (exactextract for
 * `exact`, rasterio/rasterstats for `center` and `all_touched`, point values)
 * recomputed through the same pipeline function `zonalflow stats` runs, and
 * compared with the tolerances of the reference README.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStatsJob } from '../../shared/engine/stats-job';
import type { StatsJobResult } from '../../shared/engine/stats-job';
import { parseJobSpec } from '../../shared/spec';
import { rowObject } from '../../shared/output/table';
import { LOCAL_ONLY } from '../../shared/io/uri';

const REF = join(import.meta.dirname, '../fixtures/reference');

interface Pair { name: string; raster: string; vector: string; idColumn: string | undefined }

const tinyPairs = (JSON.parse(readFileSync(join(REF, 'expected/ee_cases_pairs.json'), 'utf8')) as [string, string, string, string | null, unknown][]).map(
  ([name, raster, vector, idColumn]): Pair => ({ name, raster, vector, idColumn: idColumn ?? undefined }),
);
const rs = (name: string, raster: string, vector: string): Pair => ({ name, raster: `data/rasterstats/${raster}.cog.tif`, vector: `data/rasterstats/${vector}.gpkg`, idColumn: 'id' });
const polygonPairs: Pair[] = [
  { name: 'lux_elev__cantons_4326', raster: 'data/lux/elev.cog.tif', vector: 'data/lux/lux_cantons_4326.gpkg', idColumn: 'ID_2' },
  { name: 'lux_elev__cantons_2169', raster: 'data/lux/elev.cog.tif', vector: 'data/lux/lux_cantons_2169.gpkg', idColumn: 'ID_2' },
  { name: 'l7__fields_4326', raster: 'data/l7/L7_ETMs.cog.tif', vector: 'data/l7/l7_fields_4326.gpkg', idColumn: 'field_id' },
  rs('rs_slope__polygons', 'slope', 'polygons'),
  rs('rs_slope__multipolygons', 'slope', 'multipolygons'),
  rs('rs_slope__polygons_partial_overlap', 'slope', 'polygons_partial_overlap'),
  rs('rs_slope__polygons_no_overlap', 'slope', 'polygons_no_overlap'),
  rs('rs_slope_nodata__polygons', 'slope_nodata', 'polygons'),
  rs('rs_all_nodata__polygons', 'all_nodata', 'polygons'),
  rs('rs_dataset_mask__polygons', 'dataset_mask', 'polygons'),
  rs('rs_slope_classes__polygons', 'slope_classes', 'polygons'),
  ...tinyPairs,
];
const pointPairs: Pair[] = [
  { name: 'l7__points_4326', raster: 'data/l7/L7_ETMs.cog.tif', vector: 'data/l7/l7_points_4326.gpkg', idColumn: 'point_id' },
  rs('rs_slope__points', 'slope', 'points'),
];

type Row = Record<string, string>;
function readCsv(path: string): Row[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const cols = (header ?? '').split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i] ?? `c${i}`, v])));
}

async function compute(pair: Pair, coverage: 'exact' | 'center' | 'all_touched', stats: string[]): Promise<StatsJobResult> {
  const spec = parseJobSpec({ input: pair.idColumn ? { idColumn: pair.idColumn } : {}, rasters: [{ name: 'r', uri: join(REF, pair.raster) }], stats, coverage });
  return runStatsJob({ input: join(REF, pair.vector), spec, allowed: LOCAL_ONLY });
}

/** The value our table holds for one feature (fid) x band x stat. */
function lookup(result: StatsJobResult, fid: number, band: number, stat: string): unknown {
  const row = result.rows.find((r) => r.fid === fid);
  if (!row) throw new Error(`fid ${fid} missing from the results`);
  expect(row.error).toBeNull();
  const obj = rowObject(result.columns, row);
  const multi = result.columns.some((c) => c.name.startsWith('r_b'));
  const key = multi ? `r_b${band}_${stat}` : `r_${stat}`;
  expect(key in obj, `column ${key}`).toBe(true);
  return obj[key];
}

function expectClose(actual: unknown, expected: string, rel: number, what: string): void {
  if (expected === '' || expected.toLowerCase() === 'nan') {
    expect(actual, `${what}: expected undefined`).toBeNull();
    return;
  }
  const e = Number(expected);
  expect(typeof actual, `${what}: expected ${expected}, got ${String(actual)}`).toBe('number');
  const a = actual as number;
  const tol = Math.max(Math.abs(e) * rel, 1e-9);
  expect(Math.abs(a - e), `${what}: ${a} vs ${e}`).toBeLessThanOrEqual(tol);
}

// exact fields printed with 15 significant digits by exactextract: 1e-12 relative is "exact".
const EXACT_TEXT = 1e-12;

describe('exact coverage vs exactextract', () => {
  for (const pair of polygonPairs) {
    it(pair.name, async () => {
      const expected = readCsv(join(REF, `expected/${pair.name}__exact.csv`));
      const result = await compute(pair, 'exact', ['count', 'sum', 'mean', 'min', 'max', 'stdev', 'median', 'majority', 'minority', 'variety', 'q25', 'q75']);
      expect(result.rows.length).toBe(new Set(expected.map((r) => r.fid)).size);
      for (const e of expected) {
        const fid = Number(e.fid);
        const band = Number(e.band);
        const at = (s: string): unknown => lookup(result, fid, band, s);
        const what = (s: string): string => `${pair.name} fid ${fid} band ${band} ${s}`;
        const count = Number(e.count);
        if (count === 0 || e.count === '') {
          expect(at('count'), what('count')).toBe(0);
          continue;
        }
        for (const s of ['count', 'sum', 'mean', 'stdev']) expectClose(at(s), e[s] ?? '', 1e-6, what(s));
        for (const s of ['min', 'max', 'majority', 'minority', 'variety']) expectClose(at(s), e[s] ?? '', EXACT_TEXT, what(s));
        expectClose(at('median'), e.median_f64 ?? '', 1e-6, what('median'));
        expectClose(at('q25'), e.q25_f64 ?? '', 1e-6, what('q25'));
        expectClose(at('q75'), e.q75_f64 ?? '', 1e-6, what('q75'));
      }
    });
  }
});

for (const [mode, suffix] of [['center', 'center'], ['all_touched', 'alltouched']] as const) {
  describe(`${mode} coverage vs rasterio/rasterstats`, () => {
    for (const pair of polygonPairs) {
      it(pair.name, async () => {
        const expected = readCsv(join(REF, `expected/${pair.name}__${suffix}.csv`));
        const result = await compute(pair, mode, ['count', 'nodata_count', 'sum', 'mean', 'min', 'max', 'stdev', 'median', 'majority', 'minority', 'variety']);
        for (const e of expected) {
          // rows with boundary_ties > 0 depend on GDAL's tie rule; the engine follows it, so they are checked too
          const fid = Number(e.fid);
          const band = Number(e.band);
          const at = (s: string): unknown => lookup(result, fid, band, s);
          const what = (s: string): string => `${pair.name} ${mode} fid ${fid} band ${band} ${s}`;
          expect(at('count'), what('count')).toBe(Number(e.count));
          expect(at('nodata_count'), what('nodata_count')).toBe(Number(e.nodata_count));
          if (Number(e.count) === 0) continue;
          expectClose(at('sum'), e.sum ?? '', 1e-9, what('sum'));
          expectClose(at('mean'), e.mean ?? '', 1e-9, what('mean'));
          expectClose(at('stdev'), e.std ?? '', 1e-9, what('std'));
          expectClose(at('median'), e.median ?? '', 1e-9, what('median'));
          for (const s of ['min', 'max', 'majority', 'minority', 'variety']) expectClose(at(s), e[s] ?? '', EXACT_TEXT, what(s));
        }
      });
    }
  });
}

describe('points take the value of their cell', () => {
  for (const pair of pointPairs) {
    it(pair.name, async () => {
      const expected = readCsv(join(REF, `expected/${pair.name}__point_values.csv`));
      for (const mode of ['exact', 'center', 'all_touched'] as const) {
        const result = await compute(pair, mode, ['count', 'mean']);
        for (const e of expected) {
          const fid = Number(e.fid);
          const band = Number(e.band);
          if (e.value === '') {
            expect(lookup(result, fid, band, 'count')).toBe(0);
            continue;
          }
          expect(lookup(result, fid, band, 'count'), `${pair.name} fid ${fid}`).toBe(1);
          expect(lookup(result, fid, band, 'mean'), `${pair.name} fid ${fid} band ${band}`).toBe(Number(e.value));
        }
      }
    });
  }
});

