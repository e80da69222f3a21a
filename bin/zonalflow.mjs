#!/usr/bin/env node
// The `zonalflow` command. Runs the compiled CLI in dist/ (built by `npm run build`, which
// `npm ci` runs through `prepare`); when dist/ is missing or older than a TypeScript source
// (a developer editing the code), the sources run through tsx's loader instead.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { newestSourceMtime } from './sources.mjs';
import { jobThreadDecidedCode, jobThreadDistIsCurrent, runsOnJobThread, setUpJobThread, startJobThread, wantsEarlyPrepareThread } from './job-thread.mjs';
import { decideCode, handleOutputErrors, newDecidedCode } from './output-errors.mjs';
import { isMainThread } from 'node:worker_threads';
import { useRunTmp, withOuterTmp } from './run-tmp.mjs';

// every temporary file of the run (its threads' included) under one folder, removed however the process exits
if (isMainThread) useRunTmp();

// the AWS SDK warns that its 2027 releases will need Node 22: not actionable for a user of this command
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name !== 'NodeVersionSupportWarning' && !w.message.startsWith('NodeVersionSupportWarning')) process.stderr.write(`${w.name}: ${w.message}\n`);
});

// `zonalflow stats ... 2>&1 | head -1`, `2>/dev/full`: a closed pipe ends the process with the exit code the
// command has decided, else 141; a full stderr loses only diagnostics (output-errors.mjs). The job thread
// writes through this thread's streams, and puts its code in the same slot.
const decided = isMainThread ? newDecidedCode() : jobThreadDecidedCode();
if (isMainThread) handleOutputErrors(decided);

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stampFile = join(root, 'dist', 'build.json');

function distIsCurrent() {
  if (!existsSync(stampFile)) return false;
  try {
    return JSON.parse(readFileSync(stampFile, 'utf8')).sourcesMtimeMs >= newestSourceMtime(root);
  } catch {
    return false;
  }
}

const argv = process.argv.slice(2);
// `stats` runs on a job thread with a small V8 young generation (job-thread.mjs says why); this thread
// then loads none of the CLI
if (isMainThread && runsOnJobThread(argv)) {
  // the compiled PROJ host and, for a job that reads its features on a prepare thread, that thread start
  // loading now, alongside the job thread (job-thread.mjs startEarlyProjHost, startEarlyPrepareThread)
  const current = distIsCurrent();
  const prepare = current && wantsEarlyPrepareThread(argv) ? join(root, 'dist', 'prepare-worker.mjs') : null;
  process.exitCode = await startJobThread(fileURLToPath(import.meta.url), argv, current ? join(root, 'dist', 'proj-host.mjs') : null, prepare, decided);
  if (process.exitCode === 130 || process.exitCode === 143) process.exit(process.exitCode);
} else {
  setUpJobThread();
  await runHere();
}

/** The command on this thread: the compiled CLI in dist/ when current, else the TypeScript sources. */
async function runHere() {
  let main;
  if (jobThreadDistIsCurrent() ?? distIsCurrent()) {
    ({ main } = await import(pathToFileURL(join(root, 'dist', 'zonalflow.mjs')).href));
  } else {
    const { register } = await import('tsx/esm/api');
    // tsx's compile cache (tsx-<uid>) in the TMPDIR the run was given: it outlives the run's own folder
    await withOuterTmp(async () => {
      register();
      ({ main } = await import('../cli/main.ts'));
    });
  }
  process.exitCode = await main(argv, decided === null ? {} : { decided: (code) => decideCode(decided, code) });
  // interrupted (Ctrl-C 130, SIGTERM 143): the job's cleanup has run; what an abandoned execution still has
  // scheduled (a local run's retry waits) must not keep the process alive
  if (process.exitCode === 130 || process.exitCode === 143) process.exit(process.exitCode);
}
