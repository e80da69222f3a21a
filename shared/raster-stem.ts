/**
 * The default column prefix of a raster, in a module of its own: the prepare thread names its rasters'
 * columns without loading the spec's schemas (spec.ts, zod: ~200 KB of JavaScript it has no use for).
 */

/** A raster's name (spec `name`, `--raster NAME=URI`, a raster argument of a statistic): its columns' prefix. */
export const RASTER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** The rule of {@link RASTER_NAME}, as the spec's and the CLI's errors state it. */
export const RASTER_NAME_RULE = 'a name is letters, digits and _, not starting with a digit';

/** The default column prefix of a raster: its file stem without `.cog`/`.tif` suffixes. */
export function rasterStem(uri: string): string {
  const path = uri.replace(/[?#].*$/, '');
  const base = path.slice(path.lastIndexOf('/') + 1);
  const stem = base.replace(/\.(tiff?|TIFF?)$/, '').replace(/\.cog$/i, '');
  const cleaned = stem.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(cleaned) ? `r_${cleaned}` : cleaned || 'raster';
}
