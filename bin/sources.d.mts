// Types of sources.mjs (the command's launcher, plain JavaScript run before anything is compiled).

/** Milliseconds since the epoch of the newest TypeScript/JSON source of the CLI (dist/ is current when built from sources at least this new). */
export declare function newestSourceMtime(root: string): number;
