/**
 * What the pipeline stages need from the job store (DynamoDB on AWS, the
 * DynamoDB stand-in locally). The stages depend on this port; the store in
 * `shared/jobs/` implements it.
 */
import type { JobStatus } from './events';
import type { FeatureFailure } from '../output/table';

/** A feature that could not be computed (its fid as stored). */
export type { FeatureFailure };

/** A new job. */
export interface NewJob {
  jobId: string;
  /** The object the job reads, and `name`: the input as the user named it (pipeline/input-name.ts; default: the key). */
  input: { bucket: string; key: string; etag?: string | undefined; name?: string | undefined };
  outputBucket: string;
  features: number;
  batches: number;
  planMs: number;
  /** Features Plan could not even batch (no geometry...), recorded at once. */
  planFailures: FeatureFailure[];
}

/** An upload's claim: the job it started, and the input's name Plan read (absent on claims made before it was kept). */
export interface UploadClaim { jobId: string; inputName?: string }

/** A batch as registered by Plan. */
export interface NewBatch { batchId: string; key: string; features: number }

/** The outcome of a batch run. */
export interface BatchResult {
  featuresDone: number;
  featuresFailed: number;
  failures: FeatureFailure[];
  parts: string[];
  bytesRead: number;
  requests: number;
  ms: number;
}

/** Per-job totals computed from the batch records (the source of truth). */
export interface Tally {
  batches: number;
  batchesDone: number;
  batchesFailed: number;
  batchesPending: number;
  featuresDone: number;
  featuresFailed: number;
  failures: FeatureFailure[];
  batchErrors: { batchId: string; error: string }[];
  parts: string[];
  bytesRead: number;
  requests: number;
  /** Milliseconds the workers spent on the batches (sum), and the span from the first batch start to the last finish. */
  timings?: { workerMs: number; firstStart: string | null; lastFinish: string | null };
}

/** Where a batch (re)starts. */
export interface BatchStart {
  done: boolean;
  attempts: number;
  cursor: number;
  parts: string[];
  featuresDone: number;
  featuresFailed: number;
  failures: FeatureFailure[];
  /** The job is cancelled: the batch was not started (a store with `cancelsInWrites`). */
  cancelled?: boolean;
}

/** The job store, as the stages use it. */
export interface JobTracker {
  /** Claims an upload (bucket/key/etag) for a job; returns the job that already claimed it, or null. */
  claimUpload(bucket: string, key: string, etag: string, jobId: string, owner?: string, inputName?: string): Promise<string | null>;
  /** Who holds an upload's claim (the execution id given to claimUpload), or null. */
  uploadClaimOwner(bucket: string, key: string, etag: string): Promise<string | null>;
  /** The job the execution `owner` claimed for an upload of this object and ETag (any spec), or null: the Fail handler's job when Plan failed. */
  uploadJobOf(bucket: string, key: string, etag: string, owner: string): Promise<UploadClaim | null>;
  createJob(job: NewJob): Promise<void>;
  /** The job's status, or null when there is no job record. */
  jobStatus(jobId: string): Promise<JobStatus | null>;
  /** The job's status and input (the object, and its name as the user gave it; absent from a record without one), or null when there is no job record: one read, as jobStatus. */
  jobHead(jobId: string): Promise<{ status: JobStatus; input?: NewJob['input'] } | null>;
  putBatches(jobId: string, batches: readonly NewBatch[]): Promise<void>;
  /**
   * Marks a batch running (attempts + 1); `done` when it already completed (a retried batch is skipped).
   * A batch that checkpointed returns where to resume and what it had counted.
   */
  startBatch(jobId: string, batchId: string): Promise<BatchStart>;
  /** Saves progress of a batch that stops early (Lambda deadline): the next attempt resumes at `cursor`. */
  checkpointBatch(jobId: string, batchId: string, cursor: number, parts: string[], partial: Omit<BatchResult, 'parts'>): Promise<void>;
  /** Completes a batch once: false when it was already DONE (nothing counted twice); 'CANCELLED' (a store with `cancelsInWrites`) when its job is cancelled: not completed. */
  completeBatch(jobId: string, batchId: string, result: BatchResult): Promise<boolean | 'CANCELLED'>;
  /**
   * True when startBatch and completeBatch themselves refuse a cancelled job's batch (`cancelled`, 'CANCELLED'):
   * the Worker then reads no cancellation flag of its own.
   */
  readonly cancelsInWrites?: boolean;
  failBatch(jobId: string, batchId: string, error: string): Promise<void>;
  setJobStatus(jobId: string, status: JobStatus, extra?: Record<string, unknown>): Promise<void>;
  /** The error of a FAILED job whose summary.json MarkFailed has not written yet (`summaryPending`), else null. */
  pendingFailureSummary(jobId: string): Promise<{ code: string; message: string } | null>;
  /** Clears `summaryPending`: the FAILED job's summary.json is written. */
  failureSummaryWritten(jobId: string): Promise<void>;
  /** True when the job is cancelled, read where the batch's own writes go (its shard), not the job record; without it, `jobStatus`. */
  batchCancelled?(jobId: string, batchId: string): Promise<boolean>;
  tally(jobId: string): Promise<Tally>;
}
