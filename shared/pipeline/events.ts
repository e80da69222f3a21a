/**
 * The payloads that flow between the state machine's states. The CDK definition
 * (infra/), the handlers (lambdas/), the local runner and the CLI all use these
 * schemas, so a change here is a change of the deployed contract.
 */
import * as z from 'zod';
import { MAX_INPUT_NAME_CHARS } from './input-name';

/** Where an object lives. */
export const S3LocationSchema = z.strictObject({ bucket: z.string().min(1), key: z.string().min(1) });
export type S3Location = z.infer<typeof S3LocationSchema>;

/**
 * Input of the state machine (and of Plan). Started by the EventBridge rule
 * (`bucket`, `key`, `etag` of the uploaded GeoPackage) or by `zonalflow run`
 * (which may also pass `jobId` and an explicit `spec` location).
 */
export const PlanInputSchema = z.object({
  bucket: z.string().min(1),
  key: z.string().min(1),
  etag: z.string().optional(),
  jobId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
  spec: S3LocationSchema.optional(),
  /**
   * The input as the user named it, when it is not the object's own metadata (input-name.ts): `zonalflow run
   * --input s3://bucket/fields.gpkg` passes the URI as typed. A label, never read as a path.
   * @example "s3://my-fields/2026/fields.gpkg"
   */
  inputName: z.string().min(1).max(MAX_INPUT_NAME_CHARS).optional(),
  /** The execution running this Plan (the state machine passes `$$.Execution.Id`): a retried Plan of the same execution may re-plan; another execution may not while this one holds the upload's claim. */
  executionId: z.string().optional(),
});
export type PlanInput = z.infer<typeof PlanInputSchema>;

/**
 * Plan's event: the state machine sends `{ input: <execution input>, executionId }`;
 * `zonalflow invoke` and tests may send the execution input itself.
 */
export function parsePlanEvent(event: unknown): PlanInput {
  const e = event as { input?: unknown; executionId?: unknown } | null;
  if (e !== null && typeof e === 'object' && typeof e.input === 'object' && e.input !== null && 'executionId' in e) {
    return PlanInputSchema.parse({ ...(e.input as Record<string, unknown>), ...(typeof e.executionId === 'string' ? { executionId: e.executionId } : {}) });
  }
  return PlanInputSchema.parse(event);
}

/** One item of the manifest: one batch of features. */
export const BatchItemSchema = z.strictObject({
  jobId: z.string().min(1),
  batchId: z.string().min(1),
  /** The batch file (features already reprojected per raster are not stored: the worker reprojects). */
  key: z.string().min(1),
  features: z.number().int().nonnegative(),
});
export type BatchItem = z.infer<typeof BatchItemSchema>;

/** Output of Plan: the Distributed Map reads `manifest` (a JSON array of BatchItem) with its ItemReader. */
export const PlanOutputSchema = z.strictObject({
  jobId: z.string().min(1),
  /** True when this upload (same object and ETag) already started a job: the state machine stops. */
  duplicate: z.boolean(),
  /** Why: `duplicate upload` (the job exists, planned or finished) or `already running` (another execution is planning it now). */
  duplicateReason: z.enum(['duplicate upload', 'already running']).optional(),
  manifest: S3LocationSchema,
  batches: z.number().int().nonnegative(),
  features: z.number().int().nonnegative(),
  outputBucket: z.string().min(1),
  /** Where the Distributed Map writes its results (under the job's work prefix). */
  mapPrefix: z.string().min(1),
});
export type PlanOutput = z.infer<typeof PlanOutputSchema>;

/** Input of Worker: one manifest item (the Map's ItemSelector passes the item as is). */
export const WorkerInputSchema = BatchItemSchema;
export type WorkerInput = BatchItem;

/** Output of Worker: small, it goes through the Map's ResultWriter. */
export const WorkerOutputSchema = z.strictObject({
  jobId: z.string(),
  batchId: z.string(),
  status: z.enum(['DONE', 'SKIPPED']),
  featuresDone: z.number().int().nonnegative(),
  featuresFailed: z.number().int().nonnegative(),
  part: S3LocationSchema.nullable(),
});
export type WorkerOutput = z.infer<typeof WorkerOutputSchema>;

/** Input of Collect: Plan's output plus the Map's ResultWriter details (location of the map results). */
export const CollectInputSchema = z.object({
  jobId: z.string().min(1),
  mapResult: z.unknown().optional(),
});
export type CollectInput = z.infer<typeof CollectInputSchema>;

/**
 * Input of the failure handler (the state machine's Catch): `state` is the
 * state that failed with the caught error at `$.error` (it holds `jobId`
 * once Plan has run), `execution` the execution's input (bucket, key, etag).
 */
export const FailInputSchema = z.object({
  state: z.object({ jobId: z.string().optional(), error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).passthrough() }).passthrough(),
  execution: z.unknown().optional(),
  /** The execution (`$$.Execution.Id`): its claim of the upload names the job when Plan failed before returning it. */
  executionId: z.string().optional(),
});
export type FailInput = z.infer<typeof FailInputSchema>;

/** Job status, as stored in DynamoDB and reported by `zonalflow status`. */
export const JobStatusSchema = z.enum(['PLANNING', 'RUNNING', 'COLLECTING', 'DONE', 'PARTIAL', 'FAILED', 'CANCELLED']);
export type JobStatus = z.infer<typeof JobStatusSchema>;

/** Batch status. */
export const BatchStatusSchema = z.enum(['PENDING', 'RUNNING', 'DONE', 'FAILED']);
export type BatchStatus = z.infer<typeof BatchStatusSchema>;
