/**
 * Where the computed features that touch no raster lie, and what that says about the layer's CRS (crs-check.ts
 * words it). While features are prepared, the engine adds each feature outside every raster: its extent in the
 * layer's CRS and in each raster's CRS (united), and its centre in each (a bounded, evenly thinned sample). Only
 * when the job will warn are the facts drawn, with PROJ: the areas of use of the raster's CRS and of the layer's
 * (proj.db), whether most sampled centres, taken to longitude/latitude, lie outside them, longitude/latitude-
 * looking numbers in a projected CRS, and axes that, swapped, would overlap the raster. Nothing of this costs a
 * job whose features lie on its rasters. The facts themselves, and their merging across parts, are
 * outside-facts.ts (pure: Collect reads them).
 */
import type { BBox, Geometry } from '../geometry/types';
import { finiteBox, geometryBBox, unionBBox } from '../geometry/bbox';
import { areaOfUse, boxToLonLat, insideArea } from '../crs/area-of-use';
import type { AreaOfUse } from '../crs/area-of-use';
import type { Crs } from '../crs/crs';
import { crsFromEpsg } from '../crs/epsg';
import { crsDisplayName, crsEquivalent, ensureProj, isGeographic, makeBatchTransformer } from '../crs/transform';
import type { RasterGrid } from '../raster/grid';
import { gridBounds } from '../raster/grid';
import { looksLonLat } from './outside-facts';
import type { OutsideFacts } from './outside-facts';

/** A raster as the tally needs it. */
export interface TallyRaster { name: string; crs: Crs; grid: RasterGrid }

/** Centres kept per CRS at most: past it, every other one is dropped and only one in twice as many is taken. */
const SAMPLE = 512;

/** A sample of points, thinned evenly as it fills. */
class Sample {
  readonly xs: number[] = [];
  readonly ys: number[] = [];
  private stride = 1;
  private seen = 0;

  add(x: number, y: number): void {
    if (this.seen++ % this.stride !== 0) return;
    this.xs.push(x);
    this.ys.push(y);
    if (this.xs.length < SAMPLE) return;
    for (let i = 0; 2 * i < this.xs.length; i++) {
      this.xs[i] = this.xs[2 * i] as number;
      this.ys[i] = this.ys[2 * i] as number;
    }
    this.xs.length = Math.ceil(this.xs.length / 2);
    this.ys.length = this.xs.length;
    this.stride *= 2;
  }
}

/** The running tally of the features outside every raster. */
export class OutsideTally {
  /** Features prepared without a problem (touching a raster or not), and those of them touching none. */
  considered = 0;
  count = 0;
  private source: BBox | null = null;
  private readonly sourceCentres = new Sample();
  private readonly boxes: (BBox | null)[];
  private readonly centres: Sample[];

  constructor(private readonly rasters: readonly TallyRaster[], private readonly layerCrs: Crs) {
    this.boxes = rasters.map(() => null);
    this.centres = rasters.map(() => new Sample());
  }

  /** Counts `n` more features prepared without a problem. */
  consider(n: number): void {
    this.considered += n;
  }

  /** Adds a feature outside every raster: its geometry in the layer's CRS, and its box in each raster's CRS (in raster order). */
  add(source: Geometry, boxes: readonly (BBox | null)[]): void {
    const s = geometryBBox(source);
    if (s) this.addBoxes(s, boxes);
  }

  /** {@link add} with the boxes already known. */
  addBoxes(source: BBox, boxes: readonly (BBox | null)[]): void {
    this.count++;
    this.source = unionBBox(this.source, source);
    this.sourceCentres.add((source.xmin + source.xmax) / 2, (source.ymin + source.ymax) / 2);
    for (let k = 0; k < this.rasters.length; k++) {
      const b = boxes[k];
      if (!b) continue;
      this.boxes[k] = unionBBox(this.boxes[k] ?? null, b);
      this.centres[k]?.add((b.xmin + b.xmax) / 2, (b.ymin + b.ymax) / 2);
    }
  }

  /** Whether the job will warn whatever else happens: half or more of the features prepared without a problem touch no raster. */
  warns(): boolean {
    return this.count > 0 && 2 * this.count >= this.considered;
  }

  /** The facts per raster (PROJ loaded here if needed: after the job released it, a host starts again); none without an outside feature. Never throws for PROJ's sake. */
  async facts(): Promise<OutsideFacts[]> {
    if (this.count === 0) return [];
    await ensureProj();
    const layerGeographic = safely(() => isGeographic(this.layerCrs), false);
    const src = this.source;
    return this.rasters.map((r, k) => {
      const b = gridBounds(r.grid);
      const features = this.boxes[k] ?? null;
      const area = areaOfUse(r.crs);
      const centres = this.centres[k] as Sample;
      const otherLayerCrs = !this.layerCrs.undefinedCrs && !safely(() => crsEquivalent(this.layerCrs, r.crs), true);
      const layerArea = otherLayerCrs ? areaOfUse(this.layerCrs) : null;
      const lonLat = r.crs.undefinedCrs ? null : boxToLonLat(b, r.crs);
      const rasterCentre = new Sample();
      rasterCentre.add((b.xmin + b.xmax) / 2, (b.ymin + b.ymax) / 2);
      return {
        raster: r.name,
        crs: crsDisplayName(r.crs),
        geographic: safely(() => isGeographic(r.crs), false),
        rasterExtent: [b.xmin, b.ymin, b.xmax, b.ymax],
        features: features && [features.xmin, features.ymin, features.xmax, features.ymax],
        source: src && [src.xmin, src.ymin, src.xmax, src.ymax],
        layerGeographic,
        areaOfUse: area,
        outsideAreaOfUse: area !== null && mostlyOutside(area, centres, r.crs),
        rasterOutsideAreaOfUse: area !== null && mostlyOutside(area, rasterCentre, r.crs),
        otherLayerCrs,
        layerAreaOfUse: layerArea,
        outsideLayerAreaOfUse: layerArea !== null && mostlyOutside(layerArea, this.sourceCentres, this.layerCrs),
        asLonLatOverlaps: src !== null && !layerGeographic && looksLonLat(src) && lonLat !== null && overlaps(src, lonLat),
        swappedOverlaps: src !== null && layerGeographic && this.swappedOverlaps(src, r.crs, b),
      };
    });
  }

  /** Whether the layer's extent, longitude and latitude swapped, reprojected into the raster's CRS, overlaps the raster. */
  private swappedOverlaps(src: BBox, crs: Crs, raster: BBox): boolean {
    const s: BBox = { xmin: src.ymin, ymin: src.xmin, xmax: src.ymax, ymax: src.xmax };
    if (!looksLonLat(s)) return false;
    const xs = Float64Array.from([s.xmin, s.xmax, s.xmax, s.xmin, (s.xmin + s.xmax) / 2]);
    const ys = Float64Array.from([s.ymin, s.ymin, s.ymax, s.ymax, (s.ymin + s.ymax) / 2]);
    try {
      makeBatchTransformer(this.layerCrs, crs)?.(xs, ys);
    } catch {
      return false;
    }
    const b = finiteBox(xs, ys);
    return b !== null && overlaps(b, raster);
  }
}

/** Whether half or more of the sampled points of `crs`, taken to longitude/latitude (PROJ), lie outside the area (a point PROJ cannot take there counts as outside). */
function mostlyOutside(area: AreaOfUse, sample: Sample, crs: Crs): boolean {
  const n = sample.xs.length;
  if (n === 0) return false;
  const xs = Float64Array.from(sample.xs);
  const ys = Float64Array.from(sample.ys);
  try {
    makeBatchTransformer(crs, crsFromEpsg(4326))?.(xs, ys);
  } catch {
    return false;
  }
  let outside = 0;
  for (let i = 0; i < n; i++) if (!insideArea(area, xs[i] as number, ys[i] as number)) outside++;
  return 2 * outside >= n;
}

function overlaps(a: BBox, b: BBox): boolean {
  return a.xmin <= b.xmax && a.xmax >= b.xmin && a.ymin <= b.ymax && a.ymax >= b.ymin;
}

function safely<T>(fn: () => T, otherwise: T): T {
  try {
    return fn();
  } catch {
    return otherwise;
  }
}
