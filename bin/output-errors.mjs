// What a failed write to the process's stdout or stderr does to the exit code. Node ignores SIGPIPE, so a
// reader that went away (`zonalflow stats ... 2>&1 | head -1`) shows up as an EPIPE error on the stream, and a
// full device (`2>/dev/full`) as ENOSPC; without a handler either would end the process as an uncaught
// exception (exit 1, whatever the job's code, with a stack trace nobody can read).
//
// - EPIPE (stdout or stderr): the process is cut short at once, as a program that SIGPIPE kills would be, and
//   never exits 0: with the exit code the command had already decided (a usage error's 2, a failed job's 1,
//   some features failed 3, an interrupt's 130/143: cli/main.ts reports it before it writes the lines that go
//   with it), else 141, 128 + SIGPIPE, what a shell reports for such a program (`git log | head -1` under
//   `set -o pipefail`). The run's temporary folder is removed on that exit as on any other (run-tmp.mjs).
// - Any other error on stderr: the diagnostics are lost, not the results: the job goes on and its exit code
//   stays what it is.
// - Any other error on stdout, where a command prints its results (--help, --version, status, list,
//   estimate): one line on stderr, and an exit code that would have been 0 is 1.

/** Exit code of a process cut short by a closed pipe before its command had decided one: 128 + SIGPIPE (13). */
export const CLOSED_PIPE_EXIT = 141;

/**
 * The slot, shared by the main thread and the job thread (job-thread.mjs), where the command puts its exit code
 * as soon as it has decided it (-1 until then): a closed pipe met on the main thread, while the job thread is
 * still writing its last lines, then ends the process with that code.
 */
export function newDecidedCode() {
  const slot = new Int32Array(new SharedArrayBuffer(4));
  slot[0] = -1;
  return slot;
}

/** Stores `code` in `slot` (from any thread). */
export function decideCode(slot, code) {
  Atomics.store(slot, 0, code);
}

/**
 * On the main thread, at start: handles errors of process.stdout and process.stderr as this file's header
 * says. `decided`: the slot from {@link newDecidedCode}.
 */
export function handleOutputErrors(decided) {
  let stdoutFailed = false;
  const cutShort = () => {
    const code = [process.exitCode, Atomics.load(decided, 0)].find((c) => typeof c === 'number' && c > 0);
    process.exit(code ?? CLOSED_PIPE_EXIT);
  };
  process.stdout.on('error', (e) => {
    if (e.code === 'EPIPE') cutShort();
    if (stdoutFailed) return;
    stdoutFailed = true;
    process.stderr.write(`zonalflow: error: could not write the output to stdout: ${e.message}\n`);
  });
  process.stderr.on('error', (e) => {
    if (e.code === 'EPIPE') cutShort();
  });
  // a natural end or process.exit(0): the results printed to stdout did not all arrive
  process.on('exit', (code) => {
    if (stdoutFailed && code === 0) process.exitCode = 1;
  });
}
