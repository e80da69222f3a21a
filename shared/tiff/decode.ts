/**
 * Tile decoding: decompression (none, LZW, Deflate via node:zlib, ZSTD via
 * fzstd, PackBits), predictors (2: horizontal differencing, 3: floating
 * point), then a typed array of the samples in the machine's byte order.
 */
import { inflateSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import { RasterError } from '../errors';
import { lzwDecode } from './lzw';

/** Sample data types. */
export type DType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64' | 'uint64' | 'int64' | 'bit1';

/** A typed array of samples. */
export type Samples = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

const NAMES: Record<number, string> = { 1: 'none', 5: 'LZW', 6: 'old-style JPEG', 7: 'JPEG', 8: 'Deflate', 32946: 'Deflate', 32773: 'PackBits', 34887: 'LERC', 34925: 'LZMA', 50000: 'ZSTD', 50001: 'WebP', 50002: 'JPEG-XL' };

/** Compression codes this reader decodes. */
export const SUPPORTED_COMPRESSIONS = [1, 5, 8, 32946, 32773, 50000];

/** The compression's name for messages. */
export function compressionName(code: number): string {
  return NAMES[code] ?? `code ${code}`;
}

/** Throws a clear error for compressions we cannot decode. */
export function checkCompression(code: number, uri: string): void {
  if (!SUPPORTED_COMPRESSIONS.includes(code)) {
    throw new RasterError(`unsupported compression ${compressionName(code)} (${code}) in ${uri}; re-encode with DEFLATE, ZSTD or LZW (gdal_translate -co COMPRESS=DEFLATE)`);
  }
}

/** Bytes per sample. */
export function dtypeBytes(d: DType): number {
  switch (d) {
    case 'bit1': return 0.125;
    case 'uint8': case 'int8': return 1;
    case 'uint16': case 'int16': return 2;
    case 'uint32': case 'int32': case 'float32': return 4;
    default: return 8;
  }
}

/** The dtype of SampleFormat + BitsPerSample. */
export function dtypeOf(sampleFormat: number, bits: number, uri: string): DType {
  if (bits === 1 && sampleFormat === 1) return 'bit1';
  const key = `${sampleFormat}:${bits}`;
  const map: Record<string, DType> = { '1:8': 'uint8', '2:8': 'int8', '1:16': 'uint16', '2:16': 'int16', '1:32': 'uint32', '2:32': 'int32', '3:32': 'float32', '3:64': 'float64', '1:64': 'uint64', '2:64': 'int64' };
  const d = map[key];
  if (!d) throw new RasterError(`unsupported sample type (SampleFormat ${sampleFormat}, ${bits} bits) in ${uri}`);
  return d;
}

/** Decompresses one tile or strip. */
export function decompress(code: number, data: Uint8Array, expected: number, uri: string): Uint8Array {
  try {
    switch (code) {
      case 1: return data;
      case 8: case 32946: return new Uint8Array(inflateSync(data));
      case 5: return lzwDecode(data, expected);
      case 50000: return zstdDecompress(data);
      case 32773: return packbitsDecode(data, expected);
      default: checkCompression(code, uri); return data;
    }
  } catch (err) {
    if (err instanceof RasterError) throw err;
    throw new RasterError(`cannot decompress a ${compressionName(code)} tile of ${uri}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** PackBits (Apple RLE). */
export function packbitsDecode(input: Uint8Array, expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  let i = 0;
  let o = 0;
  while (i < input.length && o < expected) {
    const n = (input[i++] ?? 0) << 24 >> 24;
    if (n >= 0) {
      const len = Math.min(n + 1, expected - o);
      out.set(input.subarray(i, i + len), o);
      i += n + 1;
      o += len;
    } else if (n !== -128) {
      const len = Math.min(1 - n, expected - o);
      out.fill(input[i++] ?? 0, o, o + len);
      o += len;
    }
  }
  return out;
}

/**
 * Decoded bytes -> typed samples in native (little-endian) order, predictor undone.
 * `width` pixels per row, `rows` rows, `spp` samples per pixel in this chunk.
 */
export function toSamples(raw: Uint8Array, dtype: DType, width: number, rows: number, spp: number, predictor: number, littleEndian: boolean, uri: string): Samples {
  if (dtype === 'bit1') return raw; // packed bits, unpacked by the caller
  const bps = dtypeBytes(dtype);
  const need = width * rows * spp * bps;
  let bytes = raw;
  if (bytes.length < need) {
    // short tile (truncated data or last strip): pad with zeros
    const padded = new Uint8Array(need);
    padded.set(bytes.subarray(0, need));
    bytes = padded;
  } else if (bytes.byteOffset % 8 !== 0 || bytes.length !== need) {
    bytes = bytes.slice(0, need);
  }
  if (predictor === 3) {
    if (dtype !== 'float32' && dtype !== 'float64') throw new RasterError(`${uri}: floating-point predictor on ${dtype} data`);
    bytes = undoFloatPredictor(bytes, width, rows, spp, bps);
    littleEndian = false; // the float predictor stores bytes most-significant first
  }
  if (!littleEndian && bps > 1) swapBytes(bytes, bps);
  const samples = typed(bytes, dtype);
  if (predictor === 2) undoHorizontal(samples, width, rows, spp);
  else if (predictor !== 1 && predictor !== 3) throw new RasterError(`${uri}: unsupported predictor ${predictor}`);
  return samples;
}

function typed(b: Uint8Array, d: DType): Samples {
  const buf = b.buffer;
  const o = b.byteOffset;
  const n = b.length;
  switch (d) {
    case 'uint8': return b;
    case 'int8': return new Int8Array(buf, o, n);
    case 'uint16': return new Uint16Array(buf, o, n / 2);
    case 'int16': return new Int16Array(buf, o, n / 2);
    case 'uint32': return new Uint32Array(buf, o, n / 4);
    case 'int32': return new Int32Array(buf, o, n / 4);
    case 'float32': return new Float32Array(buf, o, n / 4);
    case 'float64': return new Float64Array(buf, o, n / 8);
    case 'uint64': return new BigUint64Array(buf, o, n / 8);
    case 'int64': return new BigInt64Array(buf, o, n / 8);
    case 'bit1': return b;
  }
}

function swapBytes(b: Uint8Array, size: number): void {
  for (let i = 0; i + size <= b.length; i += size) {
    for (let a = i, z = i + size - 1; a < z; a++, z--) {
      const t = b[a] ?? 0;
      b[a] = b[z] ?? 0;
      b[z] = t;
    }
  }
}

/** Horizontal differencing, per sample, wrapping in the sample's own integer width. */
function undoHorizontal(s: Samples, width: number, rows: number, spp: number): void {
  if (s instanceof Float32Array || s instanceof Float64Array) return;
  const rowLen = width * spp;
  if (s instanceof BigInt64Array || s instanceof BigUint64Array) {
    for (let r = 0; r < rows; r++) {
      const base = r * rowLen;
      for (let i = spp; i < rowLen; i++) s[base + i] = BigInt.asIntN(64, (s[base + i] ?? 0n) + (s[base + i - spp] ?? 0n));
    }
    return;
  }
  // typed arrays wrap on assignment, which is exactly the modular addition TIFF specifies
  for (let r = 0; r < rows; r++) {
    const base = r * rowLen;
    for (let i = spp; i < rowLen; i++) s[base + i] = (s[base + i] as number) + (s[base + i - spp] as number);
  }
}

/** TIFF floating-point predictor (Adobe tech note 3): bytes were split into planes (MSB first), then differenced. */
function undoFloatPredictor(b: Uint8Array, width: number, rows: number, spp: number, bps: number): Uint8Array {
  const rowBytes = width * spp * bps;
  const out = new Uint8Array(b.length);
  const wc = width * spp;
  for (let r = 0; r < rows; r++) {
    const row = b.subarray(r * rowBytes, (r + 1) * rowBytes);
    for (let i = spp; i < rowBytes; i++) row[i] = ((row[i] ?? 0) + (row[i - spp] ?? 0)) & 0xff; // libtiff fpAcc: byte stride = samples per pixel
    const o = r * rowBytes;
    for (let k = 0; k < wc; k++) {
      for (let byte = 0; byte < bps; byte++) out[o + k * bps + byte] = row[byte * wc + k] ?? 0;
    }
  }
  return out;
}
