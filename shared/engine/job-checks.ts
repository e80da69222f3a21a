/**
 * What a job checks of its layer against its spec before it reads a feature, in one place so that `stats`,
 * `local`'s and the time series' job and `zonalflow estimate` refuse the same specs with the same lines: a layer
 * CRS that PROJ cannot use, and included attributes (`input.include`, `--include-cols`) the layer lacks, given
 * twice, reserved, or named like a statistic column.
 */
import type { FeatureSource } from '../features/source';
import type { StatColumn } from '../output/table';
import type { JobSpec } from '../spec';
import { checkCrs } from '../crs/transform';
import { CrsError } from '../errors';
import { attributeColumns, checkAttributeNames } from './attributes';

/** CrsError naming the file and layer when PROJ cannot read the layer's CRS (PROJ must be loaded). */
export function checkLayerCrs(input: string, layer: FeatureSource): void {
  try {
    checkCrs(layer.crs);
  } catch (err) {
    throw new CrsError(`${input}: layer "${layer.layer}": ${oneLine(err instanceof Error ? err.message : String(err))}`, { cause: err });
  }
}

/**
 * PROJ's WKT parse error on one line: its "Error occurred around:" context line and caret line become the text up
 * to the caret (`near "...SPHEROID["z",0,0]"`); any other line break a space (a raster's GeoTIFF citation may
 * hold some: rasters.ts gives its CRS errors this treatment too).
 */
export function oneLine(message: string): string {
  const m = /^([\s\S]*?)\s*Error occurred around:\n(.*)\n( *)\^\s*$/.exec(message);
  const text = m ? `${(m[1] ?? '').replace(/[\s.]+$/, '')}, near "${(m[2] ?? '').slice(Math.max(0, (m[3] ?? '').length - 60), (m[3] ?? '').length + 1)}"` : message;
  return text.replace(/\s*\n\s*/g, ' ');
}

/**
 * The table columns of the spec's included attributes (attributes.ts attributeColumns: InputError or SpecError
 * for an unknown, repeated or reserved one), refused when one has the name of one of the job's statistic
 * columns `stats`, with advice that fits the job's kind (checkAttributeNames).
 */
export function includedColumns(layer: FeatureSource, spec: Pick<JobSpec, 'input' | 'stac' | 'bands'>, stats: readonly StatColumn[]): StatColumn[] {
  const attrs = attributeColumns(layer, spec.input.include ?? []);
  checkAttributeNames(attrs, stats, spec);
  return attrs;
}
