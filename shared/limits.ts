/**
 * Defaults of the resource limits (`limits` in the spec), in a module of their own: the engine needs
 * them on worker threads, which never parse a spec and so never load zod (spec.ts re-exports them).
 */
export const LIMIT_DEFAULTS = { maxCellsPerFeature: 2 ** 28, maxHistogramCounts: 10_000_000, maxTimeseriesRows: 1_000_000 } as const;
