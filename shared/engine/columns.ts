/**
 * Column naming (DESIGN.md): `<name>_<stat>` for one band of a raster,
 * `<name>_b<k>_<stat>` when several bands of that raster are read; `<stat>` is the statistic's name, or
 * exactextract's column name for `quantile(q=F)` (`quantile_25`: names.ts statColumnName).
 */
import type { StatColumn } from '../output/table';
import { statColumnName, statKind } from '../stats/names';

/** A raster as the column layout sees it. */
export interface ColumnRaster { name: string; bands: readonly number[] }

/** The prefix of a band's columns. */
export function bandPrefix(raster: ColumnRaster, band: number): string {
  return raster.bands.length > 1 ? `${raster.name}_b${band}` : raster.name;
}

/** Every statistic column, rasters in spec order, bands ascending as given, stats in spec order. */
export function statColumns(rasters: readonly ColumnRaster[], stats: readonly string[]): StatColumn[] {
  const cols: StatColumn[] = [];
  for (const r of rasters) {
    for (const b of r.bands) {
      const prefix = bandPrefix(r, b);
      for (const s of stats) cols.push({ name: `${prefix}_${statColumnName(s)}`, kind: statKind(s) });
    }
  }
  return cols;
}
