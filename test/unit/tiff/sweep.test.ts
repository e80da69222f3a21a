/**
 * TIFF layout sweep (issue 12): every file of test/fixtures/tiff-sweep (written by GDAL 3.6.2 with
 * make.py: each data type x byte order x predictor x interleave x tiled/striped x compression GDAL
 * writes, NBITS, masks, south-up, a COG) decoded by zonalflow's reader and compared value for value
 * with GDAL's ReadAsArray (expected/*.bin), bit-exact for every codec (JPEG and lossy WebP
 * included: the same libjpeg-turbo and libwebp decoders), and validity with GDAL's mask band.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRaster } from '../../../shared/raster/cog';
import { FileSource } from '../../../shared/io/source.file';
import { RasterError } from '../../../shared/errors';

const DIR = join(__dirname, '../../fixtures/tiff-sweep');

interface Entry {
  file: string;
  dtype: string;
  bands: number;
  width: number;
  height: number;
  expected: string;
  sha256: string;
  geotransform: number[];
  compression: string;
  gdal_mask_flags: number[];
  mask?: string;
  georef?: string;
  mask_kind?: string;
}
const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as { files: Entry[] };

/** GDAL's values as numbers (64-bit integers as the nearest double, which is what zonalflow's values are). */
function expectedValues(e: Entry): Float64Array {
  const buf = readFileSync(join(DIR, e.expected));
  expect(createHash('sha256').update(buf).digest('hex')).toBe(e.sha256); // the array GDAL read from this very file
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const typed = {
    uint8: () => new Uint8Array(ab), int8: () => new Int8Array(ab), uint16: () => new Uint16Array(ab), int16: () => new Int16Array(ab),
    uint32: () => new Uint32Array(ab), int32: () => new Int32Array(ab), float32: () => new Float32Array(ab), float64: () => new Float64Array(ab),
    uint64: () => Float64Array.from(new BigUint64Array(ab), Number), int64: () => Float64Array.from(new BigInt64Array(ab), Number),
  }[e.dtype];
  if (!typed) throw new Error(`dtype ${e.dtype}`);
  return Float64Array.from(typed());
}

describe('TIFF layout sweep: zonalflow reads what GDAL reads', () => {
  it('covers every data type with every compression, byte order, interleave, tiling and predictor', () => {
    const seen = (pred: (e: Entry) => boolean): boolean => manifest.files.some(pred);
    const layout = (e: Entry): Record<string, unknown> => e as unknown as Record<string, unknown>;
    for (const dtype of ['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'float64', 'uint64', 'int64']) {
      const of = (e: Entry): boolean => e.dtype === dtype && layout(e).endian !== undefined;
      for (const endian of ['little', 'big']) expect(seen((e) => of(e) && layout(e).endian === endian)).toBe(true);
      for (const il of ['pixel', 'band']) expect(seen((e) => of(e) && layout(e).interleave === il)).toBe(true);
      for (const tiled of [true, false]) expect(seen((e) => of(e) && layout(e).tiled === tiled)).toBe(true);
      for (const p of dtype.startsWith('float') ? [1, 2, 3] : [1, 2]) expect(seen((e) => of(e) && layout(e).predictor === p)).toBe(true);
      const comps = ['NONE', 'LZW', 'DEFLATE', 'ZSTD', 'PACKBITS', ...(dtype.endsWith('int64') ? [] : ['LERC', 'LERC_DEFLATE', 'LERC_ZSTD'])];
      for (const c of comps) expect(seen((e) => of(e) && e.compression === c), `${dtype} ${c}`).toBe(true);
    }
    expect(seen((e) => e.compression === 'JPEG')).toBe(true);
    expect(seen((e) => e.compression === 'YCbCr JPEG')).toBe(true);
    expect(seen((e) => e.compression === 'WEBP')).toBe(true);
  });

  for (const e of manifest.files) {
    const uri = join(DIR, e.file);
    if (e.georef === 'rotated') {
      it(`${e.file}: a rotated geotransform is refused at open with one line naming the file`, async () => {
        const err = await openRaster(new FileSource(uri)).catch((x: unknown) => x);
        expect(err).toBeInstanceOf(RasterError);
        expect((err as Error).message).toMatch(/geo_rotated\.tif has a rotated or sheared geotransform.*gdalwarp/);
      });
      continue;
    }
    it(`${e.file}: ${e.dtype}, ${e.compression}: every value equals GDAL's${e.mask ? ', validity equals its mask band' : ''}`, async () => {
      const r = await openRaster(new FileSource(uri));
      const { width: W, height: H } = e;
      const [x0, px, , y0, , py] = e.geotransform as [number, number, number, number, number, number];
      const southUp = py > 0;
      expect(r.info.grid).toEqual({ width: W, height: H, originX: x0, originY: southUp ? y0 + H * py : y0, resX: px, resY: Math.abs(py) });
      expect(r.info.bandCount).toBe(e.bands);
      expect(r.info.dtype).toBe(e.dtype === 'int8' ? 'int8' : e.dtype);
      const want = expectedValues(e);
      const mask = e.mask ? new Uint8Array(readFileSync(join(DIR, e.mask))) : null;
      const all = { row0: 0, col0: 0, rows: H, cols: W };
      const bands = Array.from({ length: e.bands }, (_, i) => i + 1);
      const raw = await r.readWindow(all, bands, { nodata: null });
      const masked = await r.readWindow(all, bands);
      let mismatches = 0;
      const first: string[] = [];
      for (let b = 0; b < e.bands; b++) {
        for (let row = 0; row < H; row++) {
          const fileRow = southUp ? H - 1 - row : row; // GDAL's array is in the file's row order
          for (let c = 0; c < W; c++) {
            const at = b * W * H + fileRow * W + c;
            const v = want[at] as number;
            const i = row * W + c;
            // validity: GDAL's mask band (> 0), and NaN is never valid in zonalflow
            const valid = masked[b]?.valid[i] === 1;
            const wantValid = (mask ? (mask[at] as number) > 0 : true) && !Number.isNaN(v);
            // values: read without nodata, so every cell the mask keeps carries GDAL's value
            const got = raw[b]?.valid[i] ? (raw[b]?.values[i] as number) : NaN;
            const same = Number.isNaN(got) ? Number.isNaN(v) || !wantValid : got === v;
            if (!same || valid !== wantValid) {
              mismatches++;
              if (first.length < 5) first.push(`band ${b + 1} row ${row} col ${c}: got ${got} (valid ${valid}), GDAL ${v} (valid ${wantValid})`);
            }
          }
        }
      }
      expect(first).toEqual([]);
      expect(mismatches).toBe(0);
    });
  }
});
