/**
 * The errors for a name the input does not have (`--id-column`, `--include-cols`, `--layer`): one line naming
 * the file, what was asked and what there is, ending with the nearest name when one is a typo or a letter case
 * away (`; did you mean "ID_2"?`), the same for every input format.
 */
import { InputError } from '../errors';
import { didYouMean } from '../nearest';

/** What a missing column was asked for: the ids (`--id-column`), an included attribute, or either (a source's own check). */
export type ColumnRole = 'ids' | 'include' | 'attribute';

/** InputError: `<path>: layer "<layer>" has no column "<name>" [for the ids | to include] (columns: ...)[; did you mean "..."?]`. */
export function missingColumn(path: string, layer: string, name: string, columns: readonly string[], role: ColumnRole): InputError {
  const what = role === 'ids' ? ' for the ids' : role === 'include' ? ' to include' : '';
  return new InputError(`${path}: layer "${layer}" has no column "${name}"${what} (columns: ${columns.join(', ') || 'none'})${didYouMean(name, columns)}`);
}

/** InputError: `<path> has no layer "<name>" (layers: ...)[; did you mean "..."?]`. */
export function missingLayer(path: string, name: string, layers: readonly string[]): InputError {
  return new InputError(`${path} has no layer "${name}" (layers: ${layers.join(', ')})${didYouMean(name, layers)}`);
}
