/**
 * `zonalflow local`: the AWS pipeline on one machine, nothing deployed, as strict as AWS.
 * The CDK app is synthesized; the state machine definition taken from the
 * template runs on an ASL interpreter (aws-local-stepfunctions) with the
 * Distributed Map run as a Map Run (distributed-map.ts); the Lambda handlers
 * run in-process with the environment the template gives them, against S3
 * and DynamoDB stand-ins behind IAM gates (gate.ts). The execution is started
 * directly, or by the template's EventBridge rule reacting to the upload.
 * Outputs are copied to a directory.
 *
 * What is enforced, as on AWS:
 * - IAM: each warm sandbox signs with its own session of the role the template
 *   gives its function (given at its init, kept across its invocations, ended
 *   when it is discarded); every S3/DynamoDB call, the state machine's Lambda
 *   invocations, its ItemReader/ResultWriter and StartExecution are checked
 *   against the template's policies (AccessDenied names role, action, resource);
 * - Lambda timeouts (the function's Timeout: `Sandbox.Timedout`, "Task timed
 *   out after N.NN seconds"; the timed-out invocation's later calls are cut),
 *   EXPRESS children's 5 minutes for all attempts and backoff, payloads over
 *   256 KiB (States.DataLimitExceeded), the tolerated-failure threshold as
 *   items finish, /tmp (EphemeralStorage) and a warning over MemorySize;
 * - faults by name (faults.ts): at-least-once delivery and throttling.
 * `timeScale` multiplies every duration (timeouts, retry waits, the 5 minutes).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { installPolyfills } from './polyfills';
import { startStandIns } from './stand-ins';
import type { StandIns } from './stand-ins';
import { adaptDistributedMaps, checkPayload } from './distributed-map';
import { failureText, runExecution, scaledNote } from './execution';
import type { Definition, ExecutionOutcome } from './execution';
import { matchesPattern, objectCreatedEvent, transformInput } from './eventbridge';
import { specKeyBeside } from '../features/suffix';
import { getJson, headObject, listKeys, putJson } from '../pipeline/objects';
import { downloadJobOutputs } from '../pipeline/outputs';
import type { FeaturesLayout } from '../pipeline/outputs';
import { HANDLERS, loadHandler } from './handlers';
import type { HandlerName } from './handlers';
import { LambdaPool, defaultLambdaThreads } from './lambda-pool';
import { readSpecFile } from '../spec-file';
import { inSandbox, retireSandbox, retireSandboxes } from './sandbox-deps';
import type { Session } from './authority';
import { parseJobSpec } from '../spec';
import { SourceError, ZonalflowError } from '../errors';
import { allowHostName, parseUri } from '../io/uri';
import { templateIam, roleRefs } from './iam-template';
import { LocalAuthority } from './authority';
import { startGate } from './gate';
import type { Gate } from './gate';
import { FAULT_NAMES, HttpFaults, parseFaults } from './faults';
import { PartitionRateLimiter } from './rate-limits';
import type { FaultName } from './faults';
import { installScopedEnv, withEnv } from './scoped-env';
import { projectRoot } from '../project-root';
import { readCachedTemplate, templateCacheFile, writeCachedTemplate } from './template-cache';
import { fileMd5 } from './md5-cache';
import { holdHeapGrowth } from './heap-growth';
import { inputNameMetadata } from '../pipeline/input-name';

const require = createRequire(import.meta.url);

/** Local names of the stack's resources. */
export const LOCAL = { input: 'zonalflow-input', output: 'zonalflow-output', rasters: 'zonalflow-rasters', table: 'zonalflow-jobs' };

export { FAULT_NAMES };
export type { FaultName };

/** A CloudFormation template (the parts read here). */
export type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }> };

/** Options of a local run. */
export interface LocalRunOptions {
  /** The GeoPackage. */
  input: string;
  /** The job spec (path or object); local raster paths in it are uploaded to the S3 stand-in. */
  spec: string | Record<string, unknown>;
  /** Where the outputs are copied. */
  out: string;
  /** `direct`: StartExecution with {bucket, key, etag}; `event`: the upload goes through the template's EventBridge rule. */
  trigger?: 'direct' | 'event';
  /** How per-feature JSON lands in `out` (default per-feature: Sentinel Hub's features/<id>.json; jsonl: as stored; none). */
  features?: FeaturesLayout;
  /** Faults to inject, by name (see FAULT_NAMES). */
  faults?: readonly FaultName[];
  /** Each function answers Lambda.TooManyRequestsException this many times before running (Lambda throttling). */
  throttleFirst?: number;
  /** Multiplies every duration: Lambda timeouts, retry waits, the EXPRESS 5 minutes (default 1). */
  timeScale?: number;
  /**
   * Multiplies the timeouts alone (the Lambda functions' Timeout, the definition's TimeoutSeconds: an EXPRESS
   * child's 5 minutes); default `timeScale`. 1 with a small `timeScale`: AWS's timeouts, which no healthy
   * invocation nears however busy this machine is, with the retry waits still short (the tests' runs: a time
   * limit scaled to seconds measured this machine's load, not the pipeline).
   */
  timeoutScale?: number;
  /**
   * Multiplies AWS's per-partition request rates the gates enforce (rate-limits.ts: S3 3,500 writes /
   * 5,500 reads a second per prefix, DynamoDB 1,000 / 3,000 per partition key): default 1, AWS's own;
   * a test sets e.g. 0.01 so that a few local workers reach them.
   */
  rateLimitScale?: number;
  /** Progress lines (state entered/failed, retries, injected faults). */
  log?: (line: string) => void;
  /** Extra CDK context for the synthesized app. */
  context?: Record<string, unknown>;
  /** Edits the synthesized template before the run (tests: a policy without a grant). */
  editTemplate?: (template: Template) => Template;
  /** After the execution ends, retry the job as `zonalflow retry` does (batches reset, a new execution with the jobId). */
  retry?: boolean;
  /**
   * Hosts the handlers may read although they are private or loopback addresses, over plain http too
   * (`--allow-host`: the user's own raster or STAC server). Default none: as strict as the deployed stack.
   */
  allowHosts?: readonly string[];
  /**
   * More https hosts and S3 buckets the handlers may read rasters and STAC assets from (`--raster-host` /
   * `--raster-bucket`): given to the synthesized stack as its `rasterHttpsHosts` / `rasterBuckets` context, as
   * `cdk deploy -c` gives them to the deployed one (its environment and its roles' policies). Default none.
   */
  rasterHosts?: readonly string[];
  rasterBuckets?: readonly string[];
  /** Called as the job advances: batches and features done (and failed) of the planned totals. */
  onProgress?: (p: LocalProgress) => void;
  /**
   * Child executions of a Distributed Map running at once locally (the template's MaxConcurrency if lower). Default:
   * two per Lambda thread, at least three (three with one thread or when `lambdaThreads` is 0): one computes while
   * the others wait for an S3 or DynamoDB answer (with one thread, three took 0.3-0.6 s less wall time than two on
   * the 100k bench, bench/HISTORY.md). More only hold more batches in memory at once on the same cores (16, the
   * default before, held eight batches a thread: ~46 MB more peak RSS on the 100k case, the same CPU seconds within
   * noise, in three paired runs under load); AWS promises no particular number either.
   */
  mapConcurrency?: number;
  /**
   * Worker threads that run the functions' invocations (warm sandboxes, lambda-pool.ts), so a Map's
   * batches run apart from the stand-ins, which serve in the main thread meanwhile; default: one core fewer
   * than the machine has, at least 1 and at most 4 (`defaultLambdaThreads`); 0: in the main thread.
   */
  lambdaThreads?: number;
  /**
   * Aborts the run (Ctrl-C in `zonalflow local`): the execution is abandoned where it is, the function
   * threads are stopped, the stand-ins stop and every temporary folder (the S3 stand-in's files, the
   * functions' /tmp) is removed; the promise rejects with the signal's reason. Nothing is downloaded to `out`.
   */
  signal?: AbortSignal;
}

/** How far a local job is: from Plan's output and each Worker's answer (a batch's counts are cumulative over its retries). */
export interface LocalProgress { batches: number; batchesDone: number; features: number; featuresDone: number; featuresFailed: number }

/** What a local run returns. */
export interface LocalRunResult {
  status: string;
  jobId: string | null;
  output: unknown;
  files: string[];
  error?: { code: string; message: string };
  /** Lambda retries caused by injected faults or throttling. */
  retries: number;
  /** Every AccessDenied answered, in order (AWS's message). */
  denials: string[];
  /** Warnings (a function's memory over its MemorySize). */
  warnings: string[];
  /** The peak memory attributed to each function, MB. */
  memoryMb: Record<string, number>;
  /** Wall seconds per phase, in order: stand-ins, uploads, synth, setup, each top-level state entered, download. */
  timings: Record<string, number>;
  /** CPU seconds of the process (every thread) per phase, the phases of `timings`. */
  cpuSeconds: Record<string, number>;
  /**
   * Sandboxes initialized per function (Lambda's cold starts): a warm sandbox takes the function's next invocation,
   * one at a time, so a Map's Workers start about as many as it runs at once, plus one for each that timed out or
   * crashed (discarded).
   */
  coldStarts: Record<string, number>;
}

const synthesized = new Map<string, Template>();

/**
 * Synthesizes the app (no bundling: the handlers run from source) and returns the template (a copy; synthesized
 * once per context in a process, and kept beside a compiled build for later runs: template-cache.ts).
 */
export async function synthTemplate(context: Record<string, unknown>): Promise<Template> {
  const cacheKey = JSON.stringify(context);
  let template = synthesized.get(cacheKey);
  // the compiled build's copy (template-cache.ts): no CDK loaded, no synth
  const cacheFile = template ? null : templateCacheFile(context);
  template ??= readCachedTemplate<Template>(cacheFile) ?? undefined;
  if (template) synthesized.set(cacheKey, template);
  else {
    // aws-cdk-lib wraps every function of node:fs and node:child_process in timing code when it loads, unless
    // CDK_NO_PERF_BUILTINS is set: this process serves the S3 stand-in from files for the whole run
    process.env.CDK_NO_PERF_BUILTINS ??= '1';
    const { buildApp } = await import('../../infra/app');
    const flags = (JSON.parse(readFileSync(join(projectRoot(import.meta.dirname), 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
    const { app, stack } = buildApp({ ...flags, 'aws:cdk:bundling-stacks': [], ...context }, { nag: false });
    // CDK's built-in CloudFormation validation (a WASM rules engine; its findings are warnings that a local run
    // never shows) took 3.3 of the 3.9 s of a local synth: `cdk synth` and the template tests still run it
    const saved = process.env.CDK_VALIDATION;
    process.env.CDK_VALIDATION = 'false';
    try {
      template = app.synth().getStackByName(stack.stackName).template as Template;
    } finally {
      if (saved === undefined) Reflect.deleteProperty(process.env, 'CDK_VALIDATION');
      else process.env.CDK_VALIDATION = saved;
    }
    synthesized.set(cacheKey, template);
    writeCachedTemplate(cacheFile, template);
  }
  return structuredClone(template);
}

function logicalId(t: Template, type: string, prefix: string): string {
  const hit = Object.entries(t.Resources).find(([id, r]) => r.Type === type && id.startsWith(prefix));
  if (!hit) throw new ZonalflowError('LOCAL_TEMPLATE', `the template has no ${type} ${prefix}*`);
  return hit[0];
}

/** A Lambda function of the template, as run locally. */
interface LocalFunction { name: string; handlerName: HandlerName; arn: string; roleArn: string; env: Record<string, string>; timeoutSec: number; memoryMb: number; tmpMb: number }

/** Bytes under a directory. */
function dirBytes(dir: string): number {
  let total = 0;
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e);
    try {
      const s = statSync(p);
      total += s.isDirectory() ? dirBytes(p) : s.size;
    } catch {
      // removed meanwhile
    }
  }
  return total;
}

function lambdaError(name: string, errorType: string, errorMessage: string): Error {
  return Object.assign(new Error(JSON.stringify({ errorType, errorMessage })), { name });
}

/** Runs the job through the synthesized state machine on this machine. */
export async function runLocal(opts: LocalRunOptions): Promise<LocalRunResult> {
  installPolyfills();
  // the stand-in's copy of the input is the user's file: what the user reads names it as they gave it (opts.input)
  const inputUri = `s3://${LOCAL.input}/${basename(opts.input)}`;
  const asGiven = (text: string): string => text.split(inputUri).join(opts.input);
  const log = opts.log ? ((say: (line: string) => void) => (line: string): void => say(asGiven(line)))(opts.log) : (): void => undefined;
  // wall seconds per phase (a phase runs until the next one starts), and the CPU seconds of the process (every thread)
  const timings: Record<string, number> = {};
  const cpuSeconds: Record<string, number> = {};
  let phase = 'stand-ins';
  let phaseStart = performance.now();
  let cpuStart = process.cpuUsage();
  const lap = (next: string): void => {
    const now = performance.now();
    const cpu = process.cpuUsage(cpuStart);
    timings[phase] = Math.round(((timings[phase] ?? 0) + (now - phaseStart) / 1000) * 1000) / 1000;
    cpuSeconds[phase] = Math.round(((cpuSeconds[phase] ?? 0) + (cpu.user + cpu.system) / 1e6) * 1000) / 1000;
    phase = next;
    phaseStart = now;
    cpuStart = process.cpuUsage();
  };
  const faults = new Set(parseFaults([...(opts.faults ?? [])]));
  const scale = opts.timeScale ?? 1;
  if (!(scale > 0)) throw new ZonalflowError('USAGE', `the time scale must be a positive number, got ${scale}`);
  const timeoutScale = opts.timeoutScale ?? scale;
  if (!(timeoutScale > 0)) throw new ZonalflowError('USAGE', `the timeout scale must be a positive number, got ${timeoutScale}`);
  const specRaw = typeof opts.spec === 'string' ? (readSpecFile(opts.spec).value as Record<string, unknown>) : opts.spec;
  parseJobSpec(specRaw, typeof opts.spec === 'string' ? `job spec ${opts.spec}` : 'job spec');
  const savedVars = { ...process.env };
  const runTmp = mkdtempSync(join(tmpdir(), 'zonalflow-local-tmp-'));
  // the stand-ins' heap (this thread's) and the function threads' grow before V8 collects them in full (heap-growth.ts)
  const releaseHeapGrowth = holdHeapGrowth();
  // every function's invocations on threads, as Lambda runs them apart from S3 and DynamoDB: a Map's batches run
  // beside the stand-ins, and Plan's and Collect's work overlaps the stand-ins serving their requests in this thread. The first
  // thread starts now, before the stand-ins (its code and PROJ load meanwhile and while the rasters are uploaded: Plan
  // waited for them), the others once it is warm (lambda-pool.ts); the stand-ins' endpoints and region, not known yet,
  // come with each invocation's variables. An invocation waits for a warm thread before its timer starts (Lambda's
  // init phase is not part of the function's timeout), a Map for all of them
  const threads = opts.lambdaThreads ?? defaultLambdaThreads(availableParallelism());
  // the function threads, once started (a holder: read inside the invoke closure)
  const threadPool: { pool: LambdaPool | null } = { pool: threads > 0 ? new LambdaPool(threads, { ...process.env, TMPDIR: runTmp }) : null };
  let env: StandIns;
  try {
    env = await startStandIns({ buckets: [LOCAL.input, LOCAL.output, LOCAL.rasters], table: LOCAL.table, jobsIndex: true });
  } catch (err) {
    await threadPool.pool?.close();
    rmSync(runTmp, { recursive: true, force: true });
    releaseHeapGrowth();
    throw err;
  }
  const gates: Gate[] = [];
  const originalEnv = process.env;
  let restoreEnv: () => void = () => undefined;
  const inFlight = new Set<Promise<unknown>>();
  const samplers: NodeJS.Timeout[] = [];
  const s3Account = (require('s3rver/lib/models/account') as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void; revokeAccessKey(id: string): void } }).DUMMY_ACCOUNT;
  const sessionKeys: string[] = [];
  // an abort settles whatever the run awaits at that moment (the execution, the uploads, the synth); the finally below cleans up
  const signal = opts.signal;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(signal?.reason instanceof Error ? signal.reason : new ZonalflowError('ABORTED', 'the local run was aborted'));
  });
  aborted.catch(() => undefined);
  if (signal?.aborted) onAbort?.();
  else if (onAbort) signal?.addEventListener('abort', onAbort, { once: true });
  const stoppable = <T>(p: Promise<T>): Promise<T> => (signal ? Promise.race([p, aborted]) : p);
  try {
    signal?.throwIfAborted();
    lap('synth');
    // local raster files go to the S3 stand-in, as they would be in S3 for a deployed stack: their keys now,
    // their bytes once the Lambda threads are loading (below), so that the two overlap
    const rasterUploads: { key: string; path: string; given: string }[] = [];
    const rasters = ((specRaw.rasters ?? []) as { uri: string; name?: string }[]).map((r) => ({ ...r }));
    // each file under its own prefix, named by its bytes (r<index>-<md5>/): a/elev.tif and b/elev.tif never share
    // a key, and the spec Plan reads (whose digest names the job: keys.ts jobIdFor) differs with the raster's bytes
    for (const [index, r] of rasters.entries()) {
      const p = parseUri(r.uri);
      if (p.scheme !== 'file') continue;
      const path = isAbsolute(p.path) ? p.path : resolve(p.path); // relative to the current directory, as `zonalflow stats` reads it
      const file = basename(path);
      const key = `r${index}-${localFileTag(path)}/${file}`;
      rasterUploads.push({ key, path, given: p.path });
      r.name ??= file.replace(/\.(tiff?|TIFF?)$/, '').replace(/\.cog$/i, '').replace(/[^A-Za-z0-9_]/g, '_');
      r.uri = `s3://${LOCAL.rasters}/${key}`;
    }
    // the weights raster likewise
    let weights = specRaw.weights as { uri: string } | undefined;
    const wu = weights === undefined ? null : parseUri(weights.uri);
    if (weights !== undefined && wu !== null && wu.scheme === 'file') {
      const wp = wu.path;
      const path = isAbsolute(wp) ? wp : resolve(wp);
      const key = `weights-${localFileTag(path)}/${basename(path)}`;
      rasterUploads.push({ key, path, given: wp });
      weights = { ...weights, uri: `s3://${LOCAL.rasters}/${key}` };
    }
    const spec = { ...specRaw, rasters, ...(weights !== undefined ? { weights } : {}) };
    const specHosts = httpsHosts([...rasters.map((r) => r.uri), ...(weights ? [weights.uri] : [])]);
    const progress = new ProgressTracker(opts.onProgress);
    // the stack's own context for what may be read, as `cdk deploy -c rasterHttpsHosts=... -c rasterBuckets=...` sets it
    const readable = {
      rasterBuckets: [LOCAL.rasters, ...(opts.rasterBuckets ?? [])].join(','),
      ...((opts.rasterHosts ?? []).length > 0 ? { rasterHttpsHosts: (opts.rasterHosts ?? []).map(allowHostName).join(',') } : {}),
    };
    let template = await stoppable(synthTemplate({ ...readable, ...opts.context }));
    if (opts.editTemplate) template = opts.editTemplate(template);
    lap('setup');
    const ids = {
      input: logicalId(template, 'AWS::S3::Bucket', 'StorageInput'),
      output: logicalId(template, 'AWS::S3::Bucket', 'StorageOutput'),
      table: logicalId(template, 'AWS::DynamoDB::Table', 'StorageJobs'),
      machine: logicalId(template, 'AWS::StepFunctions::StateMachine', 'Pipeline'),
    };
    const { resolveCfn, renderDefinition, placeholderRefs } = await import('../../infra/definition');
    const stateMachineArn = `arn:aws:states:us-east-1:000000000000:stateMachine:${ids.machine}`;
    const refs: Record<string, string> = {
      [ids.input]: LOCAL.input,
      [`${ids.input}.Arn`]: `arn:aws:s3:::${LOCAL.input}`,
      [ids.output]: LOCAL.output,
      [`${ids.output}.Arn`]: `arn:aws:s3:::${LOCAL.output}`,
      [ids.table]: LOCAL.table,
      [`${ids.table}.Arn`]: `arn:aws:dynamodb:${env.region}:000000000000:table/${LOCAL.table}`,
      [ids.machine]: stateMachineArn,
      [`${ids.machine}.Arn`]: stateMachineArn,
    };
    const allRefs = { ...placeholderRefs(template), ...roleRefs(template), ...refs };
    // IAM: the template's roles and policies; each caller a session
    const authority = new LocalAuthority(templateIam(template, allRefs));
    authority.onNewKey = (id, secret) => {
      s3Account.createKeyPair(id, secret);
      sessionKeys.push(id);
    };
    const httpFaults = new HttpFaults(faults, log);
    // AWS's per-partition request rates (S3 prefix, DynamoDB partition key), scaled: throttled as AWS would
    const limits = new PartitionRateLimiter(opts.rateLimitScale ?? 1);
    gates.push(await startGate({ service: 's3', target: env.s3Endpoint, handler: env.s3Handler, authority, region: env.region, faults: httpFaults, limits, onLimited: log }));
    gates.push(await startGate({ service: 'dynamodb', target: env.dynamoEndpoint, handler: env.dynamoHandler, authority, region: env.region, faults: httpFaults, limits, onLimited: log }));
    const [s3Gate, ddbGate] = gates as [Gate, Gate];
    const smRole = authority.iam.stateMachineRole;
    if (!smRole) throw new ZonalflowError('LOCAL_TEMPLATE', 'the state machine of the template has no role');
    const smSession = authority.newSession(smRole, 'StateMachine');
    const smS3 = new S3Client({ endpoint: s3Gate.endpoint, region: env.region, credentials: { accessKeyId: smSession.accessKeyId, secretAccessKey: smSession.secretAccessKey }, forcePathStyle: true, maxAttempts: 3 });
    const stateMachineDenied = (action: string, resource: string): { message: string } | null => {
      const d = authority.check(smSession, { action, resource });
      return d.allowed ? null : { message: d.denial.message };
    };
    // the functions
    const functions: Record<string, LocalFunction> = {};
    for (const name of HANDLERS) {
      const prefix = `Functions${name[0]?.toUpperCase() ?? ''}${name.slice(1)}`;
      const id = logicalId(template, 'AWS::Lambda::Function', prefix);
      const props = template.Resources[id]?.Properties ?? {};
      const vars = ((props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, Parameters<typeof resolveCfn>[0]>;
      const fnEnv = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, resolveCfn(v, allRefs)]));
      delete fnEnv.NODE_OPTIONS;
      const roleArn = authority.iam.functionRoles[id];
      if (!roleArn) throw new ZonalflowError('LOCAL_TEMPLATE', `the function ${id} has no role in the template`);
      const arn = allRefs[`${id}.Arn`] ?? id;
      functions[arn] = {
        name: prefix.replace('Functions', ''),
        handlerName: name,
        arn,
        roleArn,
        env: fnEnv,
        timeoutSec: Number(props.Timeout ?? 3),
        memoryMb: Number(props.MemorySize ?? 128),
        tmpMb: Number((props.EphemeralStorage as { Size?: number } | undefined)?.Size ?? 512),
      };
    }
    // the environment every handler sees: the gates as endpoints; its own credentials per invocation
    restoreEnv = installScopedEnv();
    Object.assign(originalEnv, env.env, { AWS_ENDPOINT_URL_S3: s3Gate.endpoint, AWS_ENDPOINT_URL_DYNAMODB: ddbGate.endpoint, TMPDIR: runTmp });
    const poolReady = threadPool.pool?.ready();
    const lambdaPool = (): Promise<void> => poolReady ?? Promise.resolve();
    const lambdaThread = async (): Promise<void> => {
      await threadPool.pool?.available();
    };
    // memory and /tmp, sampled while functions run
    // memory attributed to functions: the JS heap and buffers above what the process holds when no function runs
    // (V8's figures: process.memoryUsage() also reads the resident size from /proc, which waits on the address-space lock)
    const heapNow = (): number => {
      const h = getHeapStatistics();
      return h.used_heap_size + h.external_memory;
    };
    let baseline = heapNow();
    const running = new Map<string, Set<{ tmpLimit: number; fail: (e: Error) => void }>>();
    const peakMb: Record<string, number> = {};
    const warnings: string[] = [];
    const sample = (): void => {
      const heap = heapNow();
      let active = 0;
      for (const set of running.values()) active += set.size;
      if (active === 0) baseline = Math.min(baseline, heap);
      for (const [fname, set] of running) {
        if (set.size === 0) continue;
        const mb = Math.max(0, heap - baseline) / Math.max(1, active) / 2 ** 20;
        peakMb[fname] = Math.max(peakMb[fname] ?? 0, Math.round(mb));
      }
      if (active === 0) return;
      const used = dirBytes(runTmp);
      for (const set of running.values()) {
        for (const inv of set) {
          if (used > inv.tmpLimit) inv.fail(lambdaError('Error', 'Error', `ENOSPC: no space left on device, write (/tmp holds ${Math.round(used / 2 ** 20)} MB; the function's EphemeralStorage is ${Math.round(inv.tmpLimit / 2 ** 20)} MB)`));
        }
      }
    };
    samplers.push(setInterval(sample, 50));
    samplers.at(-1)?.unref();

    let retries = 0;
    const throttled = new Map<string, number>();
    const workerFaults = { crash: faults.has('worker-crash'), timeout: faults.has('lambda-timeout') };
    let collectSucceeded = false;
    // Each function's warm sandboxes that run no invocation now. A sandbox keeps the session it was given at its
    // init for its life, as Lambda gives an execution environment its role's credentials once, in its environment
    // variables, and a handler's clients made at module scope serve every warm invocation
    // (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html): one invocation at a time,
    // frozen in between (its calls cut), discarded when its invocation timed out or crashed (Lambda resets that
    // execution environment; its session ends, so the abandoned invocation's later calls are cut). Its clients
    // are kept beside it (sandbox-deps.ts), where each invocation made a new S3 and DynamoDB client.
    const idleSandboxes = new Map<string, Session[]>();
    const coldStarts: Record<string, number> = {};

    /** One Lambda invocation, as Lambda runs it for Step Functions. */
    /** `stripe`: the Map item's stripe (distributed-map.ts), the thread it prefers; none outside a Map. */
    const invoke = async (fn: LocalFunction, stateName: string, input: unknown, stripe?: number): Promise<unknown> => {
      const denied = stateMachineDenied('lambda:InvokeFunction', fn.arn);
      if (denied) throw lambdaError('Lambda.AWSLambdaException', 'AccessDeniedException', `${denied.message} (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException)`);
      checkPayload(stateName, input, 'input');
      const count = throttled.get(fn.name) ?? 0;
      if (count < (opts.throttleFirst ?? 0)) {
        throttled.set(fn.name, count + 1);
        retries++;
        log(`${stateName}: Lambda throttled (injected)`);
        throw lambdaError('Lambda.TooManyRequestsException', 'TooManyRequestsException', 'Rate Exceeded.');
      }
      const onThread = threads > 0;
      // the invocation's own sandbox initialized (a warm thread), not every thread: Plan starts while the others load
      if (onThread) await lambdaThread();
      const idle = idleSandboxes.get(fn.name) ?? [];
      idleSandboxes.set(fn.name, idle);
      let session = idle.pop();
      if (!session) {
        session = authority.newSession(fn.roleArn, fn.name);
        coldStarts[fn.name] = (coldStarts[fn.name] ?? 0) + 1;
      }
      session.thaw();
      const requestId = randomUUID();
      let fail!: (e: Error) => void;
      // cut: the invocation ended without its handler's answer (timeout, crash, /tmp full): its sandbox is discarded
      let cut = false;
      const failed = new Promise<never>((_, reject) => (fail = (e) => {
        cut = true;
        reject(e);
      }));
      failed.catch(() => undefined);
      /** The invocation overran its Timeout: as Lambda reports it. */
      const timedOut = (): void => fail(lambdaError('Sandbox.Timedout', 'Sandbox.Timedout', `RequestId: ${requestId} Error: Task timed out after ${fn.timeoutSec.toFixed(2)} seconds${scaledNote(fn.timeoutSec, timeoutScale)}`));
      // faults that hit one Worker invocation
      if (fn.name === 'Worker' && workerFaults.crash) {
        workerFaults.crash = false;
        session.onResponse = (service, action, status) => {
          if (service === 's3' && action === 's3:PutObject' && status === 200 && !session.ended) {
            retries++;
            log(`${stateName}: the worker died after its first S3 write (injected worker-crash)`);
            fail(lambdaError('Lambda.Unknown', 'Runtime.ExitError', `RequestId: ${requestId} Error: Runtime exited with error: signal: killed`));
          }
        };
      } else if (fn.name === 'Worker' && workerFaults.timeout) {
        workerFaults.timeout = false;
        session.onRequest = () => {
          if (session.requests <= 2) return 'pass';
          log(`${stateName}: the worker stalls until its timeout (injected lambda-timeout)`);
          retries++;
          // a stalled invocation can do nothing until its deadline: its clock skips there and it times out now,
          // as Lambda would at the deadline (the same error; no wall-clock wait whose length the machine's load sets)
          setImmediate(timedOut);
          return 'stall';
        };
      }
      const inv = { tmpLimit: fn.tmpMb * 2 ** 20, fail: (e: Error) => fail(e) };
      const set = running.get(fn.name) ?? new Set();
      running.set(fn.name, set);
      set.add(inv);
      const timeoutMs = fn.timeoutSec * 1000 * timeoutScale;
      const started = Date.now();
      const timer = setTimeout(timedOut, timeoutMs);
      const layer: Record<string, string> = {
        // the stand-ins' region and the gates as endpoints (the function threads started before them)
        AWS_REGION: env.region,
        AWS_ENDPOINT_URL_S3: s3Gate.endpoint,
        AWS_ENDPOINT_URL_DYNAMODB: ddbGate.endpoint,
        ...fn.env,
        AWS_ACCESS_KEY_ID: session.accessKeyId,
        AWS_SECRET_ACCESS_KEY: session.secretAccessKey,
        AWS_LAMBDA_FUNCTION_NAME: fn.name,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
        // private and loopback addresses only for the hosts the user names (--allow-host); a time series' asset hosts
        ...((opts.allowHosts ?? []).length > 0 ? { ZONALFLOW_ALLOW_HOSTS: (opts.allowHosts ?? []).join(',') } : {}),
        // the https hosts the spec names, as `zonalflow stats` allows exactly what the user named
        ...(specHosts.length > 0 ? { RASTER_HOSTS: [fn.env.RASTER_HOSTS, ...specHosts].filter(Boolean).join(',') } : {}),
        // the handlers' JSON logs (Powertools) stay quiet locally unless asked for
        POWERTOOLS_LOG_LEVEL: savedVars.ZONALFLOW_HANDLER_LOG_LEVEL ?? 'SILENT',
        // a time series' asset hosts get nothing more: they pass RASTER_HOSTS (the stack's rasterHttpsHosts) as on AWS
      };
      const context = { awsRequestId: requestId, getRemainingTimeInMillis: () => (timeoutMs - (Date.now() - started)) / timeoutScale };
      const notePeak = (bytes: number): void => {
        peakMb[fn.name] = Math.max(peakMb[fn.name] ?? 0, Math.round(bytes / 2 ** 20));
      };
      const work = onThread && threadPool.pool
        ? threadPool.pool.invoke(fn.handlerName, input, layer, { sandbox: session.accessKeyId, requestId, deadline: started + timeoutMs, scale: timeoutScale, ...(stripe === undefined ? {} : { prefer: stripe }) }).then(
          (r) => {
            notePeak(r.peakBytes);
            return r.output;
          },
          (e: unknown) => {
            notePeak((e as { peakBytes?: number }).peakBytes ?? 0);
            throw e;
          },
        )
        : withEnv(layer, async () => {
          const handler = await loadHandler(fn.handlerName);
          return inSandbox(session.accessKeyId, () => handler(input, context));
        });
      inFlight.add(work);
      void work.catch(() => undefined).finally(() => inFlight.delete(work));
      // the runtime died (a Lambda thread's exit): its sandbox with it
      let runtimeDied = false;
      try {
        const out = await Promise.race([work, failed]);
        checkPayload(stateName, out);
        progress.observe(fn.name, out);
        return out;
      } catch (err) {
        const e = err as Error & { isCatchable?: boolean };
        if (e.name.startsWith('Runtime.')) runtimeDied = true;
        if (e.isCatchable === false) throw err;
        // as Lambda reports it to Step Functions: the error's type is its name
        if (!(e.name.startsWith('Lambda.') || e.name.startsWith('States.') || e.name === 'Sandbox.Timedout' || (e.name === 'Error' && e.message.startsWith('{')))) {
          throw lambdaError(e instanceof ZonalflowError ? e.name : e.name || 'Error', e.name, e.message);
        }
        throw err;
      } finally {
        clearTimeout(timer);
        // one sample as the invocation ends, so a run shorter than the sampling period is measured too
        sample();
        set.delete(inv);
        if (cut || runtimeDied) {
          // Lambda resets an execution environment whose invocation timed out or crashed: the sandbox is discarded,
          // its session ended (the abandoned invocation's later calls are cut), its clients dropped
          session.end();
          if (threadPool.pool) threadPool.pool.retire(session.accessKeyId);
          else retireSandbox(session.accessKeyId);
        } else {
          // frozen until its next invocation (calls meanwhile are cut), warm for the next invocation of the function
          session.freeze();
          idle.push(session);
        }
      }
    };

    const asl = renderDefinition(template, allRefs) as Definition;
    const taskHandlers = (states: Record<string, Record<string, unknown>>, stripe?: number): Record<string, (input: unknown) => Promise<unknown>> => {
      const out: Record<string, (input: unknown) => Promise<unknown>> = {};
      for (const [name, s] of Object.entries(states)) {
        if (s.Type !== 'Task' || typeof s.Resource !== 'string') continue;
        const fn = functions[s.Resource];
        if (!fn) continue;
        out[name] = async (input: unknown) => {
          const result = await invoke(fn, name, input, stripe);
          if (fn.name === 'Collect' && faults.has('collect-retry') && !collectSucceeded) {
            collectSucceeded = true;
            retries++;
            log(`${name}: succeeded, but its answer is lost; Step Functions runs it again (injected collect-retry)`);
            return invoke(fn, name, input, stripe);
          }
          return result;
        };
      }
      return out;
    };
    let mapRuns = 0;
    const adapted = adaptDistributedMaps(asl, {
      stateMachineArn,
      newId: () => `${randomUUID()}`.replace(/^(.{8})/, (m) => `${m.slice(0, 6)}${String(++mapRuns).padStart(2, '0')}`),
      duplicateChild: faults.has('duplicate-child'),
      concurrencyCap: opts.mapConcurrency ?? Math.max(3, 2 * threads),
      // one stripe of consecutive items per Lambda thread: each thread's warm tiles serve its own stretch of Plan's
      // spatial order instead of both threads reading and inflating most tiles
      stripes: Math.max(1, threads),
      log,
      readJson: async (bucket, key) => {
        try {
          return await getJson(smS3, { bucket, key });
        } catch (err) {
          throw Object.assign(new Error(err instanceof Error ? err.message : String(err)), { name: 'States.ItemReaderFailed' });
        }
      },
      writeJson: async (bucket, key, value) => {
        const text = JSON.stringify(value);
        try {
          await smS3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: text, ContentType: 'application/json' }));
        } catch (err) {
          throw Object.assign(new Error(`cannot write s3://${bucket}/${key}: ${err instanceof Error ? err.message : String(err)}`), { name: 'States.ResultWriterFailed' });
        }
        return Buffer.byteLength(text);
      },
      authorize: (action, resource) => {
        const denied = stateMachineDenied(action, resource);
        if (denied) throw Object.assign(new Error(denied.message), { name: 'States.Runtime' });
      },
      runChild: (processor, input, child) =>
        runExecution(processor, input, { handlers: taskHandlers(processor.States, child.stripe), executionArn: child.executionArn, name: child.name, timeScale: scale, timeoutScale, log, logPrefix: `[item ${child.index}] ` }),
    });
    // the threads are warm before any child's task and its timeouts
    const mapHandlers = Object.fromEntries(Object.entries(adapted.handlers).map(([name, h]) => [name, async (input: unknown): Promise<unknown> => {
      if (threads > 0) await lambdaPool();
      return h(input);
    }]));
    const topHandlers = { ...taskHandlers(adapted.definition.States), ...mapHandlers };
    // upload (while the Lambda threads load: they started above) and start
    lap('uploads');
    for (const u of rasterUploads) await stoppable(putLocalRaster(env, u.key, u.path, u.given));
    const key = basename(opts.input);
    // with its name as the user gave it, as `zonalflow run` uploads it (pipeline/input-name.ts): the job records it
    await env.putFile(LOCAL.input, key, opts.input, inputNameMetadata(opts.input));
    await putJson(env.s3, { bucket: LOCAL.input, key: specKeyBeside(key) ?? `${key}.json` }, spec);
    const head = await headObject(env.s3, { bucket: LOCAL.input, key });
    let input: unknown = { bucket: LOCAL.input, key, etag: head?.etag ?? '' };
    if (opts.trigger === 'event') {
      const rules = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Events::Rule');
      const event = objectCreatedEvent(LOCAL.input, key, head?.etag ?? '', head?.size ?? 0);
      const rule = rules.find((r) => matchesPattern(JSON.parse(JSON.stringify(r.Properties?.EventPattern).replace(/\{"Ref":"[^"]+"\}/g, `"${LOCAL.input}"`)) as Record<string, unknown>, event));
      if (!rule) throw new ZonalflowError('LOCAL_TRIGGER', `no rule of the template matches the upload of ${key}`);
      const target = (rule.Properties?.Targets as { InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string }; RoleArn?: unknown }[])[0];
      if (!target) throw new ZonalflowError('LOCAL_TRIGGER', 'the upload rule has no target');
      // the rule's role must be allowed to start the state machine
      for (const roleArn of authority.iam.eventsRoles) {
        const d = authority.check(authority.newSession(roleArn, 'EventBridge'), { action: 'states:StartExecution', resource: stateMachineArn });
        if (!d.allowed) throw new ZonalflowError('LOCAL_ACCESS_DENIED', `the upload rule cannot start the state machine: ${d.denial.message}`);
      }
      input = JSON.parse(transformInput(target.InputTransformer, event)) as unknown;
      log(`rule matched the upload of ${key}; execution input ${JSON.stringify(input)}`);
    }
    // the top-level states entered ("-> Plan") start the phases of the execution
    const execLog = (line: string): void => {
      const m = /^-> (.+)$/.exec(line);
      if (m?.[1]) lap(m[1]);
      log(line);
    };
    // the top-level states' failures: Plan's reason is the job's error, which JobFailed passes on and the result line
    // gives; only a reason that error does not repeat (a MarkFailed that failed too) is printed, after the execution
    const stateFailures: { state: string; reason: string }[] = [];
    const start = (execInput: unknown, name: string): Promise<ExecutionOutcome> =>
      runExecution(adapted.definition, execInput, { handlers: topHandlers, executionArn: `arn:aws:states:us-east-1:000000000000:execution:${ids.machine}:${name}`, name, timeScale: scale, timeoutScale, log: execLog, onStateFailed: (state, reason) => stateFailures.push({ state, reason }) });
    let outcome: ExecutionOutcome;
    if (faults.has('duplicate-event')) {
      log('the upload event is delivered twice: two executions start (injected duplicate-event)');
      const both = await stoppable(Promise.all([start(input, 'local'), start(input, 'local-duplicate')]));
      outcome = both.find((o) => o.status === 'SUCCEEDED' && (o.output as { duplicate?: boolean } | null)?.duplicate !== true) ?? both.find((o) => o.status !== 'SUCCEEDED') ?? both[0];
    } else outcome = await stoppable(start(input, 'local'));
    let output: unknown = outcome.status === 'SUCCEEDED' ? outcome.output : null;
    let failure: { code: string; message: string } | undefined = outcome.status === 'SUCCEEDED' ? undefined : { code: outcome.error, message: outcome.cause };
    let jobId = findJobId(output) ?? (await newestJob(env));
    if (opts.retry && jobId) {
      // what `zonalflow retry` does: reset the batches, mark the job RUNNING, start an execution with the jobId
      const { JobStore } = await import('../jobs/store');
      const { JOBS_INDEX_NAME } = await import('../jobs/records');
      const store = new JobStore(env.doc, LOCAL.table, { jobsIndex: JOBS_INDEX_NAME });
      await store.resetBatches(jobId);
      await store.setJobStatus(jobId, 'RUNNING', {}, true);
      log(`retry of job ${jobId}`);
      const retried = await stoppable(start({ ...(input as Record<string, unknown>), jobId }, 'local-retry'));
      output = retried.status === 'SUCCEEDED' ? retried.output : null;
      failure = retried.status === 'SUCCEEDED' ? undefined : { code: retried.error, message: retried.cause };
      jobId = findJobId(output) ?? jobId;
    }
    const jobReason = failure ? failureText(failure.code, failure.message) : null;
    for (const f of stateFailures) if (f.reason !== jobReason) log(`failed ${f.state}: ${f.reason}`);
    // invocations still running (a timed-out or abandoned child) end before the stand-ins stop
    await stoppable(Promise.allSettled([...inFlight]));
    signal?.throwIfAborted();
    for (const [fname, mb] of Object.entries(peakMb)) {
      const fn = Object.values(functions).find((f) => f.name === fname);
      if (fn && mb > fn.memoryMb) warnings.push(`${fname} peaked at about ${mb} MB, over its MemorySize of ${fn.memoryMb} MB (on Lambda: Runtime.OutOfMemory)`);
    }
    for (const w of warnings) log(`warning: ${w}`);
    lap('download');
    // the outputs as `zonalflow results` downloads them, each object copied from the S3 stand-in's file (no GET)
    const copy = (key: string, dest: string): Promise<boolean> => env.copyFile(LOCAL.output, key, dest);
    const files = jobId ? await downloadJobOutputs(env.s3, LOCAL.output, `${jobId}/`, opts.out, { features: opts.features ?? 'per-feature', copy, label: `--out ${opts.out}` }) : [];
    const summary = jobId ? ((await getJson(env.s3, { bucket: LOCAL.output, key: `${jobId}/summary.json` })) as { status?: string } | null) : null;
    // the job's error and summary.json name the input as the user gave it (asGiven, above)
    if (failure) failure = { ...failure, message: asGiven(failure.message) };
    nameLocalInput(join(opts.out, 'summary.json'), inputUri, opts.input);
    // a failed execution whose MarkFailed failed too (it timed out, or was denied) left no summary.json: the record
    // is written here from the execution's own error, so a failing job always has one
    if (failure && summary === null) writeFailedSummary(join(opts.out, 'summary.json'), jobId, failure);
    smS3.destroy();
    lap('end');
    log(`timings: ${Object.entries(timings).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')}`);
    log(`CPU seconds (all threads): ${Object.entries(cpuSeconds).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
    log(`sandboxes initialized (cold starts): ${Object.entries(coldStarts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    return { status: summary?.status ?? (failure ? 'FAILED' : 'UNKNOWN'), jobId, output, files, retries, denials: authority.denials.map((d) => d.message), warnings, memoryMb: peakMb, timings, cpuSeconds, coldStarts, ...(failure ? { error: failure } : {}) };
  } finally {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    await threadPool.pool?.close();
    for (const t of samplers) clearInterval(t);
    restoreEnv();
    for (const k of Object.keys(process.env)) if (!(k in savedVars)) Reflect.deleteProperty(process.env, k);
    Object.assign(process.env, savedVars);
    retireSandboxes();
    for (const g of gates) await g.close();
    for (const id of sessionKeys) s3Account.revokeAccessKey(id);
    await env.stop();
    rmSync(runTmp, { recursive: true, force: true });
    releaseHeapGrowth();
  }
}

function findJobId(output: unknown): string | null {
  const o = output as { jobId?: unknown } | null;
  return o && typeof o.jobId === 'string' ? o.jobId : null;
}

async function newestJob(env: StandIns): Promise<string | null> {
  const keys = await listKeys(env.s3, LOCAL.output, '');
  const summary = keys.find((k) => k.endsWith('/summary.json') && !k.startsWith('_work/'));
  if (summary) return summary.split('/')[0] ?? null;
  const manifest = keys.find((k) => k.startsWith('_work/') && k.endsWith('/manifest.json'));
  return manifest ? (manifest.split('/')[1] ?? null) : null;
}

/** The https hosts among URIs (the spec's rasters: the user named them). */
function httpsHosts(uris: readonly string[]): string[] {
  const out = new Set<string>();
  for (const u of uris) {
    try {
      const p = parseUri(u);
      if (p.scheme === 'https') out.add(p.url.hostname.toLowerCase());
    } catch {
      // not a URI: refused when opened
    }
  }
  return [...out];
}

/** Job progress from what the functions answer: Plan's totals, each Worker's batch counts. */
class ProgressTracker {
  private totals = { batches: 0, features: 0 };
  private readonly batches = new Map<string, { done: number; failed: number }>();
  constructor(private readonly report: ((p: LocalProgress) => void) | undefined) {}
  observe(fn: string, out: unknown): void {
    if (!this.report || out === null || typeof out !== 'object') return;
    const o = out as Record<string, unknown>;
    if (fn === 'Plan' && typeof o.batches === 'number' && typeof o.features === 'number' && o.duplicate !== true) this.totals = { batches: o.batches, features: o.features };
    else if (fn === 'Worker' && o.status === 'DONE' && typeof o.batchId === 'string') this.batches.set(o.batchId, { done: Number(o.featuresDone ?? 0), failed: Number(o.featuresFailed ?? 0) });
    else return;
    let done = 0;
    let failed = 0;
    for (const b of this.batches.values()) {
      done += b.done + b.failed;
      failed += b.failed;
    }
    this.report({ batches: this.totals.batches, batchesDone: this.batches.size, features: this.totals.features, featuresDone: done, featuresFailed: failed });
  }
}

/** The summary.json of a failed execution that left none in S3 (its MarkFailed failed): the job id, FAILED, the execution's error. */
export function writeFailedSummary(summaryPath: string, jobId: string | null, error: { code: string; message: string }): void {
  mkdirSync(dirname(summaryPath), { recursive: true });
  writeFileSync(summaryPath, JSON.stringify({ jobId, status: 'FAILED', error, failedAt: new Date().toISOString(), note: 'written by zonalflow local: the execution failed and its MarkFailed state wrote no summary.json' }));
}

/**
 * The summary.json a local run downloaded, its `input` and its error naming the input as the user gave it (`given`)
 * where the job names the stand-in's object (`uri`, s3://<input bucket>/<key>); unchanged when it does not.
 */
export function nameLocalInput(summaryPath: string, uri: string, given: string): void {
  if (!existsSync(summaryPath)) return;
  const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as { input?: unknown; error?: { message?: unknown } };
  const message = summary.error?.message;
  const inMessage = typeof message === 'string' && message.includes(uri);
  if (!inMessage && summary.input !== uri) return;
  if (summary.input === uri) summary.input = given;
  if (inMessage) summary.error = { ...summary.error, message: message.split(uri).join(given) };
  writeFileSync(summaryPath, JSON.stringify(summary));
}

/** The first 12 hex digits of a local file's MD5 (md5-cache.ts: remembered for large files); `missing` when it cannot be read (the upload then says why). */
function localFileTag(path: string): string {
  try {
    return fileMd5(path).slice(0, 12);
  } catch {
    return 'missing';
  }
}

/**
 * Stores a local raster named by the spec in the S3 stand-in's rasters bucket under `key` (no HTTP: StandIns.putFile);
 * a missing or unreadable file is a SourceError naming it as the spec gives it (`given`), a relative one with the
 * folder it was looked in, as `zonalflow stats` names it (io/source.file.ts); a missing one is a usage error, exit 2.
 */
async function putLocalRaster(env: StandIns, key: string, path: string, given: string): Promise<void> {
  try {
    await env.putFile(LOCAL.rasters, key, path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const where = isAbsolute(given) ? '' : ` (relative paths are read from the current folder: ${path})`;
      throw new SourceError(`cannot open ${given}: no such file${where}`, { cause: err, status: 404, context: { missingLocalFile: path } });
    }
    throw new SourceError(`cannot open ${given}: ${code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message}`, { cause: err });
  }
}
