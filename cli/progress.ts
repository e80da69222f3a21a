/**
 * A progress bar on stderr: redrawn in place on a terminal (at most 5 times a
 * second), one plain line every 10 s otherwise (CI logs), silent for runs that
 * end within the first second.
 */
export interface ProgressBar {
  /** `detail`: more progress shown after the features (e.g. "3/10 batches"). */
  update(done: number, total: number, failed?: number, detail?: string): void;
  finish(): void;
}

/** A progress bar writing to `stream` (default stderr). */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr, opts: { quiet?: boolean } = {}): ProgressBar {
  const start = Date.now();
  let last = 0;
  let drawn = false;
  const tty = stream.isTTY;
  const interval = tty ? 200 : 10_000;
  const render = (done: number, total: number, failed: number, detail: string): string => {
    const elapsed = (Date.now() - start) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const eta = rate > 0 && total > done ? `${formatSeconds((total - done) / rate)} left` : '';
    const width = 24;
    const filled = Math.round(frac * width);
    // an input that does not say how many features it has (GeoJSON, total 0): the count so far, no bar
    const bar = total > 0 ? ` [${'#'.repeat(filled)}${'.'.repeat(width - filled)}]` : '';
    const counted = total > 0 ? `${done}/${total}` : `${done}`;
    const fail = failed > 0 ? ` ${failed} failed` : '';
    return `${label}${bar} ${counted} features${fail}${detail ? ` ${detail}` : ''} ${Math.round(rate)}/s ${eta}`.trimEnd();
  };
  return {
    update(done, total, failed = 0, detail = '') {
      if (opts.quiet) return;
      const now = Date.now();
      if (now - start < 1000 || now - last < interval) return;
      last = now;
      drawn = true;
      if (tty) stream.write(`\r\x1b[2K${render(done, total, failed, detail)}`);
      else stream.write(`${render(done, total, failed, detail)}\n`);
    },
    finish() {
      if (drawn && tty) stream.write('\r\x1b[2K');
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
