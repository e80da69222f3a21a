/**
 * Collect: the last stage. Tallies the batch records (the source of truth:
 * the job's counters are only a progress hint), merges the batches' Parquet
 * parts into `results.parquet` (and `results.csv` when asked), writes
 * `summary.json`, and sets the job DONE, PARTIAL (some features or batches
 * failed) or FAILED (nothing computed).
 *
 * Streamed, in bounded memory whatever the row count (1M features x 36 dates):
 * the parts are read one row group at a time into an external merge sort
 * (sorted-runs.ts: runs of `runRows` rows spilled to /tmp), whose merged
 * output goes row group by row group to the Parquet and CSV writers, each
 * streaming into a multipart upload. Rows come out sorted by fid (then date),
 * as before; one row per feature (per feature and date): a part rewritten by a
 * retry replaces, never duplicates (the part keys are a set, and of two rows
 * for one fid and date the later part's wins). `summary.json` lists the first
 * `failuresKept` failures and counts them all (`failuresTotal`); every failure
 * is in the results' `error` column.
 *
 * A job of plain columns whose rows fit one run (the common case: at most `runRows`
 * rows, no results.csv asked for) is merged by columns instead (collect-columns.ts:
 * no row objects; the same results.parquet). Each part carries its CRS note in its metadata.
 */
import { DuplicateIds, duplicateIdWarning, missingId } from '../engine/duplicate-ids';
import type { S3Client } from '@aws-sdk/client-s3';
import { crsNoteKey, crsNoteOf, mergeCrsParts, type CrsPartNote } from '../engine/crs-check';
import { parquetColumnSink, parquetSink } from '../output/parquet-sink';
import type { ParquetColumnSink } from '../output/parquet-sink';
import { CRS84, fidFitsInt64 } from '../output/parquet-layout';
import { CsvSink } from '../output/csv-sink';
import type { RowSink } from '../output/sink';
import { RowGauge, RowSorter } from '../output/sorted-runs';
import { featureFailure, isFrac } from '../output/table';
import type { FeatureFailure, IdKind, ResultRow, StatColumn } from '../output/table';
import { parseJobSpec } from '../spec';
import type { CollectInput, JobStatus } from './events';
import { getJson, putJson } from './objects';
import { namedInput } from './input-name';
import { workKeys } from './keys';
import type { JobTracker } from './tracker';
import { isTerminal } from '../jobs/records';
import { ZonalflowError } from '../errors';
import { nullIdWarning } from '../engine/attributes';
import { partFileRowGroups, partFiles, partMetadata } from './part-source';
import type { PartFile } from './part-source';
import type { FileMetaData } from 'hyparquet';
import { ColumnarMerge } from './collect-columns';
import type { MergeCounts } from './collect-columns';
import { compareFeatures, rowOrder } from './row-order';
import { s3Target } from './s3-target';

/** Collect's memory and output bounds (defaults fit a 3 GB Lambda). */
export interface CollectLimits {
  /** Rows sorted in memory before a run is spilled to disk (default 500,000). */
  runRows: number;
  /** Rows per Parquet row group of results.parquet, held by its writer (default 100,000: half the file of 10,000-row groups). */
  chunkRows: number;
  /** Rows per frame of a spilled run, held per run while merging, and per chunk handed to the writers (default 2,048). */
  frameRows: number;
  /** Runs merged at once (default 128: up to 64M rows in one merge). */
  fanIn: number;
  /** Failures listed in summary.json (default 1,000; all are counted, and every one is in the `error` column). */
  failuresKept: number;
  /** Parts fetched ahead of the one being decoded (default 2). */
  prefetch: number;
}

/** The default CollectLimits. */
export const COLLECT_LIMITS: CollectLimits = { runRows: 500_000, chunkRows: 100_000, frameRows: 2048, fanIn: 128, failuresKept: 1000, prefetch: 2 };

/** What Collect needs. */
export interface CollectDeps {
  s3: S3Client;
  tracker: JobTracker;
  outputBucket: string;
  workPrefix: string;
  /** Folder of the sort's temporary runs (default the system's temporary folder: /tmp on Lambda). */
  tmpDir?: string;
  limits?: Partial<CollectLimits>;
  /** Counts the rows Collect holds (tests, benchmarks). */
  gauge?: RowGauge;
}

/** The job's `summary.json`. */
export interface JobSummary {
  jobId: string;
  /** The input as the user named it (`--input` as given to `zonalflow run`, an s3:// URI, a dropped file's key: input-name.ts). */
  inputName?: string;
  /** The object the job read (s3://bucket/key). */
  input?: string;
  status: JobStatus;
  features: { total: number; done: number; failed: number; missing: number };
  batches: { total: number; done: number; failed: number; pending: number };
  /** The first `failuresKept` rows with an error, in output order (all of them: the results' `error` column). */
  failures: FeatureFailure[];
  /** How many rows have an error in all (equal to `failures.length` unless the list was cut). */
  failuresTotal: number;
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
  // the record's status and input, one read
  const head = await deps.tracker.jobHead(jobId);
  const before = head?.status ?? null;
  if (before !== null && isTerminal(before)) {
    const existing = await getJson(deps.s3, { bucket: deps.outputBucket, key: `${jobId}/summary.json` });
    if (existing !== null && (existing as { status?: unknown }).status === before) return existing as JobSummary;
    throw new ZonalflowError('JOB_FINISHED', `job ${jobId} is already ${before}; Collect leaves it as it is`);
  }
  await deps.tracker.setJobStatus(jobId, 'COLLECTING');
  // the spec, the batch records and the manifest at once (three round trips in the time of one)
  const [specJson, tally, manifestJson] = await Promise.all([getJson(deps.s3, { bucket: deps.outputBucket, key: keys.spec }), deps.tracker.tally(jobId), getJson(deps.s3, { bucket: deps.outputBucket, key: keys.manifest })]);
  const spec = parseJobSpec(specJson, `spec of job ${jobId}`);
  const manifest = manifestJson as { features: number }[] | null;
  const planned = (manifest ?? []).reduce((a, b) => a + b.features, 0);
  const limits = { ...COLLECT_LIMITS, ...deps.limits };
  const gauge = deps.gauge ?? new RowGauge();
  // every part once (a part rewritten by a retry has the same key); keys sort by batch, then cursor
  const parts = [...new Set(tally.parts)].sort();
  const csv = spec.output.formats.includes('csv');
  const merged = await mergeParts(parts, deps, limits, gauge, !csv && planned <= limits.runRows);
  const outputs: Record<string, string> = {};
  const out = (name: string): { bucket: string; key: string } => ({ bucket: deps.outputBucket, key: `${jobId}/${name}` });
  let counts: MergeCounts;
  const sinks: RowSink[] = [];
  try {
    const sinkOpts = { columns: merged.columns, fracValues: merged.fracValues, idKind: merged.idKind };
    const parquetOpts = {
      ...sinkOpts,
      rowGroupRows: limits.chunkRows,
      fid: merged.fidInt64 ? ('int64' as const) : ('string' as const),
      metadata: { zonalflow_job: jobId, zonalflow_spec: JSON.stringify(spec) },
      ...(merged.geometry ? { geometry: { crs: merged.crs } } : {}),
    };
    const target = s3Target(deps.s3, out('results.parquet'), { contentType: 'application/vnd.apache.parquet' });
    outputs.parquet = `s3://${deps.outputBucket}/${jobId}/results.parquet`;
    if (merged.byColumns !== null) {
      const sink = parquetColumnSink(target, parquetOpts);
      sinks.push(sink);
      counts = await writeColumns(merged.byColumns, sink, limits);
    } else {
      sinks.push(parquetSink(target, parquetOpts));
      if (csv) {
        sinks.push(await CsvSink.open(s3Target(deps.s3, out('results.csv'), { contentType: 'text/csv' }), sinkOpts));
        outputs.csv = `s3://${deps.outputBucket}/${jobId}/results.csv`;
      }
      counts = await writeMerged(merged.sorter, merged.columns, sinks, limits.failuresKept);
    }
    for (const sink of sinks) await sink.close();
  } catch (err) {
    for (const sink of sinks) await sink.abort().catch(() => undefined);
    throw err;
  } finally {
    await merged.sorter.dispose();
    if (merged.byColumns !== null) gauge.remove(merged.byColumns.rows);
  }
  const crsNotes = mergeCrsParts(merged.notes);
  if (spec.output.formats.includes('json')) outputs.features = `s3://${deps.outputBucket}/${jobId}/features/`;
  const failed = counts.failedFeatures;
  const missing = Math.max(0, planned - counts.features);
  const status: JobStatus = counts.features - failed === 0 && planned > 0 ? 'FAILED' : failed > 0 || missing > 0 || tally.batchesFailed > 0 || tally.batchesPending > 0 ? 'PARTIAL' : 'DONE';
  const summary: JobSummary = {
    jobId,
    ...(head?.input === undefined ? {} : namedInput(head.input)),
    status,
    features: { total: planned, done: counts.features - failed, failed, missing },
    batches: { total: tally.batches, done: tally.batchesDone, failed: tally.batchesFailed, pending: tally.batchesPending },
    failures: counts.failures,
    failuresTotal: counts.failuresTotal,
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
    warnings: [...crsNotes.warnings, ...identityWarnings(counts, spec.input.idColumn)],
    crs: crsNotes.crs,
  };
  outputs.summary = `s3://${deps.outputBucket}/${jobId}/summary.json`;
  await putJson(deps.s3, out('summary.json'), summary);
  await deps.tracker.setJobStatus(jobId, status, { features: summary.features, batches: summary.batches, bytesRead: summary.bytesRead, requests: summary.requests });
  return summary;
}

/** The parts read into the sorter (or merged by columns), with what the writers need to know before the first row. */
interface MergedParts {
  sorter: RowSorter;
  /** The parts merged by columns (the sorter then holds nothing), or null. */
  byColumns: ColumnarMerge | null;
  columns: StatColumn[];
  geometry: boolean;
  /** The geometry's CRS (the input's, as the Workers wrote it in their parts' GeoParquet metadata). */
  crs: string | null;
  idKind: IdKind;
  /** Distinct values of each frac column (ascending). */
  fracValues: Map<string, number[]>;
  /** Every fid an integer within int64 (or NULL): the fid column is INT64, else STRING. */
  fidInt64: boolean;
  /** The parts' CRS notes (from their metadata; null for a part without one). */
  notes: (CrsPartNote | null)[];
}

/**
 * Reads every part, one row group at a time, into an external sort by fid (then date); with `byColumns`, by
 * columns as long as every part can be (ColumnarMerge.add), the parts read so far read again by rows otherwise.
 */
async function mergeParts(parts: readonly string[], deps: CollectDeps, limits: CollectLimits, gauge: RowGauge, byColumns: boolean): Promise<MergedParts> {
  let columns: StatColumn[] | null = null;
  let geometry = false;
  let crs: string | null = CRS84;
  let idKind: IdKind = 'text';
  let sorter: RowSorter | null = null;
  let fracSeen: { name: string; index: number; values: Set<number> }[] = [];
  let fidInt64 = true;
  const opts = { runRows: limits.runRows, frameRows: limits.frameRows, fanIn: limits.fanIn, gauge, ...(deps.tmpDir ? { dir: deps.tmpDir } : {}) };
  let columnar = byColumns ? new ColumnarMerge(limits.runRows) : null;
  // the parts merged by columns so far (read again by rows when a later part cannot be)
  let held: PartFile[] = [];
  const pushRows = async (part: PartFile): Promise<void> => {
    for await (const g of partFileRowGroups(part)) {
      gauge.add(g.rows.length);
      if (columns === null) {
        columns = g.columns;
        idKind = g.idKind;
        fracSeen = columns.flatMap((c, index) => (c.kind === 'frac' ? [{ name: c.name, index, values: new Set<number>() }] : []));
        sorter = new RowSorter(rowOrder(columns).compare, opts);
      }
      if (g.geometry && !geometry) crs = g.crs;
      geometry ||= g.geometry;
      for (const r of g.rows) {
        if (fidInt64 && !(r.fidText === undefined ? Number.isSafeInteger(r.fid) : fidFitsInt64(r))) fidInt64 = false;
        for (const f of fracSeen) {
          const v = r.values[f.index];
          if (v !== undefined && v !== null && isFrac(v)) for (const x of v.values) f.values.add(x);
        }
      }
      await (sorter as RowSorter).push(g.rows);
      gauge.remove(g.rows.length);
    }
  };
  // each part's CRS note: in its metadata, else (a part of an older Worker) the object beside it, read meanwhile
  const notes: Promise<CrsPartNote | null>[] = [];
  const noteOf = (part: PartFile, metadata: FileMetaData): Promise<CrsPartNote | null> => {
    const note = crsNoteOf(metadata.key_value_metadata);
    const p = note !== undefined ? Promise.resolve(note) : getJson(deps.s3, { bucket: deps.outputBucket, key: crsNoteKey(part.key) }).then((v) => v as CrsPartNote | null);
    p.catch(() => undefined); // awaited below
    return p;
  };
  try {
    for await (const part of partFiles(deps.s3, deps.outputBucket, parts, { prefetch: limits.prefetch })) {
      notes.push(noteOf(part, await partMetadata(part)));
      if (columnar !== null) {
        const before = columnar.rows;
        if (await columnar.add(part.file, await partMetadata(part))) {
          gauge.add(columnar.rows - before);
          held.push(part);
          continue;
        }
        gauge.remove(columnar.rows);
        columnar = null;
        for (const h of held) await pushRows(h);
        held = [];
      }
      await pushRows(part);
    }
  } catch (err) {
    if (columnar !== null) gauge.remove(columnar.rows);
    await (sorter as RowSorter | null)?.dispose(); // (assigned by pushRows)
    throw err;
  }
  if (columnar !== null && columnar.rows > 0) {
    const cols = columnar.tableColumns;
    return { sorter: new RowSorter(rowOrder(cols).compare, opts), byColumns: columnar, columns: cols, geometry: false, crs: CRS84, idKind: columnar.tableIdKind, fracValues: new Map(), fidInt64: true, notes: await Promise.all(notes) };
  }
  const cols = columns ?? [];
  return {
    sorter: sorter ?? new RowSorter(rowOrder(cols).compare, opts),
    byColumns: null,
    columns: cols,
    geometry,
    crs,
    idKind,
    fracValues: new Map(fracSeen.map((f) => [f.name, [...f.values].sort((a, b) => a - b)])),
    fidInt64,
    notes: await Promise.all(notes),
  };
}

/** Writes the rows merged by columns in output order, a row group of `chunkRows` at a time; their counts. */
async function writeColumns(merge: ColumnarMerge, sink: ParquetColumnSink, limits: CollectLimits): Promise<MergeCounts> {
  const { order, counts } = merge.order(limits.failuresKept);
  for (let from = 0; from < order.length; from += limits.chunkRows) await sink.writeColumns(merge.columnData(order, from, Math.min(order.length, from + limits.chunkRows)));
  return counts;
}

/** Warnings for NULL ids (kept null, never replaced by the fid), repeated ids (named) and NULL fids (written empty). */
function identityWarnings(c: MergeCounts, idColumn: string | undefined): string[] {
  const out: string[] = [];
  const w = nullIdWarning(idColumn, c.nullIdFids, c.nullIds);
  if (w !== null) out.push(w);
  const repeated = duplicateIdWarning(c.ids.report(), idColumn);
  if (repeated !== null) out.push(repeated);
  if (c.nullFids > 0) out.push(`${c.nullFids} feature${c.nullFids === 1 ? ' has' : 's have'} a NULL fid (written empty; their rows are kept)`);
  return out;
}

/**
 * Streams the sorted rows to the sinks, dropping duplicates (of rows for one fid and date the
 * last pushed wins: the later part), and counts features and failures as they pass.
 */
async function writeMerged(sorter: RowSorter, columns: readonly StatColumn[], sinks: readonly RowSink[], failuresKept: number): Promise<MergeCounts> {
  const { sameRow } = rowOrder(columns);
  const counts: MergeCounts = { features: 0, failedFeatures: 0, failures: [], failuresTotal: 0, nullIds: 0, nullIdFids: [], nullFids: 0, ids: new DuplicateIds() };
  let pending: ResultRow | null = null;
  let lastFeature: ResultRow | null = null;
  let featureFailed = false;
  let batch: ResultRow[] = [];
  const emit = (r: ResultRow): void => {
    if (lastFeature === null || compareFeatures(lastFeature, r) !== 0) {
      counts.features++;
      featureFailed = false;
      lastFeature = r;
      if (r.fidText === null) counts.nullFids++;
      if (r.idNull === true) {
        counts.nullIds++;
        if (counts.nullIdFids.length < 10) counts.nullIdFids.push(r.fidText === undefined ? String(r.fid) : (r.fidText ?? 'NULL'));
      } else if (!missingId(r)) counts.ids.add(r.id);
    }
    if (r.error !== null) {
      if (!featureFailed) counts.failedFeatures++;
      featureFailed = true;
      counts.failuresTotal++;
      if (counts.failures.length < failuresKept) counts.failures.push(featureFailure(r, r.error));
    }
    batch.push(r);
  };
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    for (const sink of sinks) await sink.write(rows);
  };
  for await (const chunk of sorter.sorted()) {
    for (const r of chunk) {
      if (pending !== null && !sameRow(pending, r)) emit(pending);
      pending = r;
    }
    await flush();
  }
  if (pending !== null) emit(pending);
  await flush();
  return counts;
}
