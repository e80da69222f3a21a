/**
 * "No silent zeros": when at least half of the computed features touch no
 * raster at all, the statistics are most likely zeros because the layer's CRS
 * is wrong (metres declared as degrees, a missing or wrong CRS). The job
 * summary and the CLI then say so.
 */

/** Share of computed features outside every raster from which the job warns. */
export const OUTSIDE_WARNING_SHARE = 0.5;

/** The warning for `outside` of `computed` features touching no raster; null below the share (or with nothing computed). */
export function outsideWarning(outside: number, computed: number, featuresCrs: string): string | null {
  if (computed <= 0 || outside < OUTSIDE_WARNING_SHARE * computed) return null;
  const pct = ((100 * outside) / computed).toFixed(outside === computed ? 0 : 1);
  return `${outside} of ${computed} features (${pct} %) do not intersect any raster: the layer's CRS (${featuresCrs}) may be wrong`;
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
}

/** The job-level CRS notes and warnings from its parts (missing parts ignored): deduplicated notes, the undefined-CRS warnings, and the outside-share warning over all parts. */
export function mergeCrsParts(parts: readonly (CrsPartNote | null)[]): { crs: CrsPartNote['crs']; warnings: string[] } {
  const crs = new Map<string, CrsPartNote['crs'][number]>();
  const warnings = new Set<string>();
  let features = 0;
  let outside = 0;
  for (const p of parts) {
    if (!p) continue;
    features += p.features;
    outside += p.outside;
    for (const n of p.crs) crs.set(`${n.raster}\u0000${n.transformation}`, n);
    for (const w of p.warnings) warnings.add(w);
  }
  const first = [...crs.values()][0];
  const share = outsideWarning(outside, features, first?.features ?? 'as declared');
  return { crs: [...crs.values()], warnings: [...warnings, ...(share ? [share] : [])] };
}
