/**
 * Object keys and ids of a job, shared by every stage (kept apart from Plan so
 * that the Worker and Collect bundles do not pull in the GeoPackage reader).
 *
 * Request-rate layout: S3 supports 3,500 PUT/COPY/POST/DELETE and 5,500
 * GET/HEAD requests per second per partitioned prefix ("Best practices design
 * patterns: optimizing Amazon S3 performance",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html).
 * At 1,000 concurrent workers the batches' PUTs under one job prefix exceed
 * that (`npm run bench -- scale-model`), so every per-batch object (batch
 * file, Parquet part and its CRS note, per-feature JSON Lines) sits under a
 * shard folder `<ss>/` of its batch ({@link keyShard}): the load spreads over
 * {@link KEY_SHARDS} prefixes, and one batch's objects stay together (their
 * order within a batch is kept).
 */
import { createHash } from 'node:crypto';

/** Shards of the per-batch keys (S3 prefixes) and of the job store's batch partitions. */
export const KEY_SHARDS = 32;

/**
 * The shard of a batch, 0 .. shards-1: the number ending its id modulo
 * `shards` (Plan's ids are `b000001`, `b000002`...: consecutive batches go
 * round-robin, so any run of W consecutive batches puts at most ceil(W/shards)
 * on one shard), else an FNV-1a hash of the id.
 */
export function keyShard(batchId: string, shards: number = KEY_SHARDS): number {
  const digits = /(\d{1,15})$/.exec(batchId)?.[1];
  if (digits !== undefined) return Number(digits) % shards;
  let h = 0x811c9dc5;
  for (let i = 0; i < batchId.length; i++) {
    h ^= batchId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % shards;
}

/** The shard folder name of a batch: two hex digits (`00` .. `1f`). */
export function shardFolder(batchId: string): string {
  return keyShard(batchId).toString(16).padStart(2, '0');
}

/** Work-prefix keys of a job. */
export function workKeys(workPrefix: string, jobId: string): { root: string; spec: string; scenes: string; manifest: string; batch: (id: string) => string; parts: string; part: (batchId: string, cursor: number) => string; map: string } {
  const root = `${workPrefix}${jobId}/`;
  return {
    root,
    spec: `${root}spec.json`,
    scenes: `${root}scenes.json`,
    manifest: `${root}manifest.json`,
    batch: (id) => `${root}batches/${shardFolder(id)}/${id}.batch`,
    parts: `${root}parts/`,
    part: (batchId, cursor) => `${root}parts/${shardFolder(batchId)}/${batchId}.${String(cursor).padStart(6, '0')}.json`,
    map: `${root}map/`,
  };
}

/**
 * A job id derived from everything that defines the job's result: the input object (bucket, key, ETag: its
 * bytes) and the spec it runs (`spec`: {@link specDigest} of the spec as read). The same upload with the
 * same spec is the same job (a re-delivered event, a re-run: idempotent); another spec, another raster URI,
 * other statistics or another input give another job, which never reuses the first one's results.
 */
export function jobIdFor(bucket: string, key: string, etag: string | undefined, spec: string): string {
  const stem = (key.split('/').pop() ?? 'job').replace(/\.(shp\.zip|geojsonseq|geojsonl|geojsons|geojson|parquet|gpkg|fgb|zip)$/i, '').replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40) || 'job';
  const hash = createHash('sha256').update(`${bucket}/${key}#${(etag ?? '').replace(/^"(.*)"$/, '$1')}\n${spec}`).digest('hex').slice(0, 12);
  return `${stem}-${hash}`;
}

/** The spec of a job whose Plan failed before reading one (no claim: the Fail handler's id). */
export const NO_SPEC_DIGEST = 'none';

/** The spec of a job that runs the stack's default spec (the digest names it, not its content: see {@link specDigest}). */
export const DEFAULT_SPEC_DIGEST = 'default';

/**
 * The digest of a job spec as read (its JSON value: keys in any order, any spacing, the same digest): what
 * {@link jobIdFor} takes. A spec that is not valid JSON is digested as its text. The stack's default spec is
 * {@link DEFAULT_SPEC_DIGEST}: the CLI cannot read it, and must name the job it starts.
 */
export function specDigest(spec: unknown): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex').slice(0, 32);
}

/** JSON with every object's keys sorted (the same value, the same text). */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => canonicalJson(x)).join(',')}]`;
  if (v !== null && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** The JSON Lines object of one part of a batch's per-feature documents (one document per line), under its batch's shard folder. */
export function featuresPartKey(jobId: string, batchId: string, cursor: number): string {
  return `${jobId}/features/${shardFolder(batchId)}/${batchId}.${String(cursor).padStart(6, '0')}.jsonl`;
}
