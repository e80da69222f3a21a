/**
 * One state machine execution on the ASL interpreter (aws-local-stepfunctions),
 * with AWS's limits:
 * - the definition's durations (Retry IntervalSeconds/MaxDelaySeconds, Task
 *   TimeoutSeconds, Wait Seconds, the execution's TimeoutSeconds) are
 *   multiplied by the time scale, so a test can run AWS's timings 100x faster
 *   with the same proportions; retry waits are real waits (an EXPRESS child's
 *   5 minutes cover all its attempts and their backoff, as on AWS);
 * - the execution's timeout fails it with `States.Timeout`;
 * - an execution input or a state output over 256 KiB fails it with
 *   `States.DataLimitExceeded` (the interpreter is stopped at that state).
 * The result names the error and cause as Step Functions reports them.
 */
import { installPolyfills } from './polyfills';

type State = Record<string, unknown>;
/** An ASL definition. */
export type Definition = { StartAt: string; States: Record<string, State>; TimeoutSeconds?: number; Comment?: string };

/** Step Functions' payload limit for execution input and state input/output (256 KiB). */
const STATE_PAYLOAD_LIMIT = 256 * 1024;

/** How an execution ended. */
export type ExecutionOutcome =
  | { status: 'SUCCEEDED'; output: unknown }
  | { status: 'FAILED' | 'TIMED_OUT' | 'ABORTED'; error: string; cause: string };

/** An error Step Functions cannot catch or retry (States.DataLimitExceeded, States.Runtime). */
export function terminalError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, isCatchable: false, isRetryable: false });
}

/** Factors of a definition's durations: waits (Retry intervals and delays, Wait states) and timeouts (TimeoutSeconds, HeartbeatSeconds). */
export interface DurationScale { waits: number; timeouts: number }

function scaleState(s: State, scale: DurationScale): State {
  const f = scale.waits;
  const out: State = { ...s };
  if (Array.isArray(s.Retry)) {
    out.Retry = (s.Retry as State[]).map((r) => ({
      ...r,
      IntervalSeconds: Number(r.IntervalSeconds ?? 1) * f,
      ...(r.MaxDelaySeconds === undefined ? {} : { MaxDelaySeconds: Number(r.MaxDelaySeconds) * f }),
    }));
  }
  if (typeof s.Seconds === 'number') out.Seconds = s.Seconds * f;
  for (const k of ['TimeoutSeconds', 'HeartbeatSeconds'] as const) if (typeof s[k] === 'number') out[k] = (s[k]) * scale.timeouts;
  const proc = (s.ItemProcessor ?? s.Iterator) as Definition | undefined;
  if (proc) out[s.ItemProcessor ? 'ItemProcessor' : 'Iterator'] = { ...proc, States: scaleStates(proc.States, scale) };
  if (Array.isArray(s.Branches)) out.Branches = (s.Branches as Definition[]).map((b) => ({ ...b, States: scaleStates(b.States, scale) }));
  return out;
}

function scaleStates(states: Record<string, State>, scale: DurationScale): Record<string, State> {
  return Object.fromEntries(Object.entries(states).map(([n, s]) => [n, scaleState(s, scale)]));
}

/** The definition with every duration multiplied by `f` (one factor, or one for the waits and one for the timeouts). */
export function scaleDefinition(def: Definition, f: number | DurationScale): Definition {
  const scale = typeof f === 'number' ? { waits: f, timeouts: f } : f;
  if (scale.waits === 1 && scale.timeouts === 1) return def;
  return { ...def, States: scaleStates(def.States, scale), ...(def.TimeoutSeconds === undefined ? {} : { TimeoutSeconds: def.TimeoutSeconds * scale.timeouts }) };
}

/** Options of `runExecution`. */
export interface ExecutionOptions {
  /** The Task states run by local functions. */
  handlers: Record<string, (input: unknown) => Promise<unknown>>;
  /** Execution ARN and name (the `$$.Execution` context). */
  executionArn: string;
  name: string;
  /** Time scale (1 = AWS's durations). */
  timeScale?: number;
  /** Scale of the timeouts alone (TimeoutSeconds: the execution's, a Task's); default `timeScale`. */
  timeoutScale?: number;
  /** State entered/retried/failed lines. */
  log?: (line: string) => void;
  /** Prefix of log lines (a child's item index). */
  logPrefix?: string;
  /**
   * A failed state's name and reason (failureText), instead of a `failed <state>: <reason>` log line: the caller
   * prints the reasons the execution's own error does not repeat (runner.ts: a failed job's reason once, on the
   * result line). Every call comes before runExecution returns.
   */
  onStateFailed?: (state: string, reason: string) => void;
}

/**
 * What a scaled timeout lasted in real time, for the end of a timeout message that gives AWS's seconds
 * ("Task timed out after 300.00 seconds (3.00 s of real time: durations scaled by 0.01, --time-scale)"); empty unscaled.
 */
export function scaledNote(seconds: number, scale: number): string {
  return scale === 1 ? '' : ` (${(seconds * scale).toFixed(2)} s of real time: durations scaled by ${scale}, --time-scale)`;
}

/**
 * A failed state's error and cause as one readable text: a Lambda error document (`{"errorType", "errorMessage"}`,
 * the cause Step Functions gives a Task whose function threw, and the Fail state that passes it on) is its message,
 * whole (it names the problem, e.g. the refused host and how to allow it), after the error's name only when that is
 * one of AWS's (`Sandbox.Timedout`, `Lambda.Unknown`: the message alone would not say what happened); any other
 * cause after the error's name, its first 400 characters.
 */
export function failureText(error: string, cause: unknown): string {
  const text = typeof cause === 'string' ? cause : JSON.stringify(cause ?? '');
  let message: unknown;
  try {
    message = (JSON.parse(text) as { errorMessage?: unknown } | null)?.errorMessage;
  } catch {
    // not a Lambda error document
  }
  if (typeof message === 'string') return error.includes('.') ? `${error} ${message}` : message;
  return `${error} ${text.slice(0, 400)}`;
}

/** Runs `definition` (durations in AWS seconds; TimeoutSeconds = the execution's limit) on `input`. */
export async function runExecution(definition: Definition, input: unknown, opts: ExecutionOptions): Promise<ExecutionOutcome> {
  installPolyfills();
  const inputBytes = Buffer.byteLength(JSON.stringify(input ?? null), 'utf8');
  if (inputBytes > STATE_PAYLOAD_LIMIT) return { status: 'FAILED', error: 'States.DataLimitExceeded', cause: `the execution input is ${inputBytes} bytes, over the 262144-byte payload limit` };
  const { StateMachine } = await import('aws-local-stepfunctions');
  const scaled = scaleDefinition(definition, { waits: opts.timeScale ?? 1, timeouts: opts.timeoutScale ?? opts.timeScale ?? 1 });
  const machine = new StateMachine(scaled as never, { validationOptions: { noValidate: true } });
  // an execution that ended (States.Timeout, stopped) invokes nothing more, as on AWS: the emulator's Task goes on
  // retrying behind a timed-out execution, so its handlers then answer never instead of invoking the function
  let ended = false;
  const handlers = Object.fromEntries(Object.entries(opts.handlers).map(([name, handler]) => [
    name,
    (...args: Parameters<typeof handler>) => (ended ? new Promise<never>(() => undefined) : handler(...args)),
  ]));
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: handlers as never },
    context: { Execution: { Id: opts.executionArn, Input: input, Name: opts.name, StartTime: new Date().toISOString() } } as never,
  });
  const log = opts.log;
  const prefix = opts.logPrefix ?? '';
  // a state whose output is over 256 KiB fails the execution (States.DataLimitExceeded, not catchable)
  let overLimit: string | null = null;
  // the event log closes when the execution ends: awaited before returning, so every onStateFailed call came
  const events = (async () => {
    for await (const e of execution.eventLogs) {
      const ev = e as { type: string; state?: { name: string; output?: unknown }; Error?: string; Cause?: unknown };
      if (ev.type === 'StateExited' && ev.state && overLimit === null) {
        const size = Buffer.byteLength(JSON.stringify(ev.state.output ?? null), 'utf8');
        if (size > STATE_PAYLOAD_LIMIT) {
          overLimit = `The state '${ev.state.name}' returned an output of ${size} bytes, over the 262144-byte payload limit.`;
          execution.abort();
        }
      }
      if (ev.type === 'StateFailed' && opts.onStateFailed) opts.onStateFailed(ev.state?.name ?? '', failureText(String(ev.Error ?? ''), ev.Cause));
      if (!log) continue;
      if (ev.type === 'StateEntered' && ev.state && !prefix) log(`-> ${ev.state.name}`);
      if (ev.type === 'StateRetried') log(`${prefix}retry ${ev.state?.name ?? ''}`);
      if (ev.type === 'StateFailed' && !opts.onStateFailed) log(`${prefix}failed ${ev.state?.name ?? ''}: ${failureText(String(ev.Error ?? ''), ev.Cause)}`);
    }
  })().catch(() => undefined);
  try {
    const output: unknown = await execution.result;
    await events;
    return { status: 'SUCCEEDED', output };
  } catch (err) {
    const e = err as Error & { cause?: Error };
    ended = true;
    // a timed-out or stopped execution has ended (States.Timeout, States.Aborted, the data limit's abort): its event
    // log can run on behind it (a Task's retries), and waiting for it let those attempts count as the execution's
    if (e.name !== 'ExecutionTimeoutError' && e.name !== 'ExecutionAbortedError') await events;
    if (overLimit !== null) return { status: 'FAILED', error: 'States.DataLimitExceeded', cause: overLimit };
    if (e.name === 'ExecutionTimeoutError') return { status: 'TIMED_OUT', error: 'States.Timeout', cause: `the execution ran longer than its ${definition.TimeoutSeconds ?? '?'} seconds${definition.TimeoutSeconds === undefined ? '' : scaledNote(definition.TimeoutSeconds, opts.timeoutScale ?? opts.timeScale ?? 1)}` };
    if (e.name === 'ExecutionAbortedError') return { status: 'ABORTED', error: 'States.Aborted', cause: 'the execution was stopped' };
    const c = e.cause;
    // a Fail state carries Error/Cause; anything else fails with its own name
    const failState = c as { name?: string; message?: string; error?: string; cause?: string } | undefined;
    return { status: 'FAILED', error: failState?.error ?? failState?.name ?? e.name, cause: failState?.cause ?? failState?.message ?? e.message };
  }
}
