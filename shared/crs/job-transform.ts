/**
 * The engine that reprojects a job's features from one CRS to another: proj4js when PROJ's operation is a
 * pure conversion on one datum and proj4js agrees with PROJ on sample points (conversion.ts), else PROJ's
 * own transformation (transform.ts). PROJ decides and checks, so it must be loaded; the chosen proj4js
 * transform then runs without it (the caller may release PROJ: proj-remote.ts).
 */
import { CrsError } from '../errors';
import type { Crs } from './crs';
import { chooseConversion, CONVERSION_TOLERANCE_M, type ConversionChoice } from './conversion';
import { describeTransformation } from './operation';
import { projString, type BatchTransform } from './proj';
import { makeBatchTransformer, resolveSrs } from './transform';

/**
 * The answer of {@link chooseJobTransform}: the transform, which engine runs it, and why (or how well it agrees
 * with PROJ); `note`: what to add to the summary's name of the operation ('' for a datum shift, which PROJ runs).
 */
export type JobTransform = ConversionChoice & { transform: BatchTransform; note: string };

/**
 * The transformer of many points from `from` to `to` (CRSs not equivalent) for a whole job. `xs`/`ys`: sample
 * points in `from` (a grid over the features' extent and real vertices). A datum shift (another datum,
 * TOWGS84, a grid: operation.ts's reading of PROJ's choice) always stays with PROJ, and so does anything
 * conversion.ts refuses or that fails its check against PROJ. CrsError when PROJ has no operation.
 */
export function chooseJobTransform(from: Crs, to: Crs, xs: Float64Array, ys: Float64Array): JobTransform {
  const reference = makeBatchTransformer(from, to);
  if (reference === null) throw new CrsError(`${from.name} and ${to.name} are the same CRS: nothing to transform`);
  const datum = describeTransformation(from, to);
  if (datum !== 'no datum shift (same datum)') return { engine: 'PROJ', reason: `datum transformation: ${datum}`, transform: reference, note: '' };
  const choice = chooseConversion(projString(resolveSrs(from).def), projString(resolveSrs(to).def), reference, xs, ys);
  if (choice.engine === 'PROJ') return { ...choice, transform: reference, note: `; computed by PROJ (${choice.reason})` };
  const { maxDifference, points } = choice.agreement;
  return { ...choice, note: `; computed by proj4js (a pure conversion, within ${CONVERSION_TOLERANCE_M.toExponential(0)} m of PROJ: largest difference ${maxDifference.toExponential(1)} in the raster CRS's units on ${points} sample points)` };
}
