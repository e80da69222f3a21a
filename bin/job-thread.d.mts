// Types of job-thread.mjs (the command's launcher, plain JavaScript run before anything is compiled).
import type { MessagePort, ResourceLimits, Worker } from 'node:worker_threads';

/** V8 heap limits of the job thread. */
export declare const JOB_THREAD_LIMITS: ResourceLimits;
/** Whether a command line runs on a job thread (`stats` computing a job). */
export declare function runsOnJobThread(argv: readonly string[]): boolean;
/** True on a job thread. */
export declare function isJobThread(): boolean;
/** V8 heap limits of the prepare thread (shared/engine/parallel.ts PREPARE_LIMITS). */
export declare const PREPARE_THREAD_LIMITS: ResourceLimits;
/** Smallest input file read on a prepare thread (shared/engine/stats-job.ts PREPARE_THREAD_MIN_BYTES). */
export declare const PREPARE_THREAD_MIN_BYTES: number;
/** Starts the command on a job thread (and the compiled PROJ host `projHostFile` and prepare thread `prepareFile` beside it, handed over); resolves with its exit code. */
export declare function startJobThread(script: string, argv: readonly string[], projHostFile?: string | null, prepareFile?: string | null, decided?: Int32Array | null): Promise<number>;
/** On a job thread: the slot where it puts its exit code once decided (output-errors.mjs); null elsewhere. */
export declare function jobThreadDecidedCode(): Int32Array | null;
/** Whether a `stats` command line will prepare its features on a prepare thread (a guess read off the command line). */
export declare function wantsEarlyPrepareThread(argv: readonly string[]): boolean;
/** Starts a prepare thread now; the handle is for the job thread to use (shared/engine/early-prepare.ts PrepareThreadHandle). */
export declare function startEarlyPrepareThread(file: string, execArgv?: readonly string[]): { worker: Worker; handle: { port: MessagePort; status: MessagePort } };
/** Starts a PROJ host thread now; the handle is for one client thread to adopt (shared/crs/proj-remote.ts ProjHostHandle). */
export declare function startEarlyProjHost(hostFile: string): { worker: Worker; handle: { port: MessagePort; flag: SharedArrayBuffer; status: MessagePort } };
/** On a job thread: whether the main thread found dist/ current; null elsewhere. */
export declare function jobThreadDistIsCurrent(): boolean | null;
/** On a job thread: signals from the main thread, stderr's TTY-ness. */
export declare function setUpJobThread(): void;
/** Has V8 compile every WebAssembly module of this process with Liftoff only (never TurboFan). */
export declare function compileWasmWithLiftoffOnly(): void;
/** Has V8 validate each WebAssembly function at its first compile instead of whole modules up front. */
export declare function validateWasmLazily(): void;
