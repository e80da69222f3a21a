/**
 * The most columns a geo output format can hold, checked before anything is written: a GeoPackage table
 * at most 2000 (SQLite's SQLITE_MAX_COLUMN default, which node-sqlite3-wasm 0.8.60 is built with:
 * `PRAGMA compile_options` lists MAX_COLUMN=2000; GDAL 3.6's GPKG driver fails at the same count, `too many
 * columns on <table>`), counting `ogc_fid` and `geom`; a FlatGeobuf file at most 65,536 (a property's field
 * index is a 16-bit integer). Parquet, CSV and JSON have no such limit. `frac` and `weighted_frac` make one
 * column per distinct value, known only once every row is in (SinkOptions.fracValues): before then the
 * count is checked without them, so a table too wide without them fails before anything is computed; one
 * that their values make too wide is written with each of them as one JSON column (open-sink.ts), never lost.
 */
import { OutputError } from '../errors';
import type { SinkOptions } from './sink';

/** The most columns of a GeoPackage features table (SQLite's SQLITE_MAX_COLUMN). */
export const GPKG_MAX_COLUMNS = 2000;
/** The most fields of a FlatGeobuf file (a field index is a u16). */
export const FGB_MAX_COLUMNS = 65_536;

/** The columns of the geo formats' table: `id`, `fid`, the columns (frac ones expanded when their values are known), `error`; plus `ogc_fid` and `geom` in a GeoPackage. */
export function geoColumnCount(format: 'gpkg' | 'fgb', opts: Pick<SinkOptions, 'columns' | 'fracValues' | 'fracAsJson'>): { total: number; perValue: number; valuesKnown: boolean } {
  let perValue = 0;
  let other = 0;
  let valuesKnown = true;
  for (const c of opts.columns) {
    if (c.kind !== 'frac' || opts.fracAsJson === true) other++;
    else {
      const values = opts.fracValues?.get(c.name);
      if (values === undefined) valuesKnown = false;
      else perValue += new Set(values).size;
    }
  }
  return { total: (format === 'gpkg' ? 2 : 0) + 3 + other + perValue, perValue, valuesKnown };
}

/**
 * An OutputError when the table of `opts` cannot fit a GeoPackage / FlatGeobuf file, in one line: the count, the
 * limit and what to do; null when it fits (or may fit, frac values still unknown). `label` names the output (`--out x.gpkg`).
 */
export function geoColumnsProblem(format: 'gpkg' | 'fgb', opts: Pick<SinkOptions, 'columns' | 'fracValues' | 'fracAsJson'>, label: string): OutputError | null {
  const { total, perValue, valuesKnown } = geoColumnCount(format, opts);
  const limit = format === 'gpkg' ? GPKG_MAX_COLUMNS : FGB_MAX_COLUMNS;
  if (total <= limit) return null;
  const why = format === 'gpkg'
    ? `a GeoPackage table holds at most ${limit} columns (SQLite's SQLITE_MAX_COLUMN; GDAL's GPKG driver has the same limit)`
    : `a FlatGeobuf file holds at most ${limit} fields (a 16-bit field index)`;
  const frac = opts.columns.some((c) => c.kind === 'frac');
  const fewer = frac
    ? 'or fewer per-value columns (unique lists the values in one column instead of frac\'s column per value)'
    : 'or fewer columns (fewer statistics, bands or --include-cols)';
  const needs = valuesKnown
    ? `this table needs ${total}${perValue > 0 ? ` (${perValue} of them one per distinct value of frac/weighted_frac)` : ''}`
    : `this table needs at least ${total} before frac's per-value columns`;
  return new OutputError(`${label}: ${why} and ${needs}; write another format (.parquet, ${format === 'gpkg' ? '.fgb, ' : ''}.csv or .json) ${fewer}`, { context: { columns: total, limit } });
}

/**
 * The warning for a table whose frac columns' values made it too wide for the format (`total` columns, `perValue`
 * of them per value): each frac column is written as one JSON text column instead. `label` names the output.
 */
export function fracAsJsonWarning(format: 'gpkg' | 'fgb', opts: Pick<SinkOptions, 'columns' | 'fracValues'>, label: string): string {
  const { total, perValue } = geoColumnCount(format, opts);
  const frac = opts.columns.filter((c) => c.kind === 'frac').map((c) => c.name);
  const limit = format === 'gpkg' ? `a GeoPackage table holds (${GPKG_MAX_COLUMNS})` : `a FlatGeobuf file holds (${FGB_MAX_COLUMNS})`;
  return `${label}: one column per distinct value of ${frac.join(', ')} would make ${total} columns (${perValue} per value), more than ${limit}: ${frac.length > 1 ? 'each is' : 'it is'} written as one JSON text column ({"values": [...], "fracs": [...]}) instead, every row kept; .parquet, .csv or .json hold one column per value`;
}
