/**
 * The batch file Plan writes and Worker reads: the batch's features with
 * their geometries in the GeoPackage's CRS (each worker reprojects into each
 * raster's CRS), so a worker never needs the whole GeoPackage. Its header also carries the job's
 * spec, so a batch costs the worker one S3 GET, not two: with `spec.json` read by every batch,
 * 1,000 workers sent ~2,500 GET/s to that one key (45 % of S3's 5,500 GET/s per prefix,
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html).
 *
 * Two formats, told apart by their first bytes ({@link readBatchFile}):
 * - format 2 (what Plan writes, `batches/<ss>/<id>.batch`): binary, all integers little-endian:
 *   `ZFBATCH\0` (8 bytes), u32 version (2), u32 header bytes, the header (UTF-8 JSON: every key of
 *   {@link BatchFile} but `features`), u32 feature count, then each feature as a record: f64 fid, u32 id bytes
 *   and the id (UTF-8), u32 blob bytes and the geometry blob as stored in the GeoPackage (0xFFFFFFFF: no blob),
 *   u32 extra bytes and the feature's other keys as UTF-8 JSON (`fidText`, `idNull`, `attributes`, `geometry`,
 *   `problem`; 0 bytes: none). A feature has a blob or a `geometry` (GeoJSON or null), never both.
 *   Base64 blobs in JSON cost Plan their encoding and the Worker a JSON parse of every blob, a schema over
 *   every feature and the blobs' decoding (~0.3 CPU s over the 100k case's batch files), a third more bytes.
 * - format 1 (Plans before it, `batches/<ss>/<id>.json`): the {@link BatchFile} as JSON, a GeoPackage's blobs in
 *   base64 (`gpkg`); still read, so a job planned before can be retried.
 */
import * as z from 'zod';
import type { Crs } from '../crs/crs';
import type { RecordedTransform } from '../crs/job-transform';
import type { Geometry } from '../geometry/types';
import type { CellValue, IdKind, StatColumn } from '../output/table';
import { ZonalflowError } from '../errors';

/** One batch. */
export interface BatchFile {
  jobId: string;
  batchId: string;
  crs: Crs;
  /** The job's spec as Plan validated it (also in the job's `spec.json`); absent in batch files of Plans before it was added: the worker then reads `spec.json`. */
  spec?: unknown;
  /** False when some ids of the job repeat: per-feature JSON files are then named `<id>~<fid>.json`. */
  idsUnique?: boolean;
  /** The included attributes (`input.include`), typed as the input declares them: the leading columns of every row. */
  attributes?: StatColumn[];
  /** The id column's type (`integer` when the input declares it so; default text). */
  idKind?: IdKind;
  /**
   * Per raster CRS, the transform Plan chose on the layer's sample as `zonalflow stats` does (engine/job-transforms.ts
   * recordTransforms): the Worker runs it, so a job's rows are the same bits either way. Absent (a layer without a
   * sample, a time series, a Plan before it was added): PROJ for every raster.
   */
  transforms?: RecordedTransform[];
  /**
   * `fid`: the feature key (the input's rowid or position; a non-integer stands for a rowid beyond 2^53);
   * `fidText`: the stored fid when `fid` cannot say it (NULL, text, real, int64); `idNull`: the id column
   * is NULL; `attributes`: the included attributes' values; `problem`: why the feature cannot be computed
   * (found by Plan; its geometry is then null).
   */
  features: BatchFeature[];
}

/**
 * One feature of a batch file. Its geometry is either GeoJSON (`geometry`), or, from a GeoPackage, the geometry
 * blob as stored (GeoPackage header and WKB) in base64 (`gpkg`, batch-geometry.ts; then no `geometry` key: a
 * Worker that predates `gpkg` refuses the file instead of taking the features for empty).
 */
export interface BatchFeature { fid: number; fidText?: string | null; id: string; idNull?: boolean; attributes?: CellValue[]; geometry: Geometry | null; gpkg?: string; problem?: string }

/** A feature as Plan writes it: with `gpkg`, no `geometry` key. */
export type WrittenBatchFeature = Omit<BatchFeature, 'geometry'> & { geometry?: Geometry | null };

/** A position: exactly two finite numbers (as the GeoJSON Plan writes). */
function isPosition(p: unknown): boolean {
  return Array.isArray(p) && p.length === 2 && Number.isFinite(p[0]) && Number.isFinite(p[1]);
}

/** An array of `depth` nested arrays of positions (depth 0: a position). */
function isNested(v: unknown, depth: number): boolean {
  if (depth === 0) return isPosition(v);
  if (!Array.isArray(v)) return false;
  for (const x of v) if (!isNested(x, depth - 1)) return false;
  return true;
}

/** Nesting depth of each geometry type's coordinates. */
const DEPTH: Record<string, number> = { Point: 0, MultiPoint: 1, LineString: 1, MultiLineString: 2, Polygon: 2, MultiPolygon: 3 };

/**
 * Whether `v` is a GeoJSON geometry as Plan writes it: a known type with its coordinates nested to that
 * type's depth, every position two finite numbers (a GeometryCollection: its geometries likewise).
 * Checked in place: batch files carry thousands of polygons, and a schema that copies every position
 * doubled the Worker's allocations.
 */
export function isGeometry(v: unknown): v is Geometry {
  if (v === null || typeof v !== 'object') return false;
  const g = v as { type?: unknown; coordinates?: unknown; geometries?: unknown };
  if (g.type === 'GeometryCollection') return Array.isArray(g.geometries) && g.geometries.every(isGeometry);
  const depth = typeof g.type === 'string' ? DEPTH[g.type] : undefined;
  return depth !== undefined && isNested(g.coordinates, depth);
}

/** The characters of standard base64 (RFC 4648 §4) by char code: 1 when one of the alphabet's 64. */
const BASE64_CHAR = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') BASE64_CHAR[c.charCodeAt(0)] = 1;

/**
 * Standard base64 (RFC 4648 §4), padded, as Buffer writes it: a multiple of 4 characters of the alphabet, the last
 * one or two of them `=`. What /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/ accepts, ~7x faster
 * (the regex took ~0.1 s a Lambda thread on the 100k case's batch files).
 */
export function isBase64(s: string): boolean {
  const n = s.length;
  if (n % 4 !== 0) return false;
  let end = n;
  if (n > 0 && s.charCodeAt(n - 1) === 61 /* = */) end = s.charCodeAt(n - 2) === 61 ? n - 2 : n - 1;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c > 127 || BASE64_CHAR[c] === 0) return false;
  }
  return true;
}

const GeometrySchema = z.custom<Geometry>(isGeometry, { message: 'not a GeoJSON geometry of two-number positions' });

const finite = z.number().finite();

/**
 * A transform Plan chose (crs/job-transform.ts RecordedTransform), e.g.
 * `{"to": "EPSG:32631", "engine": "proj4js", "agreement": {"points": 3201, "maxDifference": 1.9e-9, "nanMismatches": 0},
 * "tolerance": 1e-6, "box": {"xmin": 2.9, "ymin": 43.1, "xmax": 3.4, "ymax": 43.5}}` or
 * `{"to": "...", "engine": "PROJ", "reason": "datum transformation: ...", "note": ""}`.
 */
export const RecordedTransformSchema = z.discriminatedUnion('engine', [
  z.object({
    to: z.string().min(1),
    engine: z.literal('proj4js'),
    agreement: z.object({ points: z.number().int().positive(), maxDifference: finite.nonnegative(), nanMismatches: z.literal(0) }),
    tolerance: finite.positive(),
    box: z.object({ xmin: finite, ymin: finite, xmax: finite, ymax: finite }).refine((b) => b.xmin <= b.xmax && b.ymin <= b.ymax, 'an empty box'),
  }),
  z.object({ to: z.string().min(1), engine: z.literal('PROJ'), reason: z.string(), note: z.string() }),
]);

/** Validates a batch file read back from S3. */
export const BatchFileSchema = z.object({
  jobId: z.string(),
  batchId: z.string(),
  crs: z.object({ name: z.string(), def: z.string(), epsg: z.number().int().optional(), alternatives: z.array(z.string()).optional(), undefinedCrs: z.literal(true).optional() }),
  /** Parsed by the worker with parseJobSpec (the spec's own schema, defaults applied). */
  spec: z.unknown().optional(),
  idsUnique: z.boolean().optional(),
  attributes: z.array(z.object({ name: z.string(), kind: z.enum(['text', 'integer', 'number', 'boolean', 'timestamp']) })).optional(),
  idKind: z.enum(['text', 'integer', 'number']).optional(),
  transforms: z.array(RecordedTransformSchema).optional(),
  features: z.array(z.object({
    fid: z.number(),
    fidText: z.string().nullable().optional(),
    id: z.string(),
    idNull: z.boolean().optional(),
    attributes: z.array(z.union([z.number(), z.string(), z.boolean(), z.null()])).optional(),
    geometry: GeometrySchema.nullable().optional(),
    gpkg: z.string().refine(isBase64, 'not base64').optional(),
    problem: z.string().optional(),
  }).refine((f) => (f.geometry === undefined) !== (f.gpkg === undefined), { message: 'a feature has either a geometry or a gpkg blob' })),
});

/** The first 8 bytes of a batch file of format 2. */
export const BATCH_MAGIC = Buffer.from('ZFBATCH\0', 'latin1');
/** The content type of a batch file's object (format 2). */
export const BATCH_CONTENT_TYPE = 'application/octet-stream';
/** The format Plan writes. */
export const BATCH_FORMAT = 2;
/** A record's blob length when the feature has no blob. */
export const NO_BLOB = 0xffffffff;

/** A batch file that cannot be read: one line naming the file (its `s3://` URI) and the problem. */
export class BatchFileError extends ZonalflowError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('BATCH_INVALID', message, options);
    this.name = 'BatchFileError';
  }
}

/** The header of a batch file of format 2: every key of a batch file but `features`. */
export const BatchHeaderSchema = BatchFileSchema.omit({ features: true });

/** The keys of a feature in its record's JSON (format 2): all optional; `geometry` only when it has no blob. */
const FeatureExtraSchema = z.object({
  fidText: z.string().nullable().optional(),
  idNull: z.boolean().optional(),
  attributes: z.array(z.union([z.number(), z.string(), z.boolean(), z.null()])).optional(),
  geometry: GeometrySchema.nullable().optional(),
  problem: z.string().optional(),
});

/** A feature's record (format 2) as Plan writes it: `extra` is the JSON of its keys other than fid, id and blob. */
export interface BatchRecord { fid: number; id: string; blob: Uint8Array | null; extra: string | null }

/** Bytes a record may take at most (UTF-8: at most 3 bytes per UTF-16 code unit). */
export function recordBound(r: BatchRecord): number {
  return 20 + 3 * r.id.length + (r.blob === null ? 0 : r.blob.length) + (r.extra === null ? 0 : 3 * r.extra.length);
}

/** Writes record `r` into `buf` at `at` (room for {@link recordBound} bytes); returns the end. */
export function writeRecord(buf: Buffer, at: number, r: BatchRecord): number {
  let p = buf.writeDoubleLE(r.fid, at);
  const idBytes = buf.write(r.id, p + 4, 'utf8');
  buf.writeUInt32LE(idBytes, p);
  p += 4 + idBytes;
  if (r.blob === null) p = buf.writeUInt32LE(NO_BLOB, p);
  else {
    buf.writeUInt32LE(r.blob.length, p);
    buf.set(r.blob, p + 4);
    p += 4 + r.blob.length;
  }
  if (r.extra === null) return buf.writeUInt32LE(0, p);
  const extraBytes = buf.write(r.extra, p + 4, 'utf8');
  buf.writeUInt32LE(extraBytes, p);
  return p + 4 + extraBytes;
}

/** The bytes of a batch file (format 2) before its records: signature, version, header JSON, feature count. */
export function batchFileHead(headerJson: string, count: number): Buffer {
  const header = Buffer.from(headerJson, 'utf8');
  const out = Buffer.allocUnsafe(16 + header.length + 4);
  BATCH_MAGIC.copy(out, 0);
  out.writeUInt32LE(BATCH_FORMAT, 8);
  out.writeUInt32LE(header.length, 12);
  header.copy(out, 16);
  out.writeUInt32LE(count, 16 + header.length);
  return out;
}

/** A whole batch file (format 2) of `records` under header `headerJson` (Plan copies its files together from kept or spilled records instead). */
export function batchFileBytes(headerJson: string, records: readonly BatchRecord[]): Buffer {
  const head = batchFileHead(headerJson, records.length);
  const out = Buffer.allocUnsafe(head.length + records.reduce((a, r) => a + recordBound(r), 0));
  head.copy(out, 0);
  let at = head.length;
  for (const r of records) at = writeRecord(out, at, r);
  return out.subarray(0, at);
}

/** A batch file as the Worker reads it: the header, the features (`geometry` null where a blob stands for it). */
export type ReadBatch = z.infer<typeof BatchHeaderSchema> & { features: BatchFeature[] };

/**
 * A batch file's bytes (either format: see the file comment) read and checked: the header by its schema, every
 * record within the file, its JSON by its schema. `name` (the object's `s3://` URI) names the file in the one-line
 * {@link BatchFileError} of a file that is neither format, of another version, truncated or not as Plan writes it.
 * `blobs[k]` is feature k's geometry blob (a view of `bytes`), null when it has a GeoJSON geometry.
 */
export function readBatchFile(bytes: Uint8Array, name: string): { batch: ReadBatch; blobs: (Uint8Array | null)[] } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let first = 0;
  while (first < buf.length && (buf[first] === 0x20 || buf[first] === 0x0a || buf[first] === 0x0d || buf[first] === 0x09)) first++;
  if (buf[first] === 0x7b /* { */) return readJsonBatch(buf, name);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(BATCH_MAGIC)) throw new BatchFileError(`${name} is not a batch file: neither JSON (format 1) nor ZFBATCH (format 2)`);
  if (buf.length < 16) throw new BatchFileError(`${name} is truncated: ${buf.length} bytes, not even its signature, version and header length`);
  const version = buf.readUInt32LE(8);
  if (version !== BATCH_FORMAT) throw new BatchFileError(`${name} is a batch file of format ${version}; this Worker reads formats 1 and ${BATCH_FORMAT} (deploy Plan and Worker from one version)`);
  const headerBytes = buf.readUInt32LE(12);
  if (16 + headerBytes + 4 > buf.length) throw new BatchFileError(`${name} is truncated: its header of ${headerBytes} bytes ends past the file's ${buf.length}`);
  let header: unknown;
  try {
    header = JSON.parse(buf.toString('utf8', 16, 16 + headerBytes));
  } catch (err) {
    throw new BatchFileError(`${name}: the header is not JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const parsed = BatchHeaderSchema.safeParse(header);
  if (!parsed.success) throw new BatchFileError(`${name}: the header ${issueLine(parsed.error)}`, { cause: parsed.error });
  const count = buf.readUInt32LE(16 + headerBytes);
  // every record is at least 20 bytes: a count the file cannot hold is refused before anything is allocated
  let at = 16 + headerBytes + 4;
  if (count > (buf.length - at) / 20) throw new BatchFileError(`${name} is truncated: ${count} features cannot fit in its ${buf.length - at} bytes of records`);
  const features = new Array<BatchFeature>(count);
  const blobs = new Array<Uint8Array | null>(count);
  const corrupt = (k: number, what: string): BatchFileError => new BatchFileError(`${name} is truncated or corrupt at feature ${k + 1} of ${count}: ${what}`);
  for (let k = 0; k < count; k++) {
    if (at + 12 > buf.length) throw corrupt(k, 'the record ends past the file');
    const fid = buf.readDoubleLE(at);
    if (!Number.isFinite(fid)) throw corrupt(k, `fid ${fid}`);
    const idBytes = buf.readUInt32LE(at + 8);
    at += 12;
    if (at + idBytes + 8 > buf.length) throw corrupt(k, 'the id ends past the file');
    const id = buf.toString('utf8', at, at + idBytes);
    at += idBytes;
    const blobBytes = buf.readUInt32LE(at);
    at += 4;
    let blob: Uint8Array | null = null;
    if (blobBytes !== NO_BLOB) {
      if (at + blobBytes + 4 > buf.length) throw corrupt(k, 'the geometry blob ends past the file');
      blob = bytes.subarray(at, at + blobBytes);
      at += blobBytes;
    }
    const extraBytes = buf.readUInt32LE(at);
    at += 4;
    const f: BatchFeature = { fid, id, geometry: null };
    if (extraBytes > 0) {
      if (at + extraBytes > buf.length) throw corrupt(k, 'its JSON ends past the file');
      let raw: unknown;
      try {
        raw = JSON.parse(buf.toString('utf8', at, at + extraBytes));
      } catch (err) {
        throw corrupt(k, `its JSON does not parse (${err instanceof Error ? err.message : String(err)})`);
      }
      at += extraBytes;
      const extra = FeatureExtraSchema.safeParse(raw);
      if (!extra.success) throw corrupt(k, issueLine(extra.error));
      const e = extra.data;
      if ((e.geometry === undefined) === (blob === null)) throw corrupt(k, 'a feature has either a geometry or a geometry blob');
      if (e.geometry) f.geometry = e.geometry;
      if (e.fidText !== undefined) f.fidText = e.fidText;
      if (e.idNull !== undefined) f.idNull = e.idNull;
      if (e.attributes !== undefined) f.attributes = e.attributes;
      if (e.problem !== undefined) f.problem = e.problem;
    } else if (blob === null) throw corrupt(k, 'a feature has either a geometry or a geometry blob');
    features[k] = f;
    blobs[k] = blob;
  }
  if (at !== buf.length) throw new BatchFileError(`${name} has ${buf.length - at} bytes after its ${count} features`);
  return { batch: { ...parsed.data, features }, blobs };
}

/** A batch file of format 1 (JSON, blobs in base64). */
function readJsonBatch(buf: Buffer, name: string): { batch: ReadBatch; blobs: (Uint8Array | null)[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new BatchFileError(`${name} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const parsed = BatchFileSchema.safeParse(raw);
  if (!parsed.success) throw new BatchFileError(`${name}: ${issueLine(parsed.error)}`, { cause: parsed.error });
  const blobs = new Array<Uint8Array | null>(parsed.data.features.length).fill(null);
  const features = parsed.data.features.map((f, k): BatchFeature => {
    if (f.gpkg === undefined) return { ...f, geometry: f.geometry ?? null };
    blobs[k] = Buffer.from(f.gpkg, 'base64');
    const { gpkg: _, ...rest } = f;
    return { ...rest, geometry: null };
  });
  return { batch: { ...parsed.data, features }, blobs };
}

/** The first issue of a failed parse, on one line: where, and what. */
function issueLine(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'is not as Plan writes it';
  return `${issue.path.length > 0 ? `at ${issue.path.join('.')}: ` : ''}${issue.message}`;
}
