/**
 * Plan: the first stage. Loads and validates the spec (the `X.json` beside
 * `X.gpkg` or other input, an explicit location, or the stack's default), fetches the
 * input (any format openFeatureSource reads), groups its features into spatially compact batches, writes the
 * batch files, the resolved spec and the manifest the Distributed Map reads,
 * and registers the job and its batches. The same upload (object + ETag)
 * never starts a second job.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { specKeyBeside } from '../features/suffix';
import { geometryBBox } from '../geometry/bbox';
import { gpkgGeometryBBox } from '../geometry/wkb';
import { extendSearchArea, searchJobScenes } from '../timeseries/stac';
import { checkCollectRows } from './collect-budget';
import type { BBox } from '../geometry/types';
import { geometryProblem } from '../geometry/validate';
import { crsFromEpsg } from '../crs/epsg';
import { ensureProj, geographicTarget, makeTransformer } from '../crs/transform';
import type { PlanBatch, PlanFeature } from '../batching/plan';
import type * as BatchingModule from '../batching/plan';
import type * as OpenModule from '../features/open';
import type { FeatureSource } from '../features/source';
import type { RecordedTransform } from '../crs/job-transform';
import { IdHashes, hashId } from '../batching/id-hashes';
import { missingId } from '../engine/duplicate-ids';
import { parseJobSpec } from '../spec';
import { parseStatNames } from '../stats/names';
import type { JobSpec } from '../spec';
import type { AllowedSources } from '../io/uri';
import { LimitError, RasterError, SourceError, SpecError, ZonalflowError } from '../errors';
import { openZonalRasters } from '../engine/rasters';
import type { ZonalRaster } from '../engine/rasters';
import { zonalOptions } from '../engine/options';
import { checkLayerCrs, checkUniqueFids, includedColumns } from '../engine/job-checks';
import type { StatColumn } from '../output/table';
import { MAX_SPEC_BYTES } from '../spec-file';
import type { CountingSource } from '../io/source.counting';
import { countInto } from '../io/source.counting';
import { retryableStatus } from '../io/retry';
import type { Feature } from '../geometry/types';
import type { BatchItem, PlanInput, PlanOutput } from './events';
import { downloadToFile, getJson, headObject, mapLimit, putBytes, putJson } from './objects';
import type { FeatureFailure, JobTracker } from './tracker';
import { BATCH_CONTENT_TYPE, batchFileHead } from './batch-file';
import type { BatchRecord } from './batch-file';
import { BatchSpill } from './batch-spill';
import { RowEnvelopeCentres } from '../features/gpkg-order';
import { KeptFeatures, batchMembers } from './batch-kept';
import { DEFAULT_SPEC_DIGEST, jobIdFor, specDigest, workKeys } from './keys';
import { normalizeEtag } from '../jobs/records';
import { featureFields, idKindOf } from '../engine/attributes';
import { readsColumns } from '../features/reads-columns';
import { INPUT_NAME_METADATA_KEY, decodeInputName, printableInputName } from './input-name';

/** What Plan needs. */
export interface PlanDeps {
  s3: S3Client;
  tracker: JobTracker;
  outputBucket: string;
  workPrefix: string;
  defaultSpec: JobSpec | null;
  /** The stack's allow-list: raster URIs and the STAC API (and its `next` links) must pass it. */
  allowed: AllowedSources;
  limits?: { maxInputBytes?: number; maxFeatures?: number };
  /**
   * The one-pass read (see {@link ONE_PASS}): inputs of at most `inputBytes` are read once, their features'
   * batch-file records kept in memory up to `keptBytes`. Default: ONE_PASS (tests set 0 to take the two passes).
   */
  onePass?: { inputBytes: number; keptBytes: number };
  now?: () => number;
  /** A structured log line (the handler's logger). */
  log?: (message: string) => void;
}

/**
 * Plan reads an input of at most `inputBytes` once, keeping each feature's batch-file record in memory
 * (batch-kept.ts) while their total is at most `keptBytes` (about a GeoPackage's size: 100,000 fields, 18 MB,
 * keep 18.5 MB), instead of reading it a second time into spill files (batch-spill.ts), whose memory does not
 * grow with the input.
 */
export const ONE_PASS = { inputBytes: 64 * 2 ** 20, keptBytes: 192 * 2 ** 20 };

/** Runs Plan. */
export async function planJob(given: PlanInput, deps: PlanDeps): Promise<PlanOutput> {
  const t0 = (deps.now ?? Date.now)();
  // the input's readers and the batching load while Plan waits for S3 and DynamoDB below (planModules)
  const modules = planModules();
  // S3 event notifications carry the key URL-encoded (a space as '+', others as %XX); the object's real key
  // is the decoded one when the key as given does not exist
  const input = await decodedKey(given, deps.s3);
  const gpkgLoc = { bucket: input.bucket, key: input.key };
  // the version the job was started for: the upload event's ETag (or the execution's: `run --input s3://...`,
  // `zonalflow retry`). Every read of the input is sent with If-Match on it, so a job never computes on an object
  // that replaced it at the same key (two files of one name uploaded back to back): S3 answers 412 instead
  const pinned = input.etag !== undefined && normalizeEtag(input.etag) !== '' ? normalizeEtag(input.etag) : undefined;
  let replaced = false;
  const head = await headObject(deps.s3, gpkgLoc, { ifMatch: pinned }).catch((err: unknown) => {
    if (!(err instanceof SourceError && err.status === 412)) throw err;
    // replaced before Plan: the job fails once it is claimed (below), under the id it was started with; nothing of
    // the object now there (its size, its name) is taken for this job's
    replaced = true;
    const none: Record<string, string> = {};
    return { size: 0, etag: pinned, metadata: none };
  });
  if (head === null) throw new SpecError(`the input s3://${input.bucket}/${input.key} does not exist`);
  const etag = input.etag ?? head.etag ?? '';
  // the input as the user named it (input-name.ts): given with the execution (`run --input s3://...`), else on the
  // object (`run --input ./fields.gpkg` uploads it with the name), else (a file dropped in the bucket) its key
  const inputName = printableInputName(input.inputName ?? '') ?? decodeInputName(head.metadata[INPUT_NAME_METADATA_KEY]) ?? input.key;
  const inputChanged = (): SourceError => inputChangedError(input, inputName, pinned ?? normalizeEtag(etag));
  // the spec as read (before it is validated: the job id names it, valid or not) and the upload make the job
  const specRead = await readSpec(input, deps);
  const jobId = input.jobId ?? jobIdFor(input.bucket, input.key, etag, specRead === null ? DEFAULT_SPEC_DIGEST : specDigest(specRead.raw));
  // the upload's claim is per spec: the same object with another spec is another job (never a duplicate)
  const claimTag = `${normalizeEtag(etag)}#${specRead === null ? DEFAULT_SPEC_DIGEST : specDigest(specRead.raw)}`;
  const keys = workKeys(deps.workPrefix, jobId);
  const out = (batches: number, features: number, duplicate: boolean, duplicateReason?: PlanOutput['duplicateReason']): PlanOutput => ({ jobId, duplicate, ...(duplicateReason ? { duplicateReason } : {}), manifest: { bucket: deps.outputBucket, key: keys.manifest }, batches, features, outputBucket: deps.outputBucket, mapPrefix: keys.map });
  if (input.jobId === undefined) {
    const existing = await deps.tracker.claimUpload(input.bucket, input.key, claimTag, jobId, input.executionId, inputName);
    if (existing !== null) {
      // claimed before: a re-delivered upload event. The job planned (or finished): a duplicate upload.
      const status = await deps.tracker.jobStatus(existing);
      if (status !== null && status !== 'PLANNING') {
        deps.log?.(`duplicate upload: s3://${input.bucket}/${input.key} (ETag ${etag}) already started job ${existing} (${status})`);
        return out(0, 0, true, 'duplicate upload');
      }
      // still planning: Step Functions retrying this execution's own Plan plans again; another execution
      // (a second event for the same upload) does not re-plan while the first holds the claim
      const owner = await deps.tracker.uploadClaimOwner(input.bucket, input.key, claimTag);
      if (owner !== null && input.executionId !== undefined && owner !== input.executionId) {
        deps.log?.(`already running: job ${existing} is being planned by ${owner}`);
        return out(0, 0, true, 'already running');
      }
    }
  } else {
    // `zonalflow retry`: the job exists and keeps its batches; DONE batches are skipped by the workers
    const status = await deps.tracker.jobStatus(jobId);
    if (status !== null && status !== 'PLANNING') {
      const manifest = (await getJson(deps.s3, { bucket: deps.outputBucket, key: keys.manifest })) as { features: number }[] | null;
      if (manifest !== null) return out(manifest.length, manifest.reduce((a, b) => a + b.features, 0), false);
    }
  }
  // claimed (or re-entered by a retry) and recorded as failed by MarkFailed with this line, under this job's id
  if (replaced) throw inputChanged();
  const maxBytes = deps.limits?.maxInputBytes ?? 5 * 1024 ** 3;
  if (head.size > maxBytes) throw new LimitError(`s3://${input.bucket}/${input.key} is ${head.size} bytes; the limit is ${maxBytes} bytes (MAX_INPUT_BYTES)`);
  const dir = mkdtempSync(join(tmpdir(), 'zonalflow-plan-'));
  const file = (input.key.split('/').pop() ?? 'input').replace(/[^A-Za-z0-9._-]/g, '_');
  const path = join(dir, file === '' || file.startsWith('.') ? `input${file}` : file);
  try {
    // the input downloads while the spec and the rasters are checked (their errors come first, as before)
    // pinned to the version the job was started for (or, started without one, to the version just inspected)
    const download = downloadToFile(deps.s3, gpkgLoc, path, { ifMatch: pinned ?? head.etag }).catch((err: unknown) => {
      throw err instanceof SourceError && err.status === 412 ? inputChanged() : err;
    });
    download.catch(() => undefined);
    let spec: JobSpec;
    let rasters: ZonalRaster[] = [];
    try {
      spec = parseSpec(specRead, deps);
      // statistic names checked before the fan-out (as `stats` and `local` do): an unknown name would
      // otherwise fail every Worker of the job, one batch after another
      parseStatNames(spec.stats);
      // every raster's header (allow-list first), before anything is written: a raster that cannot be read fails the job here, once
      if (!spec.stac) rasters = await checkRasters(spec, deps);
    } catch (err) {
      await download.catch(() => undefined); // the file is closed before its folder is removed
      throw err;
    }
    await download;
    const inputBytes = statSync(path).size;
    if (inputBytes > maxBytes) throw new LimitError(`the input is larger than the limit of ${maxBytes} bytes`);
    const { openFeatureSource, PlanColumns, planBatches } = await modules;
    const layer = await openFeatureSource(path, { layer: spec.input.layer, owned: true, fields: readsColumns(spec.input) });
    try {
      const stated = await layer.count();
      const maxFeatures = deps.limits?.maxFeatures ?? 10_000_000;
      const tooMany = (n: number): LimitError => new LimitError(`the layer "${layer.layer}" has ${n} features; the limit per job is ${maxFeatures} (MAX_FEATURES_PER_JOB)`);
      if (stated !== null && stated > maxFeatures) throw tooMany(stated);
      await ensureProj();
      // a layer CRS PROJ cannot use: the line `stats` gives (job-checks.ts; the download's path named as the input below)
      checkLayerCrs(path, layer);
      const toLonLat = makeTransformer(layer.crs, crsFromEpsg(4326));
      const cut = spec.stac ? geographicTarget(layer.crs, crsFromEpsg(4326), toLonLat) : null;
      const idOptions = spec.input.idColumn === undefined ? {} : { idColumn: spec.input.idColumn };
      // included attributes: checked here (an unknown column, or one named like a statistic column, fails the job
      // before any batch with the line `stats` gives: job-checks.ts), carried in the batch files
      const include = spec.input.include ?? [];
      const attributes = includedColumns(layer, spec, await statisticColumns(spec, rasters));
      const idKind = idKindOf(layer, spec.input.idColumn);
      // pass 1: one point per feature, for batching, in typed columns (32 bytes a feature), and a hash of its id
      const lap = laps(deps.now ?? Date.now);
      // sized from the count when it is the layer's true row count (GeoPackage: SELECT count(*)), never
      // from a count another format's header claims
      const capacity = layer.format === 'GeoPackage' && stated !== null ? stated : 1024;
      const planFeatures = new PlanColumns(capacity);
      let area: BBox | null = null;
      const idHashes = new IdHashes(capacity);
      // a GeoPackage's envelope centres, for the transforms' sample (job-transforms.ts), from the read of its blobs
      // (this one when it keeps the features, else the second) instead of another pass over the table
      const envelopes = layer.format === 'GeoPackage' && !spec.stac ? new RowEnvelopeCentres() : undefined;
      const locate = (f: Feature): void => {
        const box = f.blob !== undefined ? gpkgGeometryBBox(f.blob) : f.geometry ? geometryBBox(f.geometry) : null;
        envelopes?.push(f.fid, f.blob ?? null, box);
        const p = planPointOfBox(f.fid, box, toLonLat);
        planFeatures.push(p.fid, p.lon, p.lat);
        if (planFeatures.n > maxFeatures) throw tooMany(planFeatures.n);
        if (spec.stac) area = extendSearchArea(area, f.geometry, toLonLat, cut);
        if (!missingId(f)) idHashes.add(f.id); // a missing id is no id: never a repeat of another
      };
      // a small input is read once: each feature's batch-file record is kept (by input index) while the total stays
      // within the budget (else dropped: the second pass below serializes the features again)
      // a GeoPackage's features as their blobs, never parsed here (the Workers read them; batch-geometry.ts); the STAC
      // search area needs the geometries
      const blobs = !spec.stac;
      const onePass = deps.onePass ?? ONE_PASS;
      const kept = inputBytes <= onePass.inputBytes ? new KeptFeatures(onePass.keptBytes, Math.ceil(1.25 * inputBytes)) : null;
      if (kept !== null) {
        for await (const f of layer.features({ ...idOptions, columns: include, blobs })) {
          locate(f);
          if (kept.complete) kept.add(batchRecord(f, attributes));
        }
      } else if (layer.boxes && !spec.stac) {
        // GeoPackage: the bbox straight from each blob, no geometry built (the STAC search area needs the geometries)
        for await (const b of layer.boxes(idOptions)) {
          const p = planPointOfBox(b.fid, b.bbox, toLonLat);
          planFeatures.push(p.fid, p.lon, p.lat);
          if (planFeatures.n > maxFeatures) throw tooMany(planFeatures.n);
          if (!missingId(b)) idHashes.add(b.id);
        }
      } else for await (const f of layer.features({ ...idOptions, columns: [] })) locate(f);
      const total = planFeatures.n;
      // GeoPackage fids are rowids (unique); other formats' fids (a `fid` column, GeoJSON ids) are checked: an
      // InputError, exit 2 (job-checks.ts, the line `zonalflow estimate` gives too)
      checkUniqueFids(layer, planFeatures.fid.subarray(0, total));
      // a repeated hash: a repeated id, or a collision of two ids; the ids with those hashes, compared exactly
      const suspects = idHashes.repeated();
      const idsUnique = suspects.size === 0 || !(await repeatsAnId(layer.features({ ...idOptions, columns: [] }), suspects));
      const read = lap();
      const plan = planBatches(planFeatures, { grid: spec.batching.grid, maxFeatures: spec.batching.maxFeatures });
      const batched = lap();
      const items: BatchItem[] = plan.batches.map((b) => ({ jobId, batchId: b.batchId, key: keys.batch(b.batchId), features: b.fids.length }));
      // Collect must merge the rows (one a feature) and parts (one a batch at least) within its 15 minutes
      if (!spec.stac) checkCollectRows(total, 1, items.length);
      await putJson(deps.s3, { bucket: deps.outputBucket, key: keys.spec }, spec);
      if (spec.stac) {
        // the STAC search happens once, here; workers filter the scenes by their features' footprints
        const { scenes } = await searchJobScenes(spec, area, { allowed: deps.allowed });
        // every feature gets a row per acquisition date: Collect must merge them within its 15 minutes
        checkCollectRows(total, new Set(scenes.map((sc) => sc.datetime)).size, items.length);
        await putJson(deps.s3, { bucket: deps.outputBucket, key: keys.scenes }, scenes);
      }
      // each raster's transform of the features, chosen once on the layer's sample as `zonalflow stats` chooses it
      // (job-transforms.ts; once the envelopes are read, below): every Worker runs it, so `local`, AWS and `stats`
      // give the same bits
      const transformsOf = (): Promise<RecordedTransform[]> => chooseTransforms(spec, layer, rasters, envelopes);
      // the header, then the features' records (batch-file.ts, format 2)
      const head = (b: PlanBatch, transforms: readonly RecordedTransform[]): Buffer => batchFileHead(JSON.stringify({
        jobId,
        batchId: b.batchId,
        crs: layer.crs,
        spec,
        idsUnique,
        ...(attributes.length > 0 ? { attributes } : {}),
        ...(idKind !== 'text' ? { idKind } : {}),
        ...(transforms.length > 0 ? { transforms } : {}),
      }), b.fids.length);
      const putBatch = (b: PlanBatch, body: Uint8Array): Promise<void> => putBytes(deps.s3, { bucket: deps.outputBucket, key: keys.batch(b.batchId) }, body, BATCH_CONTENT_TYPE);
      if (kept !== null && kept.complete) {
        // read once: each batch file copied together from its features' kept bytes
        const transforms = await transformsOf();
        const { members, starts } = batchMembers(plan.batchOf, plan.slot, plan.batches.map((b) => b.fids.length));
        await mapLimit(plan.batches, 16, (b, k) => putBatch(b, kept.body(head(b, transforms), members.subarray(starts[k], starts[k + 1]))));
        deps.log?.(`planned ${total} features into ${items.length} batches: read and serialized ${read} s (one pass), batched ${batched} s, batch files written ${lap()} s`);
      } else {
        // pass 2: the input read again in the same order, each feature serialized once into the spill file of
        // its group of batches (batch-spill.ts), then each group's batch files written
        const spillDir = join(dir, 'spill');
        mkdirSync(spillDir);
        // the spill is about twice a GeoPackage's size: deflated when /tmp could not hold that beside the input
        const compress = spillShortOfSpace(spillDir, inputBytes);
        const spill = new BatchSpill({ dir: spillDir, batchSizes: plan.batches.map((b) => b.fids.length), batchOf: plan.batchOf, slot: plan.slot, compress });
        try {
          let index = 0;
          for await (const f of layer.features({ ...idOptions, columns: include, blobs })) {
            if (index < total && f.fid !== planFeatures.fid[index]) throw new LimitError(`the input changed while Plan read it: feature ${index + 1} has fid ${f.fid} on the second read, ${planFeatures.fid[index]} on the first`);
            spill.add(index++, batchRecord(f, attributes));
            // the first pass read boxes (or its envelopes were collected then: kept, then dropped)
            if (kept === null) envelopes?.push(f.fid, f.blob ?? null);
          }
          spill.finish();
          const transforms = await transformsOf();
          const spilled = lap();
          for (let g = 0; g < spill.groups; g++) {
            await mapLimit(spill.readGroup(g), 16, (sb) => {
              const b = plan.batches[sb.index] as PlanBatch;
              return putBatch(b, Buffer.concat([head(b, transforms), ...sb.features]));
            });
          }
          deps.log?.(`planned ${total} features into ${items.length} batches: read ${read} s, batched ${batched} s, serialized ${spilled} s, batch files written ${lap()} s (${spill.groups} spill groups${compress ? ', deflated' : ''})`);
        } finally {
          spill.close();
        }
      }
      await putJson(deps.s3, { bucket: deps.outputBucket, key: keys.manifest }, items);
      const planFailures: FeatureFailure[] = [];
      await deps.tracker.createJob({ jobId, input: { bucket: input.bucket, key: input.key, etag, name: inputName }, outputBucket: deps.outputBucket, features: total, batches: items.length, planMs: (deps.now ?? Date.now)() - t0, planFailures });
      await deps.tracker.putBatches(jobId, items.map((i) => ({ batchId: i.batchId, key: i.key, features: i.features })));
      await deps.tracker.setJobStatus(jobId, 'RUNNING');
      return out(items.length, total, false);
    } finally {
      layer.close();
    }
  } catch (err) {
    // the readers name the file they read: this temporary download, which the user never named; the job's
    // error (summary.json, status) names the input as the job has it, s3://bucket/key
    throw namingInput(err, dir, path, `s3://${input.bucket}/${input.key}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The job's input is no longer the version (ETag `etag`) the job was started for: another upload replaced it at
 * the same key. One line naming the input (its object, and the name the user gave it when that is another).
 */
export function inputChangedError(input: { bucket: string; key: string }, inputName: string, etag: string): SourceError {
  const uri = `s3://${input.bucket}/${input.key}`;
  const named = inputName !== uri && inputName !== input.key ? ` (${inputName})` : '';
  return new SourceError(`the input changed after the job started: ${uri}${named} was replaced (the job was started for ETag ${etag}); run it again`, { status: 412 });
}

/**
 * `err` with every mention of Plan's temporary download (`path`, or another file in its folder `dir`) in its
 * message replaced by `name`, the input as the job names it; the error itself kept (its type and code decide
 * the job's outcome).
 */
export function namingInput(err: unknown, dir: string, path: string, name: string): unknown {
  if (!(err instanceof Error) || !err.message.includes(dir)) return err;
  err.message = err.message.split(path).join(name).split(dir).join(name);
  return err;
}

/** What Plan takes from the modules that read the input and cut the batches. */
interface PlanModules { openFeatureSource: typeof OpenModule.openFeatureSource; PlanColumns: typeof BatchingModule.PlanColumns; planBatches: typeof BatchingModule.planBatches }

/** {@link planModules}, loaded once per process. */
let planModulesLoaded: Promise<PlanModules> | null = null;

/**
 * The input's readers (features/open.ts: node-sqlite3-wasm, hyparquet, flatgeobuf, shapefile...) and the batching
 * (batching/plan.ts: h3-js), imported when Plan starts rather than with its handler: ~0.3-0.5 s of module
 * loading that then overlaps Plan's first S3 and DynamoDB requests and its download. Loaded once per process;
 * a failed load is tried again by the next Plan.
 */
function planModules(): Promise<PlanModules> {
  if (planModulesLoaded === null) {
    const loading = Promise.all([import('../features/open'), import('../batching/plan')]).then(([open, batching]) => ({ openFeatureSource: open.openFeatureSource, PlanColumns: batching.PlanColumns, planBatches: batching.planBatches }));
    loading.catch(() => {
      if (planModulesLoaded === loading) planModulesLoaded = null;
    });
    planModulesLoaded = loading;
  }
  return planModulesLoaded;
}

/**
 * Starts loading {@link planModules} now (the Plan Lambda's init phase: lambdas/plan.ts); a module that cannot be
 * loaded (a bundle without its SQLite WASM) is thrown as an uncaught exception, failing the sandbox as a failed
 * static import did.
 */
export function preloadPlanModules(): void {
  planModules().catch((err: unknown) => {
    process.nextTick(() => {
      throw err;
    });
  });
}

/**
 * A feature's record in a batch file (batch-file.ts, format 2): a GeoPackage's geometry as its blob, any other
 * format's as GeoJSON in the record's JSON, with the stored fid, a NULL id, the attributes and a problem Plan found.
 */
function batchRecord(f: Feature, attributes: readonly StatColumn[]): BatchRecord {
  // a blob is checked by the Worker (the same check, the same one-line reason: ZonalEngine featureProblem)
  const problem = f.blob !== undefined ? null : f.problem ?? (f.geometry === null ? null : geometryProblem(f.geometry));
  // the stored fid, a NULL id and the attributes travel with the feature (never rewritten by the key)
  const hasFields = f.fidText !== undefined || f.idNull === true || attributes.length > 0;
  const fields = hasFields ? featureFields(f, attributes).fields : null;
  const extra = fields === null ? {} : { ...(fields.fidText !== undefined ? { fidText: fields.fidText } : {}), ...(fields.idNull ? { idNull: true } : {}), ...(attributes.length > 0 ? { attributes: fields.attributes } : {}) };
  if (problem !== null) return { fid: f.fid, id: f.id, blob: null, extra: JSON.stringify({ ...extra, geometry: null, problem }) };
  if (f.blob !== undefined) return { fid: f.fid, id: f.id, blob: f.blob, extra: fields === null ? null : JSON.stringify(extra) };
  return { fid: f.fid, id: f.id, blob: null, extra: JSON.stringify({ ...extra, geometry: f.geometry }) };
}

/** Whether the file system of `dir` has less free space than 3x the input's size (a spill of ~2x, and a margin). */
function spillShortOfSpace(dir: string, inputBytes: number): boolean {
  try {
    const fs = statfsSync(dir);
    return fs.bavail * fs.bsize < 3 * inputBytes;
  } catch {
    return true; // unknown: the smaller spill
  }
}

/** Seconds since the previous call (or since creation), as text with one decimal. */
function laps(now: () => number): () => string {
  let last = now();
  return () => {
    const t = now();
    const s = ((t - last) / 1000).toFixed(1);
    last = t;
    return s;
  };
}

/** Whether two of the features whose id hash is in `suspects` have the same id (stops at the first). */
async function repeatsAnId(features: Iterable<Feature> | AsyncIterable<Feature>, suspects: ReadonlySet<number>): Promise<boolean> {
  const seen = new Set<string>();
  for await (const f of features) {
    if (missingId(f) || !suspects.has(hashId(f.id))) continue;
    if (seen.has(f.id)) return true;
    seen.add(f.id);
  }
  return false;
}

/**
 * Opens the header of every raster of the spec: URI against the allow-list, the object readable, a
 * TIFF zonalflow can decode, its CRS known, the bands asked for present. Throws one error naming the
 * raster (`rasters[i]`) and the problem.
 */
async function checkRasters(spec: JobSpec, deps: PlanDeps): Promise<ZonalRaster[]> {
  const opened: CountingSource[] = [];
  try {
    return await openZonalRasters(spec.rasters, {
      allowed: deps.allowed,
      s3Client: deps.s3,
      wrapSource: countInto(opened),
    });
  } catch (err) {
    if (err instanceof ZonalflowError && err.code !== 'SOURCE_FAILED') throw err;
    if (err instanceof SourceError && err.status !== undefined && !retryableStatus(err.status)) throw new RasterError(`a raster of the spec cannot be read: ${err.message}`, { cause: err });
    throw err; // transient (network, throttling): Plan is retried
  } finally {
    await Promise.all(opened.map((c) => c.close()));
  }
}

/**
 * The statistic columns the job's Workers write (the engines' own: zonalColumns on the rasters' headers
 * checkRasters opened, their sources closed; timeseriesColumns from the spec alone), loaded only here. Band-math
 * errors are the zonal engine's (PROJ loaded).
 */
async function statisticColumns(spec: JobSpec, rasters: readonly ZonalRaster[]): Promise<StatColumn[]> {
  if (spec.stac) return (await import('../engine/timeseries')).timeseriesColumns(spec);
  return (await import('../engine/zonal')).zonalColumns(rasters, zonalOptions(spec, undefined, false));
}

/**
 * The transforms of a zonal job's features into its rasters' CRSs, chosen on the layer's sample (a GeoPackage with
 * centres; none otherwise, nor for a time series: the Workers then use PROJ, as `stats` does), loaded only here;
 * `envelopes`: the centres collected on Plan's read of every blob (gpkg-order.ts RowEnvelopeCentres).
 */
async function chooseTransforms(spec: JobSpec, layer: FeatureSource, rasters: readonly ZonalRaster[], envelopes?: RowEnvelopeCentres): Promise<RecordedTransform[]> {
  if (spec.stac || rasters.length === 0) return [];
  const { recordTransforms, sampleOfLayer } = await import('../engine/job-transforms');
  const sample = sampleOfLayer(layer, envelopes);
  return sample === null ? [] : recordTransforms(layer.crs, rasters.map((r) => r.crs), sample);
}

/** The input with its key URL-decoded, when the key as given does not exist and the decoded one does. */
async function decodedKey(input: PlanInput, s3: S3Client): Promise<PlanInput> {
  if (!/[%+]/.test(input.key)) return input;
  let decoded: string;
  try {
    decoded = decodeURIComponent(input.key.replace(/\+/g, ' '));
  } catch {
    return input; // not URL-encoded after all
  }
  if (decoded === input.key || (await headObject(s3, { bucket: input.bucket, key: input.key })) !== null) return input;
  return (await headObject(s3, { bucket: input.bucket, key: decoded })) !== null ? { ...input, key: decoded } : input;
}

/** The batching point of a feature: its bbox centre in lon/lat, from its geometry or its blob (features without geometry go last: the worker records them). */
export function planPoint(f: Feature, toLonLat: ((x: number, y: number) => [number, number]) | null): PlanFeature {
  return planPointOfBox(f.fid, f.blob !== undefined ? gpkgGeometryBBox(f.blob) : f.geometry ? geometryBBox(f.geometry) : null, toLonLat);
}

/** The batching point of a feature from the bbox of its geometry (planPoint). */
export function planPointOfBox(fid: number, b: BBox | null, toLonLat: ((x: number, y: number) => [number, number]) | null): PlanFeature {
  if (!b) return { fid, lon: NaN, lat: NaN }; // no location: the planner puts these last
  const cx = (b.xmin + b.xmax) / 2;
  const cy = (b.ymin + b.ymax) / 2;
  try {
    const [lon, lat] = toLonLat ? toLonLat(cx, cy) : [cx, cy];
    return Number.isFinite(lon) && Number.isFinite(lat) ? { fid, lon, lat } : { fid, lon: 0, lat: 0 };
  } catch {
    return { fid, lon: 0, lat: 0 };
  }
}

/** The spec: explicit location, else `X.json` beside the input (`X.gpkg`, `X.parquet`...), else the stack's default. */
async function readSpec(input: PlanInput, deps: PlanDeps): Promise<{ raw: unknown; label: string } | null> {
  const besideKey = specKeyBeside(input.key);
  const beside = { bucket: input.bucket, key: besideKey ?? `${input.key}.json` };
  const loc = input.spec ?? (besideKey !== null ? beside : null);
  if (loc) {
    const head = await headObject(deps.s3, loc);
    if (head !== null && head.size > MAX_SPEC_BYTES) throw new SpecError(`the job spec s3://${loc.bucket}/${loc.key} is ${head.size} bytes; the limit for a spec is ${MAX_SPEC_BYTES} bytes`);
    const raw = head === null ? null : await getJson(deps.s3, loc);
    if (raw !== null) return { raw, label: `job spec s3://${loc.bucket}/${loc.key}` };
    if (input.spec) throw new SpecError(`the job spec s3://${loc.bucket}/${loc.key} does not exist`);
  }
  if (deps.defaultSpec) return null;
  throw new SpecError(`no job spec: put ${beside.key} beside the input, or deploy the stack with a default spec`);
}

/** The spec `readSpec` found, validated (null: the stack's default spec). */
function parseSpec(read: { raw: unknown; label: string } | null, deps: PlanDeps): JobSpec {
  if (read !== null) return parseJobSpec(read.raw, read.label);
  if (deps.defaultSpec) return deps.defaultSpec;
  throw new SpecError('no job spec');
}

