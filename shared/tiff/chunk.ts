/** What one tile or strip decodes to, and the error of a chunk that cannot be decoded. */
import type { DType } from './samples';

/** Corrupt, short or over-long data of one chunk (the raster reader names the tile in a TileError). */
export class ChunkError extends Error {}

/** What a chunk holds once decoded. */
export interface ChunkTarget {
  compression: number;
  /** Pixels per row and rows of the full chunk (a tile, or a strip of RowsPerStrip rows). */
  width: number;
  rows: number;
  /** Rows that must be present (fewer than `rows` only in the last strip). */
  needRows: number;
  spp: number;
  /** Bytes of one decoded row. */
  rowBytes: number;
  dtype: DType;
  /** TIFF Photometric (JPEG: 6 = YCbCr, converted to RGB). */
  photometric: number;
  /** JPEGTables tag (abbreviated JPEG streams). */
  jpegTables: Uint8Array | null;
  /** LercParameters[1]: 0 none, 1 Deflate, 2 ZSTD around the LERC blob. */
  lercWrap: number;
  /** Loads the WebP decoder (WASM, read from disk by the caller: this folder does no I/O). */
  webp?: () => Promise<WebpDecode>;
  /**
   * Deflate inflates on libuv's thread pool (true, the default: the calling thread goes on meanwhile) or on the
   * calling thread (false: zonal worker threads, which are the job's parallelism already and would otherwise
   * queue on the pool's four threads).
   */
  inflateOnPool?: boolean;
  /** Where a codec's .wasm file is when it is not beside the package (a Lambda bundle), else undefined. */
  locateWasm?: (name: string) => string | undefined;
}

/** Decodes one WebP image to RGBA pixels. */
export type WebpDecode = (data: ArrayBuffer) => Promise<{ width: number; height: number; data: Uint8Array }>;
