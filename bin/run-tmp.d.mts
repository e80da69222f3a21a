// Types of run-tmp.mjs (the command's launcher, plain JavaScript run before anything is compiled).

/** The environment variable that names the run's folder. */
export declare const RUN_TMP_ENV: string;
/** The environment variable that keeps the TMPDIR the run was given. */
export declare const OUTER_TMP_ENV: string;
/** The channel on which every thread announces its temporary files beside an output (shared/output/live-temps.ts). */
export declare const LIVE_TEMPS_CHANNEL: string;
/** On the main thread, at start: the run's temporary folder, removed on exit. */
export declare function useRunTmp(): string;
/** Runs `fn` with the TMPDIR the run was given. */
export declare function withOuterTmp<T>(fn: () => Promise<T>): Promise<T>;
