/**
 * A progress bar on stderr: redrawn in place on a terminal (at most 5 times a
 * second), one plain line every 10 s otherwise (CI logs), silent for runs that
 * end within the first second. Off a terminal a line says something: none while
 * no feature is done (the totals alone: "0/6 features"), and once a line has
 * been printed, {@link ProgressBar.finish} prints the final count if it has
 * moved since (the last line printed is never a stale "0/6" before the result). The rate and the time left come from the
 * progress of the last {@link RATE_WINDOW_MS} (at least {@link MIN_RATE_SPAN_MS}
 * of it), not from the start: a job's start-up (opening the input, loading
 * PROJ, ordering the features) would otherwise make the first estimates many
 * times too long (100k fields: "2m04s left" for a job that ended 3 s later).
 */

/** The progress reports the rate is measured over: those of the last 10 s. */
const RATE_WINDOW_MS = 10_000;
/** No rate (and no time left) until the reports span this much: one chunk's report is no rate. */
const MIN_RATE_SPAN_MS = 500;
export interface ProgressBar {
  /** `detail`: more progress shown after the features (e.g. "3/10 batches"). */
  update(done: number, total: number, failed?: number, detail?: string): void;
  /** Clears the bar from a terminal's line before other output (a log line); it is redrawn on the next update. */
  clear(): void;
  /** The end: clears a terminal's line; off a terminal, prints the final count when a line was printed and the count moved since. */
  finish(): void;
}

/** One report of progress. */
interface Report { done: number; total: number; failed: number; detail: string }

/** A progress bar writing to `stream` (default stderr). */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr, opts: { quiet?: boolean } = {}): ProgressBar {
  const start = Date.now();
  let last = 0;
  let drawn = false;
  // off a terminal: the last report, and the one the last line printed showed
  let latest: Report | null = null;
  let printed: Report | null = null;
  const tty = stream.isTTY;
  const interval = tty ? 200 : 10_000;
  // (time, done) of the reports of the last RATE_WINDOW_MS, oldest first, and the one before them
  const reports: { t: number; done: number }[] = [];
  const record = (now: number, done: number): void => {
    reports.push({ t: now, done });
    // keep one report at or beyond the window's start, so that the window spans all of it
    while (reports.length > 2 && now - (reports[1] as { t: number }).t >= RATE_WINDOW_MS) reports.shift();
  };
  /** Features a second over the window, or null before the reports span MIN_RATE_SPAN_MS. */
  const rateNow = (now: number, done: number): number | null => {
    const first = reports[0];
    if (first === undefined || now - first.t < MIN_RATE_SPAN_MS) return null;
    return (done - first.done) / ((now - first.t) / 1000);
  };
  const render = (now: number, done: number, total: number, failed: number, detail: string): string => {
    const rate = rateNow(now, done);
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const eta = rate !== null && rate > 0 && total > done ? `${formatSeconds((total - done) / rate)} left` : '';
    const width = 24;
    const filled = Math.round(frac * width);
    // an input that does not say how many features it has (GeoJSON, total 0): the count so far, no bar
    const bar = total > 0 ? ` [${'#'.repeat(filled)}${'.'.repeat(width - filled)}]` : '';
    const counted = total > 0 ? `${done}/${total}` : `${done}`;
    // "1/1 feature", "0/6 features", "1 feature" (an unknown total: the count so far)
    const noun = (total > 0 ? total : done) === 1 ? 'feature' : 'features';
    const fail = failed > 0 ? ` ${failed} failed` : '';
    const speed = rate === null ? '' : ` ${Math.round(rate)}/s`;
    return `${label}${bar} ${counted} ${noun}${fail}${detail ? ` ${detail}` : ''}${speed} ${eta}`.trimEnd();
  };
  return {
    update(done, total, failed = 0, detail = '') {
      if (opts.quiet) return;
      const now = Date.now();
      record(now, done);
      latest = { done, total, failed, detail };
      // off a terminal a line with no feature done says nothing a later one would not
      if (!tty && done === 0) return;
      if (now - start < 1000 || now - last < interval) return;
      last = now;
      drawn = true;
      if (tty) stream.write(`\r\x1b[2K${render(now, done, total, failed, detail)}`);
      else {
        printed = latest;
        stream.write(`${render(now, done, total, failed, detail)}\n`);
      }
    },
    clear() {
      if (drawn && tty) stream.write('\r\x1b[2K');
    },
    finish() {
      if (drawn && tty) stream.write('\r\x1b[2K');
      const end = latest;
      if (tty || printed === null || end === null || (end.done === printed.done && end.total === printed.total && end.failed === printed.failed && end.detail === printed.detail)) return;
      // the count as it ended, where the last line printed (up to 10 s before) showed less
      printed = end;
      stream.write(`${render(Date.now(), end.done, end.total, end.failed, end.detail)}\n`);
    },
  };
}

/** 75 -> "1m15s". */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.ceil(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
