/**
 * Plan: the first stage. Loads and validates the spec (the `X.json` beside
 * `X.gpkg` or other input, an explicit location, or the stack's default), fetches the
 * input (any format openFeatureSource reads), groups its features into spatially compact batches, writes the
 * batch files, the resolved spec and the manifest the Distributed Map reads,
 * and registers the job and its batches. The same upload (object + ETag)
 * never starts a second job.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { openFeatureSource } from '../features/open';
import { specKeyBeside } from '../features/suffix';
import { geometryBBox } from '../geometry/bbox';
import { transformGeometry } from '../geometry/transform';
import { searchStac } from '../timeseries/stac';
import type { BBox } from '../geometry/types';
import { geometryProblem } from '../geometry/validate';
import { crsFromEpsg } from '../crs/epsg';
import { ensureProj, makeTransformer } from '../crs/transform';
import { PlanColumns, planBatches } from '../batching/plan';
import type { PlanFeature } from '../batching/plan';
import { IdHashes, hashId } from '../batching/id-hashes';
import { parseJobSpec } from '../spec';
import type { JobSpec } from '../spec';
import type { AllowedSources } from '../io/uri';
import { LimitError, RasterError, SourceError, SpecError, ZonalflowError } from '../errors';
import { openZonalRasters } from '../engine/rasters';
import { MAX_SPEC_BYTES } from '../spec-file';
import type { CountingSource } from '../io/source.counting';
import { countInto } from '../io/source.counting';
import { retryableStatus } from '../io/retry';
import type { Feature } from '../geometry/types';
import type { BatchItem, PlanInput, PlanOutput } from './events';
import { downloadToFile, getJson, headObject, mapLimit, putJson } from './objects';
import type { FeatureFailure, JobTracker } from './tracker';
import type { BatchFile } from './batch-file';
import { jobIdFor, workKeys } from './keys';
import { attributeColumns, featureFields, idKindOf } from '../engine/attributes';

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
  now?: () => number;
  /** A structured log line (the handler's logger). */
  log?: (message: string) => void;
}

/** Runs Plan. */
export async function planJob(given: PlanInput, deps: PlanDeps): Promise<PlanOutput> {
  const t0 = (deps.now ?? Date.now)();
  // S3 event notifications carry the key URL-encoded (a space as '+', others as %XX); the object's real key
  // is the decoded one when the key as given does not exist
  const input = await decodedKey(given, deps.s3);
  const gpkgLoc = { bucket: input.bucket, key: input.key };
  const head = await headObject(deps.s3, gpkgLoc);
  if (head === null) throw new SpecError(`the input s3://${input.bucket}/${input.key} does not exist`);
  const etag = input.etag ?? head.etag ?? '';
  const jobId = input.jobId ?? jobIdFor(input.bucket, input.key, etag);
  const keys = workKeys(deps.workPrefix, jobId);
  const out = (batches: number, features: number, duplicate: boolean, duplicateReason?: PlanOutput['duplicateReason']): PlanOutput => ({ jobId, duplicate, ...(duplicateReason ? { duplicateReason } : {}), manifest: { bucket: deps.outputBucket, key: keys.manifest }, batches, features, outputBucket: deps.outputBucket, mapPrefix: keys.map });
  if (input.jobId === undefined) {
    const existing = await deps.tracker.claimUpload(input.bucket, input.key, etag, jobId, input.executionId);
    if (existing !== null) {
      // claimed before: a re-delivered upload event. The job planned (or finished): a duplicate upload.
      const status = await deps.tracker.jobStatus(existing);
      if (status !== null && status !== 'PLANNING') {
        deps.log?.(`duplicate upload: s3://${input.bucket}/${input.key} (ETag ${etag}) already started job ${existing} (${status})`);
        return out(0, 0, true, 'duplicate upload');
      }
      // still planning: Step Functions retrying this execution's own Plan plans again; another execution
      // (a second event for the same upload) does not re-plan while the first holds the claim
      const owner = await deps.tracker.uploadClaimOwner(input.bucket, input.key, etag);
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
  const maxBytes = deps.limits?.maxInputBytes ?? 5 * 1024 ** 3;
  if (head.size > maxBytes) throw new LimitError(`s3://${input.bucket}/${input.key} is ${head.size} bytes; the limit is ${maxBytes} bytes (MAX_INPUT_BYTES)`);
  const spec = await loadSpec(input, deps);
  // every raster's header (allow-list first), before anything is written: a raster that cannot be read fails the job here, once
  if (!spec.stac) await checkRasters(spec, deps);
  const dir = mkdtempSync(join(tmpdir(), 'zonalflow-plan-'));
  try {
    const file = (input.key.split('/').pop() ?? 'input').replace(/[^A-Za-z0-9._-]/g, '_');
    const path = join(dir, file === '' || file.startsWith('.') ? `input${file}` : file);
    await downloadToFile(deps.s3, gpkgLoc, path);
    if (statSync(path).size > maxBytes) throw new LimitError(`the input is larger than the limit of ${maxBytes} bytes`);
    const layer = openFeatureSource(path, { layer: spec.input.layer, owned: true });
    try {
      const stated = await layer.count();
      const maxFeatures = deps.limits?.maxFeatures ?? 10_000_000;
      const tooMany = (n: number): LimitError => new LimitError(`the layer "${layer.layer}" has ${n} features; the limit per job is ${maxFeatures} (MAX_FEATURES_PER_JOB)`);
      if (stated !== null && stated > maxFeatures) throw tooMany(stated);
      await ensureProj();
      const toLonLat = makeTransformer(layer.crs, crsFromEpsg(4326));
      const idOptions = spec.input.idColumn === undefined ? {} : { idColumn: spec.input.idColumn };
      // included attributes: checked here (an unknown column fails the job before any batch), carried in the batch files
      const include = spec.input.include ?? [];
      const attributes = attributeColumns(layer, include);
      const idKind = idKindOf(layer, spec.input.idColumn);
      // pass 1: one point per feature, for batching, in typed columns (32 bytes a feature), and a hash of its id
      const planFeatures = new PlanColumns();
      let area: BBox | null = null;
      const idHashes = new IdHashes();
      // formats without random access (all but GeoPackage) keep pass 1's features for pass 2
      const kept = layer.featuresByFid ? null : new Map<number, Feature>();
      for await (const f of layer.features({ ...idOptions, columns: kept ? include : [] })) {
        const p = planPoint(f, toLonLat);
        planFeatures.push(p.fid, p.lon, p.lat);
        if (planFeatures.n > maxFeatures) throw tooMany(planFeatures.n);
        if (kept) {
          if (kept.has(f.fid)) throw new LimitError(`the layer "${layer.layer}" has two features with fid ${f.fid}; fids must be unique`);
          kept.set(f.fid, f);
        }
        if (spec.stac && f.geometry) {
          const b = geometryBBox(toLonLat ? transformGeometry(f.geometry, toLonLat) : f.geometry);
          if (b) area = area === null ? b : { xmin: Math.min(area.xmin, b.xmin), ymin: Math.min(area.ymin, b.ymin), xmax: Math.max(area.xmax, b.xmax), ymax: Math.max(area.ymax, b.ymax) };
        }
        idHashes.add(f.id);
      }
      // a repeated hash: a repeated id, or a collision of two ids; the ids with those hashes, compared exactly
      const suspects = idHashes.repeated();
      const idsUnique = suspects.size === 0 || !(await repeatsAnId(kept ? kept.values() : layer.features({ ...idOptions, columns: [] }), suspects));
      const total = planFeatures.n;
      const plan = planBatches(planFeatures, { grid: spec.batching.grid, maxFeatures: spec.batching.maxFeatures });
      // pass 2: the features of each batch, written as batch files
      const items: BatchItem[] = plan.batches.map((b) => ({ jobId, batchId: b.batchId, key: keys.batch(b.batchId), features: b.fids.length }));
      await putJson(deps.s3, { bucket: deps.outputBucket, key: keys.spec }, spec);
      if (spec.stac) {
        // the STAC search happens once, here; workers filter the scenes by their features' footprints
        const { scenes } = area ? await searchStac(spec.stac, area, { allowed: deps.allowed }) : { scenes: [] };
        await putJson(deps.s3, { bucket: deps.outputBucket, key: keys.scenes }, scenes);
      }
      await mapLimit(plan.batches, 16, async (b) => {
        const features = layer.featuresByFid ? layer.featuresByFid(b.fids, { ...idOptions, columns: include }) : b.fids.map((fid) => kept?.get(fid)).filter((f): f is Feature => f !== undefined);
        const file: BatchFile = {
          jobId,
          batchId: b.batchId,
          crs: layer.crs,
          idsUnique,
          ...(attributes.length > 0 ? { attributes } : {}),
          ...(idKind !== 'text' ? { idKind } : {}),
          features: features.map((f) => {
            const problem = f.problem ?? (f.geometry === null ? null : geometryProblem(f.geometry));
            // the stored fid, a NULL id and the attributes travel with the feature (never rewritten by the key)
            const { fields } = featureFields(f, attributes);
            const extra = { ...(fields.fidText !== undefined ? { fidText: fields.fidText } : {}), ...(fields.idNull ? { idNull: true } : {}), ...(attributes.length > 0 ? { attributes: fields.attributes } : {}) };
            return problem === null ? { fid: f.fid, id: f.id, ...extra, geometry: f.geometry } : { fid: f.fid, id: f.id, ...extra, geometry: null, problem };
          }),
        };
        await putJson(deps.s3, { bucket: deps.outputBucket, key: keys.batch(b.batchId) }, file);
      });
      await putJson(deps.s3, { bucket: deps.outputBucket, key: keys.manifest }, items);
      const planFailures: FeatureFailure[] = [];
      await deps.tracker.createJob({ jobId, input: { bucket: input.bucket, key: input.key, etag }, outputBucket: deps.outputBucket, features: total, batches: items.length, planMs: (deps.now ?? Date.now)() - t0, planFailures });
      await deps.tracker.putBatches(jobId, items.map((i) => ({ batchId: i.batchId, key: i.key, features: i.features })));
      await deps.tracker.setJobStatus(jobId, 'RUNNING');
      return out(items.length, total, false);
    } finally {
      layer.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether two of the features whose id hash is in `suspects` have the same id (stops at the first). */
async function repeatsAnId(features: Iterable<Feature> | AsyncIterable<Feature>, suspects: ReadonlySet<number>): Promise<boolean> {
  const seen = new Set<string>();
  for await (const f of features) {
    if (!suspects.has(hashId(f.id))) continue;
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
async function checkRasters(spec: JobSpec, deps: PlanDeps): Promise<void> {
  const opened: CountingSource[] = [];
  try {
    await openZonalRasters(spec.rasters, {
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

/** The batching point of a feature: its bbox centre in lon/lat (features without geometry go to 0,0: the worker records them). */
export function planPoint(f: Feature, toLonLat: ((x: number, y: number) => [number, number]) | null): PlanFeature {
  const b = f.geometry ? geometryBBox(f.geometry) : null;
  if (!b) return { fid: f.fid, lon: NaN, lat: NaN }; // no location: the planner puts these last
  const cx = (b.xmin + b.xmax) / 2;
  const cy = (b.ymin + b.ymax) / 2;
  try {
    const [lon, lat] = toLonLat ? toLonLat(cx, cy) : [cx, cy];
    return Number.isFinite(lon) && Number.isFinite(lat) ? { fid: f.fid, lon, lat } : { fid: f.fid, lon: 0, lat: 0 };
  } catch {
    return { fid: f.fid, lon: 0, lat: 0 };
  }
}

/** The spec: explicit location, else `X.json` beside the input (`X.gpkg`, `X.parquet`...), else the stack's default. */
async function loadSpec(input: PlanInput, deps: PlanDeps): Promise<JobSpec> {
  const besideKey = specKeyBeside(input.key);
  const beside = { bucket: input.bucket, key: besideKey ?? `${input.key}.json` };
  const loc = input.spec ?? (besideKey !== null ? beside : null);
  if (loc) {
    const head = await headObject(deps.s3, loc);
    if (head !== null && head.size > MAX_SPEC_BYTES) throw new SpecError(`the job spec s3://${loc.bucket}/${loc.key} is ${head.size} bytes; the limit for a spec is ${MAX_SPEC_BYTES} bytes`);
    const raw = head === null ? null : await getJson(deps.s3, loc);
    if (raw !== null) return parseJobSpec(raw, `job spec s3://${loc.bucket}/${loc.key}`);
    if (input.spec) throw new SpecError(`the job spec s3://${loc.bucket}/${loc.key} does not exist`);
  }
  if (deps.defaultSpec) return deps.defaultSpec;
  throw new SpecError(`no job spec: put ${beside.key} beside the input, or deploy the stack with a default spec`);
}

