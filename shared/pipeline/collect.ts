/**
 * Collect: the last stage. Tallies the batch records (the source of truth:
 * the job's counters are only a progress hint), merges the batches' Parquet
 * parts into `results.parquet` (and `results.csv` when asked), writes
 * `summary.json`, and sets the job DONE, PARTIAL (some features or batches
 * failed) or FAILED (nothing computed).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { crsNoteKey, mergeCrsParts, type CrsPartNote } from '../engine/crs-check';
import { readResultParquet } from '../output/read-parquet';
import { toParquet } from '../output/parquet';
import { toCsv } from '../output/csv';
import type { ResultRow, StatColumn } from '../output/table';
import { parseJobSpec } from '../spec';
import type { CollectInput, JobStatus } from './events';
import { getBytes, getJson, mapLimit, putBytes, putJson } from './objects';
import { workKeys } from './keys';
import type { JobTracker } from './tracker';
import { isTerminal } from '../jobs/records';
import { ZonalflowError } from '../errors';

/** What Collect needs. */
export interface CollectDeps {
  s3: S3Client;
  tracker: JobTracker;
  outputBucket: string;
  workPrefix: string;
}

/** The job's `summary.json`. */
export interface JobSummary {
  jobId: string;
  status: JobStatus;
  features: { total: number; done: number; failed: number; missing: number };
  batches: { total: number; done: number; failed: number; pending: number };
  failures: { fid: number; id: string; reason: string }[];
  batchErrors: { batchId: string; error: string }[];
  bytesRead: number;
  requests: number;
  /** Worker seconds (sum over batches), the batches' wall span, and Collect's own seconds. */
  timings: { workerSeconds: number; batchesWallSeconds: number | null; collectSeconds: number };
  outputs: Record<string, string>;
  collectedAt: string;
  /** Job-level warnings: a layer without a CRS, half or more of the features outside every raster (a CRS that may be wrong). */
  warnings: string[];
  /** Per raster: the features' CRS, the raster's, and the coordinate operation PROJ applied (from the Workers). */
  crs: CrsPartNote['crs'];
}

/** Runs Collect. */
export async function collectJob(input: CollectInput, deps: CollectDeps): Promise<JobSummary> {
  const { jobId } = input;
  const t0 = Date.now();
  const keys = workKeys(deps.workPrefix, jobId);
  // Collect retried after it succeeded (or a second execution of a finished job): the job's summary, untouched
  const before = await deps.tracker.jobStatus(jobId);
  if (before !== null && isTerminal(before)) {
    const existing = await getJson(deps.s3, { bucket: deps.outputBucket, key: `${jobId}/summary.json` });
    if (existing !== null && (existing as { status?: unknown }).status === before) return existing as JobSummary;
    throw new ZonalflowError('JOB_FINISHED', `job ${jobId} is already ${before}; Collect leaves it as it is`);
  }
  await deps.tracker.setJobStatus(jobId, 'COLLECTING');
  const spec = parseJobSpec(await getJson(deps.s3, { bucket: deps.outputBucket, key: keys.spec }), `spec of job ${jobId}`);
  const tally = await deps.tracker.tally(jobId);
  const manifest = (await getJson(deps.s3, { bucket: deps.outputBucket, key: keys.manifest })) as { features: number }[] | null;
  const planned = (manifest ?? []).reduce((a, b) => a + b.features, 0);
  // merge the parts
  const parts = [...new Set(tally.parts)].sort();
  const tables = await mapLimit(parts, 8, async (key) => {
    const bytes = await getBytes(deps.s3, { bucket: deps.outputBucket, key });
    if (bytes === null) throw new Error(`part s3://${deps.outputBucket}/${key} of job ${jobId} is missing`);
    return readResultParquet(bytes);
  });
  const crsNotes = mergeCrsParts(await mapLimit(parts, 8, async (key) => (await getJson(deps.s3, { bucket: deps.outputBucket, key: crsNoteKey(key) })) as CrsPartNote | null));
  let columns: StatColumn[] = tables[0]?.columns ?? [];
  const geometry = tables.some((t) => t.geometry);
  // one row per feature (per feature and date for time series): a part rewritten by a retry replaces, never duplicates
  const textCols = (columns.length > 0 ? columns : (tables[0]?.columns ?? [])).map((c, i) => (c.kind === 'text' || c.kind === 'timestamp' ? i : -1)).filter((i) => i >= 0);
  const rowKey = (r: ResultRow): string => `${r.fid}|${textCols.map((i) => { const v = r.values[i]; return typeof v === 'string' ? v : ''; }).join('|')}`;
  const byKey = new Map<string, ResultRow>();
  for (const t of tables) {
    if (columns.length === 0) columns = t.columns;
    for (const r of t.rows) byKey.set(rowKey(r), r);
  }
  const rows = [...byKey.values()].sort((a, b) => a.fid - b.fid || (rowKey(a) < rowKey(b) ? -1 : 1));
  const outputs: Record<string, string> = {};
  const out = (name: string): { bucket: string; key: string } => ({ bucket: deps.outputBucket, key: `${jobId}/${name}` });
  await putBytes(deps.s3, out('results.parquet'), toParquet(columns, rows, { ...(geometry ? { geometry: { crs: 'lonlat' } } : {}), metadata: { zonalflow_job: jobId, zonalflow_spec: JSON.stringify(spec) } }), 'application/vnd.apache.parquet');
  outputs.parquet = `s3://${deps.outputBucket}/${jobId}/results.parquet`;
  if (spec.output.formats.includes('csv')) {
    await putBytes(deps.s3, out('results.csv'), toCsv(columns, rows), 'text/csv');
    outputs.csv = `s3://${deps.outputBucket}/${jobId}/results.csv`;
  }
  if (spec.output.formats.includes('json')) outputs.features = `s3://${deps.outputBucket}/${jobId}/features/`;
  const fids = new Set(rows.map((r) => r.fid));
  const failedFids = new Set(rows.filter((r) => r.error !== null).map((r) => r.fid));
  const failed = failedFids.size;
  const missing = Math.max(0, planned - fids.size);
  const status: JobStatus = fids.size - failed === 0 && planned > 0 ? 'FAILED' : failed > 0 || missing > 0 || tally.batchesFailed > 0 || tally.batchesPending > 0 ? 'PARTIAL' : 'DONE';
  const summary: JobSummary = {
    jobId,
    status,
    features: { total: planned, done: fids.size - failed, failed, missing },
    batches: { total: tally.batches, done: tally.batchesDone, failed: tally.batchesFailed, pending: tally.batchesPending },
    failures: rows.filter((r) => r.error !== null).map((r) => ({ fid: r.fid, id: r.id, reason: r.error ?? '' })),
    batchErrors: tally.batchErrors,
    bytesRead: tally.bytesRead,
    requests: tally.requests,
    timings: {
      workerSeconds: (tally.timings?.workerMs ?? 0) / 1000,
      batchesWallSeconds: tally.timings?.firstStart && tally.timings.lastFinish ? (Date.parse(tally.timings.lastFinish) - Date.parse(tally.timings.firstStart)) / 1000 : null,
      collectSeconds: (Date.now() - t0) / 1000,
    },
    outputs,
    collectedAt: new Date().toISOString(),
    warnings: crsNotes.warnings,
    crs: crsNotes.crs,
  };
  outputs.summary = `s3://${deps.outputBucket}/${jobId}/summary.json`;
  await putJson(deps.s3, out('summary.json'), summary);
  await deps.tracker.setJobStatus(jobId, status, { features: summary.features, batches: summary.batches, bytesRead: summary.bytesRead, requests: summary.requests });
  return summary;
}
