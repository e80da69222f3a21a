/**
 * The spec field an error found after validation concerns (a raster's bands beyond its band count, two rasters
 * of one name): named `(rasters[0].bands)` in the message and carried in the error's `context.specPath`, so that a
 * command that built the spec from its options names the option instead (`--bands`, `--raster #2`). Imports
 * only errors.ts: the engine's threads load it.
 */
import { ZonalflowError } from './errors';

/** A spec field as such errors name it: `rasters[0].bands`. */
export function specFieldText(path: readonly (string | number)[]): string {
  return path.map((p, k) => (typeof p === 'number' ? `[${p}]` : `${k > 0 ? '.' : ''}${p}`)).join('');
}

/**
 * `err` with its `(rasters[0].bands)` said as `(--bands)` when `label` names the field (the option that set it);
 * any other error, or a field no option set (a spec file's), as it is.
 */
export function relabelSpecField(err: unknown, label: (path: readonly PropertyKey[]) => string | undefined): unknown {
  if (!(err instanceof ZonalflowError)) return err;
  const path = err.context['specPath'];
  if (!Array.isArray(path) || !path.every((p) => typeof p === 'string' || typeof p === 'number')) return err;
  const name = label(path);
  const field = `(${specFieldText(path)})`;
  if (name === undefined || !err.message.includes(field)) return err;
  err.message = err.message.replace(field, `(${name})`);
  return err;
}
