/**
 * The output format a path names by its suffix (case-insensitive): `.csv`, `.json`, `.parquet`/`.pq`, `.gpkg`,
 * `.fgb`; and, for a path that names none, the problem in words (no suffix at all, or one not known), listing
 * the accepted ones. One place for `zonalflow stats --out` and the sinks (open-sink.ts).
 */
import { extname } from 'node:path';

/** Output formats by suffix. */
export type OutputFormat = 'csv' | 'json' | 'parquet' | 'gpkg' | 'fgb';

const BY_SUFFIX: Readonly<Record<string, OutputFormat>> = { '.csv': 'csv', '.json': 'json', '.parquet': 'parquet', '.pq': 'parquet', '.gpkg': 'gpkg', '.fgb': 'fgb' };

/** The accepted suffixes, as a line lists them. */
export const OUTPUT_SUFFIXES = '.csv, .parquet, .json, .gpkg (GeoPackage) or .fgb (FlatGeobuf)';

/** The format `path`'s suffix names, or null. */
export function outputFormatFromSuffix(path: string): OutputFormat | null {
  return BY_SUFFIX[extname(path).toLowerCase()] ?? null;
}

/**
 * Why `path` names no output format: `has no suffix to say the output format; ...` (`e7b`, `out.`) or
 * `unknown output format ".txt"; ...`, each listing the accepted suffixes.
 */
export function outputSuffixProblem(path: string): string {
  const ext = extname(path);
  if (ext === '' || ext === '.') return `has no suffix to say the output format; end it with ${OUTPUT_SUFFIXES}`;
  return `unknown output format "${ext}"; use ${OUTPUT_SUFFIXES}`;
}
