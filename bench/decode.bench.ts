/**
 * Tile decoding: milliseconds per 512 x 512 UInt16 tile (Deflate and LZW, predictor 2; median of
 * 40), and what a decompression bomb costs in a 16 x 16 UInt16 tile (512 bytes): a Deflate stream
 * of 1 MiB of zeros and an LZW stream of 16 MiB of zeros, time to the error (decoding stops at the
 * tile's size; the test suite and cases/decompression-bombs hold the GiB-sized ones).
 * Run: npm run bench -- decode
 */
import { deflateSync } from 'node:zlib';
import { decodeChunk } from '../shared/tiff/codecs';
import type { ChunkTarget } from '../shared/tiff/chunk';
import { toSamples } from '../shared/tiff/samples';
import { lzwEncode } from '../test/helpers/cog-writer';
import { peakRssMb, report } from './report';

const W = 512;
const diffs = new Uint16Array(W * W);
for (let r = 0; r < W; r++) {
  let prev = 0;
  for (let c = 0; c < W; c++) {
    const v = 1 + ((r * 7 + c * 13 + ((r * c) % 17)) % 5000);
    diffs[r * W + c] = (v - prev) & 0xffff;
    prev = v;
  }
}
const bytes = new Uint8Array(diffs.buffer);
const target = (compression: number, rows = W, width = W, bits = 16): ChunkTarget => ({ compression, width, rows, needRows: rows, spp: 1, rowBytes: (width * bits) / 8, dtype: 'uint16', photometric: 1, jpegTables: null, lercWrap: 0 });
const layout = { width: W, rows: W, spp: 1, type: { format: 1 as const, bits: 16 }, predictor: 2, littleEndian: true };

async function median(fn: () => Promise<unknown>, runs = 40): Promise<number> {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)] ?? NaN;
}

const deflated = new Uint8Array(deflateSync(bytes, { level: 6 }));
const lzw = lzwEncode(bytes);
const deflateBomb = new Uint8Array(deflateSync(new Uint8Array(1 << 20), { level: 9 }));
const lzwBomb = lzwEncode(new Uint8Array(1 << 24));

async function bombMs(data: Uint8Array, compression: number): Promise<number> {
  const t0 = performance.now();
  await decodeChunk(data, target(compression, 16, 16)).then(() => { throw new Error('a bomb decoded'); }, () => undefined);
  return performance.now() - t0;
}

report('decode', {
  deflateTileMs: await median(async () => toSamples(await decodeChunk(deflated, target(8)), layout)),
  lzwTileMs: await median(async () => toSamples(await decodeChunk(lzw, target(5)), layout)),
  deflateBombToErrorMs: await bombMs(deflateBomb, 8),
  lzwBombToErrorMs: await bombMs(lzwBomb, 5),
  peakRssMb: peakRssMb(),
});
