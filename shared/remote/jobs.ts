/**
 * Driving a deployed stack: start a job, follow it, list jobs, fetch results,
 * retry what failed, cancel. The CLI commands are thin wrappers over these.
 */
import { createReadStream, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, DescribeMapRunCommand, ListExecutionsCommand, ListMapRunsCommand, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { ExecutionListItem } from '@aws-sdk/client-sfn';
import { ZonalflowError, SpecError } from '../errors';
import { parseJobSpec } from '../spec';
import { parseUri } from '../io/uri';
import { headObject } from '../pipeline/objects';
import { uploadFile } from './upload';
import { inputNameMetadata, namedInput, printableInputName } from '../pipeline/input-name';
import { downloadJobOutputs } from '../pipeline/outputs';
import type { FeaturesLayout } from '../pipeline/outputs';
import { readSpecFile } from '../spec-file';
import { DEFAULT_SPEC_DIGEST, jobIdFor, specDigest } from '../pipeline/keys';
import { getJson } from '../pipeline/objects';
import { specKeyBeside } from '../features/suffix';
import { normalizeEtag } from '../jobs/records';
import type { JobRecord } from '../jobs/records';
import type { RemoteDeps } from './stack';

/** How a job was started; `inputName`: the input as the user gave it (`--input`), which the job records. */
export interface RunResult { jobId: string; bucket: string; key: string; inputName: string; startedBy: 'rule' | 'cli'; executionArn?: string }

/**
 * Starts a job. A local GeoPackage is uploaded to the input bucket with its
 * spec beside it and the stack's EventBridge rule starts the execution (the
 * same path as a drop in the bucket); an s3:// GeoPackage starts an execution
 * directly, named after the job (starting twice is a no-op).
 */
export async function runJob(deps: RemoteDeps, opts: { input: string; spec?: string; key?: string }): Promise<RunResult> {
  let specBody: string | undefined;
  let specValue: unknown;
  if (opts.spec) {
    const file = readSpecFile(opts.spec);
    parseJobSpec(file.value, `job spec ${opts.spec}`);
    specBody = file.text;
    specValue = file.value;
  }
  // the job id names the spec Plan reads: the one given, else the one beside the input, else the stack's default
  const digestOf = async (bucket: string, key: string): Promise<string> => {
    if (specValue !== undefined) return specDigest(specValue);
    const beside = specKeyBeside(key);
    const found = beside === null ? null : await getJson(deps.s3, { bucket, key: beside }).catch(() => null);
    return found === null ? DEFAULT_SPEC_DIGEST : specDigest(found);
  };
  const parsed = parseUri(opts.input);
  // the name the job goes by in `status` and `list`: --input as typed (never resolved: a relative path stays relative)
  const inputName = printableInputName(opts.input) ?? opts.input;
  if (parsed.scheme === 'file') {
    const size = statSync(parsed.path).size;
    const key = opts.key ?? (await uploadKeyFor(parsed.path, specValue === undefined ? DEFAULT_SPEC_DIGEST : specDigest(specValue)));
    if (!key.toLowerCase().endsWith('.gpkg')) throw new SpecError(`the object key ${key} must end in .gpkg for the upload rule to start the job`);
    // the spec first: Plan reads it when the rule fires on the GeoPackage
    if (specBody !== undefined) await deps.s3.send(new PutObjectCommand({ Bucket: deps.refs.inputBucket, Key: key.replace(/\.gpkg$/i, '.json'), Body: specBody, ContentType: 'application/json' }));
    // above 100 MB in parts (lib-storage): a single PUT resends everything on a retry and stops at 5 GB
    // the name travels with the object (the rule's event carries no metadata: Plan reads it with its HeadObject)
    await uploadFile(deps.s3, deps.refs.inputBucket, key, parsed.path, size, { metadata: inputNameMetadata(opts.input) });
    const head = await headObject(deps.s3, { bucket: deps.refs.inputBucket, key });
    return { jobId: jobIdFor(deps.refs.inputBucket, key, head?.etag ?? '', await digestOf(deps.refs.inputBucket, key)), bucket: deps.refs.inputBucket, key, inputName, startedBy: 'rule' };
  }
  if (parsed.scheme !== 's3') throw new SpecError(`--input ${opts.input}: give a local .gpkg or s3://bucket/key.gpkg`);
  const head = await headObject(deps.s3, { bucket: parsed.bucket, key: parsed.key });
  if (!head) throw new SpecError(`${opts.input} does not exist (or the CLI's credentials cannot read it)`);
  const jobId = jobIdFor(parsed.bucket, parsed.key, head.etag, await digestOf(parsed.bucket, parsed.key));
  let spec: { bucket: string; key: string } | undefined;
  if (specBody !== undefined) {
    spec = { bucket: deps.refs.inputBucket, key: `specs/${jobId}.json` };
    await deps.s3.send(new PutObjectCommand({ Bucket: spec.bucket, Key: spec.key, Body: specBody, ContentType: 'application/json' }));
  }
  const input = { bucket: parsed.bucket, key: parsed.key, ...(head.etag ? { etag: head.etag } : {}), ...(spec ? { spec } : {}), inputName };
  try {
    const out = await deps.sfn.send(new StartExecutionCommand({ stateMachineArn: deps.refs.stateMachineArn, name: jobId, input: JSON.stringify(input) }));
    return { jobId, bucket: parsed.bucket, key: parsed.key, inputName, startedBy: 'cli', ...(out.executionArn ? { executionArn: out.executionArn } : {}) };
  } catch (err) {
    if ((err as { name?: string }).name === 'ExecutionAlreadyExists') return { jobId, bucket: parsed.bucket, key: parsed.key, inputName, startedBy: 'cli' };
    throw err;
  }
}

/**
 * The key `zonalflow run` uploads a local file to: `uploads/<digest>/<file name>`, the digest (16 hex digits) a
 * SHA-256 of the file's bytes and of the spec the job runs (its {@link specDigest}, or the stack's default). Two
 * files of one name (./2025/fields.gpkg, ./2026/fields.gpkg) never share a key, so neither replaces the other under
 * a job started for it, nor does one file's spec (`fields.json` beside it) the other's; the same file with the same
 * spec goes to the same key with the same ETag, the upload Plan recognises (its claim: the same job, not a second).
 */
export async function uploadKeyFor(path: string, spec: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  const digest = createHash('sha256').update(`${hash.digest('hex')}\n${spec}`).digest('hex').slice(0, 16);
  return `uploads/${digest}/${basename(path)}`;
}

/** A job's input as the user named it (`--input` as typed; a dropped file's key; a record made before names were kept: its key), shown printable. */
export function inputNameOf(job: Pick<JobRecord, 'input'>): string {
  return namedInput(job.input).inputName;
}

/** The object a job reads, as an s3:// URI. */
export function inputObjectOf(job: Pick<JobRecord, 'input'>): string {
  return namedInput(job.input).input;
}

/** A job's progress as `zonalflow status` shows it. */
export interface JobView {
  jobId: string;
  /** The input as the user named it: what `status` and `list` show (inputNameOf). */
  inputName: string;
  /** The object the job reads (s3://bucket/key: the upload of a local file). */
  input: string;
  status: string;
  createdAt: string;
  updatedAt: string;
  batches: { total: number; done: number; failed: number };
  features: { total: number; done: number; failed: number };
  /** Seconds left at the current rate, when it can be estimated. */
  etaSeconds: number | null;
  /** The Distributed Map run's item counts, when the execution is known (started by `zonalflow run`). */
  mapRun?: { pending: number; running: number; succeeded: number; failed: number } | undefined;
  error?: { code: string; message: string } | undefined;
}

/** The job's progress from its records (batch records are the truth; counters would lag). */
export async function jobView(deps: RemoteDeps, jobId: string, now: Date = new Date()): Promise<JobView> {
  const job = await deps.store.getJob(jobId);
  if (!job) throw new ZonalflowError('JOB_NOT_FOUND', `no job ${jobId} in the stack ${deps.refs.stackName} (zonalflow list shows the jobs)`);
  const tally = await deps.store.tally(jobId);
  const total = job.counts.features;
  const done = tally.featuresDone + tally.featuresFailed;
  const elapsed = (now.getTime() - Date.parse(job.createdAt)) / 1000;
  const terminal = ['DONE', 'PARTIAL', 'FAILED', 'CANCELLED'].includes(job.status);
  const eta = !terminal && done > 0 && total > done ? ((total - done) * elapsed) / done : null;
  return {
    jobId,
    inputName: inputNameOf(job),
    input: inputObjectOf(job),
    status: job.status,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    batches: { total: job.counts.batches, done: tally.batchesDone, failed: tally.batchesFailed },
    features: { total, done: tally.featuresDone, failed: tally.featuresFailed },
    etaSeconds: eta,
    error: (job as JobRecord & { error?: { code: string; message: string } }).error,
    mapRun: await mapRunCounts(deps, jobId),
  };
}

/** Item counts of the job's Map Run: the execution `zonalflow run` named after the job, if it exists. */
async function mapRunCounts(deps: RemoteDeps, jobId: string): Promise<JobView['mapRun']> {
  const executionArn = `${deps.refs.stateMachineArn.replace(':stateMachine:', ':execution:')}:${jobId}`;
  try {
    const runs = await deps.sfn.send(new ListMapRunsCommand({ executionArn }));
    const arn = runs.mapRuns?.[0]?.mapRunArn;
    if (!arn) return undefined;
    const run = await deps.sfn.send(new DescribeMapRunCommand({ mapRunArn: arn }));
    const c = run.itemCounts;
    return c ? { pending: c.pending ?? 0, running: c.running ?? 0, succeeded: c.succeeded ?? 0, failed: (c.failed ?? 0) + (c.timedOut ?? 0) + (c.aborted ?? 0) } : undefined;
  } catch {
    return undefined; // started by the upload rule (another execution name), or no Map Run yet
  }
}

/** One job as `zonalflow list --json` gives it: its input's name and object, status, times and counts (from the job's counters, not a tally). */
export type JobListEntry = Pick<JobView, 'jobId' | 'inputName' | 'input' | 'status' | 'createdAt' | 'updatedAt' | 'features' | 'batches'>;

/** A job record (as `listJobs` gives it, counters summed) as a list entry. */
export function jobListEntry(job: JobRecord): JobListEntry {
  return {
    jobId: job.jobId,
    inputName: inputNameOf(job),
    input: inputObjectOf(job),
    status: job.status,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    features: { total: job.counts.features, done: job.counts.featuresDone, failed: job.counts.featuresFailed },
    batches: { total: job.counts.batches, done: job.counts.batchesDone, failed: job.counts.batchesFailed },
  };
}

/** Waits until the job ends (polling every `intervalMs`); `onView` sees each poll. */
export async function waitForJob(deps: RemoteDeps, jobId: string, opts: { intervalMs?: number; timeoutMs?: number; onView?: (v: JobView | null) => void } = {}): Promise<JobView> {
  const t0 = Date.now();
  for (;;) {
    const view = await jobView(deps, jobId).catch((err: unknown) => {
      if (err instanceof ZonalflowError && err.code === 'JOB_NOT_FOUND') return null; // not planned yet
      throw err;
    });
    opts.onView?.(view);
    if (view && ['DONE', 'PARTIAL', 'FAILED', 'CANCELLED'].includes(view.status)) return view;
    if (Date.now() - t0 > (opts.timeoutMs ?? 24 * 3600 * 1000)) throw new ZonalflowError('WAIT_TIMEOUT', `job ${jobId} did not finish within ${Math.round((opts.timeoutMs ?? 0) / 1000)} s`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 5000));
  }
}

/** Downloads the job's outputs (results, summary, per-feature JSON laid out as `features` says) into `dir`, 32 objects at once. */
export async function downloadResults(deps: RemoteDeps, jobId: string, dir: string, opts: { features?: FeaturesLayout } = {}): Promise<string[]> {
  const files = await downloadJobOutputs(deps.s3, deps.refs.outputBucket, `${jobId}/`, dir, opts);
  if (files.length === 0) throw new ZonalflowError('NO_RESULTS', `job ${jobId} has no outputs in s3://${deps.refs.outputBucket}/${jobId}/ yet`);
  return files;
}

/** Re-runs only what failed: failed/pending batches are reset, then a new execution re-enters the job (DONE batches are skipped). */
export async function retryJob(deps: RemoteDeps, jobId: string): Promise<{ batches: string[]; executionArn?: string }> {
  const job = await deps.store.getJob(jobId);
  if (!job) throw new ZonalflowError('JOB_NOT_FOUND', `no job ${jobId}`);
  if (!['PARTIAL', 'FAILED', 'CANCELLED'].includes(job.status)) throw new ZonalflowError('JOB_NOT_RETRYABLE', `job ${jobId} is ${job.status}; only PARTIAL, FAILED or CANCELLED jobs are retried`);
  const batches = await deps.store.resetBatches(jobId);
  await deps.store.setJobStatus(jobId, 'RUNNING', {}, true);
  const input = { bucket: job.input.bucket, key: job.input.key, ...(job.input.etag ? { etag: job.input.etag } : {}), jobId };
  const out = await deps.sfn.send(new StartExecutionCommand({ stateMachineArn: deps.refs.stateMachineArn, name: `${jobId}-retry-${Date.now()}`.slice(0, 80), input: JSON.stringify(input) }));
  return { batches, ...(out.executionArn ? { executionArn: out.executionArn } : {}) };
}

/** Stops the job's running execution(s) and marks it CANCELLED. */
export async function cancelJob(deps: RemoteDeps, jobId: string): Promise<{ stopped: string[] }> {
  const job = await deps.store.getJob(jobId);
  if (!job) throw new ZonalflowError('JOB_NOT_FOUND', `no job ${jobId}`);
  const running: ExecutionListItem[] = [];
  let token: string | undefined;
  do {
    const page = await deps.sfn.send(new ListExecutionsCommand({ stateMachineArn: deps.refs.stateMachineArn, statusFilter: 'RUNNING', nextToken: token }));
    running.push(...(page.executions ?? []));
    token = page.nextToken;
  } while (token);
  const stopped: string[] = [];
  for (const e of running) {
    if (!e.executionArn) continue;
    const d = await deps.sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }));
    const input = JSON.parse(d.input ?? '{}') as { jobId?: string; bucket?: string; key?: string; etag?: string };
    // an execution the upload rule started (its own name) runs this job when it plans this job's object
    const sameUpload = input.bucket === job.input.bucket && input.key === job.input.key && normalizeEtag(input.etag ?? '') === normalizeEtag(job.input.etag ?? '');
    const belongs = e.name === jobId || input.jobId === jobId || (input.jobId === undefined && sameUpload);
    if (!belongs) continue;
    await deps.sfn.send(new StopExecutionCommand({ executionArn: e.executionArn, error: 'Cancelled', cause: `zonalflow cancel ${jobId}` }));
    stopped.push(e.executionArn);
  }
  await deps.store.setJobStatus(jobId, 'CANCELLED', { cancelledAt: new Date().toISOString() });
  return { stopped };
}
