/**
 * Sizes shared by both phases of `zonalflow stats` (prepare-job.ts, stats-job.ts), in a module of
 * their own so that the main thread can know them without loading phase 1's code (the feature
 * readers, SQLite's WASM: ~40 MB of resident memory the main thread does not need when phase 1
 * runs on its thread).
 */

/** Prepared features per frame of a run file: each stream of the merge holds one frame per run. */
export const RECORD_FRAME = 128;

/**
 * Decoded-tile cache per raster and thread: in the job's spatial order a chunk touches a compact area
 * (100k case, 512² UInt16 tiles, least recently used evicted first: 535 tiles decoded of 484 with 32 MiB, 505 with
 * 64 MiB, 651 with 8 MiB; the farthest tile evicted first, cog.ts keepDecoded: 545 with 16 MiB).
 * 16 MiB: 100k case at 2 threads reads 171.9 MB in 300 requests instead of 156.6 MB in 276 (local file:
 * the same CPU seconds within noise) for ~35 MB less peak RSS (each worker also holds evicted tiles as
 * garbage until V8 collects them, so a cache costs more than its bound).
 */
export const TILE_CACHE_BYTES = 16 * 1024 * 1024;
