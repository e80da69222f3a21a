/**
 * The errors for a name the input does not have (`--id-column`, `--include-cols`, `--layer`): one line naming
 * the file, what was asked and what there is, ending with the nearest name when one is a typo or a letter case
 * away (`; did you mean "ID_2"?`), the same for every input format.
 */
import { InputError } from '../errors';
import { didYouMean, listNames } from '../nearest';

/** What a missing column was asked for: the ids (`--id-column`), an included attribute, or either (a source's own check). */
export type ColumnRole = 'ids' | 'include' | 'attribute';

/** InputError: `<path>: layer "<layer>" has no column "<name>" [for the ids | to include] (columns: ...)[; did you mean "..."?]`, the columns as listNames lists them. */
export function missingColumn(path: string, layer: string, name: string, columns: readonly string[], role: ColumnRole): InputError {
  return new InputError(`${path}: layer "${layer}" has no column "${name}"${roleText(role)} (columns: ${listNames(columns)})${didYouMean(name, columns)}`);
}

/** What a column was asked for, as the errors say it. */
function roleText(role: ColumnRole): string {
  return role === 'ids' ? ' for the ids' : role === 'include' ? ' to include' : '';
}

/**
 * The columns of `columns` that `name` names, as GDAL finds a field (OGRFeatureDefn::GetFieldIndex, which
 * exactextract's `-f`/`--include-col` and ogr2ogr's `-select` use): the one spelled so; else those whose name
 * differs from it only by ASCII letter case (GDAL's EQUAL is strcasecmp): none, one, or several (ambiguous: GDAL
 * takes the first, zonalflow refuses, {@link findColumn}).
 */
export function columnMatches(name: string, columns: readonly string[]): string[] {
  if (columns.includes(name)) return [name];
  const folded = asciiLower(name);
  return columns.filter((c) => asciiLower(c) === folded);
}

/** `s` with A-Z lowered, nothing else (strcasecmp in the C locale). */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/**
 * The column of `columns` that `name` asks for, as the input spells it ({@link columnMatches}: `id_2` finds ID_2).
 * InputError when there is none ({@link missingColumn}, listing `listed`) or when several differ from it only by
 * letter case and none is spelled so: `<path>: layer "<layer>" has no column "code" [for the ids | to include] but 2
 * that differ from it only by letter case, "Code" and "CODE": give one as it is spelled`.
 */
export function findColumn(path: string, layer: string, name: string, columns: readonly string[], role: ColumnRole, listed: readonly string[] = columns): string {
  const found = columnMatches(name, columns);
  if (found.length === 1) return found[0] as string;
  if (found.length === 0) throw missingColumn(path, layer, name, listed, role);
  const names = found.map((c) => JSON.stringify(c));
  throw new InputError(`${path}: layer "${layer}" has no column "${name}"${roleText(role)} but ${found.length} that differ from it only by letter case, ${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}: give one as it is spelled`);
}

/**
 * GDAL's name for the layer of a file that does not name it (CPLGetBasename): the file name without its last
 * suffix (`lux_cantons_2169.shp` -> lux_cantons_2169, `fields.geojson` -> fields).
 */
export function fileStem(path: string): string {
  return path.replace(/^.*[\\/]/, '').replace(/(.)\.[^.]*$/, '$1');
}

/**
 * The layer of `layers` that `name` asks for, as GDAL's GetLayerByName finds it (`ogr2ogr out.csv in.fgb NAME`):
 * the one spelled so, else the first whose name differs only by letter case (`LUX_CANTONS`); undefined when none.
 */
export function findLayer(name: string, layers: readonly string[]): string | undefined {
  return layers.find((l) => l === name) ?? layers.find((l) => l.toLowerCase() === name.toLowerCase());
}

/**
 * For a format that holds one layer (FlatGeobuf, GeoJSON, GeoJSONSeq, GeoParquet, a .shp): `--layer name` must be
 * that layer's name as GDAL gives it (`source.layer`), else the usage error GDAL's "Couldn't fetch requested layer"
 * is here, naming the layer there is. Never ignored.
 */
export function checkOnlyLayer(source: { path: string; layer: string }, name: string | undefined): void {
  if (name !== undefined && findLayer(name, [source.layer]) === undefined) throw missingLayer(source.path, name, [source.layer]);
}

/** InputError: `<path> has no layer "<name>" (layers: ...)[; did you mean "..."?]`. */
export function missingLayer(path: string, name: string, layers: readonly string[]): InputError {
  return new InputError(`${path} has no layer "${name}" (layers: ${listNames(layers)})${didYouMean(name, layers)}`);
}
