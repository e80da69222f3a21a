/**
 * Aggregation intervals, as Sentinel Hub's Statistical API defines them: the
 * time range is cut into consecutive intervals of an ISO-8601 duration
 * (`P1D`, `P10D`, `P1M`, `P1W`, `PT12H`...), starting at the range's start. The
 * last interval, when shorter than the duration, is dropped (`SKIP`, the
 * default), kept short (`SHORTEN`), or extended past the range end (`EXTEND`).
 */
import { SpecError } from '../errors';

/** A half-open interval [from, to) in ms since the epoch. */
export interface Interval { from: number; to: number }

/** Last-interval behaviour. */
export type LastIntervalBehavior = 'SKIP' | 'SHORTEN' | 'EXTEND';

/** A parsed duration: calendar part (years, months) and exact part (ms). */
export interface Duration { months: number; ms: number; text: string }

/** Parses an ISO-8601 duration (PnYnMnWnDTnHnMnS); zero durations are rejected. */
export function parseDuration(text: string): Duration {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) throw new SpecError(`"${text}" is not an ISO-8601 duration (e.g. P1D, P10D, P1M, P1W, PT12H)`);
  const n = (i: number): number => Number(m[i] ?? 0);
  const months = n(1) * 12 + n(2);
  const ms = ((n(3) * 7 + n(4)) * 24 * 3600 + n(5) * 3600 + n(6) * 60 + n(7)) * 1000;
  if (months === 0 && ms === 0) throw new SpecError(`duration "${text}" is zero`);
  return { months, ms, text };
}

/** `t` + duration, calendar months in UTC (Jan 31 + P1M = the last day of February, as java.time does). */
export function addDuration(t: number, d: Duration): number {
  let out = t;
  if (d.months > 0) {
    const date = new Date(t);
    const day = date.getUTCDate();
    const target = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + d.months, 1, date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), date.getUTCMilliseconds()));
    const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
    target.setUTCDate(Math.min(day, lastDay));
    out = target.getTime();
  }
  return out + d.ms;
}

/** The intervals of [from, to) for a duration and last-interval behaviour. */
export function intervals(from: number, to: number, d: Duration, last: LastIntervalBehavior = 'SKIP', max = 100_000): Interval[] {
  if (!(to > from)) throw new SpecError('the time range is empty (its end is not after its start)');
  const out: Interval[] = [];
  let start = from;
  while (start < to) {
    const end = addDuration(start, d);
    if (end <= to) out.push({ from: start, to: end });
    else if (last === 'SHORTEN') out.push({ from: start, to });
    else if (last === 'EXTEND') out.push({ from: start, to: end });
    start = end;
    if (out.length > max) throw new SpecError(`the duration ${d.text} cuts the time range into more than ${max} intervals`);
  }
  return out;
}

/** Parses `start/end` (ISO dates or datetimes, UTC when no zone; a date-only end includes that whole day). */
export function parseTimeRange(text: string): Interval {
  const [a, b] = text.split('/');
  const parse = (s: string | undefined, end: boolean): number => {
    if (!s || s === '..') throw new SpecError(`time range "${text}": open ranges are not supported, give start/end`);
    const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(s);
    const t = Date.parse(dateOnly ? `${s}T00:00:00Z` : /[zZ]|[+-]\d{2}:?\d{2}$/.test(s) ? s : `${s}Z`);
    if (Number.isNaN(t)) throw new SpecError(`time range "${text}": "${s}" is not an ISO-8601 date`);
    return dateOnly && end ? t + 24 * 3600 * 1000 : t;
  };
  const from = parse(a, false);
  const to = parse(b, true);
  if (!(to > from)) throw new SpecError(`time range "${text}": the end is not after the start`);
  return { from, to };
}

/**
 * The instants a job's rows stand for, `[from, to)`: with an aggregation interval, from the first interval's
 * start to the last one's end (past the range's end with `EXTEND`: Sentinel Hub "extends the last interval over
 * the end of the provided time range", and its acquisitions are searched for too); with `interval: "scene"`
 * (or no interval left), the range itself. The STAC search asks for exactly these and keeps only the items
 * inside them.
 */
export function coveredRange(datetime: string, interval: string, last: LastIntervalBehavior = 'SKIP'): Interval {
  const range = parseTimeRange(datetime);
  if (interval === 'scene') return range;
  const ivs = intervals(range.from, range.to, parseDuration(interval), last);
  const first = ivs[0];
  const end = ivs[ivs.length - 1];
  return first && end ? { from: first.from, to: end.to } : range;
}

/**
 * The STAC API `datetime` of `[from, to)`: two RFC 3339 date-times in UTC (STAC API item search and OGC API
 * Features take no bare dates there, and a server may read a date as its midnight). The API's interval is
 * closed, so its end is `to` itself: an item at exactly `to` is returned and dropped by the caller.
 */
export function stacDatetime(r: Interval): string {
  return `${isoTime(r.from)}/${isoTime(r.to)}`;
}

/** ISO text of an instant (UTC, no milliseconds when zero). */
export function isoTime(t: number): string {
  return new Date(t).toISOString().replace('.000Z', 'Z');
}
