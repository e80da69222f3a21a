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
  const what = role === 'ids' ? ' for the ids' : role === 'include' ? ' to include' : '';
  return new InputError(`${path}: layer "${layer}" has no column "${name}"${what} (columns: ${listNames(columns)})${didYouMean(name, columns)}`);
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
