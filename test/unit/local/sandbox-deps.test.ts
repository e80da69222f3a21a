/**
 * The handlers' clients kept per warm Lambda sandbox (shared/local/sandbox-deps.ts): a sandbox's later invocations
 * take the clients its first one made, signing with the credentials the sandbox had then (as a Lambda execution
 * environment keeps the credentials it was given at init); another sandbox makes its own; a discarded one's are
 * dropped.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { handlerDeps } from '../../../shared/pipeline/deps';
import type { HandlerDeps } from '../../../shared/pipeline/deps';
import { inSandbox, retireSandbox, retireSandboxes } from '../../../shared/local/sandbox-deps';
import { warmTiles } from '../../../shared/pipeline/warm-tiles';
import { warmHeaders } from '../../../shared/pipeline/raster-headers';

/** A handler as lambdas/ write them: its dependencies taken before its first await. */
const handler = async (): Promise<HandlerDeps> => {
  const deps = handlerDeps();
  await Promise.resolve();
  return deps;
};

/** The environment of a sandbox whose session is `key`. */
function sandboxEnv(key: string): void {
  vi.stubEnv('TABLE_NAME', 'jobs');
  vi.stubEnv('OUTPUT_BUCKET', 'out');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', key);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', `secret-of-${key}`);
}

afterEach(() => {
  retireSandboxes();
  vi.unstubAllEnvs();
});

describe('inSandbox', () => {
  it('a new sandbox starts without the warm tiles and headers an earlier one left; a sandbox\'s later invocation keeps them', async () => {
    /** A Worker as lambdas/worker.ts takes its warm state: at the invocation's start. */
    const worker = async (): Promise<{ tiles: unknown; headers: unknown }> => {
      handlerDeps();
      const warm = { tiles: warmTiles({}), headers: warmHeaders() };
      await Promise.resolve();
      return warm;
    };
    sandboxEnv('KEY-A');
    const a1 = await inSandbox('KEY-A', worker);
    expect(await inSandbox('KEY-A', worker)).toEqual(a1);
    expect((await inSandbox('KEY-A', worker)).tiles).toBe(a1.tiles);
    // a second sandbox, cold: its own (empty) tiles and headers
    sandboxEnv('KEY-B');
    const b1 = await inSandbox('KEY-B', worker);
    expect(b1.tiles).not.toBe(a1.tiles);
    expect(b1.headers).not.toBe(a1.headers);
    // two new sandboxes started together: neither takes the other's
    const [c1, d1] = await Promise.all([inSandbox('KEY-C', worker), inSandbox('KEY-D', worker)]);
    expect(c1.tiles).not.toBe(d1.tiles);
    expect(c1.headers).not.toBe(d1.headers);
    // a discarded sandbox's successor of the same name is new, cold
    retireSandbox('KEY-D');
    expect((await inSandbox('KEY-D', worker)).headers).not.toBe(d1.headers);
  });

  it('a sandbox keeps the clients of its first invocation, signing with its own credentials; another sandbox makes its own', async () => {
    sandboxEnv('KEY-A');
    const a1 = await inSandbox('KEY-A', handler);
    expect((await a1.s3.config.credentials()).accessKeyId).toBe('KEY-A');
    sandboxEnv('KEY-B');
    const b1 = await inSandbox('KEY-B', handler);
    expect(b1).not.toBe(a1);
    expect((await b1.s3.config.credentials()).accessKeyId).toBe('KEY-B');
    // sandbox A's next invocation (another sandbox's environment current meanwhile): A's clients, A's credentials
    const a2 = await inSandbox('KEY-A', handler);
    expect(a2).toBe(a1);
    expect(a2.s3).toBe(a1.s3);
    expect((await a2.s3.config.credentials()).accessKeyId).toBe('KEY-A');
    expect(await inSandbox('KEY-B', handler)).toBe(b1);
  });

  it('a discarded sandbox\'s clients are dropped: a sandbox of that name makes new ones', async () => {
    sandboxEnv('KEY-A');
    const a1 = await inSandbox('KEY-A', handler);
    retireSandbox('KEY-A');
    const a2 = await inSandbox('KEY-A', handler);
    expect(a2).not.toBe(a1);
    expect(a2.s3).not.toBe(a1.s3);
  });

  it('a handler that fails before it has its dependencies leaves nothing kept', async () => {
    vi.stubEnv('TABLE_NAME', '');
    vi.stubEnv('OUTPUT_BUCKET', '');
    await expect(inSandbox('KEY-C', handler)).rejects.toThrow(/the handler's environment is incomplete/);
    sandboxEnv('KEY-C');
    const c = await inSandbox('KEY-C', handler);
    expect(c.config.tableName).toBe('jobs');
  });
});
