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
