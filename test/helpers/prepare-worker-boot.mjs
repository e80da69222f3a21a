// The prepare thread from the TypeScript sources (tsx's loader), as a Worker file: what
// bin/job-thread.mjs startEarlyPrepareThread starts from dist/ in a built CLI, for tests that run the sources.
import { register } from 'tsx/esm/api';

register();
await import('../../shared/engine/prepare-worker.ts');
