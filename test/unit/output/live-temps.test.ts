/**
 * The temporary files beside an output are announced to the `zonalflow` command's main thread
 * (bin/run-tmp.mjs), which removes those still there when the process exits before the job's cleanup
 * (a closed output pipe: test/integration/interrupt.test.ts asserts the real command leaves none).
 */
import { BroadcastChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { LIVE_TEMPS_CHANNEL, trackTemp, untrackTemp } from '../../../shared/output/live-temps';
import { LIVE_TEMPS_CHANNEL as LAUNCHER_CHANNEL } from '../../../bin/run-tmp.mjs';

describe('live temporary files', () => {
  it('the launcher listens on the channel the tracker announces on', () => {
    expect(LAUNCHER_CHANNEL).toBe(LIVE_TEMPS_CHANNEL);
  });
  it('trackTemp and untrackTemp announce each path, in order', async () => {
    const listener = new BroadcastChannel(LIVE_TEMPS_CHANNEL);
    const heard: unknown[] = [];
    const two = new Promise<void>((resolve) => {
      listener.onmessage = (e) => {
        heard.push((e as MessageEvent).data);
        if (heard.length === 2) resolve();
      };
    });
    trackTemp('/nowhere/out.csv.zonalflow-1-a.tmp');
    untrackTemp('/nowhere/out.csv.zonalflow-1-a.tmp');
    await two;
    listener.close();
    expect(heard).toEqual([{ add: '/nowhere/out.csv.zonalflow-1-a.tmp' }, { remove: '/nowhere/out.csv.zonalflow-1-a.tmp' }]);
  });
});
