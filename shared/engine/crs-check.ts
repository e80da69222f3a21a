/**
 * "No silent zeros", and no false alarm: when at least half of the computed features touch no raster at all,
 * the job summary and the CLI say so, with what the features' coordinates tell (outside-extent.ts). When they
 * point to a wrong CRS (coordinates outside the area of use of the layer's CRS, or of the raster's when the
 * layer is in that CRS; numbers that look like longitude/latitude in a projected CRS; axes that swapped would
 * overlap the raster), the warning says the layer's CRS may be wrong and why. A layer in another CRS, within
 * that CRS's area of use, is not blamed for lying outside the raster CRS's area: the raster is elsewhere. Then,
 * as when the features lie within the area of use of their CRS, the warning says plainly that they do not
 * overlap the raster, with both extents in the raster's CRS.
 */
import type { AreaOfUse } from '../crs/area-of-use';
import { looksLonLat, mergeOutsideFacts } from './outside-facts';
import type { Box, OutsideFacts } from './outside-facts';

/** Share of computed features outside every raster from which the job warns. */
export const OUTSIDE_WARNING_SHARE = 0.5;

/**
 * The warning for `outside` of `computed` features touching no raster; null below the share (or with nothing
 * computed). `facts`: per raster, where those features lie (none: the warning cannot say more than the count).
 */
export function outsideWarning(outside: number, computed: number, featuresCrs: string, facts: readonly OutsideFacts[] = []): string | null {
  if (computed <= 0 || outside < OUTSIDE_WARNING_SHARE * computed) return null;
  const pct = ((100 * outside) / computed).toFixed(outside === computed ? 0 : 1);
  const head = `${outside} of ${computed} feature${computed === 1 ? '' : 's'} (${pct} %) ${outside === 1 ? 'does' : 'do'} not intersect any raster`;
  const known = facts.filter((f) => f.features !== null);
  if (known.length === 0) return `${head}: the layer's CRS (${featuresCrs}) may be wrong`;
  const evidence = [...new Set(known.flatMap((f) => wrongCrsEvidence(f)))];
  const extents = known.map((f) => `${outside === computed ? 'the features\' extent' : 'their extent'} is ${box(f.features as Box)} and raster "${f.raster}"'s ${box(f.rasterExtent)}, both in ${f.crs}`).join('; ');
  // a raster whose extent cannot be in its CRS (metres read as degrees: a raster without a CRS taken as the layer's
  // EPSG:4326) is the one to blame, not the features' CRS, however right theirs looks
  const impossible = known.filter((f) => !inGeographicRange(f) || f.rasterOutsideAreaOfUse === true).map((f) => `raster "${f.raster}"'s extent ${box(f.rasterExtent)} is not in ${f.crs}'s range (${f.areaOfUse ? area(f.areaOfUse) : 'longitude -180 to 360, latitude -90 to 90'}): the raster probably has another CRS; set it with gdal_edit.py -a_srs EPSG:XXXX`);
  if (impossible.length > 0) {
    const featureExtents = known.map((f) => `${outside === computed ? 'the features\' extent' : 'their extent'} is ${box(f.features as Box)} in ${f.crs}`);
    return `${head}: ${impossible.join('; ')}${evidence.length > 0 ? `; the layer's CRS (${featuresCrs}) may be wrong too: ${evidence.join('; ')}` : ''}; ${[...new Set(featureExtents)].join('; ')}`;
  }
  if (evidence.length > 0) return `${head}: the layer's CRS (${featuresCrs}) may be wrong: ${evidence.join('; ')}; ${extents}`;
  const oneCrs = new Set(known.map((f) => f.crs)).size === 1;
  const areas = [...new Set(known.map((f) => {
    if (byLayerArea(f)) return f.layerAreaOfUse ? `within the area of use of the layer's CRS, ${featuresCrs} (${area(f.layerAreaOfUse)})` : `in the layer's CRS, ${featuresCrs}, whose area of use PROJ does not know`;
    return f.areaOfUse ? `within ${oneCrs ? 'that CRS\'s' : `${f.crs}'s`} area of use (${area(f.areaOfUse)})` : `in ${f.crs}, whose area of use PROJ does not know`;
  }))];
  const within = known.every((f) => (byLayerArea(f) ? f.layerAreaOfUse : f.areaOfUse) !== null);
  const what = `${outside === computed ? 'no feature overlaps' : 'they do not overlap'} ${known.length === 1 ? `raster "${known[0]?.raster ?? ''}"` : 'the rasters'}`;
  return `${head}: ${what}: ${extents}; the features lie ${areas.join(' and ')}${within ? `, so their CRS looks right: they lie where the raster${known.length === 1 ? ' has' : 's have'} no cells` : ''}`;
}

/**
 * The raster's extent can be in its CRS as far as the numbers alone say: true for a projected CRS (the facts'
 * rasterOutsideAreaOfUse speaks for it: PROJ took its centre to longitude/latitude), for a geographic one when the
 * extent lies within longitude -180 to 360 (0 to 360 is a common convention) and latitude -90 to 90, give or take
 * 1e-6 degree (also for notes without rasterOutsideAreaOfUse, or a CRS whose area of use PROJ does not know).
 */
function inGeographicRange(f: OutsideFacts): boolean {
  if (!f.geographic) return true;
  const [xmin, ymin, xmax, ymax] = f.rasterExtent;
  const eps = 1e-6;
  return xmin >= -180 - eps && xmax <= 360 + eps && ymin >= -90 - eps && ymax <= 90 + eps;
}

/** Why the outside features' coordinates suggest a wrong CRS (empty: nothing does). */
function wrongCrsEvidence(f: OutsideFacts): string[] {
  const out: string[] = [];
  const src = f.source;
  if (src !== null && !f.layerGeographic && looksLonLat({ xmin: src[0], ymin: src[1], xmax: src[2], ymax: src[3] })) {
    out.push(`their coordinates ${box(src)} look like longitude/latitude, but the layer's CRS is projected${f.asLonLatOverlaps ? ` (read as longitude/latitude they would overlap raster "${f.raster}")` : ''}`);
  }
  if (f.swappedOverlaps) out.push(`with longitude and latitude swapped (axis order) they would overlap raster "${f.raster}"`);
  // the raster CRS's area of use speaks for the layer's coordinates only when they are in that CRS: a layer in
  // another CRS, within its own area of use, may lie right where it is, on a raster somewhere else
  if (!otherCrs(f) && f.outsideAreaOfUse && f.areaOfUse) out.push(`in ${f.crs} they lie outside its area of use (${area(f.areaOfUse)})`);
  if (f.outsideLayerAreaOfUse && f.layerAreaOfUse) out.push(`their coordinates lie outside the area of use of the layer's CRS (${area(f.layerAreaOfUse)})`);
  return out;
}

/** The layer's CRS is not the raster's (a note of an older Worker does not say: another CRS when it gave the layer's area of use). */
function otherCrs(f: OutsideFacts): boolean {
  return f.otherLayerCrs ?? f.layerAreaOfUse !== null;
}

/** Features in another CRS, not known to lie within the raster CRS's area of use: what speaks for them is the area of use of their own CRS. */
function byLayerArea(f: OutsideFacts): boolean {
  return otherCrs(f) && (f.outsideAreaOfUse || f.areaOfUse === null);
}

/** `(xmin, ymin) - (xmax, ymax)`, 10 significant digits. */
function box(b: Box): string {
  const n = (v: number): string => String(Number(v.toPrecision(10)));
  return `(${n(b[0])}, ${n(b[1])}) - (${n(b[2])}, ${n(b[3])})`;
}

/** An area of use in degrees, as PROJ gives it. */
function area(a: AreaOfUse): string {
  return `longitude ${a.west} to ${a.east}, latitude ${a.south} to ${a.north}`;
}

/**
 * The key of a part's CRS note as Workers before CRS_NOTE_METADATA stored it: an object beside the part
 * (`.parquet` -> `.crs.json`). Collect still reads it for a part without the metadata.
 */
export function crsNoteKey(partKey: string): string {
  return `${partKey.replace(/\.parquet$/, '')}.crs.json`;
}

/**
 * The Parquet key-value metadata of a part that holds its CRS note (JSON): the note travels in the part
 * Collect reads anyway, instead of a PUT by the Worker and a GET by Collect per part.
 */
export const CRS_NOTE_METADATA = 'zonalflow_crs_note';

/** A part's CRS note from its key-value metadata: undefined when it has none (a part of an older Worker). */
export function crsNoteOf(kv: readonly { key: string; value?: string }[] | undefined): CrsPartNote | undefined {
  const text = kv?.find((k) => k.key === CRS_NOTE_METADATA)?.value;
  return text === undefined ? undefined : (JSON.parse(text) as CrsPartNote);
}

/** What one pipeline part (a Worker's flush) reports about CRSs, in the part's metadata (CRS_NOTE_METADATA). */
export interface CrsPartNote {
  /** Features of the part computed without error. */
  features: number;
  /** Of those, features touching no raster. */
  outside: number;
  crs: { raster: string; features: string; crs: string; transformation: string }[];
  warnings: string[];
  /** Where the part's batch's features touching no raster lie (outside-extent.ts); absent in notes of older Workers. */
  outsideFacts?: OutsideFacts[];
}

/** The job-level CRS notes and warnings from its parts (missing parts ignored): deduplicated notes, the undefined-CRS warnings, and the outside-share warning over all parts. */
export function mergeCrsParts(parts: readonly (CrsPartNote | null)[]): { crs: CrsPartNote['crs']; warnings: string[] } {
  const crs = new Map<string, CrsPartNote['crs'][number]>();
  const warnings = new Set<string>();
  const facts: OutsideFacts[][] = [];
  let features = 0;
  let outside = 0;
  for (const p of parts) {
    if (!p) continue;
    features += p.features;
    outside += p.outside;
    for (const n of p.crs) crs.set(`${n.raster}\u0000${n.transformation}`, n);
    for (const w of p.warnings) warnings.add(w);
    if (p.outsideFacts) facts.push(p.outsideFacts);
  }
  const first = [...crs.values()][0];
  const share = outsideWarning(outside, features, first?.features ?? 'as declared', mergeOutsideFacts(facts));
  return { crs: [...crs.values()], warnings: [...warnings, ...(share ? [share] : [])] };
}
