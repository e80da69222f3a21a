/**
 * A CRS's area of use as PROJ gives it: the `bbox` of its PROJJSON (proj.db's extent of the CRS's usage,
 * what `gdalsrsinfo` and pyproj's `CRS.area_of_use` print), in degrees of longitude and latitude; a box of
 * the CRS in longitude/latitude. PROJ must be loaded.
 */
import type { BBox } from '../geometry/types';
import type { Crs } from './crs';
import { crsFromEpsg } from './epsg';
import { crsProjJson } from './projjson';
import { makeBatchTransformer } from './transform';

/** West, south, east, north in degrees; west > east when the area crosses the antimeridian. */
export interface AreaOfUse { west: number; south: number; east: number; north: number }

/** Points per side of a box's boundary when it is taken to longitude/latitude. */
const SIDE_POINTS = 32;

/** The CRS's area of use (PROJ); null when PROJ knows none (a CRS without an authority code) or cannot read the CRS. */
export function areaOfUse(crs: Crs): AreaOfUse | null {
  if (crs.undefinedCrs) return null;
  let doc: { bbox?: unknown; usages?: { bbox?: unknown }[] };
  try {
    const text = crsProjJson(crs);
    if (text === null) return null;
    doc = JSON.parse(text) as typeof doc;
  } catch {
    return null;
  }
  const box = [doc.bbox, ...(doc.usages ?? []).map((u) => u.bbox)].find(isArea);
  return box ? { west: box.west_longitude, south: box.south_latitude, east: box.east_longitude, north: box.north_latitude } : null;
}

interface ProjJsonBBox { west_longitude: number; south_latitude: number; east_longitude: number; north_latitude: number }

function isArea(b: unknown): b is ProjJsonBBox {
  if (typeof b !== 'object' || b === null) return false;
  const o = b as Record<string, unknown>;
  return ['west_longitude', 'south_latitude', 'east_longitude', 'north_latitude'].every((k) => typeof o[k] === 'number' && Number.isFinite(o[k]));
}

/** A box of `crs` coordinates in longitude/latitude (its boundary, densified, through PROJ); null when PROJ gives no finite image. */
export function boxToLonLat(box: BBox, crs: Crs): BBox | null {
  const n = 4 * SIDE_POINTS;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let i = 0; i < SIDE_POINTS; i++) {
    const t = i / SIDE_POINTS;
    const x = box.xmin + (box.xmax - box.xmin) * t;
    const y = box.ymin + (box.ymax - box.ymin) * t;
    xs[i] = x; ys[i] = box.ymin;
    xs[SIDE_POINTS + i] = box.xmax; ys[SIDE_POINTS + i] = y;
    xs[2 * SIDE_POINTS + i] = box.xmax - (box.xmax - box.xmin) * t; ys[2 * SIDE_POINTS + i] = box.ymax;
    xs[3 * SIDE_POINTS + i] = box.xmin; ys[3 * SIDE_POINTS + i] = box.ymax - (box.ymax - box.ymin) * t;
  }
  try {
    makeBatchTransformer(crs, crsFromEpsg(4326))?.(xs, ys);
  } catch {
    return null;
  }
  let out: BBox | null = null;
  for (let i = 0; i < n; i++) {
    const x = xs[i] as number;
    const y = ys[i] as number;
    if (!Number.isFinite(x) || !Number.isFinite(y)) return null;
    out = out === null ? { xmin: x, ymin: y, xmax: x, ymax: y } : { xmin: Math.min(out.xmin, x), ymin: Math.min(out.ymin, y), xmax: Math.max(out.xmax, x), ymax: Math.max(out.ymax, y) };
  }
  return out;
}

/** Whether a longitude/latitude lies within an area of use (one crossing the antimeridian too). */
export function insideArea(a: AreaOfUse, lon: number, lat: number): boolean {
  if (!(lat >= a.south && lat <= a.north)) return false;
  return a.west <= a.east ? lon >= a.west && lon <= a.east : lon >= a.west || lon <= a.east;
}
