/**
 * `zonalflow local`: the deployed pipeline on one machine. The CDK app is
 * synthesized, the state machine definition taken from the template and run
 * by an ASL interpreter (aws-local-stepfunctions, with the Distributed Map
 * adapter), the Lambda handlers run in-process with the environment the
 * template gives them, against S3 and DynamoDB stand-ins started here. The
 * execution is started directly, or by the template's EventBridge rule
 * reacting to the upload (trigger path). Outputs are copied to a directory.
 */
import { readFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { installPolyfills } from './polyfills';
import { startStandIns } from './stand-ins';
import type { StandIns } from './stand-ins';
import { adaptDistributedMaps } from './distributed-map';
import { matchesPattern, objectCreatedEvent, transformInput } from './eventbridge';
import { downloadPrefix, getJson, headObject, listKeys, putJson } from '../pipeline/objects';
import { HANDLERS, loadHandler } from './handlers';
import type { Handler } from './handlers';
import { readSpecFile } from '../spec-file';
import { resetHandlerDeps } from '../pipeline/deps';
import { parseJobSpec } from '../spec';
import { ZonalflowError } from '../errors';
import { parseUri } from '../io/uri';

/** Local names of the stack's resources. */
export const LOCAL = { input: 'zonalflow-input', output: 'zonalflow-output', rasters: 'zonalflow-rasters', table: 'zonalflow-jobs' };

/** Faults to inject (tests of the retry paths). */
export interface LocalFaults {
  /** Each function answers Lambda.TooManyRequestsException this many times before running. */
  throttleFirst?: number;
  /** The worker of the first batch dies once after completing its work (Lambda.ServiceException). */
  workerDiesOnce?: boolean;
}

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
  faults?: LocalFaults;
  /** Progress lines (state entered/failed, retries). */
  log?: (line: string) => void;
  /** Milliseconds between retries locally (the definition's backoff would make tests wait minutes). */
  retryIntervalMs?: number;
}

/** What a local run returns. */
export interface LocalRunResult {
  status: string;
  jobId: string | null;
  output: unknown;
  files: string[];
  error?: { code: string; message: string };
  retries: number;
}

type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }> };

/** Synthesizes the app (no bundling: the handlers run from source) and returns the template. */
export async function synthTemplate(context: Record<string, unknown>): Promise<Template> {
  const { buildApp } = await import('../../infra/app');
  const flags = (JSON.parse(readFileSync(join(import.meta.dirname, '../../cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
  const { app, stack } = buildApp({ ...flags, 'aws:cdk:bundling-stacks': [], ...context }, { nag: false });
  const assembly = app.synth();
  return assembly.getStackByName(stack.stackName).template as Template;
}

function logicalId(t: Template, type: string, prefix: string): string {
  const hit = Object.entries(t.Resources).find(([id, r]) => r.Type === type && id.startsWith(prefix));
  if (!hit) throw new ZonalflowError('LOCAL_TEMPLATE', `the template has no ${type} ${prefix}*`);
  return hit[0];
}

/** Runs the job through the synthesized state machine on this machine. */
export async function runLocal(opts: LocalRunOptions): Promise<LocalRunResult> {
  installPolyfills();
  const log = opts.log ?? (() => undefined);
  const specRaw = typeof opts.spec === 'string' ? (readSpecFile(opts.spec).value as Record<string, unknown>) : opts.spec;
  parseJobSpec(specRaw, typeof opts.spec === 'string' ? `job spec ${opts.spec}` : 'job spec');
  const env = await startStandIns({ buckets: [LOCAL.input, LOCAL.output, LOCAL.rasters], table: LOCAL.table, jobsIndex: true });
  const saved = { ...process.env };
  try {
    // local raster files go to the S3 stand-in, as they would be in S3 for a deployed stack
    const rasters = ((specRaw.rasters ?? []) as { uri: string; name?: string }[]).map((r) => ({ ...r }));
    // each file under its own prefix (r<index>/): a/elev.tif and b/elev.tif never share a key
    for (const [index, r] of rasters.entries()) {
      const p = parseUri(r.uri);
      if (p.scheme !== 'file') continue;
      const path = isAbsolute(p.path) ? p.path : resolve(p.path); // relative to the current directory, as `zonalflow stats` reads it
      const file = basename(path);
      const key = `r${index}/${file}`;
      await env.s3.send(new PutObjectCommand({ Bucket: LOCAL.rasters, Key: key, Body: readFileSync(path) }));
      r.name ??= file.replace(/\.(tiff?|TIFF?)$/, '').replace(/\.cog$/i, '').replace(/[^A-Za-z0-9_]/g, '_');
      r.uri = `s3://${LOCAL.rasters}/${key}`;
    }
    const spec = { ...specRaw, rasters };
    const template = await synthTemplate({ rasterBuckets: LOCAL.rasters });
    const ids = {
      input: logicalId(template, 'AWS::S3::Bucket', 'StorageInput'),
      output: logicalId(template, 'AWS::S3::Bucket', 'StorageOutput'),
      table: logicalId(template, 'AWS::DynamoDB::Table', 'StorageJobs'),
    };
    const refs: Record<string, string> = { [ids.input]: LOCAL.input, [ids.output]: LOCAL.output, [ids.table]: LOCAL.table, [`${ids.output}.Arn`]: `arn:aws:s3:::${LOCAL.output}` };
    const handlers: Record<string, { handler: Handler; env: Record<string, string>; timeoutMs: number; name: string }> = {};
    const { resolveCfn, renderDefinition, placeholderRefs } = await import('../../infra/definition');
    const allRefs = { ...placeholderRefs(template), ...refs };
    for (const name of HANDLERS) {
      const prefix = `Functions${name[0]?.toUpperCase() ?? ''}${name.slice(1)}`;
      const id = logicalId(template, 'AWS::Lambda::Function', prefix);
      const props = template.Resources[id]?.Properties ?? {};
      const vars = ((props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, Parameters<typeof resolveCfn>[0]>;
      const fnEnv = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, resolveCfn(v, allRefs)]));
      delete fnEnv.NODE_OPTIONS;
      handlers[allRefs[`${id}.Arn`] ?? id] = { handler: await loadHandler(name), env: fnEnv, timeoutMs: Number(props.Timeout ?? 900) * 1000, name: prefix.replace('Functions', '') };
    }
    const asl = renderDefinition(template, allRefs) as { StartAt: string; States: Record<string, Record<string, unknown>> };
    const io = {
      readJson: async (bucket: string, key: string) => getJson(env.s3, { bucket, key }),
      writeJson: async (bucket: string, key: string, value: unknown) => putJson(env.s3, { bucket, key }, value),
    };
    let run = 0;
    const adapted = adaptDistributedMaps(asl, io, () => `run-${++run}`);
    // the Task states that call our functions, anywhere in the definition
    const local: Record<string, (input: unknown) => Promise<unknown>> = {};
    const retryOverrides: Record<string, number> = {};
    const throttled = new Map<string, number>();
    let workerDied = false;
    let retries = 0;
    const visit = (states: Record<string, Record<string, unknown>>): void => {
      for (const [name, s] of Object.entries(states)) {
        if (s.Retry) retryOverrides[name] = opts.retryIntervalMs ?? 20;
        const proc = s.ItemProcessor as { States: Record<string, Record<string, unknown>> } | undefined;
        if (proc) visit(proc.States);
        if (s.Type !== 'Task' || typeof s.Resource !== 'string') continue;
        const fn = handlers[s.Resource];
        if (!fn) continue;
        local[name] = async (input: unknown) => {
          const count = throttled.get(fn.name) ?? 0;
          if (count < (opts.faults?.throttleFirst ?? 0)) {
            throttled.set(fn.name, count + 1);
            retries++;
            log(`${name}: Lambda throttled (injected)`);
            throw Object.assign(new Error('Rate Exceeded.'), { name: 'Lambda.TooManyRequestsException' });
          }
          // local runs are trusted: a STAC API or file server on this machine may be read, and a time series' asset hosts
          Object.assign(process.env, env.env, fn.env, { ZONALFLOW_ALLOW_LOOPBACK: '1' }, (spec as { stac?: unknown }).stac ? { RASTER_HOSTS: [fn.env.RASTER_HOSTS, '*'].filter(Boolean).join(',') } : {});
          resetHandlerDeps();
          const started = Date.now();
          try {
            const out = await fn.handler(input, { getRemainingTimeInMillis: () => fn.timeoutMs - (Date.now() - started) });
            if (fn.name === 'Worker' && opts.faults?.workerDiesOnce && !workerDied) {
              workerDied = true;
              retries++;
              log(`${name}: worker died after finishing (injected)`);
              throw Object.assign(new Error('the Lambda runtime exited unexpectedly (injected)'), { name: 'Lambda.ServiceException' });
            }
            return out;
          } catch (err) {
            const e = err as Error;
            // as Lambda reports it to Step Functions: the error's type is its name
            if (!(e.name.startsWith('Lambda.') || e.name.startsWith('States.'))) {
              throw Object.assign(new Error(JSON.stringify({ errorType: e.name, errorMessage: e.message })), { name: e instanceof ZonalflowError ? e.name : e.name || 'Error' });
            }
            throw err;
          }
        };
      }
    };
    visit(adapted.definition.States);
    for (const m of adapted.maps) Object.assign(local, m.handlers);
    // upload and start
    const key = basename(opts.input);
    await env.s3.send(new PutObjectCommand({ Bucket: LOCAL.input, Key: key, Body: readFileSync(opts.input) }));
    await putJson(env.s3, { bucket: LOCAL.input, key: key.replace(/\.gpkg$/i, '.json') }, spec);
    const head = await headObject(env.s3, { bucket: LOCAL.input, key });
    let input: unknown = { bucket: LOCAL.input, key, etag: head?.etag ?? '' };
    if (opts.trigger === 'event') {
      const rules = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Events::Rule');
      const event = objectCreatedEvent(LOCAL.input, key, head?.etag ?? '', head?.size ?? 0);
      const rule = rules.find((r) => matchesPattern(JSON.parse(JSON.stringify(r.Properties?.EventPattern).replace(/\{"Ref":"[^"]+"\}/g, `"${LOCAL.input}"`)) as Record<string, unknown>, event));
      if (!rule) throw new ZonalflowError('LOCAL_TRIGGER', `no rule of the template matches the upload of ${key}`);
      const target = (rule.Properties?.Targets as { InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string } }[])[0];
      if (!target) throw new ZonalflowError('LOCAL_TRIGGER', 'the upload rule has no target');
      input = JSON.parse(transformInput(target.InputTransformer, event)) as unknown;
      log(`rule matched the upload of ${key}; execution input ${JSON.stringify(input)}`);
    }
    const { StateMachine } = await import('aws-local-stepfunctions');
    const machine = new StateMachine(adapted.definition as never, { validationOptions: { checkPaths: false, checkArn: false } });
    const execution = machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: local as never, retryIntervalOverrides: retryOverrides },
      context: { Execution: { Id: 'arn:aws:states:local:000000000000:execution:zonalflow:local', Input: input, Name: 'local', StartTime: new Date().toISOString() } } as never,
    });
    void (async () => {
      for await (const e of execution.eventLogs) {
        const ev = e as { type: string; state?: { name: string }; error?: string; cause?: unknown };
        if (ev.type === 'StateEntered' && ev.state && !ev.state.name.includes('.')) log(`-> ${ev.state.name}`);
        if (ev.type === 'StateRetried') log(`retry ${ev.state?.name ?? ''}`);
        if (ev.type === 'StateFailed') log(`failed ${ev.state?.name ?? ''}: ${JSON.stringify(e).slice(0, 600)}`);
      }
    })().catch(() => undefined);
    let output: unknown = null;
    let failure: { code: string; message: string } | undefined;
    try {
      output = await execution.result;
    } catch (err) {
      const e = err as { message?: string; cause?: { name?: string; message?: string } };
      failure = { code: e.cause?.name ?? 'ExecutionFailed', message: e.cause?.message ?? e.message ?? String(err) };
    }
    const jobId = findJobId(output) ?? (await newestJob(env));
    const files = jobId ? await downloadPrefix(env.s3, LOCAL.output, `${jobId}/`, opts.out) : [];
    const summary = jobId ? ((await getJson(env.s3, { bucket: LOCAL.output, key: `${jobId}/summary.json` })) as { status?: string } | null) : null;
    return { status: summary?.status ?? (failure ? 'FAILED' : 'UNKNOWN'), jobId, output, files, retries, ...(failure ? { error: failure } : {}) };
  } finally {
    process.env = saved;
    resetHandlerDeps();
    await env.stop();
  }
}

function findJobId(output: unknown): string | null {
  const o = output as { jobId?: unknown } | null;
  return o && typeof o.jobId === 'string' ? o.jobId : null;
}

async function newestJob(env: StandIns): Promise<string | null> {
  const keys = await listKeys(env.s3, LOCAL.output, '');
  const summary = keys.find((k) => k.endsWith('/summary.json') && !k.startsWith('_work/'));
  return summary ? summary.split('/')[0] ?? null : null;
}
