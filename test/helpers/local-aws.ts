/**
 * Vitest helper around the local AWS stand-ins (shared/local/stand-ins.ts):
 * starts them once per test file and stops them after it.
 */
import { afterAll, beforeAll } from 'vitest';
import { startStandIns } from '../../shared/local/stand-ins';
import type { StandIns, StandInsOptions } from '../../shared/local/stand-ins';

export { startStandIns } from '../../shared/local/stand-ins';
export type { StandIns, StandInsOptions } from '../../shared/local/stand-ins';

/** Starts the stand-ins before the file's tests and stops them after; call the returned function inside tests. */
export function useStandIns(opts: StandInsOptions = {}): () => StandIns {
  let env: StandIns | undefined;
  beforeAll(async () => {
    env = await startStandIns(opts);
  }, 60_000);
  afterAll(async () => {
    await env?.stop();
    env = undefined;
  });
  return () => {
    if (!env) throw new Error('the local stand-ins are not running (useStandIns() must be called at the top of a test file)');
    return env;
  };
}
