/**
 * JPEG tiles (TIFF Compression 7) decoded with libjpeg-turbo compiled to JavaScript
 * (`@cornerstonejs/codec-libjpeg-turbo-8bit`, no WASM file to ship): the same library, IDCT
 * (islow) and fancy upsampling as GDAL's libtiff, so values equal GDAL's. Abbreviated streams
 * get the file's JPEGTables; YCbCr is converted to RGB as GDAL does (JPEGCOLORMODE=RGB).
 */
import { ChunkError } from './chunk';
import type { ChunkTarget } from './chunk';

import type jpegFactory from '@cornerstonejs/codec-libjpeg-turbo-8bit/decode';

type JpegModule = Awaited<ReturnType<typeof jpegFactory>>;

let loading: Promise<JpegModule> | null = null;

/** Loads the decoder once, on the first JPEG tile (it is large: nothing is loaded for other files). */
function load(): Promise<JpegModule> {
  loading ??= import('@cornerstonejs/codec-libjpeg-turbo-8bit/decode').then((m) => m.default());
  return loading;
}

/** One JPEG stream from the tables (SOI..EOI) and a tile (SOI..EOI): tables without EOI + tile without SOI. */
export function withTables(tile: Uint8Array, tables: Uint8Array | null): Uint8Array {
  if (!tables || tables.length < 4) return tile;
  const out = new Uint8Array(tables.length - 2 + tile.length - 2);
  out.set(tables.subarray(0, tables.length - 2), 0);
  out.set(tile.subarray(2), tables.length - 2);
  return out;
}

/** Decodes one JPEG tile to 8-bit samples, pixel-interleaved; the frame must fit the chunk. */
export async function decodeJpeg(data: Uint8Array, t: ChunkTarget, max: number): Promise<Uint8Array> {
  if (t.dtype !== 'uint8') throw new ChunkError(`JPEG with ${t.dtype} samples (only 8-bit JPEG is supported)`);
  const mod = await load();
  const stream = withTables(data, t.jpegTables);
  const dec = new mod.JPEGDecoder();
  try {
    dec.getEncodedBuffer(stream.length).set(stream);
    dec.readHeader();
    const f = dec.getFrameInfo();
    if (f.bitsPerSample !== 8) throw new ChunkError(`JPEG with ${f.bitsPerSample}-bit samples (only 8-bit JPEG is supported)`);
    if (f.width !== t.width || f.height > t.rows || f.height < t.needRows || f.componentCount !== t.spp) {
      throw new ChunkError(`JPEG frame ${f.width}x${f.height}x${f.componentCount} does not fit the chunk (${t.width}x${t.rows}x${t.spp})`);
    }
    dec.decode();
    const out = dec.getDecodedBuffer();
    if (out.length > max) throw new ChunkError(`JPEG data decodes past the chunk's ${max} bytes`);
    return out.slice();
  } finally {
    dec.delete();
  }
}
