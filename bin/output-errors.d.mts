// Types of output-errors.mjs (the command's launcher, plain JavaScript run before anything is compiled).

/** Exit code of a process cut short by a closed pipe before its command had decided one: 128 + SIGPIPE (13). */
export declare const CLOSED_PIPE_EXIT: number;
/** The shared slot where the command puts its exit code once decided (-1 until then). */
export declare function newDecidedCode(): Int32Array;
/** Stores `code` in `slot` (from any thread). */
export declare function decideCode(slot: Int32Array, code: number): void;
/** On the main thread: errors of stdout/stderr (EPIPE: exit with the decided code, else 141; other: see the module). */
export declare function handleOutputErrors(decided: Int32Array): void;
