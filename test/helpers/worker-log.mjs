// Preloaded (`node --import <this file> bin/zonalflow.mjs ...`; worker threads inherit the flag, so it runs in
// every thread): each Worker a thread starts is written to stderr as `worker-log: <main|thread> <file name>`,
// so that a test sees which thread started which worker (e.g. the PROJ host, proj-host.mjs).
import { createRequire, syncBuiltinESMExports } from 'node:module';
import process from 'node:process';

const threads = createRequire(import.meta.url)('node:worker_threads');
const Base = threads.Worker;
threads.Worker = class LoggedWorker extends Base {
  constructor(file, opts) {
    super(file, opts);
    // an eval'd boot (the TypeScript sources through tsx) names its entry last: `import("file:///.../x.ts")`
    const name = opts?.eval === true ? ([...String(file).matchAll(/([\w.-]+\.(?:ts|mjs))"/g)].pop()?.[1] ?? '<eval>') : String(file).split(/[\\/]/).pop();
    process.stderr.write(`worker-log: ${threads.isMainThread ? 'main' : 'thread'} ${name}\n`);
  }
};
syncBuiltinESMExports();
