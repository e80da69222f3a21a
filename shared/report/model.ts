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
import { featureFailure, fidCell } from '../output/table';
import { SpecError } from '../errors';
import { didYouMean, listNames } from '../nearest';
import type { FeatureFailure, ResultRow, StatColumn } from '../output/table';

/**
 * A feature on the map: `fid` the feature's key (joins rows, geometries and curves), `label` the fid as
 * stored (fidCell: NULL, text and int64 fids as they are); `value` null when it failed or has no value;
 * `error` its reason.
 */
export interface MapFeature { fid: number; label: string; id: string; value: number | null; error: string | null; geometry: Geometry }

/** One feature's curve: [epoch ms, value or null] in time order. */
export interface Series { fid: number; label: string; id: string; points: [number, number | null][] }

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
  /** The first `maxFailures` failed features, in the order met. */
  failures: FeatureFailure[];
  /** Every failed feature (failures.length or more). */
  failuresTotal: number;
}

/** Options of `buildReport` / `ReportBuilder`. */
export interface ReportOptions {
  title: string;
  /** The statistic column to draw; default: the first `*_mean` column, else the first numeric one. */
  stat?: string | undefined;
  /** Geometries by fid when the table has none (from the input file). */
  geometries?: ReadonlyMap<number, Geometry> | undefined;
  /** Figures of summary.json to show (flattened one level). */
  jobSummary?: Record<string, unknown> | undefined;
  bins?: number;
  /** The map shows the features with the smallest fids, up to this many (default 20,000). */
  maxMapFeatures?: number;
  /** Time curves of the first features met, up to this many (default 50). */
  maxSeries?: number;
  /** Failed features listed with their reasons (default 1,000; all are counted). */
  maxFailures?: number;
}

const TIME_COLUMNS = ['datetime', 'interval_from'];

/**
 * Builds the report of a result table held in memory (tests, small tables): ReportBuilder's two
 * passes over the same rows.
 */
export function buildReport(columns: readonly StatColumn[], rows: readonly ResultRow[], opts: ReportOptions): ReportModel {
  const b = new ReportBuilder(columns, opts);
  b.scan(rows);
  b.startBinning();
  b.bin(rows);
  if (opts.geometries) for (const fid of b.fidsNeedingGeometry()) { const g = opts.geometries.get(fid); if (g) b.setGeometry(fid, g); }
  return b.model();
}

/** What the map keeps of a row until the end. */
interface MapEntry { fid: number; label: string; id: string; value: number | null; error: string | null; geometry: Geometry | null }

/**
 * The report of a result table read in pieces (row groups), in memory bounded by the report's own
 * size rather than the table's: a feature's latest time (8-16 bytes a feature), at most
 * `2 * maxMapFeatures` map entries, `maxSeries` curves and `maxFailures` reasons. Two passes:
 * `scan` every row, then `startBinning` and `bin` every row again (the histogram's edges need the
 * minimum and maximum first). Then `fidsNeedingGeometry` / `setGeometry` for geometries from the
 * input file, and `model`. Throws an Error naming the columns when `stat` is not one of them.
 *
 * Semantics (those of Sentinel Hub's per-field plots): one map feature per fid, its latest date's
 * row (a later row wins a tie); a feature failed when that row has an error; the histogram and the
 * min/max/mean figures are over every row with a value.
 */
export class ReportBuilder {
  private readonly stat: string;
  private readonly stats: string[];
  private readonly col: number;
  private readonly timeCol: number;
  private readonly maxMap: number;
  private readonly maxSeries: number;
  private readonly maxFailures: number;
  private readonly latest = new Map<number, number>();
  private readonly failed = new Set<number>();
  private readonly failures = new Map<number, FeatureFailure>();
  private mapEntries = new Map<number, MapEntry>();
  /** Fids above this are not kept for the map (set when the map entries are pruned). */
  private mapCut = Infinity;
  private readonly curves = new Map<number, Series>();
  /** Keys of rows whose fid is not a number (text fids in `stats` outputs): negative, by the fid's text. */
  private readonly textKeys = new Map<string, number>();
  private rows = 0;
  private count = 0;
  private sum = 0;
  private lo = Infinity;
  private hi = -Infinity;
  private edges: number[] = [];
  private counts: number[] = [];
  private width = 1;

  constructor(columns: readonly StatColumn[], private readonly opts: ReportOptions) {
    this.stats = columns.filter((c) => c.kind === 'number').map((c) => c.name);
    const stat = opts.stat ?? this.stats.find((s) => s.endsWith('_mean')) ?? this.stats[0];
    if (stat === undefined) throw new Error('the results have no numeric statistic to draw');
    this.stat = stat;
    this.col = columns.findIndex((c) => c.name === stat && c.kind === 'number');
    // one line however wide the results (a time series may have thousands of columns): a few names and the near one
    if (this.col < 0) throw new SpecError(`--stat ${stat}: not a numeric column of the results (numeric columns: ${listNames(this.stats)})${didYouMean(stat, this.stats)}`);
    this.timeCol = columns.findIndex((c) => TIME_COLUMNS.includes(c.name));
    this.maxMap = opts.maxMapFeatures ?? 20_000;
    this.maxSeries = opts.maxSeries ?? 50;
    this.maxFailures = opts.maxFailures ?? 1_000;
  }

  private value(r: ResultRow): number | null {
    const v = r.values[this.col];
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  }

  private time(r: ResultRow): number {
    const v = this.timeCol >= 0 ? r.values[this.timeCol] : null;
    return typeof v === 'string' ? Date.parse(v) : typeof v === 'number' ? v : 0;
  }

  /**
   * The row with a numeric feature key: a text fid (or a NULL one) of a `stats` output has none, so
   * each distinct text gets a negative key; a NULL fid is one feature per row unless rows are dates.
   */
  private keyed(r: ResultRow): ResultRow {
    if (!Number.isNaN(r.fid)) return r;
    const text = r.fidText === null || r.fidText === undefined ? (this.timeCol >= 0 ? '\u0000NULL' : `\u0000NULL${this.rows}`) : r.fidText;
    let key = this.textKeys.get(text);
    if (key === undefined) {
      key = -1 - this.textKeys.size;
      this.textKeys.set(text, key);
    }
    return { ...r, fid: key, fidText: r.fidText ?? null };
  }

  /** The first pass: features, failures, map entries, curves, and the statistic's range. */
  scan(rows: readonly ResultRow[]): void {
    for (const row of rows) {
      this.rows++;
      const r = this.keyed(row);
      const t = this.time(r);
      const prev = this.latest.get(r.fid);
      if (prev === undefined || !(prev > t)) {
        this.latest.set(r.fid, t);
        this.takeLatest(r);
      }
      const v = r.error === null ? this.value(r) : null;
      if (v !== null) {
        this.count++;
        this.sum += v;
        if (v < this.lo) this.lo = v;
        if (v > this.hi) this.hi = v;
      }
      if (this.timeCol >= 0 && !Number.isNaN(t)) {
        let s = this.curves.get(r.fid);
        if (!s) {
          if (this.curves.size >= this.maxSeries) continue;
          s = { fid: r.fid, label: fidCell(r), id: r.id, points: [] };
          this.curves.set(r.fid, s);
        }
        s.points.push([t, v]);
      }
    }
  }

  /** `r` is now its feature's latest row: its failure state and its map entry. */
  private takeLatest(r: ResultRow): void {
    if (r.error !== null) {
      this.failed.add(r.fid);
      if (this.failures.has(r.fid) || this.failures.size < this.maxFailures) this.failures.set(r.fid, featureFailure(r, r.error));
    } else {
      this.failed.delete(r.fid);
      this.failures.delete(r.fid);
    }
    if (r.fid > this.mapCut) return;
    this.mapEntries.set(r.fid, { fid: r.fid, label: fidCell(r), id: r.id, value: r.error === null ? this.value(r) : null, error: r.error, geometry: r.geometry ?? null });
    if (this.mapEntries.size > 2 * this.maxMap) this.pruneMap();
  }

  /** Keeps the `maxMap` smallest fids of the map entries. */
  private pruneMap(): void {
    const kept = [...this.mapEntries.values()].sort((a, b) => a.fid - b.fid).slice(0, this.maxMap);
    this.mapEntries = new Map(kept.map((e) => [e.fid, e]));
    this.mapCut = kept.length > 0 ? (kept[kept.length - 1] as MapEntry).fid : -Infinity;
  }

  /** Ends the first pass: the histogram's bins from the statistic's range. */
  startBinning(): void {
    const { edges, width } = binEdges(this.lo, this.hi, this.count, this.opts.bins ?? 30);
    this.edges = edges;
    this.width = width;
    this.counts = new Array<number>(Math.max(0, edges.length - 1)).fill(0);
  }

  /** The second pass: counts the rows' values into the bins. */
  bin(rows: readonly ResultRow[]): void {
    const n = this.counts.length;
    for (const r of rows) {
      const v = r.error === null ? this.value(r) : null;
      if (v === null || n === 0) continue;
      this.counts[Math.min(n - 1, Math.floor((v - this.lo) / this.width))]! += 1;
    }
  }

  /** The map's features that have no geometry yet (give them with setGeometry from the input file). */
  fidsNeedingGeometry(): number[] {
    if (this.mapEntries.size > this.maxMap) this.pruneMap();
    return [...this.mapEntries.values()].filter((e) => e.geometry === null).map((e) => e.fid);
  }

  /** The geometry of a map feature (input CRS). */
  setGeometry(fid: number, geometry: Geometry): void {
    const e = this.mapEntries.get(fid);
    if (e) e.geometry = geometry;
  }

  /** The report. Map features without a geometry are left off it (and not counted as omitted). */
  model(): ReportModel {
    if (this.mapEntries.size > this.maxMap) this.pruneMap();
    const map: MapFeature[] = [];
    for (const e of [...this.mapEntries.values()].sort((a, b) => a.fid - b.fid)) {
      if (e.geometry !== null) map.push({ fid: e.fid, label: e.label, id: e.id, value: e.value, error: e.error, geometry: e.geometry });
    }
    const features = this.latest.size;
    const mapOmitted = Math.max(0, features - this.mapEntries.size);
    const series = [...this.curves.values()].sort((a, b) => a.fid - b.fid);
    for (const s of series) s.points.sort((a, b) => a[0] - b[0]);
    const failures = [...this.failures.values()];
    const summary: Record<string, string | number> = {
      features,
      computed: features - this.failed.size,
      failed: this.failed.size,
      ...(this.timeCol >= 0 ? { rows: this.rows } : {}),
      [`${this.stat} (min)`]: this.count ? this.lo : 'n/a',
      [`${this.stat} (max)`]: this.count ? this.hi : 'n/a',
      [`${this.stat} (mean of features)`]: this.count ? this.sum / this.count : 'n/a',
    };
    for (const [k, v] of Object.entries(this.opts.jobSummary ?? {})) {
      if (typeof v === 'string' || typeof v === 'number') summary[k] = v;
      else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) if (typeof v2 === 'string' || typeof v2 === 'number') summary[`${k}.${k2}`] = v2;
      }
    }
    const histogram = { edges: this.edges, counts: this.counts };
    return { title: this.opts.title, stat: this.stat, stats: this.stats, summary, map, mapOmitted, histogram, series, failures, failuresTotal: this.failed.size };
  }
}

/** The edges of `bins` equal-width bins over [lo, hi] (one bin when lo = hi, none when `count` is 0) and their width. */
function binEdges(lo: number, hi: number, count: number, bins: number): { edges: number[]; width: number } {
  if (count === 0) return { edges: [], width: 1 };
  const n = hi > lo ? bins : 1;
  const width = hi > lo ? (hi - lo) / n : 1;
  return { edges: Array.from({ length: n + 1 }, (_, i) => (i === n ? (hi > lo ? hi : lo + 1) : lo + i * width)), width };
}

/** `bins` equal-width bins over [min, max] of `values` (one bin when they are all equal, none when empty). */
export function equalBins(values: readonly number[], bins: number): { edges: number[]; counts: number[] } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const { edges, width } = binEdges(lo, hi, values.length, bins);
  const n = Math.max(0, edges.length - 1);
  const counts = new Array<number>(n).fill(0);
  for (const v of values) counts[Math.min(n - 1, Math.floor((v - lo) / width))]! += 1;
  return { edges, counts };
}
