/**
 * LERC tiles (TIFF Compression 34887, as GDAL writes them: one blob per chunk, the samples of a
 * pixel as LERC "depth"), decoded with Esri's `lerc` package (WASM, loaded on the first LERC
 * tile). The blob header is read first and must fit the chunk, so a hostile header never
 * allocates. Masked pixels read as NaN (floats) or 0 (integers), as libtiff's LERC codec does.
 */
import * as Lerc from 'lerc';
import { ChunkError } from './chunk';
import type { ChunkTarget } from './chunk';

const PIXEL_TYPE: Record<string, string> = { uint8: 'U8', int8: 'S8', uint16: 'U16', int16: 'S16', uint32: 'U32', int32: 'S32', float32: 'F32', float64: 'F64' };

let loading: Promise<void> | null = null;

/**
 * Decodes one LERC blob into the chunk's samples, pixel-interleaved. The bytes are returned as the
 * file's byte order: libtiff byte-swaps the words of big-endian files before LERC encoding and
 * after decoding, so the caller treats them like any other decoded chunk.
 */
export async function decodeLerc(blob: Uint8Array, t: ChunkTarget, max: number): Promise<Uint8Array> {
  const locate = t.locateWasm;
  loading ??= Lerc.load({ locateFile: (name, dir) => locate?.(name) ?? `${dir}${name}` });
  await loading;
  const info = Lerc.getBlobInfo(blob);
  const depth = Math.max(1, info.depthCount);
  const bands = Math.max(1, info.bandCount);
  if (info.width !== t.width || info.height > t.rows || info.height < t.needRows || depth * bands !== t.spp) {
    throw new ChunkError(`LERC blob ${info.width}x${info.height}x${depth * bands} does not fit the chunk (${t.width}x${t.rows}x${t.spp})`);
  }
  const decoded = Lerc.decode(blob, { returnInterleaved: true });
  if (decoded.pixelType !== PIXEL_TYPE[t.dtype]) throw new ChunkError(`LERC blob of ${decoded.pixelType} pixels in a ${t.dtype} raster`);
  const n = info.width * info.height;
  const Ctor = (decoded.pixels[0] ?? new Uint8Array(0)).constructor as new (n: number) => Uint8Array | Float32Array;
  const out = new Ctor(n * t.spp);
  const isFloat = decoded.pixelType === 'F32' || decoded.pixelType === 'F64';
  // bands (rare: GDAL writes one band of `spp` depths) are interleaved after the depths of each pixel
  for (let b = 0; b < bands; b++) {
    const px = decoded.pixels[b];
    if (!px) continue;
    const mask = decoded.bandMasks?.[b] ?? decoded.mask;
    for (let i = 0; i < n; i++) {
      for (let d = 0; d < depth; d++) {
        const valid = !mask || mask[i] !== 0;
        out[i * t.spp + b * depth + d] = valid ? (px[i * depth + d] as number) : isFloat ? NaN : 0;
      }
    }
  }
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  if (bytes.length > max) throw new ChunkError(`LERC data decodes past the chunk's ${max} bytes`);
  return bytes;
}
