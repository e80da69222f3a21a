/**
 * What `zonalflow local` tells the user after a run: a failed job's reason in plain words (the Lambda
 * error JSON that Step Functions passes along unwrapped to its message, no state-machine error codes),
 * and the first failure reasons and warnings of `summary.json`, as `zonalflow stats` prints them.
 */
import { failureLines, SHOWN_FAILURES } from './failure-lines';

/** Step Functions' own error names, in words. */
const STATES_WORDS: Record<string, string> = {
  'States.ExceedToleratedFailureThreshold': 'too many batches failed',
  'States.Timeout': 'the job ran out of time',
  'States.DataLimitExceeded': 'a step\'s input or output is over the 256 KiB payload limit',
  'States.Runtime': 'the state machine stopped',
  'States.TaskFailed': 'a step failed',
  'Sandbox.Timedout': 'a function timed out',
};

/**
 * The text with each Lambda error (`Type: {"errorType":..., "errorMessage":...}`) replaced by its message:
 * Step Functions passes a function's error on as that JSON.
 */
function unwrapLambdaError(text: string): string {
  const at = text.indexOf('{"errorType"');
  if (at < 0) return text;
  // the JSON object ends at one of the closing braces after it: the longest span that parses
  for (let end = text.lastIndexOf('}'); end > at; end = text.lastIndexOf('}', end - 1)) {
    let o: { errorType?: unknown; errorMessage?: unknown };
    try {
      o = JSON.parse(text.slice(at, end + 1)) as typeof o;
    } catch {
      continue;
    }
    if (typeof o.errorMessage !== 'string') return text;
    const type = typeof o.errorType === 'string' ? escapeRe(o.errorType) : '\\w+';
    const before = text.slice(0, at).replace(new RegExp(`${type}:?\\s*$`), '');
    return `${before}${unwrapLambdaError(o.errorMessage)}${text.slice(end + 1)}`;
  }
  return text;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A failed job's reason as one readable message: the Lambda error JSON unwrapped (ZodError issue lists
 * summarised as "path: message"), Step Functions' error names in words, no `[Code]` markers.
 */
export function readableFailure(code: string, message: string): string {
  let text = unwrapLambdaError(message).trim();
  text = summariseZodIssues(text);
  const words = STATES_WORDS[code];
  if (words && !text.toLowerCase().startsWith(words)) text = `${words}: ${text}`;
  // a URL refused by the allow-list: say how a user's own server on this machine is allowed
  if (/https?:\/\/\S+: .*(not allowed|refused|private|loopback)/i.test(text) && !text.includes('--allow-host')) text += ' (zonalflow local reads a server on this machine or a private network only when you name its host with --allow-host HOST)';
  return text.replace(/\n{2,}/g, '\n');
}

/** A JSON array of zod issues (as ZodError prints them) as `path: message; ...`. */
function summariseZodIssues(text: string): string {
  const at = text.indexOf('[\n  {');
  const at2 = at >= 0 ? at : text.indexOf('[{"');
  if (at2 < 0) return text;
  try {
    const issues = JSON.parse(text.slice(at2)) as { path?: unknown[]; message?: string }[];
    if (!Array.isArray(issues)) return text;
    const lines = issues.slice(0, 5).map((i) => `${(i.path ?? []).join('.')}: ${i.message ?? ''}`);
    return `${text.slice(0, at2)}invalid data: ${lines.join('; ')}${issues.length > 5 ? `; ... and ${issues.length - 5} more` : ''}`;
  } catch {
    return text;
  }
}

/** The parts of summary.json read here. */
export interface SummaryLike {
  features?: { total: number; done: number; failed: number; missing?: number };
  failures?: { fid: number | string | null; id: string; reason: string }[];
  failuresTotal?: number;
  batchErrors?: { batchId: string; error: string }[];
  warnings?: string[];
}

/** The lines printed after a run: warnings, the first 10 failure reasons and how many more (failure-lines.ts), failed batches. */
export function summaryLines(s: SummaryLike): string[] {
  const out: string[] = [];
  for (const w of s.warnings ?? []) out.push(`warning: ${w}`);
  const failures = s.failures ?? [];
  out.push(...failureLines(failures.map((f) => f.reason), Math.max(s.failuresTotal ?? failures.length, failures.length), 'the "error" column and summary.json'));
  // a failed batch: its features were not computed (an error too, as stats labels a failed feature)
  const batches = s.batchErrors ?? [];
  for (const b of batches.slice(0, SHOWN_FAILURES)) out.push(`error: batch ${b.batchId} failed: ${readableFailure('', b.error)}`);
  if (batches.length > SHOWN_FAILURES) out.push(`error: ... and ${batches.length - SHOWN_FAILURES} more failed batches (see summary.json)`);
  return out;
}
