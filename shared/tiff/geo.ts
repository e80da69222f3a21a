/** Georeferencing of a TIFF image: grid from the model tags, GeoKeys, GDAL nodata and scale/offset. */
import { RasterError } from '../errors';
import type { RasterGrid } from '../raster/grid';
import type { Ifd } from './ifd';
import { Tag } from './ifd';

/** GeoKey id -> value (number, string, or several doubles). */
export type GeoKeys = Record<number, number | string | number[]>;

/** Decodes the GeoKeyDirectory (with its double and ASCII parameter tags). */
export async function readGeoKeys(ifd: Ifd): Promise<GeoKeys> {
  const dir = await ifd.numbers(Tag.GeoKeyDirectory);
  if (!dir || dir.length < 4) return {};
  const doubles = (await ifd.numbers(Tag.GeoDoubleParams)) ?? [];
  const ascii = (await ifd.ascii(Tag.GeoAsciiParams)) ?? '';
  const keys: GeoKeys = {};
  const n = dir[3] ?? 0;
  for (let i = 0; i < n; i++) {
    const [id, loc, count, value] = dir.slice(4 + i * 4, 8 + i * 4) as [number, number, number, number];
    if (loc === 0) keys[id] = value;
    else if (loc === Tag.GeoDoubleParams) keys[id] = count === 1 ? (doubles[value] ?? NaN) : doubles.slice(value, value + count);
    else if (loc === Tag.GeoAsciiParams) keys[id] = ascii.slice(value, value + count).replace(/[|\0]+$/, '');
    else if (loc === Tag.GeoKeyDirectory) keys[id] = count === 1 ? (dir[value] ?? 0) : dir.slice(value, value + count);
  }
  return keys;
}

/** The north-up grid of an image, from ModelTransformation or ModelTiepoint + ModelPixelScale; PixelIsPoint shifted half a cell as GDAL does. */
export async function readGrid(ifd: Ifd, width: number, height: number, keys: GeoKeys, uri: string): Promise<RasterGrid> {
  const pointShift = keys[1025] === 2;
  const mt = await ifd.numbers(Tag.ModelTransformation);
  let originX: number;
  let originY: number;
  let resX: number;
  let resY: number;
  if (mt && mt.length >= 16) {
    const [a = 0, b = 0, , d = 0, e = 0, f = 0, , h = 0] = mt;
    if (b !== 0 || e !== 0) throw new RasterError(`${uri} has a rotated or sheared geotransform; warp it north-up first (gdalwarp)`);
    if (a <= 0 || f >= 0) throw new RasterError(`${uri}: only north-up rasters are supported (pixel size ${a} x ${f})`);
    originX = d;
    originY = h;
    resX = a;
    resY = -f;
  } else {
    const scale = await ifd.numbers(Tag.ModelPixelScale);
    const tie = await ifd.numbers(Tag.ModelTiepoint);
    if (!scale || !tie || scale.length < 2 || tie.length < 6) throw new RasterError(`${uri} is not georeferenced (no ModelPixelScale/ModelTiepoint or ModelTransformation)`);
    resX = scale[0] ?? 0;
    resY = scale[1] ?? 0;
    if (!(resX > 0) || !(resY > 0)) throw new RasterError(`${uri}: invalid pixel size ${resX} x ${resY}`);
    originX = (tie[3] ?? 0) - (tie[0] ?? 0) * resX;
    originY = (tie[4] ?? 0) + (tie[1] ?? 0) * resY;
  }
  if (pointShift) {
    originX -= resX / 2;
    originY += resY / 2;
  }
  return { width, height, originX, originY, resX, resY };
}

/** GDAL_NODATA as a number (NaN allowed), or null. */
export async function readNodata(ifd: Ifd): Promise<number | null> {
  const text = (await ifd.ascii(Tag.GdalNodata))?.trim();
  if (text === undefined || text === '') return null;
  if (/^[+-]?nan$/i.test(text)) return NaN;
  if (/^[+-]?inf(inity)?$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  const n = Number(text);
  return Number.isNaN(n) ? null : n;
}

/** Per-band SCALE/OFFSET from GDAL_METADATA (defaults 1 and 0). */
export async function readScaleOffset(ifd: Ifd, bands: number): Promise<{ scale: number[]; offset: number[] }> {
  const scale = new Array<number>(bands).fill(1);
  const offset = new Array<number>(bands).fill(0);
  const xml = await ifd.ascii(Tag.GdalMetadata);
  if (!xml) return { scale, offset };
  const item = /<Item\s+([^>]*)>([^<]*)<\/Item>/g;
  for (let m = item.exec(xml); m; m = item.exec(xml)) {
    const attrs = m[1] ?? '';
    const role = /role="([^"]*)"/.exec(attrs)?.[1] ?? /name="([^"]*)"/.exec(attrs)?.[1]?.toLowerCase();
    const sample = Number(/sample="(\d+)"/.exec(attrs)?.[1] ?? NaN);
    const value = Number((m[2] ?? '').trim());
    if (!Number.isFinite(value)) continue;
    const targets = Number.isInteger(sample) ? [sample] : Array.from({ length: bands }, (_, i) => i);
    for (const t of targets) {
      if (t < 0 || t >= bands) continue;
      if (role === 'scale') scale[t] = value;
      if (role === 'offset') offset[t] = value;
    }
  }
  return { scale, offset };
}
