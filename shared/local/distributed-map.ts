/**
 * The Distributed Map with its deployed semantics, for an ASL interpreter that
 * only runs inline Maps (aws-local-stepfunctions ignores ItemReader,
 * ResultWriter and tolerated failures). Each DISTRIBUTED Map state becomes a
 * Task state (same InputPath/ResultPath/OutputPath, Retry, Catch, Next/End)
 * whose local handler is a Map Run:
 * - the ItemReader's object is read as the state machine's role
 *   (s3:GetObject, checked) and must be a JSON array;
 * - starting the child executions needs states:StartExecution on the state
 *   machine (checked against the state machine's role);
 * - each item, through the ItemSelector (`$$.Map.Item.Value`/`.Index`, `$.`
 *   paths), runs as a child execution of the ItemProcessor, EXPRESS children
 *   limited to 5 minutes for all their attempts and backoff (States.Timeout),
 *   at most MaxConcurrency at once (and at most `concurrencyCap` locally);
 *   an item over 256 KiB fails (States.DataLimitExceeded);
 * - the tolerated failure threshold (ToleratedFailurePercentage of the item
 *   count, or ToleratedFailureCount) is evaluated as children finish: once
 *   exceeded, no child starts, running ones are abandoned, the results so far
 *   are written, and the Map fails with States.ExceedToleratedFailureThreshold;
 * - the ResultWriter writes AWS's layout under `<Prefix>/<MapRunId>/`:
 *   SUCCEEDED_0.json / FAILED_0.json / PENDING_0.json (arrays of execution
 *   records, Input/Output as JSON text) for the statuses that have results and
 *   manifest.json ({DestinationBucket, MapRunArn, ResultFiles: {FAILED,
 *   PENDING, SUCCEEDED: [{Key, Size}]}}), and the Map's result is
 *   {MapRunArn, ResultWriterDetails: {Bucket, Key}}
 *   (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html).
 * `duplicate-child` runs the first item's child twice at once (at-least-once).
 */
import type { Definition, ExecutionOutcome } from './execution';
import { terminalError } from './execution';

type State = Record<string, unknown>;

/** AWS's payload limit for state input/output and Map items (256 KiB). */
export const PAYLOAD_LIMIT_BYTES = 256 * 1024;

/** What a Map Run needs from the runner. */
export interface MapRuntime {
  /** Reads a JSON object as the state machine's role. */
  readJson(bucket: string, key: string): Promise<unknown>;
  /** Writes a JSON object as the state machine's role; returns its size in bytes. */
  writeJson(bucket: string, key: string, value: unknown): Promise<number>;
  /** Throws AWS's error when the state machine's role may not do `action` on `resource`. */
  authorize(action: string, resource: string): void;
  /** Runs one child execution of the item processor (`stripe`: the item's stripe, see `stripes`). */
  runChild(processor: Definition, input: unknown, child: { executionArn: string; name: string; index: number; stripe: number }): Promise<ExecutionOutcome>;
  /** The state machine's ARN (the Map Run and child ARNs derive from it). */
  stateMachineArn: string;
  /** A new Map Run id. */
  newId(): string;
  /** Run the first item's child twice (fault `duplicate-child`). */
  duplicateChild?: boolean;
  /** At most this many children at once locally (default 16). */
  concurrencyCap?: number;
  /**
   * Start the items in this many interleaved stripes of consecutive items (default 1: in index order): with 2, item 0,
   * then the first item of the second half, then item 1... Each child is told its stripe, so that a runner with one
   * thread per stripe keeps each thread on consecutive items (Plan writes them in spatial order: neighbouring items
   * share raster tiles). Step Functions starts a Map's child executions in no documented order.
   */
  stripes?: number;
  log?: (line: string) => void;
}

/** The JSON text size in bytes. */
export function payloadBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

function getPath(root: unknown, path: string): unknown {
  if (path === '$' || path === '$$') return root;
  return path.replace(/^\$\$?\./, '').split('.').reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), root);
}

/** Resolves a Parameters/ItemSelector template: `k.$` values are paths into the input (`$.`) or the context (`$$.`). */
export function resolveTemplate(template: unknown, input: unknown, context: unknown): unknown {
  if (Array.isArray(template)) return template.map((t) => resolveTemplate(t, input, context));
  if (template === null || typeof template !== 'object') return template;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(template)) {
    if (k.endsWith('.$') && typeof v === 'string') out[k.slice(0, -2)] = v.startsWith('$$') ? getPath(context, v) : getPath(input, v);
    else out[k] = resolveTemplate(v, input, context);
  }
  return out;
}

interface ChildRecord { ExecutionArn: string; Name: string; Input: string; InputDetails: { Included: true }; Status: string; StartDate: string; StopDate: string; StateMachineArn: string; Output?: string; OutputDetails?: { Included: true }; Error?: string; Cause?: string; RedriveCount: number; RedriveStatus: string }

/** Runs one Map Run of `state` on `input`; returns the Map's result. */
export async function runMapRun(name: string, state: State, input: unknown, rt: MapRuntime): Promise<unknown> {
  const processor = state.ItemProcessor as Definition & { ProcessorConfig?: { ExecutionType?: string } };
  const express = processor.ProcessorConfig?.ExecutionType !== 'STANDARD';
  const childDef: Definition = { StartAt: processor.StartAt, States: processor.States, ...(express ? { TimeoutSeconds: 300 } : {}) };
  const reader = state.ItemReader as { Parameters?: Record<string, unknown>; Arguments?: Record<string, unknown> } | undefined;
  const writer = state.ResultWriter as { Parameters?: Record<string, unknown>; Arguments?: Record<string, unknown> } | undefined;
  const smName = rt.stateMachineArn.split(':').pop() ?? 'stateMachine';
  const runId = rt.newId();
  const label = typeof state.Label === 'string' ? state.Label : name;
  const mapRunArn = `arn:aws:states:us-east-1:000000000000:mapRun:${smName}/${label}:${runId}`;
  // items
  let items: unknown[];
  if (reader) {
    const p = resolveTemplate(reader.Parameters ?? reader.Arguments ?? {}, input, {}) as { Bucket?: string; Key?: string };
    const raw = await rt.readJson(p.Bucket ?? '', p.Key ?? '');
    if (!Array.isArray(raw)) throw Object.assign(new Error(`the ItemReader of ${name} did not find a JSON array at s3://${p.Bucket ?? ''}/${p.Key ?? ''}`), { name: 'States.ItemReaderFailed' });
    items = raw;
  } else {
    const v = getPath(input, typeof state.ItemsPath === 'string' ? state.ItemsPath : '$');
    if (!Array.isArray(v)) throw Object.assign(new Error(`the ItemsPath of ${name} is not an array`), { name: 'States.Runtime' });
    items = v;
  }
  rt.authorize('states:StartExecution', rt.stateMachineArn);
  const total = items.length;
  const pct = Number(state.ToleratedFailurePercentage ?? 0);
  const count = state.ToleratedFailureCount === undefined ? undefined : Number(state.ToleratedFailureCount);
  const exceeded = (failed: number): boolean => (count !== undefined ? failed > count : total > 0 && failed > 0 && (failed / total) * 100 > pct) || (count === undefined && pct === 0 && failed > 0);
  const max = Number(state.MaxConcurrency ?? 0);
  const limit = Math.max(1, Math.min(max > 0 ? max : 1000, rt.concurrencyCap ?? 16));
  const records: (ChildRecord | null)[] = new Array<ChildRecord | null>(total).fill(null);
  let failed = 0;
  let stopped = false;
  let next = 0;
  const stripes = stripeOrder(total, rt.stripes ?? 1);
  const runOne = async (index: number): Promise<void> => {
    const item = items[index];
    const childInput = state.ItemSelector ? resolveTemplate(state.ItemSelector, input, { Map: { Item: { Index: index, Value: item } } }) : item;
    const childName = `${runId.slice(0, 8)}-${index}`;
    const executionArn = `arn:aws:states:us-east-1:000000000000:express:${smName}/${label}:${childName}`;
    const start = new Date().toISOString();
    let outcome: ExecutionOutcome;
    if (payloadBytes(childInput) > PAYLOAD_LIMIT_BYTES) {
      outcome = { status: 'FAILED', error: 'States.DataLimitExceeded', cause: `the item ${index} of ${name} is ${payloadBytes(childInput)} bytes, over the 262144-byte payload limit` };
    } else {
      const run = (): Promise<ExecutionOutcome> => rt.runChild(childDef, childInput, { executionArn, name: childName, index, stripe: stripes.stripe[index] ?? 0 });
      if (index === 0 && rt.duplicateChild) {
        rt.log?.(`${name}: the child of item 0 runs twice (injected duplicate-child)`);
        const [a, b] = await Promise.all([run(), run()]);
        outcome = a.status === 'SUCCEEDED' ? a : b;
      } else outcome = await run();
    }
    const base = { ExecutionArn: executionArn, Name: childName, Input: JSON.stringify(childInput), InputDetails: { Included: true as const }, StartDate: start, StopDate: new Date().toISOString(), StateMachineArn: rt.stateMachineArn, RedriveCount: 0, RedriveStatus: 'NOT_REDRIVABLE' };
    if (outcome.status === 'SUCCEEDED') records[index] = { ...base, Status: 'SUCCEEDED', Output: JSON.stringify(outcome.output ?? null), OutputDetails: { Included: true } };
    else {
      records[index] = { ...base, Status: outcome.status, Error: outcome.error, Cause: outcome.cause };
      failed++;
      if (!stopped && exceeded(failed)) {
        stopped = true;
        rt.log?.(`${name}: ${failed} of ${total} items failed, over the tolerated ${count !== undefined ? `${count}` : `${pct}%`}; the Map Run stops`);
      }
    }
  };
  await new Promise<void>((resolve) => {
    let running = 0;
    const pump = (): void => {
      if ((stopped || next >= total) && running === 0) {
        resolve();
        return;
      }
      while (!stopped && running < limit && next < total) {
        const i = stripes.order[next++] ?? 0;
        running++;
        void runOne(i).finally(() => {
          running--;
          // once over the threshold, the Map Run fails at once: running children are abandoned
          if (stopped) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  // results, as the ResultWriter exports them
  let details: { Bucket: string; Key: string } | null = null;
  if (writer) {
    const w = resolveTemplate(writer.Parameters ?? writer.Arguments ?? {}, input, {}) as { Bucket?: string; Prefix?: string };
    const bucket = w.Bucket ?? '';
    const prefix = `${(w.Prefix ?? '').replace(/\/+$/, '')}${w.Prefix ? '/' : ''}${runId}/`;
    const done = records.filter((r): r is ChildRecord => r !== null);
    const groups: Record<'SUCCEEDED' | 'FAILED' | 'PENDING', unknown[]> = {
      SUCCEEDED: done.filter((r) => r.Status === 'SUCCEEDED'),
      FAILED: done.filter((r) => r.Status !== 'SUCCEEDED'),
      PENDING: items.map((it, i) => (records[i] === null ? { Input: JSON.stringify(it), Index: i } : null)).filter((x) => x !== null),
    };
    const files: Record<string, { Key: string; Size: number }[]> = { FAILED: [], PENDING: [], SUCCEEDED: [] };
    for (const status of ['SUCCEEDED', 'FAILED', 'PENDING'] as const) {
      if (groups[status].length === 0) continue;
      const key = `${prefix}${status}_0.json`;
      files[status]?.push({ Key: key, Size: await rt.writeJson(bucket, key, groups[status]) });
    }
    const manifestKey = `${prefix}manifest.json`;
    await rt.writeJson(bucket, manifestKey, { DestinationBucket: bucket, MapRunArn: mapRunArn, ResultFiles: files });
    details = { Bucket: bucket, Key: manifestKey };
  }
  if (stopped) {
    const first = records.find((r) => r !== null && r.Status !== 'SUCCEEDED');
    throw Object.assign(new Error(`${failed} of ${total} items of ${name} failed, more than the tolerated ${count !== undefined ? `${count}` : `${pct}%`}; first: ${first?.Error ?? ''}: ${(first?.Cause ?? '').slice(0, 500)}`), { name: 'States.ExceedToleratedFailureThreshold' });
  }
  return details ? { MapRunArn: mapRunArn, ResultWriterDetails: details } : records.map((r) => (r?.Output === undefined ? null : JSON.parse(r.Output) as unknown));
}

/**
 * The order in which `total` items start when split into `n` stripes of consecutive items (sizes differing by at most
 * one): the first item of each stripe in turn, then the second of each... (`order`), and each item's stripe (`stripe`).
 */
export function stripeOrder(total: number, n: number): { order: number[]; stripe: number[] } {
  const k = Math.max(1, Math.min(Math.floor(n), total));
  const starts = Array.from({ length: k + 1 }, (_, s) => Math.round((s * total) / k));
  const stripe = new Array<number>(total).fill(0);
  for (let s = 0; s < k; s++) for (let i = starts[s] ?? 0; i < (starts[s + 1] ?? 0); i++) stripe[i] = s;
  const order: number[] = [];
  for (let j = 0; order.length < total; j++) {
    for (let s = 0; s < k; s++) {
      const i = (starts[s] ?? 0) + j;
      if (i < (starts[s + 1] ?? 0)) order.push(i);
    }
  }
  return { order, stripe };
}

/** Replaces every DISTRIBUTED Map of a definition by a Task run by `runMapRun`; returns the new definition and the handlers. */
export function adaptDistributedMaps(definition: Definition, rt: MapRuntime): { definition: Definition; handlers: Record<string, (input: unknown) => Promise<unknown>> } {
  const states: Record<string, State> = { ...definition.States };
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const [name, state] of Object.entries(definition.States)) {
    const processor = state.ItemProcessor as { ProcessorConfig?: { Mode?: string } } | undefined;
    if (state.Type !== 'Map' || processor?.ProcessorConfig?.Mode !== 'DISTRIBUTED') continue;
    // a Map has no timeout on AWS ("By default, the Amazon States Language doesn't specify timeouts",
    // https://docs.aws.amazon.com/step-functions/latest/dg/sfn-stuck-execution.html); the interpreter gives a
    // Task without TimeoutSeconds 60 s, which would cut every Map Run longer than a minute: the longest a timer can wait instead (2^31 ms)
    const task: State = { Type: 'Task', Resource: 'arn:aws:states:::map:distributed', TimeoutSeconds: 2_147_483 };
    for (const k of ['InputPath', 'ResultPath', 'ResultSelector', 'OutputPath', 'Retry', 'Catch', 'Next', 'End', 'Comment']) if (k in state) task[k] = state[k];
    states[name] = task;
    handlers[name] = (input: unknown) => runMapRun(name, state, input, rt);
  }
  return { definition: { ...definition, States: states }, handlers };
}

/** Throws States.DataLimitExceeded when a state's payload is over 256 KiB (a terminal error: no Catch or Retry). */
export function checkPayload(what: string, value: unknown, kind: 'input' | 'result' = 'result'): void {
  const size = payloadBytes(value);
  if (size <= PAYLOAD_LIMIT_BYTES) return;
  throw terminalError('States.DataLimitExceeded', kind === 'result'
    ? `The state/task '${what}' returned a result with a size exceeding the maximum number of bytes service limit (${size} > 262144 bytes).`
    : `The input of the state/task '${what}' has a size exceeding the maximum number of bytes service limit (${size} > 262144 bytes).`);
}
