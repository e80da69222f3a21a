/**
 * What `zonalflow report` draws, computed from a result table (pure; no I/O):
 * - `map`: the features (GeoJSON, input CRS) coloured by one statistic, failed features apart;
 * - `histogram`: the distribution of that statistic over the computed features (equal-width bins);
 * - `summary`: counts and the job summary's figures;
 * - `series`: for time series (a `datetime` or `interval_from` column), each feature's curve of the
 *   statistic over time (the first `maxSeries` features, in fid order), as the Sentinel Hub
 *   Statistical API tutorial plots NDVI per field.
 */
import type { Geometry } from '../geometry/types';
import { featureFailure } from '../output/table';
import type { FeatureFailure, ResultRow, StatColumn } from '../output/table';

/** A feature on the map: `value` null when it failed or has no value; `error` its reason. */
export interface MapFeature { fid: number; id: string; value: number | null; error: string | null; geometry: Geometry }

/** One feature's curve: [epoch ms, value or null] in time order. */
export interface Series { fid: number; id: string; points: [number, number | null][] }

/** Everything the page draws. */
export interface ReportModel {
  title: string;
  stat: string;
  /** The statistic columns one may colour by. */
  stats: string[];
  summary: Record<string, string | number>;
  map: MapFeature[];
  /** Features left off the map (over `maxMapFeatures`). */
  mapOmitted: number;
  /** Equal-width bins of the statistic: `edges` (n+1) and `counts` (n). */
  histogram: { edges: number[]; counts: number[] };
  series: Series[];
  failures: FeatureFailure[];
}

/** Options of `buildReport`. */
export interface ReportOptions {
  title: string;
  /** The statistic column to draw; default: the first `*_mean` column, else the first numeric one. */
  stat?: string | undefined;
  /** Geometries by fid when the table has none (from the input file). */
  geometries?: ReadonlyMap<number, Geometry> | undefined;
  /** Figures of summary.json to show (flattened one level). */
  jobSummary?: Record<string, unknown> | undefined;
  bins?: number;
  maxMapFeatures?: number;
  maxSeries?: number;
}

const TIME_COLUMNS = ['datetime', 'interval_from'];

/** Builds the report of a result table. Throws an Error naming the columns when `stat` is not one of them. */
export function buildReport(columns: readonly StatColumn[], rows: readonly ResultRow[], opts: ReportOptions): ReportModel {
  const stats = columns.filter((c) => c.kind === 'number').map((c) => c.name);
  const stat = opts.stat ?? stats.find((s) => s.endsWith('_mean')) ?? stats[0];
  if (stat === undefined) throw new Error('the results have no numeric statistic to draw');
  const col = columns.findIndex((c) => c.name === stat && c.kind === 'number');
  if (col < 0) throw new Error(`--stat ${stat}: not a numeric column of the results (have: ${stats.join(', ')})`);
  const timeCol = columns.findIndex((c) => TIME_COLUMNS.includes(c.name));
  const value = (r: ResultRow): number | null => {
    const v = r.values[col];
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  };

  // one map feature per fid: the latest date's value for time series
  const time = (r: ResultRow): number => {
    const v = timeCol >= 0 ? r.values[timeCol] : null;
    return typeof v === 'string' ? Date.parse(v) : typeof v === 'number' ? v : 0;
  };
  const byFid = new Map<number, ResultRow>();
  for (const r of rows) {
    const prev = byFid.get(r.fid);
    if (!prev || !(time(prev) > time(r))) byFid.set(r.fid, r);
  }
  const maxMap = opts.maxMapFeatures ?? 20_000;
  const map: MapFeature[] = [];
  let mapOmitted = 0;
  for (const r of [...byFid.values()].sort((a, b) => a.fid - b.fid)) {
    const geometry = r.geometry ?? opts.geometries?.get(r.fid) ?? null;
    if (geometry === null) continue;
    if (map.length >= maxMap) {
      mapOmitted++;
      continue;
    }
    map.push({ fid: r.fid, id: r.id, value: r.error === null ? value(r) : null, error: r.error, geometry });
  }

  const values = rows.filter((r) => r.error === null).map(value).filter((v): v is number => v !== null);
  const histogram = equalBins(values, opts.bins ?? 30);

  const series: Series[] = [];
  if (timeCol >= 0) {
    const curves = new Map<number, Series>();
    for (const r of rows) {
      const t = time(r);
      if (Number.isNaN(t)) continue;
      let s = curves.get(r.fid);
      if (!s) {
        if (curves.size >= (opts.maxSeries ?? 50)) continue;
        s = { fid: r.fid, id: r.id, points: [] };
        curves.set(r.fid, s);
      }
      s.points.push([t, r.error === null ? value(r) : null]);
    }
    for (const s of [...curves.values()].sort((a, b) => a.fid - b.fid)) {
      s.points.sort((a, b) => a[0] - b[0]);
      series.push(s);
    }
  }

  const failures = [...byFid.values()].filter((r) => r.error !== null).map((r) => featureFailure(r, r.error ?? ''));
  const summary: Record<string, string | number> = {
    features: byFid.size,
    computed: byFid.size - failures.length,
    failed: failures.length,
    ...(timeCol >= 0 ? { rows: rows.length } : {}),
    [`${stat} (min)`]: values.length ? Math.min(...values) : 'n/a',
    [`${stat} (max)`]: values.length ? Math.max(...values) : 'n/a',
    [`${stat} (mean of features)`]: values.length ? values.reduce((a, b) => a + b, 0) / values.length : 'n/a',
  };
  for (const [k, v] of Object.entries(opts.jobSummary ?? {})) {
    if (typeof v === 'string' || typeof v === 'number') summary[k] = v;
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) if (typeof v2 === 'string' || typeof v2 === 'number') summary[`${k}.${k2}`] = v2;
    }
  }
  return { title: opts.title, stat, stats, summary, map, mapOmitted, histogram, series, failures };
}

/** `bins` equal-width bins over [min, max] of `values` (one bin when they are all equal, none when empty). */
export function equalBins(values: readonly number[], bins: number): { edges: number[]; counts: number[] } {
  if (values.length === 0) return { edges: [], counts: [] };
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const n = hi > lo ? bins : 1;
  const width = hi > lo ? (hi - lo) / n : 1;
  const edges = Array.from({ length: n + 1 }, (_, i) => (i === n ? (hi > lo ? hi : lo + 1) : lo + i * width));
  const counts = new Array<number>(n).fill(0);
  for (const v of values) counts[Math.min(n - 1, Math.floor((v - lo) / width))]! += 1;
  return { edges, counts };
}
