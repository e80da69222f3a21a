/**
 * The benchmark's synthetic case (deterministic, cached in bench/.cache):
 * a Sentinel-2-shaped band (10980 x 10980 UInt16, 10 m, EPSG:32631, DEFLATE +
 * predictor 2, 512x512 tiles, 5 overviews, nodata 0 on a corner triangle) and
 * field polygons of 50-300 m in EPSG:4326 over it.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import proj4 from 'proj4';
import { writeCog } from '../test/helpers/cog-writer';
import { writeGeoPackage } from '../test/helpers/gpkg-writer';
import type { Position } from '../shared/geometry/types';

export const CACHE = join(import.meta.dirname, '.cache');
export const SIZE = 10980;
export const ORIGIN: [number, number] = [399960, 5000040];
export const RES = 10;
const UTM31 = '+proj=utm +zone=31 +datum=WGS84 +units=m +no_defs';

/** Seeded PRNG (LCG). */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** The pixel value: smooth fields + texture, 0 (nodata) on the top-left triangle. */
export function pixel(r: number, c: number): number {
  if (r + c < 1500) return 0;
  // smooth fields + texture + per-pixel noise, so DEFLATE works about as hard as on a real band (~1.7x)
  const noise = (Math.imul(r, 73856093) ^ Math.imul(c, 19349663)) >>> 0;
  return 800 + ((r * 7 + c * 13) % 1500) + (((r >> 5) ^ (c >> 5)) & 255) * 4 + (noise % 97);
}

/** Path of the band COG (generated once). */
export function ensureRaster(): string {
  mkdirSync(CACHE, { recursive: true });
  const path = join(CACHE, `s2_like_${SIZE}_v2.tif`);
  if (existsSync(path)) return path;
  const t = performance.now();
  writeCog(`${path}.tmp`, { width: SIZE, height: SIZE, dtype: 'uint16', tileSize: 512, compression: 'deflate', predictor: 2, overviews: 5, nodata: 0, epsg: 32631, transform: [ORIGIN[0], ORIGIN[1], RES, RES], deflateLevel: 6, value: pixel });
  renameSync(`${path}.tmp`, path);
  process.stderr.write(`generated ${path} in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  return path;
}

/** Field polygons (50-300 m, 4-7 vertices, rotated) in lon/lat over the raster; `margin` keeps them inside. */
export function fieldPolygons(n: number, seed = 42): Position[][][] {
  return [...eachFieldPolygon(n, seed)];
}

/** The polygons of `fieldPolygons`, one at a time (the same sequence: generating millions holds none of them). */
export function* eachFieldPolygon(n: number, seed = 42): Generator<Position[][]> {
  const rnd = seeded(seed);
  const toLonLat = proj4(UTM31, 'EPSG:4326');
  const span = SIZE * RES;
  for (let i = 0; i < n; i++) {
    const cx = ORIGIN[0] + 500 + rnd() * (span - 1000);
    const cy = ORIGIN[1] - 500 - rnd() * (span - 1000);
    const size = 50 + rnd() * 250;
    const k = 4 + Math.floor(rnd() * 4);
    const rot = rnd() * Math.PI;
    const ring: Position[] = [];
    for (let j = 0; j < k; j++) {
      const a = rot + (j / k) * 2 * Math.PI;
      const rr = (size / 2) * (0.7 + 0.3 * rnd());
      const p = toLonLat.forward([cx + rr * Math.cos(a), cy + rr * Math.sin(a)]);
      ring.push([p[0] ?? NaN, p[1] ?? NaN]);
    }
    ring.push(ring[0] as Position);
    yield [ring];
  }
}

/** Path of a GeoPackage with `n` field polygons (generated once). */
export function ensureFields(n: number): string {
  mkdirSync(CACHE, { recursive: true });
  const path = join(CACHE, `fields_${n}.gpkg`);
  if (existsSync(path)) return path;
  const t = performance.now();
  function* features(): Generator<{ geometry: { type: 'Polygon'; coordinates: Position[][] }; properties: { field_id: string } }> {
    let i = 0;
    for (const p of eachFieldPolygon(n)) yield { geometry: { type: 'Polygon' as const, coordinates: p }, properties: { field_id: `F${String(i++).padStart(7, '0')}` } };
  }
  // streamed: generating 10M fields holds none of them
  writeGeoPackage(`${path}.tmp`, [{ name: 'fields', srsId: 4326, geometryType: 'POLYGON', columns: { field_id: 'TEXT' }, features: features() }]);
  renameSync(`${path}.tmp`, path);
  process.stderr.write(`generated ${path} in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  return path;
}
