/**
 * exactextract's operation arguments, resolved with the job (parseJobSpec calls this on the raw spec, before
 * its schema). exactextract gives each operation its own rasters and options; zonalflow computes every
 * statistic on every raster of a job with one set of options. So an argument is accepted only where it says
 * exactly what the job does, and it then sets the job's field; anything else is refused with one line that
 * says what zonalflow does instead (never accepted and dropped):
 *
 * - a raster name (`mean(b04)`): a raster of the job (its `name`, else its file stem, or a band-math output),
 *   accepted when each statistic is asked of every raster of the job (`mean(b04)` in a one-raster job;
 *   `mean(b04)` and `mean(b08)` in a job of b04 and b08), not in a `stac` time series;
 * - the weights raster's name (`weighted_mean(b04,pop)`): the job's weights raster (its file stem);
 * - `min_coverage_frac`, `coverage_weight`, `default_value`, `default_weight`: one value for the whole job:
 *   the job's own setting when it has one (`--min-coverage-frac`, `"minCoverageFrac"`), which every
 *   operation's value must equal; else every operation must give the same value (for `default_weight`, every
 *   weighted operation: no other uses it), or give the default (min_coverage_frac=0, coverage_weight=fraction),
 *   and that value becomes the job's setting.
 *
 * The statistics are rewritten to their canonical names (`quantile(q=0.25)`, `mean`), duplicates removed.
 */
import { rasterStem } from './raster-stem';
import { parseStatNames, quantileName, WEIGHTED_STATS } from './stats/names';
import type { Operation, OptionArg, OptionValue } from './stats/operation';
import { OPTION_ARGS, parseOperation } from './stats/operation';

/** The option arguments' defaults in a job (absent: the job has none by default). */
const DEFAULTS: Partial<Record<OptionArg, OptionValue>> = { min_coverage_frac: 0, coverage_weight: 'fraction' };

/** The command-line option of each job setting, for the messages. */
const CLI_OPTION: Record<OptionArg, string> = {
  min_coverage_frac: '--min-coverage-frac',
  coverage_weight: '--coverage-weight',
  default_value: '--default-value',
  default_weight: '--default-weight',
};

/** The raw spec with its statistics resolved, and the problems found (one line each; none: resolved). */
export interface ResolvedOperations { input: unknown; problems: string[] }

/**
 * Resolves exactextract's arguments in a raw spec's `stats`. A spec whose `stats` is not a list of names, or
 * names a statistic that is unknown or malformed, is returned unchanged (the schema and parseStatNames say why).
 */
export function resolveOperations(input: unknown): ResolvedOperations {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { input, problems: [] };
  const raw = input as Record<string, unknown>;
  const stats = raw.stats;
  if (!Array.isArray(stats) || !stats.every((n): n is string => typeof n === 'string' && n.trim() !== '')) return { input, problems: [] };
  let ops: Operation[];
  try {
    ops = stats.map(parseOperation);
    parseStatNames(ops.map(canonical));
  } catch {
    return { input, problems: [] };
  }
  const problems: string[] = [];
  const out: Record<string, unknown> = { ...raw, stats: [...new Set(ops.map(canonical))] };
  resolveRasters(ops, raw, problems);
  resolveWeights(ops, raw, problems);
  for (const key of Object.keys(OPTION_ARGS) as OptionArg[]) {
    const v = resolveOption(key, ops, raw, problems);
    if (v !== undefined) out[OPTION_ARGS[key]] = v;
  }
  return { input: problems.length > 0 ? input : out, problems };
}

/** The statistic an operation asks for, by its canonical name. */
function canonical(op: Operation): string {
  return op.q !== undefined ? quantileName(op.q) : op.name;
}

/** The names of the job's rasters and band-math outputs (null when they cannot be told yet: the schema will say why). */
function layerNames(raw: Record<string, unknown>): string[] | null {
  const rasters = raw.rasters;
  if (!Array.isArray(rasters)) return null;
  const names: string[] = [];
  for (const r of rasters as unknown[]) {
    if (typeof r !== 'object' || r === null) return null;
    const { name, uri } = r as { name?: unknown; uri?: unknown };
    if (typeof name === 'string') names.push(name);
    else if (typeof uri === 'string') names.push(rasterStem(uri));
    else return null;
  }
  const bands = raw.bands;
  if (typeof bands === 'object' && bands !== null && !Array.isArray(bands)) names.push(...Object.keys(bands));
  return names;
}

/** The value rasters named: each must be the job's, and each statistic asked of every raster or of none by name. */
function resolveRasters(ops: readonly Operation[], raw: Record<string, unknown>, problems: string[]): void {
  const named = ops.filter((op) => op.rasters[0] !== undefined);
  if (named.length === 0) return;
  if (raw.stac !== undefined) {
    problems.push(`${list(named)}: a raster name selects one of a job's "rasters"; a "stac" time series computes every statistic on every output: leave the raster name out`);
    return;
  }
  const layers = layerNames(raw);
  if (layers === null) return;
  const unknown = named.filter((op) => !layers.includes(op.rasters[0] ?? ''));
  if (unknown.length > 0) {
    problems.push(`${list(unknown)}: no raster of the job is named ${[...new Set(unknown.map((op) => `"${op.rasters[0] ?? ''}"`))].join(', ')} (its rasters: ${layers.join(', ') || 'none'}; a raster is named by --raster NAME=URI, the spec's "name", else its file stem)`);
    return;
  }
  const byStat = new Map<string, { all: boolean; rasters: Set<string>; ops: Operation[] }>();
  for (const op of ops) {
    const k = canonical(op);
    const e = byStat.get(k) ?? { all: false, rasters: new Set<string>(), ops: [] };
    if (op.rasters[0] === undefined) e.all = true;
    else e.rasters.add(op.rasters[0]);
    e.ops.push(op);
    byStat.set(k, e);
  }
  for (const [stat, e] of byStat) {
    if (e.all || e.rasters.size === 0) continue;
    const missing = layers.filter((l) => !e.rasters.has(l));
    if (missing.length > 0) {
      problems.push(`${list(e.ops)}: asks ${stat} of ${[...e.rasters].join(', ')} only; zonalflow computes every statistic on every raster of the job (${layers.join(', ')}): leave the raster name out, or run one job per raster`);
    }
  }
}

/** The weights rasters named: each must be the job's weights raster (its file stem). */
function resolveWeights(ops: readonly Operation[], raw: Record<string, unknown>, problems: string[]): void {
  const named = ops.filter((op) => op.rasters[1] !== undefined);
  if (named.length === 0) return;
  const w = raw.weights;
  const uri = typeof w === 'object' && w !== null ? (w as { uri?: unknown }).uri : undefined;
  if (w === undefined) {
    problems.push(`${list(named)}: names a weights raster, and the job has none: give it with --weights <uri> (spec "weights": {"uri": ...}), named by its file stem`);
    return;
  }
  if (typeof uri !== 'string') return;
  const stem = rasterStem(uri);
  const other = named.filter((op) => op.rasters[1] !== stem);
  if (other.length > 0) problems.push(`${list(other)}: the job's weights raster is "${stem}" (its file stem; zonalflow has one weights raster per job): name it so, or leave the weights argument out`);
}

/** One option argument's value for the job (undefined: none given, or refused with a problem). */
function resolveOption(key: OptionArg, ops: readonly Operation[], raw: Record<string, unknown>, problems: string[]): OptionValue | undefined {
  const given = ops.filter((op) => op.options[key] !== undefined);
  if (given.length === 0) return undefined;
  const field = OPTION_ARGS[key];
  const how = `zonalflow applies one ${key} to every statistic of a job (${CLI_OPTION[key]}, spec "${field}")`;
  const job = raw[field];
  if (job !== undefined) {
    const differ = given.filter((op) => op.options[key] !== job);
    if (differ.length > 0) problems.push(`${list(differ)}: ${key} differs from the job's ${field} ${JSON.stringify(job)}; ${how}`);
    return undefined;
  }
  const values = [...new Set(given.map((op) => op.options[key]))];
  if (values.length > 1) {
    problems.push(`${list(given)}: ${key} differs between operations (${values.map((v) => JSON.stringify(v)).join(', ')}); ${how}: give one value`);
    return undefined;
  }
  const v = values[0] as OptionValue;
  if (v === DEFAULTS[key]) return v;
  // default_weight is read by the weighted operations only; every other option by every operation
  const relevant = key === 'default_weight' ? ops.filter((op) => WEIGHTED_STATS.has(canonical(op))) : ops;
  const without = relevant.filter((op) => op.options[key] === undefined);
  if (without.length > 0) {
    problems.push(`${key}=${String(v)} is given to ${list(given)} but not to ${list(without)}; ${how}: give it to every operation, or set it for the job (${CLI_OPTION[key]} ${String(v)})`);
    return undefined;
  }
  return v;
}

/** Operations as the user wrote them, for a message. */
function list(ops: readonly Operation[]): string {
  return ops.map((op) => JSON.stringify(op.text)).join(', ');
}
