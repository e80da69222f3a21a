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

/** A grid as the reader presents it (north-up, west-left) and how the file's rows and columns map onto it. */
export interface FileGrid {
  grid: RasterGrid;
  /** True when the file's row 0 is the southernmost row (positive y pixel size: "south-up"). */
  flipY: boolean;
  /** True when the file's column 0 is the easternmost column (negative x pixel size). */
  flipX: boolean;
}

/**
 * The grid of an image from ModelTransformation or ModelTiepoint + ModelPixelScale, as GDAL reads
 * it: PixelIsPoint shifted half a cell; a south-up file (positive y pixel size, which GDAL writes
 * as a ModelTransformation) or a negative x pixel size is read through a flip, so that the grid
 * is north-up; a negative ModelPixelScale y is taken as positive (GDAL's default, with its
 * warning). Rotated or sheared transforms throw one RasterError naming the file.
 */
export async function readGrid(ifd: Ifd, width: number, height: number, keys: GeoKeys, uri: string): Promise<FileGrid> {
  const pointShift = keys[1025] === 2;
  const mt = await ifd.numbers(Tag.ModelTransformation);
  let gt: [number, number, number, number]; // origin x, pixel width, origin y, pixel height (GDAL geotransform 0, 1, 3, 5)
  if (mt && mt.length >= 16) {
    const [a = 0, b = 0, , d = 0, e = 0, f = 0, , h = 0] = mt;
    if (b !== 0 || e !== 0) throw new RasterError(`${uri} has a rotated or sheared geotransform (ModelTransformation terms ${b}, ${e}); warp it north-up first (gdalwarp)`);
    gt = [d, a, h, f];
  } else {
    const scale = await ifd.numbers(Tag.ModelPixelScale);
    const tie = await ifd.numbers(Tag.ModelTiepoint);
    if (!scale || !tie || scale.length < 2 || tie.length < 6) throw new RasterError(`${uri} is not georeferenced (no ModelPixelScale/ModelTiepoint or ModelTransformation)`);
    const sx = scale[0] ?? 0;
    const sy = Math.abs(scale[1] ?? 0);
    gt = [(tie[3] ?? 0) - (tie[0] ?? 0) * sx, sx, (tie[4] ?? 0) + (tie[1] ?? 0) * sy, -sy];
  }
  const [, px, , py] = gt;
  let x0 = gt[0];
  let y0 = gt[2];
  if (!Number.isFinite(px) || !Number.isFinite(py) || px === 0 || py === 0) throw new RasterError(`${uri}: invalid pixel size ${px} x ${py}`);
  if (pointShift) {
    x0 -= px / 2;
    y0 -= py / 2;
  }
  const flipX = px < 0;
  const flipY = py > 0;
  const resX = Math.abs(px);
  const resY = Math.abs(py);
  const originX = flipX ? x0 + width * px : x0;
  const originY = flipY ? y0 + height * py : y0;
  return { grid: { width, height, originX, originY, resX, resY }, flipX, flipY };
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
