/**
 * A (Cloud-Optimized) GeoTIFF opened over a byte source: the full-resolution
 * image (never an overview), its per-dataset mask, tiles or strips, any dtype,
 * pixel- or band-interleaved. Reads are windowed: `prefetch` fetches the
 * compressed tiles of many windows in merged range requests (each tile once),
 * `readWindow` decodes what it needs (decoded tiles kept in an LRU bounded in
 * bytes) and returns values with scale/offset applied and a validity mask
 * (nodata on the raw value, NaN, mask = 0, sparse tiles, outside the raster).
 */
import { RasterError, SourceError, TileError } from '../errors';
import type { ZonalflowError } from '../errors';
import type { TileAddress } from '../errors';
import type { ByteSource } from '../io/source';
import { fetchRangesSettled, rangeKey } from '../io/range-plan';
import { permanentFailure } from '../io/retry';
import type { ByteRange } from '../io/range-plan';
import { TiffFile, Tag } from '../tiff/ifd';
import type { Ifd } from '../tiff/ifd';
import { ChunkError, checkCompression, compressionName, decodeChunk, effectivePredictor } from '../tiff/codecs';
import { checkPredictor, chunkBytes, dtypeOf, rowBytes, toSamples } from '../tiff/samples';
import type { ChunkLayout, DType, SampleType, Samples } from '../tiff/samples';
import { readGeoKeys, readGrid, readNodata, readScaleOffset } from '../tiff/geo';
import type { GeoKeys } from '../tiff/geo';
import type { RasterGrid, Window } from './grid';
import { loadWebpDecoder, wasmBesideBundle } from './codec-wasm';
import type { SharedTiles } from './shared-tiles';

/** What is known about a raster once its header is read. */
export interface RasterInfo {
  uri: string;
  grid: RasterGrid;
  bandCount: number;
  dtype: DType;
  nodata: number | null;
  scale: number[];
  offset: number[];
  geoKeys: GeoKeys;
  tileWidth: number;
  tileHeight: number;
  /** False for strip-organised TIFFs (strips are read as full-width tiles). */
  tiled: boolean;
  /** 1 = pixel-interleaved, 2 = band-separate. */
  planar: 1 | 2;
  compression: string;
  hasMask: boolean;
  /** 1-based band whose zeros mask the other bands (an RGBA / gray+alpha alpha band, as GDAL's mask band), or null. */
  alphaBand: number | null;
  /** True when the file's rows run south to north (read through a flip). */
  southUp: boolean;
  /** Number of reduced-resolution images present (never read). */
  overviews: number;
}

/** One band over a window: values (scale/offset applied) and validity (1 = data). */
export interface BandWindow { window: Window; values: Float64Array; valid: Uint8Array }

/**
 * Where Raster.accumulateWindow puts cells (a StatsAccumulator): runs of raw samples with their coverage
 * weights, and runs of cells outside the raster (nodata).
 */
export interface SampleSink {
  addSamples(samples: ArrayLike<number>, si: number, stride: number, weights: Float64Array, wi: number, n: number, scale: number, offset: number, nodataRaw: number): void;
  addNodataRun(weights: Float64Array, wi: number, n: number): void;
}

/** A tile (or strip) of the full-resolution image touched by a window. */
export interface TileRef {
  tileRow: number;
  tileCol: number;
  /** The cells of the raster this tile covers (clipped to the raster). */
  window: Window;
}

/** Options of `openRaster`. */
export interface OpenRasterOptions {
  /** Bytes of the first read (header + IFDs). */
  headerBytes?: number;
  /** Bound of the decoded-tile cache in bytes (default 256 MiB). */
  cacheBytes?: number;
  /** Bound of the compressed-tile cache filled by prefetch (default 512 MiB). */
  rawCacheBytes?: number;
  /** Concurrent range requests (default 8). */
  concurrency?: number;
  /**
   * Decoded tiles shared across rasters and kept between uses (shared-tiles.ts), keyed by the source's
   * `version()` (ETag and size as read): not used for a source that reports no version.
   */
  sharedTiles?: SharedTiles;
  /** Deflate tiles inflate on libuv's thread pool (default true) or on the thread that reads them (codecs.ts ChunkTarget). */
  inflateOnPool?: boolean;
}

export interface Image {
  ifd: Ifd;
  width: number;
  height: number;
  tileWidth: number;
  tileHeight: number;
  across: number;
  down: number;
  offsets: number[];
  counts: number[];
  compression: number;
  predictor: number;
  type: SampleType;
  dtype: DType;
  spp: number;
  planar: 1 | 2;
  littleEndian: boolean;
  tiled: boolean;
  photometric: number;
  extraSamples: number[];
  jpegTables: Uint8Array | null;
  lercWrap: number;
}

/** Largest decoded tile or strip accepted (a header declaring more is refused at open). */
export const MAX_CHUNK_BYTES = 256 * 1024 * 1024;

/** Compressed bytes a chunk of `decoded` bytes may plausibly take (LZW's worst case is 1.5x; JPEG/LERC/WebP of noise about 1x). */
function maxCompressedBytes(decoded: number): number {
  return 2 * decoded + 1024 * 1024;
}

/** What a raster's header read gives: all a {@link Raster} needs besides its source (kept by a warm sandbox, raster-headers.ts). */
export interface RasterHeader {
  readonly info: RasterInfo;
  readonly image: Image;
  readonly mask: Image | null;
  readonly flips: { flipX: boolean; flipY: boolean };
}

/** Opens a raster: one header read (more only if the IFDs or tile arrays lie beyond it). */
export async function openRaster(source: ByteSource, opts: OpenRasterOptions = {}): Promise<Raster> {
  return rasterFromHeader(source, await readRasterHeader(source, opts), opts);
}

/** A raster over `source` from its header as read before (from the same object version: the caller's to ensure). */
export function rasterFromHeader(source: ByteSource, h: RasterHeader, opts: OpenRasterOptions = {}): Raster {
  return new Raster(source, h.info, h.image, h.mask, opts, h.flips);
}

/** Reads and parses a raster's header: one read (more only if the IFDs or tile arrays lie beyond it). */
export async function readRasterHeader(source: ByteSource, opts: Pick<OpenRasterOptions, 'headerBytes'> = {}): Promise<RasterHeader> {
  const tiff = await TiffFile.open(source.uri, (o, l) => source.fetch(o, l), opts.headerBytes ?? 16384);
  const ifds = await tiff.ifds();
  const kinds = await Promise.all(ifds.map((i) => i.number(Tag.NewSubfileType, 0)));
  const mainIndex = kinds.findIndex((k) => (k & 5) === 0);
  if (mainIndex < 0) throw new RasterError(`${source.uri}: no full-resolution image among ${ifds.length} IFDs`);
  const mainIfd = ifds[mainIndex] as Ifd;
  await mainIfd.load(mainIfd.tags()); // every value of IFD 0 outside the first read, in one request (none for a COG)
  const main = await readImage(mainIfd, source.uri, false, tiff.littleEndian);
  let mask: Image | null = null;
  for (let i = 0; i < ifds.length; i++) {
    const k = kinds[i] ?? 0;
    const ifd = ifds[i] as Ifd;
    if ((k & 4) !== 0 && (k & 1) === 0) {
      const w = await ifd.number(Tag.ImageWidth, 0);
      const h = await ifd.number(Tag.ImageLength, 0);
      if (w === main.width && h === main.height) {
        mask = await readImage(ifd, source.uri, true, tiff.littleEndian);
        break;
      }
    }
  }
  const geoKeys = await readGeoKeys(mainIfd);
  const { grid, flipX, flipY } = await readGrid(mainIfd, main.width, main.height, geoKeys, source.uri);
  const { scale, offset } = await readScaleOffset(mainIfd, main.spp);
  const nodata = await readNodata(mainIfd);
  const info: RasterInfo = {
    uri: source.uri,
    grid,
    bandCount: main.spp,
    dtype: main.dtype,
    nodata,
    scale,
    offset,
    geoKeys,
    tileWidth: main.tileWidth,
    tileHeight: main.tileHeight,
    tiled: mainIfd.has(Tag.TileWidth),
    planar: main.planar,
    compression: compressionName(main.compression),
    hasMask: mask !== null,
    alphaBand: mask === null && nodata === null ? alphaBandOf(main) : null,
    southUp: flipY,
    overviews: kinds.filter((k) => (k & 1) === 1 && (k & 4) === 0).length,
  };
  return { info, image: main, mask, flips: { flipX, flipY } };
}

/**
 * The alpha band GDAL uses as the mask of the other bands (GMF_ALPHA | GMF_PER_DATASET): the last
 * band of a 2- or 4-band Byte or UInt16 image when its ExtraSamples value is associated (1) or
 * unassociated (2) alpha. GDAL's precedence puts an internal mask and a nodata value first.
 */
function alphaBandOf(im: Image): number | null {
  if (im.spp !== 2 && im.spp !== 4) return null;
  if (im.dtype !== 'uint8' && im.dtype !== 'uint16') return null;
  const last = im.extraSamples[im.extraSamples.length - 1];
  return im.extraSamples.length >= 1 && (last === 1 || last === 2) ? im.spp : null;
}

async function readImage(ifd: Ifd, uri: string, isMask: boolean, littleEndian: boolean): Promise<Image> {
  const width = await ifd.number(Tag.ImageWidth, 0);
  const height = await ifd.number(Tag.ImageLength, 0);
  if (width <= 0 || height <= 0) throw new RasterError(`${uri}: image without size`);
  const spp = await ifd.number(Tag.SamplesPerPixel, 1);
  if (spp < 1 || spp > 65535) throw new RasterError(`${uri}: invalid SamplesPerPixel ${spp}`);
  const bits = (await ifd.numbers(Tag.BitsPerSample)) ?? [1];
  if (bits.some((b) => b !== bits[0])) throw new RasterError(`${uri}: bands with different bit depths are not supported`);
  const sf = (await ifd.numbers(Tag.SampleFormat))?.[0] ?? 1;
  const type: SampleType = { format: sf === 2 ? 2 : sf === 3 ? 3 : 1, bits: bits[0] ?? 8 };
  if (sf !== 1 && sf !== 2 && sf !== 3 && sf !== 4) throw new RasterError(`unsupported sample type (SampleFormat ${sf}, ${type.bits} bits) in ${uri}`);
  const dtype = dtypeOf(type, uri);
  const compression = await ifd.number(Tag.Compression, 1);
  checkCompression(compression, uri);
  const photometric = await ifd.number(Tag.Photometric, isMask ? 4 : 1);
  if (photometric === 6 && compression !== 7) throw new RasterError(`${uri}: YCbCr pixels are supported only JPEG-compressed (Photometric 6 with ${compressionName(compression)}); re-encode with gdal_translate -co PHOTOMETRIC=RGB`);
  if (compression === 7 && type.bits !== 8) throw new RasterError(`${uri}: ${type.bits}-bit JPEG is not supported (only 8-bit JPEG)`);
  const predictor = effectivePredictor(compression, await ifd.number(Tag.Predictor, 1));
  checkPredictor(predictor, type, uri);
  const planar = (await ifd.number(Tag.PlanarConfiguration, 1)) === 2 ? 2 : 1;
  const tiled = ifd.has(Tag.TileWidth);
  const tileWidth = tiled ? await ifd.number(Tag.TileWidth, 0) : width;
  const tileHeight = tiled ? await ifd.number(Tag.TileLength, 0) : Math.min(height, await ifd.number(Tag.RowsPerStrip, height));
  if (tileWidth <= 0 || tileHeight <= 0) throw new RasterError(`${uri}: invalid tile size ${tileWidth}x${tileHeight}`);
  const chunkSpp = planar === 2 ? 1 : spp;
  const bytesPerChunk = chunkBytes({ width: tileWidth, rows: tileHeight, spp: chunkSpp, type, predictor, littleEndian });
  await ifd.load(tiled ? [Tag.TileOffsets, Tag.TileByteCounts] : [Tag.StripOffsets, Tag.StripByteCounts]); // one request when outside the first read
  const offsets = (await ifd.numbers(tiled ? Tag.TileOffsets : Tag.StripOffsets)) ?? [];
  const counts = (await ifd.numbers(tiled ? Tag.TileByteCounts : Tag.StripByteCounts)) ?? [];
  const across = Math.ceil(width / tileWidth);
  const down = Math.ceil(height / tileHeight);
  const expected = across * down * (planar === 2 ? spp : 1);
  if (offsets.length < expected || counts.length < expected) throw new RasterError(`${uri}: ${offsets.length} tile offsets for ${expected} tiles`);
  // a chunk too large to decode is refused at open, unless every chunk is sparse (no bytes: read as
  // absent without decoding, so a header declaring a huge raster costs only the cells features touch)
  if (bytesPerChunk > MAX_CHUNK_BYTES && counts.some((c, i) => i < expected && c > 0)) {
    throw new RasterError(`${uri}: ${tiled ? 'tiles' : 'strips'} of ${tileWidth}x${tileHeight} pixels (${Math.round(bytesPerChunk / 1048576)} MiB decoded each) exceed the ${MAX_CHUNK_BYTES / 1048576} MiB bound; re-tile with gdal_translate -co TILED=YES`);
  }
  const extraSamples = (await ifd.numbers(Tag.ExtraSamples)) ?? [];
  const jpegTables = compression === 7 && ifd.has(Tag.JpegTables) ? ((await ifd.bytes(Tag.JpegTables)) ?? null) : null;
  const lercWrap = compression === 34887 ? ((await ifd.numbers(Tag.LercParameters))?.[1] ?? 0) : 0;
  if (lercWrap !== 0 && lercWrap !== 1 && lercWrap !== 2) throw new RasterError(`${uri}: unsupported LERC additional compression ${lercWrap}`);
  return { ifd, width, height, tileWidth, tileHeight, across, down, offsets, counts, compression, predictor, type, dtype, spp, planar, littleEndian, tiled, photometric, extraSamples, jpegTables, lercWrap };
}

/** Where a window of accumulateWindow lies: its cells inside the raster and the tiles they span. */
interface AccumulateSpan { r0: number; r1: number; c0: number; c1: number; inside: boolean; tr0: number; tc0: number; across: number; down: number }

/** A tile of one image: index into the offsets arrays. */
interface TileKey { mask: boolean; index: number }

/** Where a tile's compressed bytes are, or why they cannot be read. */
type TileSpan = ByteRange | null | TileError;

/** An opened raster. */
export class Raster {
  /** Decoded tiles by id ({@link keyId}), least recently used first. */
  private readonly decoded = new Map<number, Samples | null>();
  /** The id last added to or moved to the end of `decoded` (NaN: unknown): a hit on it needs no move. */
  private newest = NaN;
  private decodedBytes = 0;
  /** Tiles a window being accumulated needs (id -> number of such windows): evicted only when nothing else is left. */
  private readonly pinned = new Map<number, number>();
  private readonly raw = new Map<number, Uint8Array>();
  private readonly inflight = new Map<number, Promise<void>>();
  /** Tiles being decoded (a concurrent reader awaits the same decode). */
  private readonly decoding = new Map<number, Promise<Samples | null>>();
  /**
   * Tiles that cannot be read, with the reason: data that does not decode, an implausible byte count, a
   * truncated file (TileError), a range the source refuses for good (SourceError with its status). The error
   * is thrown at once whenever the tile is needed again: a bad tile is fetched and decoded once, however many
   * features touch it (it stays when the caches are dropped).
   */
  private readonly broken = new Map<number, ZonalflowError>();
  private rawBytes = 0;
  private readonly cacheBytes: number;
  private readonly rawCacheBytes: number;
  private readonly flipX: boolean;
  private readonly flipY: boolean;
  /** Tiles fetched so far (each counted once per fetch). */
  tilesFetched = 0;
  /** Milliseconds spent decompressing and un-predicting tiles (benchmarks split reading from decoding with it). */
  decodeMs = 0;
  /** Tiles decoded. */
  tilesDecoded = 0;
  /** Where this raster's tiles live in `opts.sharedTiles` (URI and version as read), or null when not shared. */
  private readonly sharedKey: string | null;

  constructor(
    private readonly source: ByteSource,
    readonly info: RasterInfo,
    private readonly image: Image,
    private readonly mask: Image | null,
    private readonly opts: OpenRasterOptions,
    flips: { flipX: boolean; flipY: boolean } = { flipX: false, flipY: false },
  ) {
    this.cacheBytes = opts.cacheBytes ?? 256 * 1024 * 1024;
    this.rawCacheBytes = opts.rawCacheBytes ?? 512 * 1024 * 1024;
    this.flipX = flips.flipX;
    this.flipY = flips.flipY;
    const version = opts.sharedTiles ? source.version?.() : undefined;
    this.sharedKey = version === undefined ? null : `${source.uri}\n${version}\n`;
  }

  /** Why a tile cannot be read, when that is known (this raster's, or a decode failure of the same object version among the shared tiles). */
  private failure(id: number): ZonalflowError | undefined {
    return this.broken.get(id) ?? (this.sharedKey === null ? undefined : this.opts.sharedTiles?.failure(this.sharedKey + sharedId(id)));
  }

  /** Remembers that a tile cannot be read; a TileError (its bytes are bad) also among the shared tiles, for other rasters over the same object version. */
  private markBroken(id: number, err: ZonalflowError): ZonalflowError {
    this.broken.set(id, err);
    if (err instanceof TileError && this.sharedKey !== null) this.opts.sharedTiles?.fail(this.sharedKey + sharedId(id), err);
    return err;
  }

  /** The shared decoded tile, when this raster shares them and holds it. */
  private sharedTile(id: number): Samples | undefined {
    return this.sharedKey === null ? undefined : this.opts.sharedTiles?.get(this.sharedKey + sharedId(id));
  }

  /** A window of the (north-up) grid as rows and columns of the file (the same unless the file is south-up or east-left). */
  private toFile(w: Window): Window {
    if (!this.flipX && !this.flipY) return w; // the usual north-up file: the same window
    const im = this.image;
    return {
      row0: this.flipY ? im.height - w.row0 - w.rows : w.row0,
      col0: this.flipX ? im.width - w.col0 - w.cols : w.col0,
      rows: w.rows,
      cols: w.cols,
    };
  }

  /** The tiles a window of the grid touches (the window is clipped to the raster; none when it lies outside); tile windows are in the file's rows and columns. */
  tilesForWindow(w: Window): TileRef[] {
    return this.fileTiles(this.toFile(w));
  }

  private fileTiles(w: Window): TileRef[] {
    const im = this.image;
    const r0 = Math.max(0, w.row0);
    const c0 = Math.max(0, w.col0);
    const r1 = Math.min(im.height, w.row0 + w.rows);
    const c1 = Math.min(im.width, w.col0 + w.cols);
    const out: TileRef[] = [];
    if (r1 <= r0 || c1 <= c0) return out;
    for (let tr = Math.floor(r0 / im.tileHeight); tr <= Math.floor((r1 - 1) / im.tileHeight); tr++) {
      for (let tc = Math.floor(c0 / im.tileWidth); tc <= Math.floor((c1 - 1) / im.tileWidth); tc++) {
        const row0 = tr * im.tileHeight;
        const col0 = tc * im.tileWidth;
        out.push({ tileRow: tr, tileCol: tc, window: { row0, col0, rows: Math.min(im.tileHeight, im.height - row0), cols: Math.min(im.tileWidth, im.width - col0) } });
      }
    }
    return out;
  }

  /** Byte ranges of the compressed tiles (data for `bands`, and mask) a set of windows needs; for benchmarks and tests. */
  tileRanges(windows: readonly Window[], bands: readonly number[]): ByteRange[] {
    return this.keysFor(windows.map((w) => this.toFile(w)), bands)
      .map((k) => this.span(k))
      .filter((r): r is ByteRange => r !== null && !(r instanceof TileError));
  }

  /**
   * Byte ranges of the tiles a {@link prefetch} of these windows reads from a raster with nothing cached (the alpha
   * band with the others when it masks them, as prefetch takes it); the source merges them (range-plan.ts
   * mergeRanges). `zonalflow estimate` counts a time series' reads with it.
   */
  prefetchRanges(windows: readonly Window[], opts: { bands?: readonly number[] } = {}): ByteRange[] {
    return this.tileRanges(windows, this.withAlpha(opts.bands ?? Array.from({ length: this.info.bandCount }, (_, i) => i + 1)));
  }

  /** Bands whose tiles a read of `bands` needs: the alpha band too when it masks them. */
  private withAlpha(bands: readonly number[]): number[] {
    const a = this.info.alphaBand;
    return a !== null && bands.some((b) => b !== a) && !bands.includes(a) ? [...bands, a] : [...bands];
  }

  private keysFor(windows: readonly Window[], bands: readonly number[]): TileKey[] {
    return this.idsFor(windows, bands).map(keyOfId);
  }

  /** The ids ({@link keyId}) of the tiles (data for `bands`, and mask) that windows of the file touch, each once, window by window. */
  private idsFor(windows: readonly Window[], bands: readonly number[]): number[] {
    const im = this.image;
    const seen = new Set<number>();
    const ids: number[] = [];
    const add = (id: number): void => {
      if (!seen.has(id)) {
        seen.add(id);
        ids.push(id);
      }
    };
    for (const w of windows) {
      // the tiles of fileTiles(w), without building them
      const r0 = Math.max(0, w.row0);
      const c0 = Math.max(0, w.col0);
      const r1 = Math.min(im.height, w.row0 + w.rows);
      const c1 = Math.min(im.width, w.col0 + w.cols);
      if (r1 <= r0 || c1 <= c0) continue;
      for (let tileRow = Math.floor(r0 / im.tileHeight); tileRow <= Math.floor((r1 - 1) / im.tileHeight); tileRow++) {
        for (let tileCol = Math.floor(c0 / im.tileWidth); tileCol <= Math.floor((c1 - 1) / im.tileWidth); tileCol++) {
          const cell = tileRow * im.across + tileCol;
          if (im.planar === 2) for (const b of bands) add((b - 1) * im.across * im.down + cell);
          else add(cell);
          if (this.mask) {
            // the mask is tiled like the image in GDAL's COGs; map by pixel otherwise
            const m = this.mask;
            const tr = Math.floor((tileRow * im.tileHeight) / m.tileHeight);
            const trEnd = Math.floor((Math.min(im.height, (tileRow + 1) * im.tileHeight) - 1) / m.tileHeight);
            const tc = Math.floor((tileCol * im.tileWidth) / m.tileWidth);
            const tcEnd = Math.floor((Math.min(im.width, (tileCol + 1) * im.tileWidth) - 1) / m.tileWidth);
            for (let r = tr; r <= trEnd; r++) for (let c = tc; c <= tcEnd; c++) add(keyId({ mask: true, index: r * m.across + c }));
          }
        }
      }
    }
    return ids;
  }

  /** Where a tile of image `im` lies: index, tile row/column, band of a band-separate file. */
  private address(k: TileKey): TileAddress {
    const im = (k.mask ? this.mask : this.image) as Image;
    const perBand = im.across * im.down;
    const cell = k.index % perBand;
    const a: TileAddress = { index: k.index, row: Math.floor(cell / im.across), col: cell % im.across, level: 0 };
    if (im.planar === 2) a.band = Math.floor(k.index / perBand) + 1;
    if (k.mask) a.mask = true;
    return a;
  }

  private tileError(k: TileKey, reason: string, cause?: unknown): TileError {
    const a = this.address(k);
    const what = `${k.mask ? 'mask tile' : this.image.tiled ? 'tile' : 'strip'} ${a.index} (row ${a.row}, column ${a.col}${a.band === undefined ? '' : `, band ${a.band}`}, level ${a.level})`;
    return new TileError(`${what} of ${this.info.uri} cannot be read: ${reason}`, a, cause === undefined ? {} : { cause });
  }

  /** A tile whose range the source refuses for good: a SourceError naming the tile, with the source's status (the features on it fail, the chunk goes on). */
  private refusedError(k: TileKey, err: unknown): SourceError {
    const status = err instanceof SourceError ? err.status : undefined;
    return new SourceError(this.tileError(k, err instanceof Error ? err.message : String(err)).message, { cause: err, context: { tile: this.address(k) }, ...(status === undefined ? {} : { status }) });
  }

  /** Decoded size of a tile: full tile, or a strip of RowsPerStrip rows; and the rows that must be there. */
  private chunkShape(k: TileKey): { layout: ChunkLayout; needRows: number } {
    const im = (k.mask ? this.mask : this.image) as Image;
    const row = Math.floor((k.index % (im.across * im.down)) / im.across);
    const needRows = im.tiled ? im.tileHeight : Math.min(im.tileHeight, im.height - row * im.tileHeight);
    const layout: ChunkLayout = { width: im.tileWidth, rows: im.tileHeight, spp: im.planar === 2 ? 1 : im.spp, type: im.type, predictor: im.predictor, littleEndian: im.littleEndian };
    return { layout, needRows };
  }

  /**
   * The byte range of a tile (null for a sparse tile). Uncompressed tiles are read no further than
   * they hold (libtiff does the same with an oversized byte count); a compressed tile whose byte
   * count is implausible for its decoded size is a TileError, never a huge read.
   */
  private span(k: TileKey): TileSpan {
    const im = k.mask ? this.mask : this.image;
    if (!im) return null;
    const length = im.counts[k.index] ?? 0;
    const offset = im.offsets[k.index] ?? 0;
    if (!(length > 0 && offset > 0)) return null;
    const full = chunkBytes(this.chunkShape(k).layout);
    if (im.compression === 1) return { offset, length: Math.min(length, full) };
    if (length > maxCompressedBytes(full)) return this.tileError(k, `its byte count ${length} is implausible for a tile of ${full} bytes`);
    return { offset, length };
  }

  /** Forgets every cached tile, decoded and compressed (the header stays): a caller done with a region frees its memory. */
  dropCaches(): void {
    this.decoded.clear();
    this.newest = NaN;
    this.decodedBytes = 0;
    this.raw.clear();
    this.rawBytes = 0;
  }

  /** Fetches (merged, bounded concurrency) every compressed tile the windows need that is not cached yet. */
  async prefetch(windows: readonly Window[], opts: { bands?: readonly number[]; signal?: AbortSignal | undefined } = {}): Promise<void> {
    const bands = this.withAlpha(opts.bands ?? Array.from({ length: this.info.bandCount }, (_, i) => i + 1));
    await this.prefetchFile(windows.map((w) => this.toFile(w)), bands, opts.signal);
  }

  private async prefetchFile(windows: readonly Window[], bands: readonly number[], signal?: AbortSignal): Promise<void> {
    const shared = this.sharedKey === null ? null : this.opts.sharedTiles;
    const missing = this.idsFor(windows, bands).filter((id) => !this.decoded.has(id) && !this.raw.has(id) && !this.decoding.has(id) && this.failure(id) === undefined && !shared?.has(this.sharedKey + sharedId(id))).map(keyOfId);
    await this.fetchTiles(missing, signal);
  }

  /**
   * Fetches tiles in merged requests; a tile already being fetched (by a concurrent call) is awaited, not fetched twice.
   * A short read, or a range the source refuses for good (fetchRangesSettled), fails only its tile, remembered as
   * broken; a transient failure of the source (network, throttling, after its retries) throws.
   */
  private async fetchTiles(keys: readonly TileKey[], signal?: AbortSignal): Promise<void> {
    const waits: Promise<void>[] = [];
    const ranges: { key: TileKey; range: ByteRange }[] = [];
    const shared = this.sharedKey === null ? undefined : this.opts.sharedTiles;
    for (const k of keys) {
      const id = keyId(k);
      const pending = this.inflight.get(id);
      const other = pending ? undefined : shared?.inFlight(this.sharedKey + sharedId(id));
      if (pending) waits.push(pending);
      else if (other) {
        // another raster over the same object version is fetching this tile: its bytes, not a second request
        // (when that fetch fails, this raster fetches the tile itself and meets its error, if any)
        const got = other.then(async (b) => {
          if (b !== undefined) {
            if (!this.raw.has(id) && !this.decoded.has(id)) this.putRaw(id, b);
            return;
          }
          this.inflight.delete(id);
          await this.fetchTiles([k], signal);
        }).finally(() => {
          if (this.inflight.get(id) === got) this.inflight.delete(id);
        });
        this.inflight.set(id, got);
        waits.push(got);
      } else {
        const r = this.span(k);
        if (r instanceof TileError) this.markBroken(id, r);
        else if (r) ranges.push({ key: k, range: r });
      }
    }
    if (ranges.length > 0) {
      const run = (async (): Promise<Map<number, Uint8Array>> => {
        const { bytes, failures } = await fetchRangesSettled(this.source, ranges.map((r) => r.range), { concurrency: this.opts.concurrency ?? 8, signal, permanent: permanentFailure });
        const good = new Map<number, Uint8Array>();
        for (const { key, range } of ranges) {
          const refused = failures.get(rangeKey(range));
          if (refused !== undefined) {
            this.markBroken(keyId(key), this.refusedError(key, refused));
            continue;
          }
          const b = bytes.get(rangeKey(range));
          if (!b || b.length < range.length) {
            this.markBroken(keyId(key), this.tileError(key, `the file is truncated (${range.length} bytes at offset ${range.offset}, ${b?.length ?? 0} present)`));
            continue;
          }
          this.tilesFetched++;
          this.putRaw(keyId(key), b);
          good.set(keyId(key), b);
        }
        return good;
      })();
      if (shared) for (const { key } of ranges) shared.announceFetch(this.sharedKey + sharedId(keyId(key)), run.then((good) => good.get(keyId(key)), () => undefined));
      const settled = run.then(() => undefined).finally(() => {
        for (const { key } of ranges) this.inflight.delete(keyId(key));
      });
      for (const { key } of ranges) this.inflight.set(keyId(key), settled);
      waits.push(settled);
    }
    await Promise.all(waits);
  }

  private putRaw(id: number, b: Uint8Array): void {
    this.raw.set(id, b);
    this.rawBytes += b.length;
    for (const [k, v] of this.raw) {
      if (this.rawBytes <= this.rawCacheBytes) break;
      this.raw.delete(k);
      this.rawBytes -= v.length;
    }
  }

  /** Marks a cached decoded tile as just used (LRU: moved to the end, as a hit in {@link tile}); returns it (undefined: not cached). */
  private touch(id: number): Samples | null | undefined {
    const hit = this.decoded.get(id);
    if (hit === undefined || id === this.newest) return hit; // the newest is at the end already
    this.decoded.delete(id);
    this.decoded.set(id, hit);
    this.newest = id;
    return hit;
  }

  /**
   * Starts decoding the tiles that windows of the grid need and that are fetched (prefetch) but not decoded,
   * in the order the windows need them, up to half the decoded-tile cache's bound; returns at once. A
   * Deflate tile inflates on libuv's thread pool (codecs.ts inflateBoundedAsync) while this thread computes
   * the windows whose tiles are decoded; a window needing a tile being decoded awaits that decode (never a
   * second one). A tile that cannot be decoded is left to the read that needs it, which meets the error.
   * Only Deflate tiles, and not with `inflateOnPool: false`: other codecs decode on this thread anyway.
   */
  decodeAhead(windows: readonly Window[], opts: { bands?: readonly number[] } = {}): void {
    if (this.opts.inflateOnPool === false) return;
    const bands = this.withAlpha(opts.bands ?? Array.from({ length: this.info.bandCount }, (_, i) => i + 1));
    let room = this.cacheBytes / 2;
    for (const id of this.idsFor(windows.map((w) => this.toFile(w)), bands)) {
      const raw = this.raw.get(id);
      if (raw === undefined || this.decoding.has(id) || this.decoded.has(id)) continue;
      const compression = ((id < 0 ? this.mask : this.image) as Image).compression;
      if (compression !== 8 && compression !== 32946) continue;
      const k = keyOfId(id);
      const { layout } = this.chunkShape(k);
      room -= chunkBytes(layout);
      if (room < 0) break;
      this.tile(k).catch(() => undefined);
    }
  }

  /** Decoded samples of a tile (null for a sparse tile), fetching it if needed; TileError when it cannot be read. */
  private async tile(k: TileKey, signal?: AbortSignal): Promise<Samples | null> {
    const id = keyId(k);
    const hit = this.touch(id);
    if (hit !== undefined) return hit;
    const failed = this.failure(id);
    if (failed !== undefined) throw failed; // a bad tile: its error again, never another fetch or decode
    const shared = this.sharedTile(id);
    if (shared !== undefined) return shared;
    const pending = this.decoding.get(id);
    if (pending) return pending;
    const run = this.decodeTile(k, signal).finally(() => this.decoding.delete(id));
    this.decoding.set(id, run);
    return run;
  }

  /** Fetches (if needed) and decodes one tile into the cache. */
  private async decodeTile(k: TileKey, signal?: AbortSignal): Promise<Samples | null> {
    const id = keyId(k);
    const span = this.span(k);
    if (span instanceof TileError) throw this.markBroken(id, span);
    if (span === null) {
      this.keepDecoded(id, null);
      return null;
    }
    let raw = this.raw.get(id);
    if (!raw && this.failure(id) === undefined) {
      await this.fetchTiles([k], signal);
      raw = this.raw.get(id);
    }
    const broken = this.failure(id);
    if (broken) throw broken;
    if (!raw) throw this.tileError(k, 'its bytes could not be fetched');
    this.raw.delete(id);
    this.rawBytes -= raw.length;
    const im = (k.mask ? this.mask : this.image) as Image;
    const { layout, needRows } = this.chunkShape(k);
    const td = performance.now();
    let samples: Samples;
    try {
      const bytes = await decodeChunk(raw, {
        compression: im.compression, width: layout.width, rows: layout.rows, needRows, spp: layout.spp, rowBytes: rowBytes(layout),
        dtype: im.dtype, photometric: im.photometric, jpegTables: im.jpegTables, lercWrap: im.lercWrap, webp: loadWebpDecoder, locateWasm: wasmBesideBundle, inflateOnPool: this.opts.inflateOnPool ?? true,
      });
      // a short last strip is padded to whole rows of the strip (its missing rows lie outside the image)
      const full = chunkBytes(layout);
      const padded = bytes.length === full ? bytes : padTo(bytes, full);
      // every codec's output is in the file's byte order (libtiff swaps LERC output of big-endian files too)
      samples = toSamples(padded, layout);
    } catch (err) {
      // the bytes are bad: remembered, so that no later read fetches or decodes them again
      if (err instanceof ChunkError) throw this.markBroken(id, this.tileError(k, err.message, err));
      throw err;
    }
    this.decodeMs += performance.now() - td;
    this.tilesDecoded++;
    if (this.sharedKey !== null) this.opts.sharedTiles?.set(this.sharedKey + sharedId(id), samples);
    this.keepDecoded(id, samples);
    return samples;
  }

  /**
   * Keeps a decoded tile (null: sparse) as the most recently used and counts its bytes; past the cache's bound,
   * evicts the tiles lying farthest from it (the least recently used first among equally far ones), and the
   * tile itself last (when it alone exceeds the bound). Tiles pinned by a window being accumulated go only
   * when no other is left (a raster-wide band: its own tile row, not the previous one, was evicted and read again). Tiles are asked for in a spatial order (the job's Hilbert walk), so the tile just
   * decoded is where the walk is: a far tile is needed again only when the walk comes back, a near one
   * soon. 100k case, 16 MiB (32 tiles of 512² UInt16): 545 decodes of its 484 tiles at 1 thread, 554 at 2
   * (least recently used first: 585 and 592; an oracle knowing every future use, simulated: 494).
   */
  private keepDecoded(id: number, samples: Samples | null): void {
    this.decoded.delete(id);
    this.decoded.set(id, samples);
    this.newest = id;
    if (samples === null) return;
    this.decodedBytes += samples.byteLength;
    if (this.decodedBytes <= this.cacheBytes) return;
    const [x, y] = this.tileCentre(id);
    while (this.decodedBytes > this.cacheBytes) {
      let far = NaN;
      let farthest = -1;
      let farPinned = true;
      for (const key of this.decoded.keys()) {
        if (key === id) continue;
        const [kx, ky] = this.tileCentre(key);
        const d = (kx - x) * (kx - x) + (ky - y) * (ky - y);
        // a tile no window being accumulated needs goes before any pinned one
        const p = this.pinned.has(key);
        if ((farPinned && !p) || (p === farPinned && d > farthest)) {
          farthest = d;
          far = key;
          farPinned = p;
        }
      }
      if (Number.isNaN(far)) far = id; // the tile alone is larger than the bound: not kept (as before)
      this.decodedBytes -= this.decoded.get(far)?.byteLength ?? 0;
      this.decoded.delete(far);
      if (far === id) this.newest = NaN;
    }
  }

  /** Counts one more (+1) or one fewer (-1) window needing tile `id` ({@link pinned}). */
  private pin(id: number, by: 1 | -1): void {
    const n = (this.pinned.get(id) ?? 0) + by;
    if (n > 0) this.pinned.set(id, n);
    else this.pinned.delete(id);
  }

  /** The centre of a tile (of the image or the mask, by id) in the file's pixels. */
  private tileCentre(id: number): [number, number] {
    const im = (id < 0 ? this.mask : this.image) as Image;
    const cell = (id < 0 ? -1 - id : id) % (im.across * im.down); // a band-separate file: the same cell in every band
    return [((cell % im.across) + 0.5) * im.tileWidth, (Math.floor(cell / im.across) + 0.5) * im.tileHeight];
  }

  /**
   * Values of `bands` (1-based) over a window of the grid (which may extend beyond the raster: those cells are invalid).
   * `nodata`: undefined = the file's, null = none, a number = override (compared on the raw value).
   * Validity follows GDAL's mask: the internal mask, the nodata value, NaN, or the alpha band (info.alphaBand).
   * A tile that cannot be read throws TileError naming it.
   */
  async readWindow(w: Window, bands: readonly number[], opts: { nodata?: number | null | undefined; signal?: AbortSignal | undefined } = {}): Promise<BandWindow[]> {
    const im = this.image;
    if (!(Number.isInteger(w.row0) && Number.isInteger(w.col0) && Number.isInteger(w.rows) && Number.isInteger(w.cols)) || w.rows < 0 || w.cols < 0) {
      throw new RasterError(`${this.info.uri}: invalid window ${JSON.stringify(w)} (integer offsets and non-negative sizes expected)`);
    }
    for (const b of bands) if (!(b >= 1 && b <= im.spp)) throw new RasterError(`${this.info.uri} has no band ${b}`);
    const fw = this.toFile(w);
    const nodata = opts.nodata === undefined ? this.info.nodata : opts.nodata;
    await this.prefetchFile([fw], this.withAlpha(bands), opts.signal); // whatever is not cached: one merged fetch
    const maskValid = this.mask ? await this.maskWindow(fw, opts.signal) : null;
    const alpha = this.info.alphaBand;
    let alphaValid: Uint8Array | null = null;
    if (alpha !== null && bands.some((b) => b !== alpha)) {
      const [a] = await this.readFile(fw, [alpha], null, maskValid, opts.signal);
      if (a) alphaValid = a.valid.map((v, i) => (v === 1 && a.values[i] !== 0 ? 1 : 0));
    }
    const out = await this.readFile(fw, bands, nodata, maskValid, opts.signal, alphaValid);
    for (const o of out) {
      o.window = w;
      if (this.flipX || this.flipY) flip(o, this.flipX, this.flipY);
    }
    return out;
  }

  /**
   * Adds the cells of `bands` over a window of the grid to one sink per band straight from the decoded tiles,
   * without copying the window first: per window row, the run of cells of each tile it crosses, in the
   * window's row-major order (the order of readWindow's arrays, so a StatsAccumulator gets bit for bit what
   * readWindow + addWindow give it). Cells outside the raster are nodata. `weights`: one per window cell.
   * Returns false, having added nothing, when the window needs readWindow's general path: a mask or alpha
   * band, a south-up or east-left file, 64-bit integer samples, or a sparse tile. A tile that cannot be
   * read throws TileError naming it (as readWindow).
   */
  async accumulateWindow(w: Window, bands: readonly number[], weights: Float64Array, sinks: readonly SampleSink[], opts: { nodata?: number | null | undefined; signal?: AbortSignal | undefined } = {}): Promise<boolean> {
    const cached = this.accumulateCached(w, bands, weights, sinks, opts.nodata);
    if (cached !== null) return cached;
    // some tile is not decoded yet: fetch what is missing in one merged read, then decode each in turn
    const at = this.accumulateSpan(w);
    await this.prefetchFile([w], bands, opts.signal);
    const tiles: Exclude<Samples, BigInt64Array | BigUint64Array>[] = [];
    const count = bands.length * at.across * at.down;
    // the window's tiles stay cached while its later tiles decode (the tiles of an earlier window go first):
    // a window as wide as the raster decodes a whole tile row, and the next band of rows needs it again
    for (let t = 0; t < count; t++) this.pin(this.accumulateTileId(at, bands, t), 1);
    try {
      for (let t = 0; t < count; t++) {
        const samples = await this.tile(keyOfId(this.accumulateTileId(at, bands, t)), opts.signal);
        if (samples === null || samples instanceof BigInt64Array || samples instanceof BigUint64Array) return false;
        tiles.push(samples);
      }
    } finally {
      for (let t = 0; t < count; t++) this.pin(this.accumulateTileId(at, bands, t), -1);
    }
    this.accumulateTiles(w, bands, weights, sinks, opts.nodata, at, tiles);
    return true;
  }

  /**
   * {@link accumulateWindow} when every tile the window needs is decoded already, synchronously (neighbouring
   * features share tiles: this is the usual case, and it costs no promise). Returns null, having added nothing,
   * when some tile is not decoded yet (accumulateWindow fetches and decodes it); true or false as accumulateWindow.
   */
  accumulateCached(w: Window, bands: readonly number[], weights: Float64Array, sinks: readonly SampleSink[], nodata?: number | null): boolean | null {
    const im = this.image;
    if (this.mask !== null || this.info.alphaBand !== null || this.flipX || this.flipY || im.dtype === 'int64' || im.dtype === 'uint64') return false;
    if (!(Number.isInteger(w.row0) && Number.isInteger(w.col0) && Number.isInteger(w.rows) && Number.isInteger(w.cols)) || w.rows < 0 || w.cols < 0) {
      throw new RasterError(`${this.info.uri}: invalid window ${JSON.stringify(w)} (integer offsets and non-negative sizes expected)`);
    }
    for (const b of bands) if (!(b >= 1 && b <= im.spp)) throw new RasterError(`${this.info.uri} has no band ${b}`);
    if (weights.length < w.rows * w.cols || sinks.length < bands.length) throw new RasterError(`${this.info.uri}: accumulateWindow needs ${w.rows * w.cols} weights and ${bands.length} sinks`);
    const at = this.accumulateSpan(w);
    // every tile of every band first (none read twice, none evicted meanwhile); a sparse one: the general path
    const count = bands.length * at.across * at.down;
    const tiles: Exclude<Samples, BigInt64Array | BigUint64Array>[] = [];
    for (let t = 0; t < count; t++) {
      const hit = this.decoded.get(this.accumulateTileId(at, bands, t));
      if (hit === undefined) return null;
      if (hit === null || hit instanceof BigInt64Array || hit instanceof BigUint64Array) return false;
      tiles.push(hit);
    }
    for (let t = 0; t < count; t++) this.touch(this.accumulateTileId(at, bands, t));
    this.accumulateTiles(w, bands, weights, sinks, nodata, at, tiles);
    return true;
  }

  /** The part of a window inside the raster (rows r0..r1, columns c0..c1 of the file) and the tiles it spans. */
  private accumulateSpan(w: Window): AccumulateSpan {
    const im = this.image;
    const r0 = Math.max(0, w.row0);
    const r1 = Math.min(im.height, w.row0 + w.rows);
    const c0 = Math.max(0, w.col0);
    const c1 = Math.min(im.width, w.col0 + w.cols);
    const inside = r1 > r0 && c1 > c0;
    const tr0 = inside ? Math.floor(r0 / im.tileHeight) : 0;
    const tc0 = inside ? Math.floor(c0 / im.tileWidth) : 0;
    const across = inside ? Math.floor((c1 - 1) / im.tileWidth) - tc0 + 1 : 0;
    const down = inside ? Math.floor((r1 - 1) / im.tileHeight) - tr0 + 1 : 0;
    return { r0, r1, c0, c1, inside, tr0, tc0, across, down };
  }

  /** The id of the t-th tile of a span: band by band, then row by row of tiles. */
  private accumulateTileId(at: AccumulateSpan, bands: readonly number[], t: number): number {
    const im = this.image;
    const perBand = at.across * at.down;
    const inBand = t % perBand;
    const cell = (at.tr0 + Math.floor(inBand / at.across)) * im.across + at.tc0 + (inBand % at.across);
    return im.planar === 2 ? ((bands[Math.floor(t / perBand)] as number) - 1) * im.across * im.down + cell : cell;
  }

  /** The cells of a window from its decoded tiles (in {@link accumulateTileId} order) into the sinks, row-major. */
  private accumulateTiles(w: Window, bands: readonly number[], weights: Float64Array, sinks: readonly SampleSink[], nodataOpt: number | null | undefined, at: AccumulateSpan, tiles: readonly ArrayLike<number>[]): void {
    const im = this.image;
    const { r0, r1, c0, c1, inside, tr0, tc0, across, down } = at;
    const nodata = nodataOpt === undefined ? this.info.nodata : nodataOpt;
    const nodataRaw = nodata === null ? NaN : im.dtype === 'float32' ? Math.fround(nodata) : nodata; // NaN equals nothing: no nodata value
    const spp = im.planar === 2 ? 1 : im.spp;
    for (let bi = 0; bi < bands.length; bi++) {
      const b = bands[bi] as number;
      const sink = sinks[bi] as SampleSink;
      const sample = im.planar === 2 ? 0 : b - 1;
      const scale = this.info.scale[b - 1] ?? 1;
      const offset = this.info.offset[b - 1] ?? 0;
      const first = bi * across * down;
      for (let r = w.row0; r < w.row0 + w.rows; r++) {
        const wi = (r - w.row0) * w.cols;
        if (!inside || r < r0 || r >= r1) {
          sink.addNodataRun(weights, wi, w.cols);
          continue;
        }
        if (c0 > w.col0) sink.addNodataRun(weights, wi, c0 - w.col0);
        const tr = Math.floor(r / im.tileHeight);
        const rowInTile = r - tr * im.tileHeight;
        for (let tc = tc0; tc < tc0 + across; tc++) {
          const a = Math.max(c0, tc * im.tileWidth);
          const z = Math.min(c1, (tc + 1) * im.tileWidth);
          const samples = tiles[first + (tr - tr0) * across + (tc - tc0)] as ArrayLike<number>;
          sink.addSamples(samples, (rowInTile * im.tileWidth + (a - tc * im.tileWidth)) * spp + sample, spp, weights, wi + (a - w.col0), z - a, scale, offset, nodataRaw);
        }
        if (w.col0 + w.cols > c1) sink.addNodataRun(weights, wi + (Math.max(c1, w.col0) - w.col0), w.col0 + w.cols - Math.max(c1, w.col0));
      }
    }
  }

  /** Values of `bands` over a window of the file's rows and columns. */
  private async readFile(w: Window, bands: readonly number[], nodata: number | null, maskValid: Uint8Array | null, signal: AbortSignal | undefined, alphaValid: Uint8Array | null = null): Promise<BandWindow[]> {
    const im = this.image;
    const n = w.rows * w.cols;
    const isF32 = im.dtype === 'float32';
    const nodataRaw = nodata === null ? null : isF32 ? Math.fround(nodata) : nodata;
    const sparseRaw = this.info.nodata === null ? 0 : isF32 ? Math.fround(this.info.nodata) : this.info.nodata;
    const out = bands.map(() => ({ window: w, values: new Float64Array(n), valid: new Uint8Array(n) }));
    for (const t of this.fileTiles(w)) {
      const tr0 = t.tileRow * im.tileHeight;
      const tc0 = t.tileCol * im.tileWidth;
      const r0 = Math.max(w.row0, tr0);
      const r1 = Math.min(w.row0 + w.rows, tr0 + im.tileHeight, im.height);
      const c0 = Math.max(w.col0, tc0);
      const c1 = Math.min(w.col0 + w.cols, tc0 + im.tileWidth, im.width);
      const cell = t.tileRow * im.across + t.tileCol;
      for (let bi = 0; bi < bands.length; bi++) {
        const b = bands[bi] as number;
        const o = out[bi] as BandWindow;
        const planarIndex = im.planar === 2 ? (b - 1) * im.across * im.down + cell : cell;
        const samples = await this.tile({ mask: false, index: planarIndex }, signal);
        const spp = im.planar === 2 ? 1 : im.spp;
        const sample = im.planar === 2 ? 0 : b - 1;
        const scale = this.info.scale[b - 1] ?? 1;
        const offset = this.info.offset[b - 1] ?? 0;
        const alphaMask = b === this.info.alphaBand ? null : alphaValid;
        if (samples !== null && maskValid === null && alphaMask === null && !(samples instanceof BigInt64Array || samples instanceof BigUint64Array)) {
          // the common case (a decoded tile, no mask or alpha band): the same values, without the per-cell tests
          copyTileCells(samples, o.values, o.valid, { r0, r1, c0, c1, tr0, tc0, tileWidth: im.tileWidth, spp, sample, row0: w.row0, col0: w.col0, cols: w.cols }, nodataRaw, scale, offset);
          continue;
        }
        for (let r = r0; r < r1; r++) {
          const outRow = (r - w.row0) * w.cols;
          const tileRow = (r - tr0) * im.tileWidth;
          for (let c = c0; c < c1; c++) {
            const oi = outRow + (c - w.col0);
            if (maskValid && maskValid[oi] === 0) continue;
            if (alphaMask && alphaMask[oi] === 0) continue;
            if (samples === null) {
              // sparse tile: GDAL reads it as the file's nodata when defined, else 0; that raw value is then tested like any other
              if (sparseRaw !== sparseRaw || sparseRaw === nodataRaw) continue;
              o.values[oi] = sparseRaw * scale + offset;
              o.valid[oi] = 1;
              continue;
            }
            const si = (tileRow + (c - tc0)) * spp + sample;
            const raw = samples instanceof BigInt64Array || samples instanceof BigUint64Array ? Number(samples[si]) : (samples[si] as number);
            if (raw !== raw || raw === nodataRaw) continue; // NaN or nodata
            o.values[oi] = raw * scale + offset;
            o.valid[oi] = 1;
          }
        }
      }
    }
    return out;
  }

  /** The mask over a window of the file: 1 where the mask is non-zero (cells outside the raster 0). */
  private async maskWindow(w: Window, signal?: AbortSignal): Promise<Uint8Array> {
    const m = this.mask as Image;
    const out = new Uint8Array(w.rows * w.cols);
    const r0 = Math.max(0, w.row0);
    const r1 = Math.min(m.height, w.row0 + w.rows);
    const c0 = Math.max(0, w.col0);
    const c1 = Math.min(m.width, w.col0 + w.cols);
    for (let tr = Math.floor(r0 / m.tileHeight); r1 > r0 && tr <= Math.floor((r1 - 1) / m.tileHeight); tr++) {
      for (let tc = Math.floor(c0 / m.tileWidth); c1 > c0 && tc <= Math.floor((c1 - 1) / m.tileWidth); tc++) {
        const samples = await this.tile({ mask: true, index: tr * m.across + tc }, signal);
        const rr0 = Math.max(r0, tr * m.tileHeight);
        const rr1 = Math.min(r1, (tr + 1) * m.tileHeight);
        const cc0 = Math.max(c0, tc * m.tileWidth);
        const cc1 = Math.min(c1, (tc + 1) * m.tileWidth);
        for (let r = rr0; r < rr1; r++) {
          for (let c = cc0; c < cc1; c++) {
            const v = samples === null ? 0 : Number(samples[((r - tr * m.tileHeight) * m.tileWidth + (c - tc * m.tileWidth)) * (m.planar === 2 ? 1 : m.spp)]);
            out[(r - w.row0) * w.cols + (c - w.col0)] = v !== 0 ? 1 : 0;
          }
        }
      }
    }
    return out;
  }
}

/** Reverses the rows and/or columns of a band window in place (file order -> grid order). */
function flip(o: BandWindow, flipX: boolean, flipY: boolean): void {
  const { rows, cols } = o.window;
  const values = new Float64Array(o.values.length);
  const valid = new Uint8Array(o.valid.length);
  for (let r = 0; r < rows; r++) {
    const sr = flipY ? rows - 1 - r : r;
    for (let c = 0; c < cols; c++) {
      const sc = flipX ? cols - 1 - c : c;
      values[r * cols + c] = o.values[sr * cols + sc] as number;
      valid[r * cols + c] = o.valid[sr * cols + sc] as number;
    }
  }
  o.values = values;
  o.valid = valid;
}

function padTo(b: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  out.set(b.subarray(0, n));
  return out;
}

/** A tile's id in this raster's caches: its index, or −1 − index for a mask tile (numbers: no string per look-up). */
function keyId(k: TileKey): number {
  return k.mask ? -1 - k.index : k.index;
}

/** The tile of an id. */
function keyOfId(id: number): TileKey {
  return id < 0 ? { mask: true, index: -1 - id } : { mask: false, index: id };
}

/** A tile's name among the shared tiles (shared-tiles.ts): `d<index>`, or `m<index>` for a mask tile. */
function sharedId(id: number): string {
  return id < 0 ? `m${-1 - id}` : `d${id}`;
}

/** Where a tile's cells go in a window: rows r0..r1 and columns c0..c1 of the file, the tile's origin, the window's. */
interface CellCopy { r0: number; r1: number; c0: number; c1: number; tr0: number; tc0: number; tileWidth: number; spp: number; sample: number; row0: number; col0: number; cols: number }

/**
 * Copies one band of a decoded tile into a window: value = raw * scale + offset, valid unless the raw
 * value is NaN or `nodataRaw` (Raster.readFile's rule, in a loop of its own for speed).
 */
function copyTileCells(samples: ArrayLike<number>, values: Float64Array, valid: Uint8Array, k: CellCopy, nodataRaw: number | null, scale: number, offset: number): void {
  const nd = nodataRaw === null ? NaN : nodataRaw; // NaN equals nothing: no nodata value
  const { spp, sample, tileWidth } = k;
  for (let r = k.r0; r < k.r1; r++) {
    let oi = (r - k.row0) * k.cols + (k.c0 - k.col0);
    let si = ((r - k.tr0) * tileWidth + (k.c0 - k.tc0)) * spp + sample;
    for (let c = k.c0; c < k.c1; c++, oi++, si += spp) {
      const raw = samples[si] as number;
      if (raw !== raw || raw === nd) continue; // NaN or nodata
      values[oi] = raw * scale + offset;
      valid[oi] = 1;
    }
  }
}
