/**
 * The default column prefix of a raster, in a module of its own: the prepare thread names its rasters'
 * columns without loading the spec's schemas (spec.ts, zod: ~200 KB of JavaScript it has no use for).
 */

/** The default column prefix of a raster: its file stem without `.cog`/`.tif` suffixes. */
export function rasterStem(uri: string): string {
  const path = uri.replace(/[?#].*$/, '');
  const base = path.slice(path.lastIndexOf('/') + 1);
  const stem = base.replace(/\.(tiff?|TIFF?)$/, '').replace(/\.cog$/i, '');
  const cleaned = stem.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[0-9]/.test(cleaned) ? `r_${cleaned}` : cleaned || 'raster';
}
