/**
 * What a job checks of its layer against its spec before it reads a feature, in one place so that `stats`,
 * `local`'s and the time series' job and `zonalflow estimate` refuse the same specs with the same lines: a layer
 * CRS that PROJ cannot use, and included attributes (`input.include`, `--include-cols`) the layer lacks, given
 * twice, reserved, or named like a statistic column; and (local and AWS jobs, `zonalflow estimate` of them) a fid two
 * features share.
 */
import type { FeatureSource } from '../features/source';
import type { StatColumn } from '../output/table';
import type { JobSpec } from '../spec';
import { checkCrs } from '../crs/transform';
import { CrsError, InputError } from '../errors';
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

/**
 * InputError naming the file, the layer and the fid when two features of the layer share one (a GeoJSON's repeated `id` members, a repeated
 * `fid` column): local and AWS jobs merge and de-duplicate their results by fid, so Plan refuses the layer before any
 * batch, and `zonalflow estimate` with the same line. Bad input, so exit 2 (`INPUT_INVALID`, as `stats` gives an input
 * it cannot use; the job's error code `InputError`). A GeoPackage's fids are rowids, unique: not checked. `fids`: the
 * layer's fids in input order (sorted in a copy).
 */
export function checkUniqueFids(layer: Pick<FeatureSource, 'path' | 'layer' | 'featuresByFid'>, fids: ArrayLike<number>): void {
  if (layer.featuresByFid) return;
  const sorted = Float64Array.from(fids).sort();
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] === sorted[i - 1]) {
      // a key that is no integer stands for an fid beyond 2^53 (GeoJSON int64 ids: geojson-ids.ts fidOf)
      const fid = Number.isInteger(sorted[i]) ? String(sorted[i]) : 'beyond 2^53 (an int64 id)';
      throw new InputError(`${layer.path}: layer "${layer.layer}" has two features with fid ${fid}; local and AWS jobs merge and de-duplicate results by fid, so fids must be unique: number the features (or drop a GeoJSON's repeated id members), or compute it with zonalflow stats`);
    }
  }
}
