// Preloaded (`node --import <this file> bin/zonalflow.mjs ...`; worker threads inherit the flag, so it runs in
// every thread): writes to stderr, per thread, every module file Node's ES loader loads
// (`loaded-modules: file <threadId> <url>`, from a loader hook) and, at the thread's exit, the built-in
// modules it loaded (`loaded-modules: builtins <threadId> <name,...>`), so that a test sees what each thread of
// a command loads.
import { register } from 'node:module';
import process from 'node:process';
import { URL } from 'node:url';
import { threadId } from 'node:worker_threads';

register(new URL('./loaded-modules-hooks.mjs', import.meta.url), { data: { threadId } });
process.on('exit', () => {
  const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length));
  process.stderr.write(`loaded-modules: builtins ${threadId} ${builtins.join(',')}\n`);
});
