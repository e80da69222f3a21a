// `zonalflow stats` runs its whole job (reading, computing, writing) on a worker thread of its own, the
// "job thread", created with a small V8 young generation; the main thread only starts it, forwards
// Ctrl-C/SIGTERM to it and exits with its exit code.
//
// Why: the main thread's isolate cannot be given heap limits once it exists (V8 flags set at run time do
// not resize a created heap; node's --max-semi-space-size is a flag the user would have to pass), and on
// a 2-core machine the job computes on the thread that runs it, where V8 grew the young generation from
// 16 to 32 MB of resident memory during the run. A worker thread accepts resourceLimits at creation. The
// main thread loads none of the CLI's code, so the extra isolate costs little.
// 100k case (bench/.cache/fields_100000.gpkg, default threads, 2 cores, load ~10), peak RSS by
// /usr/bin/time: see the commit message and README's performance section.
import { readFileSync, statSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { MessageChannel, Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { CLOSED_PIPE_EXIT } from './output-errors.mjs';

/** V8 heap limits of the job thread: an 8 MB young generation (the zonal worker threads' own, parallel.ts WORKER_LIMITS). */
export const JOB_THREAD_LIMITS = { maxYoungGenerationSizeMb: 8 };

/**
 * Has V8 compile every WebAssembly module of this process with its baseline compiler only (Liftoff), never
 * tiering hot functions up to TurboFan. For a stats job, set before any thread starts, so that it holds for
 * SQLite's module on the GeoPackage reading thread, which compiles while PROJ loads on another thread
 * (shared/crs/proj.ts sets the same flag for its own compile, and it stays set): TurboFan's copies of
 * SQLite's hot functions cost 25-40 MB of peak RSS at 100k features (100k case: 284-301 MB -> 253-265 MB
 * by /usr/bin/time, five runs each) and their compiles ~0.3 CPU s, for reads no faster.
 */
export function compileWasmWithLiftoffOnly() {
  setFlagsFromString('--liftoff-only');
}

/**
 * Has V8 validate a WebAssembly function when it first compiles it (it compiles lazily, at a function's first
 * call) instead of validating the whole module when it is created: PROJ's module (gdal3.js, ~28 MB of code of
 * which a job calls a small part) was validated whole on a compiler thread at every start. Example job
 * (npm start's, 6 interleaved pairs): CPU 0.94-1.04 -> 0.89-0.94 s. A module's functions are its package's, as
 * shipped; one that did not validate would fail at its first call instead of at load. Set before any thread
 * starts, for every module of the process (shared/crs/proj.ts sets it for PROJ's in any process).
 */
export function validateWasmLazily() {
  setFlagsFromString('--wasm-lazy-validation');
}

/**
 * V8 heap limits of the prepare thread (shared/engine/parallel.ts PREPARE_LIMITS, which says why; a unit test
 * keeps the two equal): the thread {@link startEarlyPrepareThread} starts must be the one the job would start.
 */
export const PREPARE_THREAD_LIMITS = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 1024 };

/** Smallest input file read on a prepare thread (shared/engine/stats-job.ts PREPARE_THREAD_MIN_BYTES, kept equal by a test). */
export const PREPARE_THREAD_MIN_BYTES = 4 * 1024 * 1024;

/** The signals forwarded to the job thread (cli/interrupt.ts handles them there). */
const SIGNALS = ['SIGINT', 'SIGTERM'];

/** Marks the job thread's workerData. */
const MARK = 'zonalflowJobThread';

/**
 * Whether a command line runs on a job thread: `stats` computing a job. Its --help/-h, every other command
 * (help, plan, local, ...) and `--version` stay on the main thread (nothing to gain, and --help's start-up
 * time counts).
 */
export function runsOnJobThread(argv) {
  return argv[0] === 'stats' && !argv.slice(1).some((a) => a === '--help' || a === '-h');
}

/** On a job thread: whether the main thread found dist/ current (it started the compiled PROJ host); null elsewhere. */
export function jobThreadDistIsCurrent() {
  return isJobThread() && typeof workerData.distIsCurrent === 'boolean' ? workerData.distIsCurrent : null;
}

/** On a job thread: the slot where it puts its exit code once decided (output-errors.mjs newDecidedCode); null elsewhere. */
export function jobThreadDecidedCode() {
  return isJobThread() && workerData.decided instanceof Int32Array ? workerData.decided : null;
}

/** True on a job thread started by {@link startJobThread}. */
export function isJobThread() {
  return !isMainThread && workerData !== null && typeof workerData === 'object' && workerData[MARK] === true;
}

/** The workerData key of the prepare thread handed to the job thread (shared/engine/early-prepare.ts reads it). */
const EARLY_PREPARE_KEY = 'zonalflowPrepareThread';

/**
 * The value of option `name` in a command line (`--name value` or `--name=value`): every occurrence, in order.
 * A plain scan, not the CLI's parser: {@link wantsEarlyPrepareThread} only guesses, and a wrong guess costs
 * a thread started for nothing, never a different result.
 */
function optionValues(argv, name) {
  const out = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === name && i + 1 < argv.length) out.push(argv[++i]);
    else if (a.startsWith(`${name}=`)) out.push(a.slice(name.length + 1));
  }
  return out;
}

/**
 * Whether a `stats` command line will prepare its features on a prepare thread (shared/engine/stats-job.ts
 * decides it for the job: an input file of at least {@link PREPARE_THREAD_MIN_BYTES}, no raster on S3, not a
 * time series), read off the command line before the CLI is loaded: --input a local file that large, no
 * s3:// --raster or --weights, and a --spec (if any) that reads as JSON with no `stac` and no s3:// raster.
 */
export function wantsEarlyPrepareThread(argv) {
  if (!runsOnJobThread(argv)) return false;
  const input = optionValues(argv, '--input');
  if (input.length !== 1) return false;
  try {
    if (statSync(input[0]).size < PREPARE_THREAD_MIN_BYTES) return false;
  } catch {
    return false;
  }
  const onS3 = (uri) => typeof uri === 'string' && /^(?:[^=/]*=)?s3:\/\//i.test(uri);
  if ([...optionValues(argv, '--raster'), ...optionValues(argv, '--weights')].some(onS3)) return false;
  for (const file of optionValues(argv, '--spec')) {
    let spec;
    try {
      spec = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      return false;
    }
    if (spec === null || typeof spec !== 'object' || 'stac' in spec) return false;
    const rasters = Array.isArray(spec.rasters) ? spec.rasters : [];
    if ([...rasters, spec.weights].some((r) => onS3(typeof r === 'string' ? r : r?.uri))) return false;
  }
  return true;
}

/**
 * Starts the compiled prepare thread `file` (dist/prepare-worker.mjs) now, at process start, for the job
 * thread to use (shared/engine/early-prepare.ts): it loads its code (the feature readers, SQLite's module,
 * the reprojection; ~0.3-0.5 s) while the job thread loads the CLI, instead of after it, and the job's
 * first chunk, which waits for this thread's first prepared features, comes that much sooner. The thread
 * talks to the job over the handle's `port` instead of its parent port. This thread owns the Worker: it
 * relays its failure and its end on the handle's `status` port, and terminates it when asked there
 * (`{ terminate: true }`). The thread ends itself when the job's end of `port` closes (the job did not want
 * it, or ended); it never keeps the process alive. `execArgv`: the thread's Node options (default: this
 * process's). Returns the Worker and the handle to transfer.
 */
export function startEarlyPrepareThread(file, execArgv = undefined) {
  const { worker, port, status } = startHandedThread(file, {
    // by default this process's Node and V8 options, as the job thread and the PROJ host have them (a V8 flag
    // such as --trace-gc or --max-old-space-size, which an explicit execArgv may not hold, included)
    execArgv,
    workerData: { projThread: false },
    resourceLimits: PREPARE_THREAD_LIMITS,
    errorOf: (err) => (err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) }),
  });
  status.port1.on('message', (m) => {
    if (m !== null && typeof m === 'object' && m.terminate === true) void worker.terminate();
  });
  return { worker, handle: { port, status: status.port2 } };
}

/**
 * Starts `file` as a thread that this thread owns but another thread talks to (the hand-overs of process start):
 * the worker gets `workerData` and the far end of `port` (workerData.port, for its protocol); this thread relays
 * on `status` the worker's failure (`{ error: errorOf(err) }`) and its end (`{ exited: code }`, after `onExit`),
 * then closes it. Neither the worker nor the status port keeps the process alive.
 */
function startHandedThread(file, { execArgv, workerData, resourceLimits, errorOf, onExit = () => undefined }) {
  const requests = new MessageChannel();
  const status = new MessageChannel();
  const worker = new Worker(file, {
    ...(execArgv === undefined ? {} : { execArgv }),
    workerData: { ...workerData, port: requests.port2 },
    transferList: [requests.port2],
    resourceLimits,
  });
  worker.on('error', (err) => status.port1.postMessage({ error: errorOf(err) }));
  worker.on('exit', (code) => {
    onExit();
    status.port1.postMessage({ exited: code });
    status.port1.close();
  });
  worker.unref();
  status.port1.unref();
  return { worker, port: requests.port1, status };
}

/** The workerData key of the PROJ host handed to the job thread (shared/engine/early-proj.ts reads it). */
const EARLY_PROJ_KEY = 'zonalflowProjHost';
/** Bytes of the host's flag (shared/crs/proj-remote.ts PROJ_FLAG_BYTES: two Int32 slots). */
const PROJ_FLAG_BYTES = 8;

/**
 * Starts the compiled PROJ host thread `hostFile` (dist/proj-host.mjs) now, at process start, for the job
 * thread to adopt (shared/engine/early-proj.ts): PROJ's WebAssembly load (~0.5-1 s, 100k case: on the
 * job's critical path, its first chunk waits for PROJ's choice of transform) then runs while the job
 * thread and the prepare thread load their code. This thread owns the host's Worker: it relays the host's
 * ready/error message and its end on the handle's `status` port and raises the flag's slot 1 when the host
 * ends (a caller waiting for an answer learns it at once). The host ends itself when its client's port
 * closes; it never keeps the process alive. Returns the Worker and the handle to transfer.
 */
export function startEarlyProjHost(hostFile) {
  const flag = new SharedArrayBuffer(PROJ_FLAG_BYTES);
  const { worker, port, status } = startHandedThread(hostFile, {
    workerData: { flag },
    resourceLimits: JOB_THREAD_LIMITS,
    errorOf: (err) => `the PROJ thread failed: ${err instanceof Error ? err.message : String(err)}`,
    onExit: () => {
      const slots = new Int32Array(flag);
      Atomics.store(slots, 1, 1);
      Atomics.notify(slots, 0);
    },
  });
  // the host's own ready/error message
  worker.on('message', (m) => status.port1.postMessage(m));
  return { worker, handle: { port, flag, status: status.port2 } };
}

/** The exit codes the command itself gives (README "Exit codes"; a closed output pipe's, output-errors.mjs). */
const COMMAND_EXIT_CODES = new Set([0, 1, 2, 3, 130, CLOSED_PIPE_EXIT, 143]);

/**
 * Starts `script` (the zonalflow command) on a job thread with `argv`; resolves with its exit code once it
 * has ended (its stdout and stderr are piped to this process's). SIGINT and SIGTERM received meanwhile
 * are passed on to the job thread, which handles them as the command does on the main thread (first: the
 * job stops and cleans up, exit 130/143; second: exit at once). `projHostFile`: the compiled PROJ host,
 * started now and handed to the job thread ({@link startEarlyProjHost}); null: none (the job thread runs
 * the TypeScript sources, whose host it starts itself when needed). `prepareFile`: the compiled prepare
 * thread, started now and handed to the job thread ({@link startEarlyPrepareThread}); null: none. `decided`: the
 * slot (output-errors.mjs newDecidedCode) where the job thread puts its exit code as soon as it has decided it,
 * before its last lines reach this thread's stderr (a closed pipe then ends the process with that code).
 */
export function startJobThread(script, argv, projHostFile = null, prepareFile = null, decided = null) {
  compileWasmWithLiftoffOnly();
  validateWasmLazily();
  const early = projHostFile === null ? null : startEarlyProjHost(projHostFile);
  const prepare = prepareFile === null ? null : startEarlyPrepareThread(prepareFile);
  return new Promise((resolve) => {
    const worker = new Worker(script, {
      argv,
      resourceLimits: JOB_THREAD_LIMITS,
      // process.stderr.isTTY is false in a worker: the progress display needs to know
      workerData: {
        [MARK]: true,
        stderrIsTTY: process.stderr.isTTY === true,
        distIsCurrent: projHostFile !== null,
        ...(decided ? { decided } : {}),
        ...(early ? { [EARLY_PROJ_KEY]: early.handle } : {}),
        ...(prepare ? { [EARLY_PREPARE_KEY]: prepare.handle } : {}),
      },
      transferList: [...(early ? [early.handle.port, early.handle.status] : []), ...(prepare ? [prepare.handle.port, prepare.handle.status] : [])],
    });
    const handlers = SIGNALS.map((name) => {
      const handler = () => worker.postMessage({ [MARK]: 'signal', name });
      process.on(name, handler);
      return [name, handler];
    });
    let failure = null;
    worker.on('error', (err) => {
      failure = err;
    });
    worker.on('exit', (code) => {
      // a host or a prepare thread the job never took (or still holds) ends with it
      void early?.worker.terminate();
      void prepare?.worker.terminate();
      for (const [name, handler] of handlers) process.off(name, handler);
      if (failure !== null) {
        process.stderr.write(`zonalflow: ${failure instanceof Error ? failure.message : String(failure)}\n`);
        resolve(code === 0 ? 1 : code);
      } else if (!COMMAND_EXIT_CODES.has(code)) {
        // Node's own codes (13: the job's code awaited something nothing would settle, and its thread's event
        // loop ran dry) say nothing to a user: one line, never a silent failure
        process.stderr.write(`zonalflow: internal error: the job's thread ended with Node's exit code ${code} before the command finished${code === 13 ? ' (it was waiting for work that nothing would finish)' : ''}; please report it\n`);
        resolve(code === 0 ? 1 : code);
      } else resolve(code);
    });
  });
}

/**
 * On a job thread: the signals the main thread passes on are emitted on this thread's `process` (where
 * cli/interrupt.ts listens), and process.stderr says whether the real one is a terminal. No-op elsewhere.
 */
export function setUpJobThread() {
  if (!isJobThread() || parentPort === null) return;
  if (workerData.stderrIsTTY === true) process.stderr.isTTY = true;
  parentPort.on('message', (m) => {
    if (m === null || typeof m !== 'object' || m[MARK] !== 'signal' || !SIGNALS.includes(m.name)) return;
    // before the job's handlers are set (or after they are removed) nothing here would stop: the thread
    // ends with the signal's exit code, as the process would without handlers (the main thread then exits
    // with it and removes the run's temporary folder: run-tmp.mjs)
    if (process.listenerCount(m.name) === 0) {
      // the one line a stopped job prints (cli/interrupt.ts): no output was opened yet, and the run's folder
      // goes with the process
      process.stderr.write(`zonalflow: interrupted (${m.name}) before the job started: nothing written, temporary files removed\n`);
      process.exit(m.name === 'SIGINT' ? 130 : 143);
    }
    process.emit(m.name, m.name);
  });
  // the port must not keep the thread alive once the job has ended
  parentPort.unref();
}
