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
import { CrsError, ZonalflowError } from '../errors';
import { FIRST_CHUNK, chunkBudgetMs, nextChunkSize } from './chunk-size';
import type { SharedTiles } from '../raster/shared-tiles';
import { parseJobSpec } from '../spec';
import type { AllowedSources } from '../io/uri';
import type { CountingSource } from '../io/source.counting';
import { countInto } from '../io/source.counting';
import { toParquet } from '../output/parquet';
import { featureDocument } from '../output/json';
import { featuresPartKey } from './keys';
import { featureFailure } from '../output/table';
import type { ResultRow } from '../output/table';
import { ensureProj, makeBatchTransformer } from '../crs/transform';
import { replayJobTransform } from '../crs/job-transform';
import type { Crs } from '../crs/crs';
import type { BatchTransform } from '../crs/proj';
import { crsProjJson } from '../crs/projjson';
import { geoCrs } from '../output/parquet-layout';
import type { WorkerInput, WorkerOutput } from './events';
import { readBatchFile } from './batch-file';
import { parseBlobs, prepareFromBlobs } from './batch-geometry';
import { getBytes, getJson, putBytes, s3Uri } from './objects';
import { openZonalRasters } from '../engine/rasters';
import type { JobTracker } from './tracker';
import { workKeys } from './keys';
import { JobCancelledError, isTransient } from './transient';
import { ZonalEngine, slicePrepared } from '../engine/zonal';
import { ObjectChangedError } from '../io/source.s3';
import type { S3Source } from '../io/source.s3';
import type { RasterHeaders } from './raster-headers';
import type { PreparedChunk } from '../engine/zonal';
import { CRS_NOTE_METADATA, type CrsPartNote } from '../engine/crs-check';
import { openWeightsRaster, zonalOptions } from '../engine/options';
import { TimeseriesEngine } from '../engine/timeseries';
import type { Scene } from '../timeseries/stac';
import { shDocument } from '../timeseries/sentinelhub';
import type { StatColumn } from '../output/table';
import type { EngineFeature as BatchFeature } from '../engine/zonal';
import { checkAttributeNames, withFeatureFields } from '../engine/attributes';
import type { FeatureFields } from '../engine/attributes';

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
  /** Decoded tiles kept between batches of this environment (warm-tiles.ts); none by default. */
  sharedTiles?: SharedTiles;
  /** Parsed raster headers kept between batches of this environment (raster-headers.ts); none by default. */
  rasterHeaders?: RasterHeaders;
  /** Features per engine chunk, fixed (default: adaptive, chunk-size.ts: 100 first, then sized to take a sixth of `safetyMs`). */
  chunkSize?: number;
}

/** Runs one batch. */
export async function runBatch(item: WorkerInput, deps: WorkerDeps): Promise<WorkerOutput> {
  const t0 = Date.now();
  const keys = workKeys(deps.workPrefix, item.jobId);
  // a cancelled job's batches refuse to start (and, below, to complete): in the store's writes themselves, else one read each
  if (!deps.tracker.cancelsInWrites) await refuseIfCancelled(deps.tracker, item, 'start');
  const started = await deps.tracker.startBatch(item.jobId, item.batchId);
  if (started.cancelled) throw cancelledError(item, 'start');
  if (started.done) return { jobId: item.jobId, batchId: item.batchId, status: 'SKIPPED', featuresDone: 0, featuresFailed: 0, part: null };
  // every source the batch opens, counted, and closed at the end (file handles)
  const counters: CountingSource[] = [];
  // rasters opened from a kept header read with If-Match on its ETag; the object changed (412): the batch runs again, once, every header read afresh
  const headers = deps.rasterHeaders ? { kept: deps.rasterHeaders, fresh: false, conditional: [] as S3Source[] } : undefined;
  // the kept headers' versions are confirmed before anything of the batch is written (a source that read nothing sends one HeadObject)
  const confirmHeaders = async (): Promise<void> => {
    if (headers) await Promise.all(headers.conditional.map((c) => c.confirm()));
  };
  try {
    for (;;) {
      try {
        return await attempt();
      } catch (err) {
        if (!(err instanceof ObjectChangedError) || !headers || headers.fresh) throw err;
        headers.fresh = true;
        headers.conditional = [];
      }
    }
  } catch (err) {
    if (!(err instanceof BatchIncompleteError) && !(err instanceof JobCancelledError)) {
      // recorded (the batch's error says why); a transient failure is retried by the state machine (startBatch takes a FAILED batch again)
      await deps.tracker.failBatch(item.jobId, item.batchId, err instanceof ZonalflowError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err)).catch((e: unknown) => {
        if (!isTransient(e)) throw e;
      });
    }
    throw err;
  } finally {
    await Promise.all(counters.map((c) => c.close()));
  }

  async function attempt(): Promise<WorkerOutput> {
    const batchLoc = { bucket: deps.outputBucket, key: item.key };
    const batchBytes = await getBytes(deps.s3, batchLoc);
    if (batchBytes === null) throw new ZonalflowError('BATCH_MISSING', `batch file ${s3Uri(batchLoc)} does not exist`);
    // a GeoPackage's features carry their geometry blobs (batch-file.ts, batch-geometry.ts): prepared flat, or parsed into GeoJSON
    const { batch, blobs } = readBatchFile(batchBytes, s3Uri(batchLoc));
    // the spec travels in the batch file (one GET a batch); a batch file of an older Plan: the job's spec.json
    const spec = parseJobSpec(batch.spec !== undefined ? batch.spec : await getJson(deps.s3, { bucket: deps.outputBucket, key: keys.spec }), `spec of job ${item.jobId}`);
    // each row takes its feature's included attributes (leading columns), stored fid and NULL-id flag
    const attributes = batch.attributes ?? [];
    const idKind = batch.idKind ?? 'text';
    const fieldsByFid = new Map<number, FeatureFields>(batch.features.map((f) => [f.fid, { fidText: f.fidText, idNull: f.idNull, attributes: f.attributes ?? [] }]));
    const decorate = (rows: ResultRow[]): ResultRow[] => withFeatureFields(rows, fieldsByFid);
    const rasters = await openZonalRasters(spec.rasters, {
      allowed: deps.allowed,
      s3Client: deps.s3,
      wrapSource: countInto(counters),
      sharedTiles: deps.sharedTiles,
      headers,
    });
    await ensureProj();
    let zonalEngine: ZonalEngine | null = null;
    // compute(chunk, at): the features from `at` of the batch; readAhead(features, at): the features left from `at`, before the first chunk
    let engine: {
      columns: StatColumn[];
      readAhead?(features: BatchFeature[], at: number): Promise<void>;
      compute(chunk: BatchFeature[], at: number): Promise<{ rows: ResultRow[]; docs: { id: string; fid: number; doc: Record<string, unknown> }[] }>;
    };
    // a time series and rows that keep their geometry take GeoJSON geometries
    if (spec.stac || spec.output.geometry) parseBlobs(batch.features, blobs);
    if (spec.stac) {
      // time series: the scenes Plan found; each feature reads the scenes that touch it
      const scenes = ((await getJson(deps.s3, { bucket: deps.outputBucket, key: keys.scenes })) ?? []) as Scene[];
      const ts = new TimeseriesEngine(spec, scenes, batch.crs, { allowed: deps.allowed, s3Client: deps.s3, wrapSource: countInto(counters) });
      checkAttributeNames(attributes, ts.columns, spec);
      engine = {
        columns: [...attributes, ...ts.columns],
        async compute(chunk) {
          const out = await ts.computeChunk(chunk);
          out.rows = decorate(out.rows);
          const firstRow = new Map<number, ResultRow>();
          for (const r of out.rows) if (!firstRow.has(r.fid)) firstRow.set(r.fid, r);
          return { rows: out.rows, docs: [...firstRow.values()].map((r) => ({ id: r.id, fid: r.fid, doc: shDocument(r.id, r.fid, out.byFeature.get(r.fid) ?? [], r.error) })) };
        },
      };
    } else {
      const weights = await openWeightsRaster(spec, {
        allowed: deps.allowed,
        s3Client: deps.s3,
        wrapSource: countInto(counters),
        sharedTiles: deps.sharedTiles,
      });
      const zonal = new ZonalEngine(rasters, batch.crs, zonalOptions(spec, weights, spec.output.geometry));
      // the transforms Plan chose on the layer's sample, as `zonalflow stats` chooses them (a raster CRS it did not record: PROJ)
      const recorded = batch.transforms ?? [];
      if (recorded.length > 0) {
        zonal.chooseTransforms((to) => {
          const r = recorded.find((t) => t.to === to.def);
          return r !== undefined ? replayJobTransform(batch.crs, to, r) : { engine: 'PROJ', reason: 'not chosen by Plan', transform: projTransformOf(batch.crs, to), note: '' };
        });
      }
      zonalEngine = zonal;
      checkAttributeNames(attributes, zonal.columns, spec);
      const columns = [...attributes, ...zonal.columns];
      // the features left are prepared (checked, reprojected, placed) once and their tiles read in one round of
      // merged range requests before the first chunk, instead of one round per chunk (ZonalEngine.readAhead; the
      // chunks of 100, 400 and 1,500 features of a 2,000-feature batch made 379 requests on the 100k case, 303 so)
      let ahead: { at: number; prepared: PreparedChunk } | null = null;
      engine = {
        columns,
        async readAhead(features, at) {
          let prepared = prepareFromBlobs(zonal, features, blobs.slice(at, at + features.length));
          if (prepared === null) {
            parseBlobs(batch.features, blobs, at, at + features.length);
            prepared = zonal.prepare(features);
          }
          await zonal.readAhead(prepared);
          ahead = { at, prepared };
        },
        async compute(chunk, at) {
          const from = ahead ? at - ahead.at : -1;
          const covered = ahead !== null && from >= 0 && from + chunk.length <= ahead.prepared.problems.length;
          if (!covered) parseBlobs(batch.features, blobs, at, at + chunk.length);
          const prepared = ahead && covered ? slicePrepared(ahead.prepared, from, from + chunk.length) : zonal.prepare(chunk);
          // the chunk's geometries in the rasters' CRSs are its own from here on (collected after it)
          if (ahead && from >= 0) for (const r of ahead.prepared.perRaster) r.local.fill(null, from, from + chunk.length);
          const rows = decorate(await zonal.computeChunk(chunk, undefined, prepared));
          return { rows, docs: rows.map((r) => ({ id: r.id, fid: r.fid, doc: featureDocument(columns, r, { idKind }) })) };
        },
      };
    }
    // output.geometry: each feature's geometry as read, in the input's CRS (GeoParquet `crs`: its PROJJSON)
    const geometryCrs = spec.output.geometry ? geoCrs(crsProjJson(batch.crs)) : null;
    const remaining = deps.remainingMs ?? (() => Infinity);
    const safety = deps.safetyMs ?? 30_000;
    // a time series reads each scene's tiles once per chunk for all its features: the whole batch is one chunk;
    // else chunks grow from FIRST_CHUNK as fast as the deadline checks allow (few chunks: few merged tile requests)
    let chunkSize = spec.stac ? Math.max(deps.chunkSize ?? FIRST_CHUNK, batch.features.length) : deps.chunkSize ?? FIRST_CHUNK;
    const adaptive = !spec.stac && deps.chunkSize === undefined;
    const parts = [...started.parts];
    let cursor = started.cursor;
    let rows: ResultRow[] = [];
    let docs: { id: string; fid: number; doc: Record<string, unknown> }[] = [];
    let done = started.featuresDone;
    let failed = started.featuresFailed;
    const failures = [...started.failures];
    let partFrom = cursor;
    const flushPart = async (): Promise<void> => {
      if (rows.length === 0) return;
      const partStart = partFrom;
      const key = keys.part(item.batchId, partStart).replace(/\.json$/, '.parquet');
      // the part's CRS notes and how many of its features touch no raster (Collect warns for the job), in its metadata
      let metadata: Record<string, string> | undefined;
      if (zonalEngine) {
        const ok = rows.filter((r) => r.error === null);
        const z = zonalEngine;
        const note: CrsPartNote = { features: ok.length, outside: ok.filter((r) => z.outsideFids.has(r.fid)).length, crs: z.crsNotes, warnings: z.warnings, outsideFacts: await z.outsideFacts() };
        metadata = { [CRS_NOTE_METADATA]: JSON.stringify(note) };
      }
      await putBytes(deps.s3, { bucket: deps.outputBucket, key }, toParquet(engine.columns, rows, { keepFrac: true, keyColumn: true, plain: true, idKind, ...(metadata ? { metadata } : {}), ...(geometryCrs ? { geometry: { crs: geometryCrs } } : {}) }), 'application/vnd.apache.parquet');
      if (spec.output.formats.includes('json')) {
        // one JSON Lines object per part (never one PUT per feature: 1M PUTs under one prefix are throttled by S3
        // and are most of a job's cost), under the batch's shard folder (keys.ts); `zonalflow results` / `local`
        // expand it to features/<id>.json
        const lines = docs.map((d) => JSON.stringify(d.doc)).join('\n') + '\n';
        await putBytes(deps.s3, { bucket: deps.outputBucket, key: featuresPartKey(item.jobId, item.batchId, partStart) }, lines, 'application/x-ndjson');
      }
      parts.push(key);
      rows = [];
      docs = [];
      partFrom = cursor;
    };
    // the features left are read ahead once, after the first deadline check (a batch past its deadline checkpoints without reading)
    let readAhead = engine.readAhead !== undefined;
    while (cursor < batch.features.length) {
      if (remaining() < safety) {
        await confirmHeaders();
        await flushPart();
        const partial = { featuresDone: done, featuresFailed: failed, failures, bytesRead: sum(counters, 'bytes'), requests: sum(counters, 'requests'), ms: Date.now() - t0 };
        await deps.tracker.checkpointBatch(item.jobId, item.batchId, cursor, parts, partial);
        throw new BatchIncompleteError(`batch ${item.batchId} of job ${item.jobId} stopped at feature ${cursor} of ${batch.features.length} before the Lambda deadline; the retry resumes there`);
      }
      if (readAhead) {
        readAhead = false;
        await engine.readAhead?.(batch.features.slice(cursor), cursor);
      }
      const chunk = batch.features.slice(cursor, cursor + chunkSize);
      const before = adaptive ? remaining() : 0;
      const out = await engine.compute(chunk, cursor);
      if (adaptive) chunkSize = nextChunkSize(chunk.length, before - remaining(), chunkBudgetMs(safety));
      const failedHere = new Map<number, ResultRow>();
      for (const r of out.rows) {
        if (r.error !== null) failedHere.set(r.fid, r);
        rows.push(r);
      }
      for (const r of failedHere.values()) failures.push(featureFailure(r, r.error ?? ''));
      failed += failedHere.size;
      done += chunk.length - failedHere.size;
      docs.push(...out.docs);
      cursor += chunk.length;
    }
    await confirmHeaders();
    await flushPart();
    const result = { featuresDone: done, featuresFailed: failed, failures, parts, bytesRead: sum(counters, 'bytes'), requests: sum(counters, 'requests'), ms: Date.now() - t0 };
    if (!deps.tracker.cancelsInWrites) await refuseIfCancelled(deps.tracker, item, 'complete');
    if ((await deps.tracker.completeBatch(item.jobId, item.batchId, result)) === 'CANCELLED') throw cancelledError(item, 'complete');
    return { jobId: item.jobId, batchId: item.batchId, status: 'DONE', featuresDone: done, featuresFailed: failed, part: parts.length > 0 ? { bucket: deps.outputBucket, key: parts[parts.length - 1] ?? '' } : null };
  }
}

async function refuseIfCancelled(tracker: JobTracker, item: WorkerInput, what: 'start' | 'complete'): Promise<void> {
  const cancelled = tracker.batchCancelled ? await tracker.batchCancelled(item.jobId, item.batchId) : (await tracker.jobStatus(item.jobId)) === 'CANCELLED';
  if (cancelled) throw cancelledError(item, what);
}

function cancelledError(item: WorkerInput, what: 'start' | 'complete'): JobCancelledError {
  return new JobCancelledError(`job ${item.jobId} is CANCELLED: batch ${item.batchId} does not ${what}`);
}

/** PROJ's transform between two CRSs the engine reprojects between (never equivalent there). */
function projTransformOf(from: Crs, to: Crs): BatchTransform {
  const t = makeBatchTransformer(from, to);
  if (t === null) throw new CrsError(`${from.name} and ${to.name} are the same CRS: nothing to transform`);
  return t;
}

function sum(cs: readonly CountingSource[], k: 'bytes' | 'requests'): number {
  return cs.reduce((a, c) => a + c[k], 0);
}

