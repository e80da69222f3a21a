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

  // a real clock: Date.now() is far from 0, so the first line off a terminal may come 1 s after the start
  const T0 = 1_700_000_000_000;

  it('off a terminal: no line while no feature is done, and finish() prints the final count the last line fell short of', () => {
    vi.useFakeTimers({ now: T0 });
    const { stream, lines } = sink();
    const bar = progressBar('zonalflow local', stream);
    // zonalflow local's reports: Plan's totals (nothing done), then each Worker's batch
    vi.setSystemTime(T0 + 2_000);
    bar.update(0, 6, 0, '0/2 batches');
    vi.setSystemTime(T0 + 3_000);
    bar.update(3, 6, 0, '1/2 batches');
    vi.setSystemTime(T0 + 4_000);
    bar.update(6, 6, 0, '2/2 batches');
    bar.finish();
    bar.finish(); // stats calls it twice (finally, then before its result line): the final count once
    // before: one line, "zonalflow local [........................] 0/6 features 0/2 batches", just before DONE
    expect(lines.map((l) => l.replace(/ \d+\/s[^\n]*/, '').trimEnd())).toEqual([
      'zonalflow local [############............] 3/6 features 1/2 batches',
      'zonalflow local [########################] 6/6 features 2/2 batches',
    ]);
  });

  it('off a terminal: nothing more from finish() when the last line showed the end, or when no line was printed', () => {
    vi.useFakeTimers({ now: T0 });
    const { stream, lines } = sink();
    const bar = progressBar('stats', stream);
    vi.setSystemTime(T0 + 2_000);
    bar.update(6, 6);
    bar.finish();
    expect(lines).toEqual(['stats [########################] 6/6 features\n']);
    const quick = sink();
    const short = progressBar('stats', quick.stream);
    vi.setSystemTime(T0 + 2_500);
    short.update(0, 6);
    short.finish();
    expect(quick.lines).toEqual([]);
  });

  it('one feature is "feature": 1/1, and 1 of an unknown total', () => {
    vi.useFakeTimers({ now: T0 });
    const one = sink();
    const bar = progressBar('stats', one.stream);
    const unknown = sink();
    const seq = progressBar('stats', unknown.stream);
    vi.setSystemTime(T0 + 2_000);
    bar.update(1, 1);
    seq.update(1, 0);
    expect([...one.lines, ...unknown.lines]).toEqual(['stats [########################] 1/1 feature\n', 'stats 1 feature\n']);
  });
});
