/**
 * How many features the Worker computes between two deadline checks. The engine prefetches the
 * tiles of a chunk in merged range requests, so few large chunks make few requests (each an S3
 * GET with its latency and price); the Worker checks the Lambda deadline only between chunks, so a
 * chunk must end well inside the safety margin. The first chunk has `FIRST_CHUNK` features; each
 * next one is sized from the last one's rate to take about `budgetMs` (a sixth of the safety
 * margin: 5 s of the default 30 s), at most `GROWTH` times the last one (a run of slow features
 * after fast ones overruns by little), at least one feature.
 */

/** Features in the first chunk of a batch (or of a resumed batch). */
export const FIRST_CHUNK = 100;
/** A chunk has at most this many times the features of the one before. */
export const GROWTH = 4;

/** The chunk time budget for a safety margin (ms): a sixth of it. */
export function chunkBudgetMs(safetyMs: number): number {
  return safetyMs / 6;
}

/**
 * The next chunk's size after `last` features took `elapsedMs` (of the Lambda's remaining time):
 * `last * budgetMs / elapsedMs`, capped at `last * GROWTH`, at least 1. A chunk whose time cannot be
 * measured (no deadline: Infinity; or under a millisecond) grows by `GROWTH`.
 */
export function nextChunkSize(last: number, elapsedMs: number, budgetMs: number): number {
  const grown = Math.max(1, last) * GROWTH;
  if (!(elapsedMs >= 1) || !Number.isFinite(elapsedMs)) return grown;
  return Math.max(1, Math.min(grown, Math.floor((Math.max(1, last) * budgetMs) / elapsedMs)));
}
