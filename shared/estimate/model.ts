/**
 * The cost model of a job on AWS (pure): from what Plan would make of the input (features,
 * batches, the requests and cells each batch needs) to AWS requests, Lambda GB-seconds and USD,
 * with a dated price table (shared/estimate/prices.*.json).
 *
 * What each stage writes (the code that writes it):
 * - Plan (shared/pipeline/plan.ts): the spec, one batch file per batch, the manifest
 *   (+ the STAC scenes for time series); DynamoDB: the upload claim, the job record, one record per
 *   batch (BatchWriteItem, 25 a request), one status update.
 * - Worker (shared/pipeline/worker.ts), per batch: one Parquet part, its CRS note, and one JSON
 *   Lines object of per-feature JSON when `json` is among the formats (never one PUT per feature);
 *   DynamoDB: the batch's start and completion and the job counters.
 * - Collect (shared/pipeline/collect.ts): results.parquet, summary.json (+ results.csv).
 * - The Distributed Map's ResultWriter: its manifest and result files.
 * Worker seconds: cells read × seconds per cell + range requests × seconds per request (latency),
 * with the calibration in `WORKER_CALIBRATION` (measured, see its comment).
 */

/** What Plan would make of the job (computed by shared/estimate/estimate.ts). */
export interface JobShape {
  features: number;
  batches: number;
  /** Range requests the workers make: headers (per batch and raster) and merged tile ranges. */
  rasterRequests: number;
  /** Bytes of tiles the workers read. */
  rasterBytes: number;
  /** Raster cells (window cells × bands) the workers decode and visit. */
  cells: number;
  formats: readonly string[];
  timeseries: boolean;
}

/** The deployed stack's settings that change the cost (infra/stack.ts defaults). */
export interface StackShape {
  workerMemoryMb: number;
  planMemoryMb: number;
  collectMemoryMb: number;
  /** The Distributed Map's child executions (the stack's context `mapExecutionType`; infra/stack.ts default STANDARD). */
  mapExecutionType: 'STANDARD' | 'EXPRESS';
}

/** A dated price table (shared/estimate/prices.*.json). */
export interface PriceTable {
  date: string;
  region: string;
  currency: string;
  sources: string[];
  lambda: { requestPerMillion: number; gbSecondArm: number };
  stepFunctions: { standardTransitionPerThousand: number; expressRequestPerMillion: number; expressGbSecond: number };
  s3: { putPerThousand: number; getPerThousand: number };
  dynamodb: { writeUnitPerMillion: number; readUnitPerMillion: number };
}

/**
 * Worker time per unit of work on one vCPU (a 1,769 MB Lambda has one): measured with
 * `npm run bench -- stats` (100,000 fields, 1.5e8 cells in ~5 s of engine time on this machine's
 * cores: ~3.3e-8 s per cell), S3 first-byte latency ~30 ms a range request (AWS's S3 performance
 * guidelines: 100-200 ms for small objects' first byte at the tail, tens of ms typical), and a
 * fixed start per invocation (handler start, batch file, records).
 */
export const WORKER_CALIBRATION = { secondsPerCell: 3.3e-8, secondsPerRequest: 0.03, secondsPerBatch: 0.4, requestConcurrency: 8 };

/** The estimate: counts, GB-seconds and cost per item. */
export interface Estimate {
  features: number;
  batches: number;
  requests: { rasterGets: number; s3Puts: number; s3Gets: number; dynamodbWrites: number; dynamodbReads: number; lambdaInvocations: number; expressExecutions: number; standardTransitions: number };
  rasterBytes: number;
  /** The child executions priced (StackShape). */
  mapExecutionType: StackShape['mapExecutionType'];
  lambdaGbSeconds: { plan: number; worker: number; collect: number };
  costUsd: Record<string, number> & { total: number };
  prices: { date: string; region: string; sources: string[] };
}

/** S3 objects each stage writes for a job of this shape (see the module comment). */
export function s3Puts(job: JobShape): { plan: number; worker: number; collect: number; resultWriter: number } {
  const plan = 2 + job.batches + (job.timeseries ? 1 : 0);
  const worker = job.batches * (2 + (job.formats.includes('json') ? 1 : 0));
  const collect = 2 + (job.formats.includes('csv') ? 1 : 0);
  return { plan, worker, collect, resultWriter: 2 };
}

/**
 * Step Functions' billed units for a job of `batches` batches (first attempts; each retry of a state is one more
 * transition): the parent (STANDARD: Plan, the duplicate check, the Map, Collect and their bookkeeping, 8
 * transitions); one transition for each child execution the Distributed Map starts, whatever the child type
 * ("Transitions in Distributed Map state", https://docs.aws.amazon.com/step-functions/latest/dg/concepts-transitions.html);
 * and each child's own states, one Worker Task: a STANDARD child is billed 1 transition for it, an EXPRESS child is
 * billed as 1 request plus its duration instead (https://aws.amazon.com/step-functions/pricing/).
 */
export function stepFunctionsCounts(batches: number, childType: StackShape['mapExecutionType']): { standardTransitions: number; expressExecutions: number } {
  const parent = 8 + batches;
  return childType === 'EXPRESS' ? { standardTransitions: parent, expressExecutions: batches } : { standardTransitions: parent + batches, expressExecutions: 0 };
}

/** Seconds measured elsewhere (`npm run bench -- scale-model`), replacing the calibrated ones: each stage's Lambda seconds in all. */
export interface MeasuredSeconds { plan?: number; worker?: number; collect?: number }

/** Prices the job; `measured` seconds, when given, replace the calibrated ones. */
export function estimateCost(job: JobShape, stack: StackShape, prices: PriceTable, measured: MeasuredSeconds = {}): Estimate {
  const puts = s3Puts(job);
  const s3PutsTotal = puts.plan + puts.worker + puts.collect + puts.resultWriter;
  // reads of the work objects: Plan the input and spec, each worker its batch file and spec, Collect every part
  const s3Gets = 2 + 2 * job.batches + job.batches + 2;
  // DynamoDB: claim + job + batches (one item each) + status; per batch start, completion, job counter; Collect's status
  const dynamodbWrites = 3 + job.batches + 3 * job.batches + 2;
  const dynamodbReads = 2 + 2 * job.batches + Math.ceil(job.batches / 100);
  const c = WORKER_CALIBRATION;
  const vcpus = Math.min(6, stack.workerMemoryMb / 1769);
  const workerSeconds = measured.worker ?? job.batches * c.secondsPerBatch + (job.cells * c.secondsPerCell) / Math.max(vcpus, 0.1) + (job.rasterRequests * c.secondsPerRequest) / c.requestConcurrency;
  const gb = (mb: number): number => mb / 1024;
  const planSeconds = measured.plan ?? 2 + job.features * 2e-5 + job.batches * 0.01;
  const collectSeconds = measured.collect ?? 2 + job.features * 1e-5 + job.batches * 0.005;
  const lambdaGbSeconds = { plan: gb(stack.planMemoryMb) * planSeconds, worker: gb(stack.workerMemoryMb) * workerSeconds, collect: gb(stack.collectMemoryMb) * collectSeconds };
  const lambdaInvocations = 1 + job.batches + 1;
  const { standardTransitions, expressExecutions } = stepFunctionsCounts(job.batches, stack.mapExecutionType);
  // an EXPRESS child lasts as long as its worker, billed at 64 MB (STANDARD children are billed per transition only)
  const expressSeconds = expressExecutions > 0 ? workerSeconds : 0;
  const cost = {
    lambdaRequests: (lambdaInvocations / 1e6) * prices.lambda.requestPerMillion,
    lambdaDuration: (lambdaGbSeconds.plan + lambdaGbSeconds.worker + lambdaGbSeconds.collect) * prices.lambda.gbSecondArm,
    stepFunctions: (standardTransitions / 1000) * prices.stepFunctions.standardTransitionPerThousand + (expressExecutions / 1e6) * prices.stepFunctions.expressRequestPerMillion + expressSeconds * (64 / 1024) * prices.stepFunctions.expressGbSecond,
    s3: (s3PutsTotal / 1000) * prices.s3.putPerThousand + ((s3Gets + job.rasterRequests) / 1000) * prices.s3.getPerThousand,
    dynamodb: (dynamodbWrites / 1e6) * prices.dynamodb.writeUnitPerMillion + (dynamodbReads / 1e6) * prices.dynamodb.readUnitPerMillion,
  };
  const total = Object.values(cost).reduce((a, b) => a + b, 0);
  return {
    features: job.features,
    batches: job.batches,
    requests: { rasterGets: job.rasterRequests, s3Puts: s3PutsTotal, s3Gets, dynamodbWrites, dynamodbReads, lambdaInvocations, expressExecutions, standardTransitions },
    rasterBytes: job.rasterBytes,
    mapExecutionType: stack.mapExecutionType,
    lambdaGbSeconds,
    costUsd: { ...cost, total },
    prices: { date: prices.date, region: prices.region, sources: prices.sources },
  };
}
