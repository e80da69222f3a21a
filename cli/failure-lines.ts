/**
 * How the CLI lists the features a job could not compute (`stats`, a time series, `local`): each reason on
 * an `error:` line, the first {@link SHOWN_FAILURES}, then how many more. A feature that could not be
 * computed is an error of that feature, not a warning: its row carries the same reason in its `error` column
 * and the job goes on (exit 3, or 1 when no feature was computed), as GDAL labels a failed operation that
 * the program goes on after (`ERROR 1: ...`: CPLError's CE_Failure, e.g. ogr2ogr -skipfailures) and
 * exactextract its failures (`Error: ...`). `warning:` lines are for what was computed but may not be what
 * the user meant (a NULL id, repeated ids, a CRS that may be wrong).
 */

/** Failure reasons printed at most; the others are counted in one line. */
export const SHOWN_FAILURES = 10;

/**
 * The lines listing failed features (without the command's `zonalflow:` prefix): `error: <reason>` for the
 * first reasons, then `error: ... and N more (see <where>)` when `total` is larger.
 */
export function failureLines(reasons: readonly string[], total: number, where: string): string[] {
  const out = reasons.slice(0, SHOWN_FAILURES).map((r) => `error: ${r}`);
  const more = total - out.length;
  if (more > 0) out.push(`error: ... and ${more} more (see ${where})`);
  return out;
}
