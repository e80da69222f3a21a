/**
 * The engine that reprojects a job's features from one CRS to another: proj4js when PROJ's operation is a
 * pure conversion on one datum and proj4js agrees with PROJ on sample points (conversion.ts), else PROJ's
 * own transformation (transform.ts). PROJ decides and checks, so it must be loaded; the chosen proj4js
 * transform then runs without it (the caller may release PROJ: proj-remote.ts).
 */
import { CrsError } from '../errors';
import type { Crs } from './crs';
import { checkedConversion, chooseConversion, CONVERSION_TOLERANCE_M, type Agreement, type CheckedBox, type ConversionChoice } from './conversion';
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
  return { ...choice, note: proj4jsNote(choice.agreement) };
}

/** The summary's note for a proj4js transform that agreed with PROJ so. */
function proj4jsNote({ maxDifference, points }: Agreement): string {
  return `; computed by proj4js (a pure conversion, within ${CONVERSION_TOLERANCE_M.toExponential(0)} m of PROJ: largest difference ${maxDifference.toExponential(1)} in the raster CRS's units on ${points} sample points)`;
}

/**
 * A {@link JobTransform} as data, for the raster CRS `to` (its `def`): what Plan decided on the layer's sample and
 * the batch files carry, so each Worker runs the transform `zonalflow stats` runs (pipeline/batch-file.ts).
 * `note`: PROJ's for a datum shift ('') or a conversion (why not proj4js).
 */
export type RecordedTransform =
  | { to: string; engine: 'proj4js'; agreement: Agreement; tolerance: number; box: CheckedBox }
  | { to: string; engine: 'PROJ'; reason: string; note: string };

/** `choice` (for the raster CRS `to`) as data: {@link replayJobTransform} gives it back. */
export function recordJobTransform(to: Crs, choice: JobTransform): RecordedTransform {
  return choice.engine === 'proj4js'
    ? { to: to.def, engine: 'proj4js', agreement: choice.agreement, tolerance: choice.tolerance, box: choice.box }
    : { to: to.def, engine: 'PROJ', reason: choice.reason, note: choice.note };
}

/**
 * The transform {@link chooseJobTransform} chose, from its record (`recorded.to` is `to.def`), rebuilt without
 * checking the sample again: PROJ's, or proj4js's inside the checked box and PROJ's outside it (the same bits).
 * CrsError as chooseJobTransform when PROJ has no operation.
 */
export function replayJobTransform(from: Crs, to: Crs, recorded: RecordedTransform): JobTransform {
  const reference = makeBatchTransformer(from, to);
  if (reference === null) throw new CrsError(`${from.name} and ${to.name} are the same CRS: nothing to transform`);
  if (recorded.engine === 'PROJ') return { engine: 'PROJ', reason: recorded.reason, transform: reference, note: recorded.note };
  const transform = checkedConversion(projString(resolveSrs(from).def), projString(resolveSrs(to).def), reference, recorded.box);
  return { engine: 'proj4js', agreement: recorded.agreement, tolerance: recorded.tolerance, box: recorded.box, transform, note: proj4jsNote(recorded.agreement) };
}
