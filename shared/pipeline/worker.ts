/**
 * Worker: one batch. Reads the batch file and the job's spec, opens the
 * rasters (URIs checked against the stack's allow-list), computes the
 * features in chunks (tiles prefetched per chunk in merged range requests),
 * writes the rows as a Parquet part (and per-feature JSON when asked), and
 * completes the batch once. A feature that fails is recorded and the batch
 * goes on; near the Lambda deadline the batch checkpoints what it has done
 * and throws `BatchIncompleteError` so the Map's retry resumes from there.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { ZonalflowError } from '../errors';
import { parseJobSpec } from '../spec';
import { parseStatNames } from '../stats/names';
import type { AllowedSources } from '../io/uri';
import { CountingSource } from '../io/source.counting';
import { toParquet } from '../output/parquet';
import { featureDocument, featureFileName } from '../output/json';
import type { ResultRow } from '../output/table';
import { crsFromEpsg } from '../crs/epsg';
import { makeTransformer } from '../crs/transform';
import { transformGeometry } from '../geometry/transform';
import type { WorkerInput, WorkerOutput } from './events';
import { BatchFileSchema } from './batch-file';
import { getJson, mapLimit, putBytes, putJson } from './objects';
import { openZonalRasters } from './rasters';
import type { JobTracker } from './tracker';
import { workKeys } from './keys';
import { ZonalEngine } from './zonal';

/** Thrown when a batch stops before the deadline with work left: retryable by the state machine. */
export class BatchIncompleteError extends ZonalflowError {
  constructor(message: string) {
    super('BATCH_INCOMPLETE', message);
    this.name = 'BatchIncompleteError';
  }
}

/** What Worker needs. */
export interface WorkerDeps {
  s3: S3Client;
  tracker: JobTracker;
  outputBucket: string;
  workPrefix: string;
  allowed: AllowedSources;
  /** Milliseconds left before the Lambda timeout (Infinity locally). */
  remainingMs?: () => number;
  /** Stop this long before the deadline (default 30 s). */
  safetyMs?: number;
  /** Features per engine chunk (default 100). */
  chunkSize?: number;
}

/** Runs one batch. */
export async function runBatch(item: WorkerInput, deps: WorkerDeps): Promise<WorkerOutput> {
  const t0 = Date.now();
  const keys = workKeys(deps.workPrefix, item.jobId);
  const started = await deps.tracker.startBatch(item.jobId, item.batchId);
  if (started.done) return { jobId: item.jobId, batchId: item.batchId, status: 'SKIPPED', featuresDone: 0, featuresFailed: 0, part: null };
  try {
    const spec = parseJobSpec(await getJson(deps.s3, { bucket: deps.outputBucket, key: keys.spec }), `spec of job ${item.jobId}`);
    const rawBatch = await getJson(deps.s3, { bucket: deps.outputBucket, key: item.key });
    if (rawBatch === null) throw new ZonalflowError('BATCH_MISSING', `batch file s3://${deps.outputBucket}/${item.key} does not exist`);
    const batch = BatchFileSchema.parse(rawBatch);
    const counters: CountingSource[] = [];
    const rasters = await openZonalRasters(spec.rasters, {
      allowed: deps.allowed,
      s3Client: deps.s3,
      wrapSource: (s) => {
        const c = new CountingSource(s);
        counters.push(c);
        return c;
      },
    });
    const engine = new ZonalEngine(rasters, batch.crs, {
      stats: parseStatNames(spec.stats),
      coverage: spec.coverage,
      histogram: spec.histogram,
      maxCellsInMemory: spec.limits.maxCellsInMemory,
      keepGeometry: spec.output.geometry,
    });
    const toLonLat = spec.output.geometry ? makeTransformer(batch.crs, crsFromEpsg(4326)) : null;
    const remaining = deps.remainingMs ?? (() => Infinity);
    const safety = deps.safetyMs ?? 30_000;
    const chunkSize = deps.chunkSize ?? 100;
    const parts = [...started.parts];
    let cursor = started.cursor;
    let rows: ResultRow[] = [];
    let done = started.featuresDone;
    let failed = started.featuresFailed;
    const failures = [...started.failures];
    const flushPart = async (): Promise<void> => {
      if (rows.length === 0) return;
      const partStart = cursor - rows.length;
      const key = keys.part(item.batchId, partStart).replace(/\.json$/, '.parquet');
      const geometryRows = toLonLat ? rows.map((r) => ({ ...r, geometry: r.geometry ? transformGeometry(r.geometry, toLonLat) : null })) : rows;
      await putBytes(deps.s3, { bucket: deps.outputBucket, key }, toParquet(engine.columns, geometryRows, spec.output.geometry ? { geometry: { crs: 'lonlat' } } : {}), 'application/vnd.apache.parquet');
      if (spec.output.formats.includes('json')) {
        await mapLimit(rows, 16, (r) => putJson(deps.s3, { bucket: deps.outputBucket, key: `${item.jobId}/features/${featureFileName(r, { withFid: batch.idsUnique === false })}` }, featureDocument(engine.columns, r)));
      }
      parts.push(key);
      rows = [];
    };
    while (cursor < batch.features.length) {
      if (remaining() < safety) {
        await flushPart();
        const partial = { featuresDone: done, featuresFailed: failed, failures, bytesRead: sum(counters, 'bytes'), requests: sum(counters, 'requests'), ms: Date.now() - t0 };
        await deps.tracker.checkpointBatch(item.jobId, item.batchId, cursor, parts, partial);
        throw new BatchIncompleteError(`batch ${item.batchId} of job ${item.jobId} stopped at feature ${cursor} of ${batch.features.length} before the Lambda deadline; the retry resumes there`);
      }
      const chunk = batch.features.slice(cursor, cursor + chunkSize);
      const out = await engine.computeChunk(chunk);
      for (const r of out) {
        if (r.error === null) done++;
        else {
          failed++;
          failures.push({ fid: r.fid, id: r.id, reason: r.error });
        }
        rows.push(r);
      }
      cursor += chunk.length;
    }
    await flushPart();
    const result = { featuresDone: done, featuresFailed: failed, failures, parts, bytesRead: sum(counters, 'bytes'), requests: sum(counters, 'requests'), ms: Date.now() - t0 };
    await deps.tracker.completeBatch(item.jobId, item.batchId, result);
    return { jobId: item.jobId, batchId: item.batchId, status: 'DONE', featuresDone: done, featuresFailed: failed, part: parts.length > 0 ? { bucket: deps.outputBucket, key: parts[parts.length - 1] ?? '' } : null };
  } catch (err) {
    if (!(err instanceof BatchIncompleteError)) {
      await deps.tracker.failBatch(item.jobId, item.batchId, err instanceof ZonalflowError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err));
    }
    throw err;
  }
}

function sum(cs: readonly CountingSource[], k: 'bytes' | 'requests'): number {
  return cs.reduce((a, c) => a + c[k], 0);
}

