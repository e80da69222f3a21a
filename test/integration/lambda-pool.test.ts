/**
 * zonalflow local's Lambda threads (shared/local/lambda-pool.ts): an invocation runs in a worker
 * thread with its environment layer over the thread's environment, and the handler's error comes
 * back with its name and message (here the Worker's own check of its environment, SpecError).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { LambdaPool } from '../../shared/local/lambda-pool';

const pool = new LambdaPool(1, { PATH: process.env.PATH, POWERTOOLS_LOG_LEVEL: 'SILENT' });
afterAll(async () => {
  await pool.close();
});

const event = { jobId: 'j', batchId: 'b000001', key: '_work/j/batches/b000001.json', features: 1 };
// each invocation in a sandbox of its own (its environment: the layer)
let sandboxes = 0;
const opts = (): { sandbox: string; requestId: string; deadline: number; scale: number } => ({ sandbox: `sandbox-${++sandboxes}`, requestId: 'r', deadline: Date.now() + 60_000, scale: 1 });
const errorOf = (layer: Record<string, string>): Promise<Error> => pool.invoke('worker', event, layer, opts()).then(() => new Error('no error'), (e: unknown) => e as Error);

describe('LambdaPool', () => {
  it('the handler\'s error by name and message; the layer is the invocation\'s environment, over the thread\'s', async () => {
    await pool.ready();
    const bare = await errorOf({});
    expect(bare.name).toBe('SpecError');
    expect(bare.message).toMatch(/^the handler's environment is incomplete:/);
    expect(bare.message).toMatch(/TABLE_NAME/);
    expect(bare.message).toMatch(/OUTPUT_BUCKET/);
    const layered = await errorOf({ TABLE_NAME: 'jobs' });
    expect(layered.name).toBe('SpecError');
    expect(layered.message).not.toMatch(/TABLE_NAME/);
    expect(layered.message).toMatch(/OUTPUT_BUCKET/);
    // the layer of one invocation does not stay in the thread
    expect((await errorOf({})).message).toBe(bare.message);
  }, 120_000);

  it('two threads: an invocation runs once one is warm (the other loads after it); ready() waits for both', async () => {
    const two = new LambdaPool(2, { PATH: process.env.PATH, POWERTOOLS_LOG_LEVEL: 'SILENT' });
    try {
      await two.available();
      const e = await two.invoke('worker', event, {}, opts()).then(() => new Error('no error'), (err: unknown) => err as Error);
      expect(e.name).toBe('SpecError');
      await two.ready();
      const answers = await Promise.all([1, 2, 3, 4].map(() => two.invoke('worker', event, {}, opts()).then(() => 'ok', (err: unknown) => (err as Error).name)));
      expect(answers).toEqual(['SpecError', 'SpecError', 'SpecError', 'SpecError']);
    } finally {
      await two.close();
    }
  }, 120_000);
});
