/** TIFF LZW decoding (MSB-first codes, 9..12 bits, "early change" as libtiff writes it). */
import { RasterError } from '../errors';

/**
 * Decodes a TIFF LZW strip or tile of at most `max` bytes (preallocated: the chunk size). Output
 * that would pass `max` stops the decoding with `overLong(max)` (a decompression bomb never
 * costs more than the chunk); corrupt codes throw RasterError.
 */
export function lzwDecode(input: Uint8Array, max: number, overLong: (max: number) => Error = (m) => new RasterError(`LZW data decodes past ${m} bytes`)): Uint8Array {
  let out = new Uint8Array(Math.min(max, Math.max(1024, input.length * 4)));
  let outLen = 0;
  // dictionary as prefix links: entry = (prefix code, last byte, length)
  const prefix = new Int32Array(4096);
  const suffix = new Uint8Array(4096);
  const length = new Int32Array(4096);
  const first = new Uint8Array(4096);
  for (let i = 0; i < 256; i++) { prefix[i] = -1; suffix[i] = i; length[i] = 1; first[i] = i; }
  let next = 258;
  let width = 9;
  let bitPos = 0;
  const totalBits = input.length * 8;
  let old = -1;
  const ensure = (n: number): void => {
    if (outLen + n <= out.length) return;
    if (outLen + n > max) throw overLong(max);
    const bigger = new Uint8Array(Math.min(max, Math.max(out.length * 2, outLen + n)));
    bigger.set(out.subarray(0, outLen));
    out = bigger;
  };
  const emit = (code: number): void => {
    const len = length[code] ?? 0;
    ensure(len);
    let c = code;
    for (let i = len - 1; i >= 0; i--) { out[outLen + i] = suffix[c] ?? 0; c = prefix[c] ?? -1; }
    outLen += len;
  };
  while (bitPos + width <= totalBits) {
    // read `width` (9..12) bits MSB-first: they lie within the 3 bytes from bitPos's byte
    const at = bitPos >> 3;
    const window24 = ((input[at] ?? 0) << 16) | ((input[at + 1] ?? 0) << 8) | (input[at + 2] ?? 0);
    const code = (window24 >> (24 - (bitPos & 7) - width)) & ((1 << width) - 1);
    bitPos += width;
    if (code === 257) break; // EOI
    if (code === 256) { next = 258; width = 9; old = -1; continue; }
    if (old === -1) {
      if (code > 255) throw new RasterError(`corrupt LZW data: first code ${code}`);
      emit(code);
      old = code;
      continue;
    }
    if (code < next) {
      emit(code);
      if (next < 4096) { prefix[next] = old; suffix[next] = first[code] ?? 0; length[next] = (length[old] ?? 0) + 1; first[next] = first[old] ?? 0; next++; }
    } else if (code === next) {
      if (next < 4096) { prefix[next] = old; suffix[next] = first[old] ?? 0; length[next] = (length[old] ?? 0) + 1; first[next] = first[old] ?? 0; next++; }
      emit(code);
    } else {
      throw new RasterError(`corrupt LZW data: code ${code} beyond table ${next}`);
    }
    old = code;
    if (next + 1 >= 1 << width && width < 12) width++; // early change
  }
  return out.subarray(0, outLen);
}
