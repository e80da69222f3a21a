// The pure-JavaScript ES module packages that bin/build.mjs compiles into the CLI's bundle instead of leaving
// them to Node's ES loader in node_modules. Node's loader resolves, reads, compiles and links each file of a
// package as a module of its own, in every thread that imports it: zod 4 is 95 files (~60 ms of CPU per thread),
// hyparquet 54, hyparquet-writer 24, flatgeobuf 20, and a stats job's job thread and prepare thread each imported
// them all (203 and 212 modules; 46 and 67 once compiled in). esbuild's copy is a few chunks, and the result the
// same (parallel-bundle.test.ts runs the bundle). Only a package that locates no file of its own at run time
// (no import.meta.url, no WebAssembly or data file beside it, checked by that test) can be compiled in.

/** Package names compiled into the bundle. */
export const BUNDLED_PACKAGES = new Set(['zod', 'hyparquet', 'hyparquet-writer', 'fzstd', 'fflate', 'flatgeobuf', 'flatbuffers', '@streamparser/json', '@repeaterjs/repeater']);
