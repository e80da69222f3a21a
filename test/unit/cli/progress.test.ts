import { afterEach, describe, expect, it, vi } from 'vitest';
import { progressBar } from '../../../cli/progress';

/** A non-terminal stream that keeps what is written. */
function sink(): { stream: NodeJS.WriteStream; lines: string[] } {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => lines.push(s) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, lines };
}

describe('progress bar', () => {
  afterEach(() => vi.useRealTimers());

  it('shows done/total and a bar when the total is known', () => {
    vi.useFakeTimers({ now: 0 });
    const { stream, lines } = sink();
    const bar = progressBar('stats', stream);
    vi.setSystemTime(20_000);
    bar.update(500, 1000);
    expect(lines[0]).toMatch(/^stats \[#{12}\.{12}\] 500\/1000 features 25\/s 20s left/);
  });

  it('an input that does not say how many features it has (total 0): the count so far, no bar, no "/0"', () => {
    vi.useFakeTimers({ now: 0 });
    const { stream, lines } = sink();
    const bar = progressBar('stats', stream);
    vi.setSystemTime(20_000);
    bar.update(1000, 0, 2);
    expect(lines[0]).toBe('stats 1000 features 2 failed 50/s\n');
  });
});
