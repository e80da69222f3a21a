/**
 * What the computed features that touch no raster say about one raster and the layer's CRS (outside-extent.ts
 * tallies them; crs-check.ts words the warning): both extents and the evidence of a wrong CRS. Plain data (JSON:
 * it travels in the pipeline's part notes); parts merge by the union of their extents and "any part" of their
 * evidence. Pure.
 */
import type { AreaOfUse } from '../crs/area-of-use';
import type { BBox } from '../geometry/types';

/** A box as [xmin, ymin, xmax, ymax] (JSON: it travels in part notes and summaries). */
export type Box = [number, number, number, number];

/** What the outside features say about one raster (structured-cloneable, JSON). */
export interface OutsideFacts {
  /** The raster's name and its CRS (PROJ's name). */
  raster: string;
  crs: string;
  /** True when the raster's CRS is longitude/latitude. */
  geographic: boolean;
  /** The raster's extent, in its CRS. */
  rasterExtent: Box;
  /** The outside features' extent in the raster's CRS and in the layer's (null: no outside feature). */
  features: Box | null;
  source: Box | null;
  /** The layer's CRS is longitude/latitude (false: projected, or undefined). */
  layerGeographic: boolean;
  /** The raster CRS's area of use (PROJ), null when unknown. */
  areaOfUse: AreaOfUse | null;
  /** Most outside features lie outside the raster CRS's area of use (false when it is unknown). */
  outsideAreaOfUse: boolean;
  /**
   * The raster's centre lies outside its CRS's area of use (false when that is unknown; absent in notes of older
   * Workers): its extent cannot be in that CRS (a raster without a CRS taken as the layer's, metres read as degrees).
   */
  rasterOutsideAreaOfUse?: boolean;
  /**
   * The layer's CRS is not the raster's (absent in notes of older Workers: taken as the same unless
   * layerAreaOfUse is known). The raster CRS's area of use then says nothing about the layer's CRS: features
   * outside it may be right where they are, on a raster somewhere else.
   */
  otherLayerCrs?: boolean;
  /** The layer CRS's area of use (PROJ) when the layer's CRS is another one, and whether most outside features lie outside it. */
  layerAreaOfUse: AreaOfUse | null;
  outsideLayerAreaOfUse: boolean;
  /** The outside features' coordinates, read as longitude/latitude, would overlap the raster (a projected layer CRS). */
  asLonLatOverlaps: boolean;
  /** The outside features' coordinates, longitude and latitude swapped, would overlap the raster (a lon/lat layer CRS). */
  swappedOverlaps: boolean;
}

/** The facts of several parts of a job, raster by raster: extents united, evidence from any part. */
export function mergeOutsideFacts(parts: readonly (readonly OutsideFacts[])[]): OutsideFacts[] {
  const byRaster = new Map<string, OutsideFacts>();
  for (const facts of parts) {
    for (const f of facts) {
      const m = byRaster.get(f.raster);
      if (!m) {
        byRaster.set(f.raster, { ...f });
        continue;
      }
      m.features = unionBox(m.features, f.features);
      m.source = unionBox(m.source, f.source);
      m.outsideAreaOfUse ||= f.outsideAreaOfUse;
      m.outsideLayerAreaOfUse ||= f.outsideLayerAreaOfUse;
      m.asLonLatOverlaps ||= f.asLonLatOverlaps;
      m.swappedOverlaps ||= f.swappedOverlaps;
    }
  }
  return [...byRaster.values()];
}

/** Every coordinate within longitude -180..180 and latitude -90..90. */
export function looksLonLat(b: BBox): boolean {
  return b.xmin >= -180 && b.xmax <= 180 && b.ymin >= -90 && b.ymax <= 90;
}

function unionBox(a: Box | null, b: Box | null): Box | null {
  if (a === null) return b;
  if (b === null) return a;
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
}
