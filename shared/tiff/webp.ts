/**
 * WebP tiles (TIFF Compression 50001, as GDAL writes them: one WebP image per tile or strip, RGB
 * or RGBA, Byte, pixel-interleaved), decoded with libwebp compiled to WASM (`@jsquash/webp`, loaded
 * by the caller). The decoder always returns RGBA; RGB files drop the alpha it adds.
 */
import { ChunkError } from './chunk';
import type { ChunkTarget } from './chunk';

/** Decodes one WebP tile to 8-bit samples, pixel-interleaved; the image must fit the chunk. */
export async function decodeWebp(data: Uint8Array, t: ChunkTarget, max: number): Promise<Uint8Array> {
  if (t.dtype !== 'uint8' || (t.spp !== 3 && t.spp !== 4)) throw new ChunkError(`WebP with ${t.spp} ${t.dtype} samples per pixel (GDAL writes 3 or 4 Byte samples)`);
  if (!t.webp) throw new ChunkError('no WebP decoder available');
  if (data.length < 30 || String.fromCharCode(...data.subarray(0, 4)) !== 'RIFF' || String.fromCharCode(...data.subarray(8, 12)) !== 'WEBP') throw new ChunkError('not a WebP image');
  const decode = await t.webp();
  const img = await decode(data.slice().buffer);
  if (img.width !== t.width || img.height > t.rows || img.height < t.needRows) throw new ChunkError(`WebP image ${img.width}x${img.height} does not fit the chunk (${t.width}x${t.rows})`);
  const n = img.width * img.height;
  if (n * t.spp > max) throw new ChunkError(`WebP data decodes past the chunk's ${max} bytes`);
  if (t.spp === 4) return img.data.slice(0, n * 4);
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    out[i * 3] = img.data[i * 4] as number;
    out[i * 3 + 1] = img.data[i * 4 + 1] as number;
    out[i * 3 + 2] = img.data[i * 4 + 2] as number;
  }
  return out;
}
