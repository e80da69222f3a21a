/**
 * exactextract's operation syntax, as its CLI reads `-s` (exactextract 0.3.1, checked against its binary):
 * `name` or `name(arg, ..., key=value, ...)`, where the positional arguments name the value raster, then the
 * weights raster (`weighted_mean(b04,pop)`), and the keyword arguments are the operation's options:
 * `q` (quantile only, 0..1), `min_coverage_frac` (0..1), `coverage_weight` (fraction, none, area_cartesian,
 * area_spherical_m2, area_spherical_km2), `default_value`, `default_weight` (numbers).
 * `out=name(...)` (exactextract's renamed column) is refused: zonalflow names every column `<raster>_<stat>`.
 *
 * This module reads one operation's text and checks its arguments against the operation; which of them a job
 * can honour is decided with the job (shared/spec-operations.ts).
 */
import { SpecError } from '../errors';
import { RASTER_NAME } from '../raster-stem';

/** exactextract's `coverage_weight` values. */
export const COVERAGE_WEIGHTS = ['fraction', 'none', 'area_cartesian', 'area_spherical_m2', 'area_spherical_km2'] as const;

/** The keyword arguments every operation takes (exactextract's per-operation options), and their spec field. */
export const OPTION_ARGS = {
  min_coverage_frac: 'minCoverageFrac',
  coverage_weight: 'coverageWeight',
  default_value: 'defaultValue',
  default_weight: 'defaultWeight',
} as const;

/** A keyword argument that is a job setting in zonalflow. */
export type OptionArg = keyof typeof OPTION_ARGS;

/** The value of an option argument: a number, or a coverage_weight name. */
export type OptionValue = number | (typeof COVERAGE_WEIGHTS)[number];

/** One operation as written. */
export interface Operation {
  /** The text as given (trimmed). */
  readonly text: string;
  /** The operation's name (`quantile`, `mean`, `q25`...). */
  readonly name: string;
  /** Positional arguments: the value raster's name, then the weights raster's (at most two). */
  readonly rasters: readonly string[];
  /** `q` of `quantile(q=...)`, in 0..1. */
  readonly q?: number;
  /** The option arguments given. */
  readonly options: Readonly<Partial<Record<OptionArg, OptionValue>>>;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;
const RASTER = RASTER_NAME;
// a decimal number as exactextract's strtod reads its arguments (no sign +, no hex, no inf/nan)
const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/**
 * Reads one operation: `mean`, `q25`, `quantile(q=0.25)`, `mean(b04,min_coverage_frac=0.5)`.
 * Throws a SpecError naming the operation and the problem (a malformed argument list, a keyword given twice, a
 * raster name after a keyword, `q` on another operation than quantile or missing from it, a value out of range).
 * Whether the name is a known statistic is the caller's question (names.ts).
 */
export function parseOperation(input: string): Operation {
  const text = input.trim();
  const bad = (why: string): SpecError => new SpecError(`"${text}": ${why}`);
  const open = text.indexOf('(');
  const name = (open < 0 ? text : text.slice(0, open)).trim();
  const renamed = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$/.exec(name + (open < 0 ? '' : '('));
  if (renamed) throw bad(`zonalflow names each statistic's column <raster>_<stat> and cannot rename it ("${renamed[1] ?? ''}=" is exactextract's output name): leave the name out and rename the column afterwards`);
  if (!NAME.test(name)) throw bad('not a statistic name (letters, digits and _, then optionally exactextract\'s arguments in parentheses: quantile(q=0.25), mean(b04))');
  if (open < 0) {
    if (name === 'quantile') throw bad('quantile needs its argument q, from 0 to 1: quantile(q=0.25)');
    return { text, name, rasters: [], options: {} };
  }
  if (!text.endsWith(')') || text.indexOf(')') !== text.length - 1 || text.indexOf('(', open + 1) >= 0) throw bad('the arguments are one list in parentheses at the end, e.g. quantile(q=0.25) or mean(b04,min_coverage_frac=0.5)');
  const inner = text.slice(open + 1, -1);
  if (inner.trim() === '') throw bad('empty parentheses: give arguments, or write the name alone');
  const rasters: string[] = [];
  const options: Partial<Record<OptionArg, OptionValue>> = {};
  let q: number | undefined;
  const seen = new Set<string>();
  for (const raw of inner.split(',')) {
    const arg = raw.trim();
    if (arg === '') throw bad('an empty argument');
    const eq = arg.indexOf('=');
    if (eq < 0) {
      if (seen.size > 0) throw bad(`the raster name "${arg}" comes after keyword arguments (exactextract's order: rasters first)`);
      // a bare number is most likely exactextract's quantile written without its keyword
      if (!RASTER.test(arg)) throw bad(`"${arg}" is not a raster name (letters, digits and _) nor key=value${name === 'quantile' && Number.isFinite(Number(arg)) ? `: write quantile(q=${arg})` : ''}`);
      if (rasters.length === 2) throw bad('at most two raster names: the values\' raster, then the weights\'');
      rasters.push(arg);
      continue;
    }
    const key = arg.slice(0, eq).trim();
    const value = arg.slice(eq + 1).trim();
    if (seen.has(key)) throw bad(`the argument ${key} is given twice`);
    seen.add(key);
    if (key === 'q') {
      if (name !== 'quantile') throw bad(`${name} takes no argument q (quantile(q=0.25) does)`);
      const n = number(value);
      if (n === null || n < 0 || n > 1) throw bad(`q must be a number from 0 to 1 (quantile(q=0.25)), got "${value}"`);
      q = n === 0 ? 0 : n;
    } else if (key === 'coverage_weight') {
      if (!(COVERAGE_WEIGHTS as readonly string[]).includes(value)) throw bad(`coverage_weight must be one of ${COVERAGE_WEIGHTS.join(', ')}, got "${value}"`);
      options.coverage_weight = value as OptionValue;
    } else if (key === 'min_coverage_frac' || key === 'default_value' || key === 'default_weight') {
      const n = number(value);
      if (n === null) throw bad(`${key} must be a number, got "${value}"`);
      if (key === 'min_coverage_frac' && (n < 0 || n > 1)) throw bad(`min_coverage_frac must be from 0 to 1, got ${value}`);
      options[key] = n === 0 ? 0 : n;
    } else {
      throw bad(`unknown argument "${key}"; exactextract's arguments: q (quantile), ${Object.keys(OPTION_ARGS).join(', ')}, and raster names`);
    }
  }
  if (name === 'quantile' && q === undefined) throw bad('quantile needs its argument q, from 0 to 1: quantile(q=0.25)');
  return { text, name, rasters, options, ...(q !== undefined ? { q } : {}) };
}

/** A finite decimal number, or null. */
function number(text: string): number | null {
  if (!NUMBER.test(text)) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/**
 * Splits a `--stats` value at the commas between operations, never inside parentheses:
 * `count,quantile(b04,q=0.25),mean` -> count, quantile(b04,q=0.25), mean. Items are trimmed; an empty one
 * (`mean,,max`) is kept as '' for the validation to name (emptyStatNamesProblem), never dropped silently.
 */
export function splitOperations(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    else if (ch === ',' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out.map((s) => s.trim());
}
