/**
 * Decompression of one tile or strip, bounded: no codec ever produces (or allocates) more than
 * the chunk's declared size. Over-long output (a decompression bomb), short output and corrupt
 * streams throw `ChunkError`, which the raster reader turns into a TileError naming the tile.
 *
 * Codecs: none, LZW, Deflate (node:zlib), ZSTD (fzstd, streamed), PackBits, JPEG (libjpeg-turbo
 * compiled to JavaScript, with the file's JPEGTables; YCbCr converted to RGB as GDAL does), LERC
 * (Esri's `lerc` WASM decoder; also LERC_DEFLATE and LERC_ZSTD) and WebP (libwebp compiled to
 * WASM). All run unchanged on Lambda arm64.
 */
import { constants, inflate, inflateSync } from 'node:zlib';
import { Decompress as ZstdStream } from 'fzstd';
import { RasterError } from '../errors';
import { lzwDecode } from './lzw';
import { decodeJpeg } from './jpeg';
import { decodeLerc } from './lerc';
import { decodeWebp } from './webp';
import { ChunkError } from './chunk';
import type { ChunkTarget } from './chunk';

export { ChunkError } from './chunk';
export type { ChunkTarget } from './chunk';

const NAMES: Record<number, string> = { 1: 'none', 5: 'LZW', 6: 'old-style JPEG', 7: 'JPEG', 8: 'Deflate', 32946: 'Deflate', 32773: 'PackBits', 34887: 'LERC', 34925: 'LZMA', 50000: 'ZSTD', 50001: 'WebP', 50002: 'JPEG-XL', 52546: 'JPEG-XL' };

/** Compression codes this reader decodes. */
export const SUPPORTED_COMPRESSIONS = [1, 5, 7, 8, 32946, 32773, 34887, 50000, 50001];

/** The compression's name for messages. */
export function compressionName(code: number): string {
  return NAMES[code] ?? `code ${code}`;
}

/** Throws a clear RasterError (naming `uri`) for compressions this reader cannot decode. */
export function checkCompression(code: number, uri: string): void {
  if (!SUPPORTED_COMPRESSIONS.includes(code)) {
    throw new RasterError(`unsupported compression ${compressionName(code)} (${code}) in ${uri}; re-encode with DEFLATE, ZSTD or LZW (gdal_translate -co COMPRESS=DEFLATE)`);
  }
}

/**
 * The predictor libtiff applies with a compression: only the codecs that call its predictor
 * (LZW, Deflate, ZSTD, LZMA) use the Predictor tag; with any other it is ignored.
 */
export function effectivePredictor(compression: number, predictor: number): number {
  return [5, 8, 32946, 50000, 34925].includes(compression) ? predictor : 1;
}

/**
 * Decodes one chunk to at most `rows * rowBytes` bytes and at least `needRows * rowBytes`.
 * Throws ChunkError for corrupt, short or over-long data.
 */
export async function decodeChunk(data: Uint8Array, t: ChunkTarget): Promise<Uint8Array> {
  const max = t.rows * t.rowBytes;
  const need = t.needRows * t.rowBytes;
  let out: Uint8Array;
  try {
    out = await decodeBounded(data, t, max);
  } catch (err) {
    if (err instanceof ChunkError) throw err;
    throw new ChunkError(`corrupt ${compressionName(t.compression)} data (${err instanceof Error ? err.message : String(err)})`);
  }
  if (out.length < need) throw new ChunkError(`${compressionName(t.compression)} data decodes to ${out.length} bytes, the ${t.compression === 1 ? 'chunk' : 'tile'} needs ${need}`);
  return out;
}

async function decodeBounded(data: Uint8Array, t: ChunkTarget, max: number): Promise<Uint8Array> {
  switch (t.compression) {
    case 1: return data.length > max ? data.subarray(0, max) : data; // libtiff reads no more than the chunk holds
    case 5: return lzwDecode(data, max, overLong);
    case 8: case 32946: return t.inflateOnPool === false ? inflateBounded(data, max) : inflateBoundedAsync(data, max);
    case 50000: return zstdBounded(data, max);
    case 32773: return packbitsDecode(data, max);
    case 7: return decodeJpeg(data, t, max);
    case 34887: {
      const blob = t.lercWrap === 1 ? inflateBounded(data, lercBlobBound(max)) : t.lercWrap === 2 ? zstdBounded(data, lercBlobBound(max)) : data;
      return decodeLerc(blob, t, max);
    }
    case 50001: return decodeWebp(data, t, max);
    default: throw new ChunkError(`unsupported compression ${compressionName(t.compression)}`);
  }
}

function overLong(max: number): ChunkError {
  return new ChunkError(`data decodes past the chunk's ${max} bytes (over-long or a decompression bomb)`);
}

/** A LERC blob of a chunk of `max` bytes is at most about that size (header, mask and raw fallback). */
function lercBlobBound(max: number): number {
  return 2 * max + 65536;
}

/** Largest single output buffer of inflateBounded (bigger chunks are inflated in pieces of this size). */
const MAX_INFLATE_CHUNK = 64 * 1024 * 1024;

/** Deflate (zlib) decoding that stops at `max` bytes; a stream without its end is read as far as it goes (libtiff does). */
export function inflateBounded(data: Uint8Array, max: number): Uint8Array {
  try {
    // one output buffer of the whole chunk (plus a byte, so that a complete chunk does not make zlib allocate
    // another), returned as a view: no concatenation of 16 KiB pieces and no copy of the result
    const b = inflateSync(data, { maxOutputLength: Math.max(1, max), finishFlush: constants.Z_SYNC_FLUSH, chunkSize: Math.max(constants.Z_MIN_CHUNK, Math.min(max + 1, MAX_INFLATE_CHUNK)) });
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw overLong(max);
    throw err;
  }
}

/**
 * {@link inflateBounded} on libuv's thread pool (node:zlib's asynchronous inflate; the same zlib, options and
 * bytes): the calling thread goes on while a tile inflates, so tiles decoded ahead (Raster.decodeAhead)
 * inflate alongside the engine's coverage and statistics. Inflate is most of a tile's decoding (100k case:
 * ~1.5 ms of CPU per 512² UInt16 tile, ~0.8 s of the main thread's ~2.3 s when it computed alone).
 */
export function inflateBoundedAsync(data: Uint8Array, max: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    inflate(data, { maxOutputLength: Math.max(1, max), finishFlush: constants.Z_SYNC_FLUSH, chunkSize: Math.max(constants.Z_MIN_CHUNK, Math.min(max + 1, MAX_INFLATE_CHUNK)) }, (err, b) => {
      if (err) reject((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? overLong(max) : err);
      else resolve(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    });
  });
}

/** Largest ZSTD window accepted: zstd's own maximum for its standard levels (windowLog 27). */
const MAX_ZSTD_WINDOW = 128 * 1024 * 1024;

/** ZSTD decoding, streamed, that stops at `max` bytes; frame headers declaring more are refused before any allocation. */
export function zstdBounded(data: Uint8Array, max: number): Uint8Array {
  checkZstdFrame(data, max);
  const parts: Uint8Array[] = [];
  let total = 0;
  const stream = new ZstdStream((chunk) => {
    total += chunk.length;
    if (total > max) throw overLong(max);
    parts.push(chunk.slice());
  });
  stream.push(data, true);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Reads a ZSTD frame header: content size (when declared) must fit `max`, the window must be sane. */
function checkZstdFrame(d: Uint8Array, max: number): void {
  if (d.length < 6 || d[0] !== 0x28 || d[1] !== 0xb5 || d[2] !== 0x2f || d[3] !== 0xfd) return; // not a frame: the decoder reports it
  const flg = d[4] as number;
  const singleSegment = (flg >> 5) & 1;
  const fcf = flg >> 6;
  const dictBytes = [0, 1, 2, 4][flg & 3] as number;
  let at = 5;
  let window = 0;
  if (!singleSegment) {
    const wd = d[at++] as number;
    const base = 2 ** (10 + (wd >> 3));
    window = base + (base / 8) * (wd & 7);
  }
  at += dictBytes;
  const fsb = fcf === 0 ? singleSegment : 1 << fcf;
  let size = 0;
  for (let i = fsb - 1; i >= 0; i--) size = size * 256 + (d[at + i] ?? 0);
  if (fcf === 1) size += 256;
  if (fsb > 0 && size > max) throw overLong(max);
  if (window > Math.max(MAX_ZSTD_WINDOW, max)) throw new ChunkError(`ZSTD window of ${window} bytes is implausible for a chunk of ${max} bytes`);
}

/** PackBits (Apple RLE), stopping at `max` bytes; data that would produce more is over-long. */
export function packbitsDecode(input: Uint8Array, max: number): Uint8Array {
  const out = new Uint8Array(max);
  let i = 0;
  let o = 0;
  while (i < input.length) {
    const n = ((input[i++] as number) << 24) >> 24;
    if (n === -128) continue;
    const len = n >= 0 ? n + 1 : 1 - n;
    if (o >= max) throw overLong(max);
    const take = Math.min(len, max - o);
    if (n >= 0) {
      out.set(input.subarray(i, i + take), o);
      i += len;
    } else out.fill(input[i++] ?? 0, o, o + take);
    o += take;
    if (take < len) throw overLong(max);
  }
  return out.subarray(0, o);
}
