/**
 * `zonalflow report`: reads a job's outputs from a folder (results.parquet, summary.json) or one
 * results .parquet file, the features' geometries from the results or from the input file, and
 * writes the self-contained HTML page (shared/report/html.ts).
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { readResultParquet } from '../output/read-parquet';
import { openGeoPackage } from '../features/gpkg';
import type { Geometry } from '../geometry/types';
import { InputError, SpecError } from '../errors';
import { buildReport } from './model';
import type { ReportModel } from './model';
import { renderReportHtml } from './html';

/** What to report on. */
export interface WriteReportOptions {
  /** A folder with results.parquet (and summary.json), or a results .parquet file. */
  results: string;
  out: string;
  stat?: string | undefined;
  /** The input features (GeoPackage), for geometries when the results carry none. */
  input?: string | undefined;
  layer?: string | undefined;
  title?: string | undefined;
}

/** Writes the report page; returns what it drew. Errors: SpecError naming the missing file or column. */
export async function writeReport(opts: WriteReportOptions): Promise<ReportModel> {
  const isDir = existsSync(opts.results) && statSync(opts.results).isDirectory();
  const parquet = isDir ? join(opts.results, 'results.parquet') : opts.results;
  if (!existsSync(parquet)) throw new SpecError(`${parquet} does not exist: give a results folder (with results.parquet) or a .parquet file`);
  if (!/\.(parquet|pq)$/i.test(parquet)) {
    throw new InputError(`${parquet}: report reads zonalflow's Parquet results (a results folder with results.parquet, or a .parquet file); write one with zonalflow stats --out x.parquet`);
  }
  const table = await readResultParquet(new Uint8Array(readFileSync(parquet))).catch((err: unknown) => {
    throw new InputError(`${parquet} is not a readable Parquet file (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  });
  const summaryPath = isDir ? join(opts.results, 'summary.json') : null;
  const jobSummary = summaryPath && existsSync(summaryPath) ? pickFigures(JSON.parse(readFileSync(summaryPath, 'utf8')) as Record<string, unknown>) : undefined;
  let geometries: Map<number, Geometry> | undefined;
  if (opts.input) {
    geometries = new Map();
    const gpkg = openGeoPackage(opts.input);
    try {
      for (const f of gpkg.layer(opts.layer).features()) if (f.geometry) geometries.set(f.fid, f.geometry);
    } finally {
      gpkg.close();
    }
  }
  let model: ReportModel;
  try {
    model = buildReport(table.columns, table.rows, { title: opts.title ?? `zonalflow report: ${basename(isDir ? opts.results : parquet)}`, stat: opts.stat, geometries, jobSummary });
  } catch (err) {
    throw new SpecError(err instanceof Error ? err.message : String(err));
  }
  writeFileSync(opts.out, renderReportHtml(model, echartsSource()));
  return model;
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
