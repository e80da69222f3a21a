/** The input file suffixes zonalflow reads (upload rule, spec beside the input, job names). */

/** Suffixes of inputs (lower case; longest first so `.shp.zip` wins over `.zip`). */
export const INPUT_SUFFIXES = ['.shp.zip', '.geojsonseq', '.geojsonl', '.geojsons', '.geojson', '.parquet', '.gpkg', '.fgb', '.zip'] as const;

/** The key or file name without its input suffix (`a/b.shp.zip` -> `a/b`); unchanged when it has none. */
export function stripInputSuffix(key: string): string {
  const lower = key.toLowerCase();
  const s = INPUT_SUFFIXES.find((x) => lower.endsWith(x));
  return s ? key.slice(0, key.length - s.length) : key;
}

/** The job spec's key beside an input (`x.gpkg` -> `x.json`); null when the input has no known suffix. */
export function specKeyBeside(key: string): string | null {
  const stem = stripInputSuffix(key);
  return stem === key ? null : `${stem}.json`;
}
