import { afterEach, describe, expect, it, vi } from 'vitest';
import { progressBar } from '../../../cli/progress';

/** A stream that keeps what is written (a terminal when `tty`). */
function sink(tty = false): { stream: NodeJS.WriteStream; lines: string[] } {
  const lines: string[] = [];
  const stream = { isTTY: tty, write: (s: string) => lines.push(s) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, lines };
}

describe('progress bar', () => {
  afterEach(() => vi.useRealTimers());

  it('shows done/total and a bar when the total is known; the rate over the reports so far', () => {
    vi.useFakeTimers({ now: 0 });
    const { stream, lines } = sink();
    const bar = progressBar('stats', stream);
    vi.setSystemTime(1_000);
    bar.update(100, 1000);
    vi.setSystemTime(20_000);
    bar.update(500, 1000);
    // 400 features in the last 19 s (the window reaches back to the first report): 21/s, 500 left: 24 s
    expect(lines[0]).toMatch(/^stats \[#{12}\.{12}\] 500\/1000 features 21\/s 24s left\n$/);
  });

  it('the time left comes from the progress, not from the start: a long start-up does not inflate it', () => {
    vi.useFakeTimers({ now: 0 });
    const { stream, lines } = sink();
    const bar = progressBar('stats', stream);
    // 8 s of start-up (opening, PROJ, ordering), then 1,000 features every 100 ms: 10,000 a second
    let done = 0;
    for (let t = 8_000; t <= 10_000; t += 100) {
      vi.setSystemTime(t);
      done += 1000;
      bar.update(done, 100_000);
    }
    // 21,000 done at 10 s: 79,000 left at 10,000/s is 8 s (counted from the start, 2,100/s: 38 s)
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ 21000\/100000 features 10000\/s 8s left\n$/);
  });

  it('the rate is that of the last 10 s: a job that speeds up shows its new speed', () => {
    vi.useFakeTimers({ now: 0 });
    const { stream, lines } = sink();
    const bar = progressBar('stats', stream);
    let done = 0;
    for (let t = 1_000; t <= 40_000; t += 1_000) {
      vi.setSystemTime(t);
      done += t <= 20_000 ? 100 : 1000;
      bar.update(done, 100_000);
    }
    // drawn at 10, 20, 30 and 40 s; at 40 s the window (30-40 s) holds only the fast reports
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatch(/ 22000\/100000 features 1000\/s 1m18s left\n$/);
  });

  it('no rate and no time left before the reports span half a second (one chunk is no rate)', () => {
    vi.useFakeTimers({ now: 0 });
    const { stream, lines } = sink(true);
    const bar = progressBar('stats', stream);
    vi.setSystemTime(1_500);
    bar.update(1000, 100_000);
    expect(lines[0]).toBe('\r\x1b[2Kstats [........................] 1000/100000 features');
  });

  it('an input that does not say how many features it has (total 0): the count so far, no bar, no "/0"', () => {
    vi.useFakeTimers({ now: 0 });
    const { stream, lines } = sink();
    const bar = progressBar('stats', stream);
    vi.setSystemTime(5_000);
    bar.update(500, 0, 1);
    vi.setSystemTime(20_000);
    bar.update(1000, 0, 2);
    // 500 features in the 15 s between the reports
    expect(lines).toEqual(['stats 1000 features 2 failed 33/s\n']);
  });
});
