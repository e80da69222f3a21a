/**
 * "No silent zeros": when at least half of the computed features touch no
 * raster at all, the statistics are most likely zeros because the layer's CRS
 * is wrong (metres declared as degrees, a missing or wrong CRS). The job
 * summary and the CLI then say so.
 */

/** Share of computed features outside every raster from which the job warns. */
export const OUTSIDE_WARNING_SHARE = 0.5;

/** The warning for `outside` of `computed` features touching no raster; null below the share (or with nothing computed). */
export function outsideWarning(outside: number, computed: number, featuresCrs: string): string | null {
  if (computed <= 0 || outside < OUTSIDE_WARNING_SHARE * computed) return null;
  const pct = ((100 * outside) / computed).toFixed(outside === computed ? 0 : 1);
  return `${outside} of ${computed} features (${pct} %) do not intersect any raster: the layer's CRS (${featuresCrs}) may be wrong`;
}
