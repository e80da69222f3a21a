/**
 * Readable problems of a job spec: zod's issues said as a user reads them (`is empty`, `"most" is not one of
 * exact, center, all_touched`, with the nearest value when one is near: `; did you mean "all_touched"?`), never zod's own wording (`Too small: expected string to have >=1 characters`),
 * each on one line with the field it concerns (or the option that set it).
 */
import * as z from 'zod';
import { didYouMean } from './nearest';

/** One problem of a spec: the field's path and what is wrong with it. */
export interface SpecProblem {
  path: readonly PropertyKey[];
  message: string;
}

/**
 * A string field that must say something: refused empty or blank (only whitespace). `uri`: also refused with
 * leading or trailing whitespace (a pasted path or URL; no file or object is meant with them).
 */
export function nonBlank(opts: { uri?: boolean } = {}): z.ZodString {
  return z.string().check((ctx) => {
    const v = ctx.value;
    const what = opts.uri === true ? 'URI' : 'value';
    const fix = opts.uri === true ? 'give a local path, an https:// or an s3:// URI' : 'give one or leave it out';
    const problem = v === '' ? `empty ${what}; ${fix}` : v.trim() === '' ? `blank ${what} (only whitespace); ${fix}` : opts.uri === true && v.trim() !== v ? `${JSON.stringify(v)} has leading or trailing whitespace` : null;
    if (problem !== null) ctx.issues.push({ code: 'custom', input: v, message: problem });
  });
}

const kind = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the text ${JSON.stringify(v).slice(0, 60)}`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `${typeof v} ${v}`;
  return typeof v === 'object' ? 'an object' : typeof v;
};
const article = (what: string): string => (/^[aeiou]/.test(what) ? `an ${what}` : `a ${what}`);

/** The message of a zod issue that has no message of its own in the schema (zod's per-parse `error` map). */
export function readableIssue(iss: z.core.$ZodRawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type':
      return iss.input === undefined ? `is missing (${article(iss.expected)} is needed)` : `expected ${article(iss.expected === 'int' ? 'whole number' : iss.expected)}, got ${kind(iss.input)}`;
    case 'invalid_value':
      // a near miss of one of the values (`all-touched`, `fractoin`) ends with the nearest (shared/nearest.ts)
      return `${JSON.stringify(iss.input)} is not one of ${iss.values.map((v) => String(v)).join(', ')}${typeof iss.input === 'string' ? didYouMean(iss.input, iss.values.filter((v): v is string => typeof v === 'string')) : ''}`;
    case 'too_small': {
      const min = Number(iss.minimum);
      if (iss.origin === 'string') return min <= 1 ? 'empty value' : `is shorter than ${min} characters`;
      if (iss.origin === 'array' || iss.origin === 'set') return min <= 1 ? 'empty list; give at least one entry' : `needs at least ${min} entries`;
      return `${String(iss.input)} is below the minimum ${min}${iss.inclusive === false ? ' (exclusive)' : ''}`;
    }
    case 'too_big': {
      const max = Number(iss.maximum);
      if (iss.origin === 'string') return `is longer than ${max} characters`;
      if (iss.origin === 'array' || iss.origin === 'set') return `has more than ${max} ${max === 1 ? 'entry' : 'entries'}`;
      return `${String(iss.input)} is above the maximum ${max}${iss.inclusive === false ? ' (exclusive)' : ''}`;
    }
    case 'unrecognized_keys':
      return `unknown field${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'invalid_format':
      return iss.format === 'url' ? `${JSON.stringify(iss.input)} is not a URL` : `${JSON.stringify(iss.input)} is not a valid ${iss.format}`;
    case 'not_multiple_of':
      return `${String(iss.input)} is not a multiple of ${String(iss.divisor)}`;
    default:
      return undefined;
  }
}

/** `rasters.0.uri` (the path as the spec's JSON nests it); `(root)` for the spec itself. */
export function pathLabel(path: readonly PropertyKey[]): string {
  return path.length > 0 ? path.map((p) => String(p)).join('.') : '(root)';
}
