/**
 * `zonalflow report`: reads a job's outputs from a folder (results.parquet, summary.json) or one
 * results .parquet file, the features' geometries from the results or from the input file, and
 * writes the self-contained HTML page (shared/report/html.ts). The results are read one row group
 * at a time, twice (ReportBuilder), so a report of millions of rows needs little memory.
 */
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';
import { resultColumns, resultRowGroups } from '../output/read-parquet';
import type { StatColumn } from '../output/table';
import { openFeatureSource } from '../features/open';
import { InputError, SpecError } from '../errors';
import { ReportBuilder } from './model';
import type { ReportModel, ReportOptions } from './model';
import { renderReportHtml } from './html';
import { writeFailure } from '../output/file-output';

/** What to report on. */
export interface WriteReportOptions {
  /** A folder with results.parquet (and summary.json), or a results .parquet file. */
  results: string;
  out: string;
  stat?: string | undefined;
  /** The input features (any format zonalflow reads), for geometries when the results carry none. */
  input?: string | undefined;
  layer?: string | undefined;
  title?: string | undefined;
}

/** Writes the report page; returns what it drew. Errors: SpecError naming the missing file or column. */
export async function writeReport(opts: WriteReportOptions): Promise<ReportModel & { warnings: string[] }> {
  const isDir = existsSync(opts.results) && statSync(opts.results).isDirectory();
  const parquet = isDir ? join(opts.results, 'results.parquet') : opts.results;
  if (!existsSync(parquet)) throw new SpecError(`${parquet} does not exist: give a results folder (with results.parquet) or a .parquet file`);
  if (!/\.(parquet|pq)$/i.test(parquet)) {
    throw new InputError(`${parquet}: report reads zonalflow's Parquet results (a results folder with results.parquet, or a .parquet file); write one with zonalflow stats --out x.parquet`);
  }
  const file = await asyncBufferFromFile(parquet);
  const summaryPath = isDir ? join(opts.results, 'summary.json') : null;
  const jobSummary = summaryPath && existsSync(summaryPath) ? pickFigures(JSON.parse(readFileSync(summaryPath, 'utf8')) as Record<string, unknown>) : undefined;
  const title = opts.title ?? `zonalflow report: ${basename(isDir ? opts.results : parquet)}`;
  // two passes over the row groups (the histogram's edges need the range first): memory is one row group plus the report
  let builder: ReportBuilder | null = null;
  const unreadable = (err: unknown): never => {
    if (err instanceof SpecError) throw err;
    throw new InputError(`${parquet} is not a readable Parquet file (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  };
  try {
    for await (const g of resultRowGroups(file)) {
      builder ??= newBuilder(g.columns, { title, stat: opts.stat, jobSummary });
      builder.scan(g.rows);
    }
    if (builder === null) {
      const meta = await parquetMetadataAsync(file);
      builder = newBuilder(resultColumns(meta).columns, { title, stat: opts.stat, jobSummary });
    }
    builder.startBinning();
    for await (const g of resultRowGroups(file)) builder.bin(g.rows);
  } catch (err) {
    unreadable(err);
  }
  const b = builder as ReportBuilder;
  const wanted = new Set(b.fidsNeedingGeometry());
  // the layer's features and how many of the map's fids it holds: another layer than the results' input is joined by fid without a word otherwise
  let joined: { layer: number; found: number } | null = null;
  if (opts.input && wanted.size > 0) {
    const source = await openFeatureSource(opts.input, { layer: opts.layer });
    joined = { layer: 0, found: 0 };
    try {
      for await (const f of source.features()) {
        joined.layer++;
        if (!wanted.has(f.fid)) continue;
        joined.found++;
        if (f.geometry) b.setGeometry(f.fid, f.geometry);
      }
    } finally {
      source.close();
    }
  }
  const model = b.model();
  const warnings: string[] = [];
  const results = Number(model.summary.features);
  if (joined !== null && (joined.found < wanted.size || joined.layer !== results)) {
    const missing = wanted.size - joined.found;
    warnings.push(`--input ${opts.input} may not be the results' input: the results hold ${results} feature${results === 1 ? '' : 's'}, the layer ${joined.layer}${missing > 0 ? `, and ${missing} of the results' ${wanted.size} fid${wanted.size === 1 ? '' : 's'} to map are not in it` : ''} (the map joins them by fid)`);
  }
  try {
    writeFileSync(opts.out, renderReportHtml(model, echartsSource()));
  } catch (err) {
    // a full device is OUTPUT_FULL (exit 1), any other failed write OUTPUT_INVALID; no half-written page is left
    rmSync(opts.out, { force: true });
    throw writeFailure(`--out ${opts.out}`, err);
  }
  return { ...model, warnings };
}

/** A ReportBuilder; a bad `stat` is a SpecError naming the columns. */
function newBuilder(columns: StatColumn[], opts: ReportOptions): ReportBuilder {
  try {
    return new ReportBuilder(columns, opts);
  } catch (err) {
    throw new SpecError(err instanceof Error ? err.message : String(err));
  }
}

/** The summary figures worth showing (counts, status, timings, bytes), not the long lists. */
function pickFigures(s: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['jobId', 'status', 'batches', 'bytesRead', 'requests', 'timings', 'collectedAt']) if (k in s) out[k] = s[k];
  return out;
}

/** The minified Apache ECharts build shipped in node_modules (inlined: the page needs no network). */
function echartsSource(): string {
  const require = createRequire(import.meta.url);
  return readFileSync(require.resolve('echarts/dist/echarts.min.js'), 'utf8');
}
