/**
 * A small tiled GeoTIFF writer for tests and benchmarks: any dtype, N bands
 * pixel-interleaved or planar, DEFLATE (node:zlib) / LZW / PackBits / ZSTD
 * (stored blocks) / none, predictors 2 and 3, nodata, scale/offset, EPSG
 * geokeys, overviews (2x decimation), a per-dataset mask IFD, sparse tiles,
 * strips instead of tiles, big-endian files, BigTIFF, ModelTransformation and
 * PixelIsPoint georeferencing. Tiles are streamed to the file (only offsets
 * are kept), so a 10980 x 10980 benchmark raster never sits in memory.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

/** Sample types. */
export type WriterDType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';

/** What to write. */
export interface CogSpec {
  width: number;
  height: number;
  bands?: number;
  dtype: WriterDType;
  /** Pixel value at full resolution (band 1-based). */
  value: (row: number, col: number, band: number) => number;
  tileSize?: number;
  compression?: 'deflate' | 'lzw' | 'packbits' | 'zstd' | 'none';
  /** 1 none, 2 horizontal (integers), 3 floating point (floats). */
  predictor?: 1 | 2 | 3;
  planar?: boolean;
  nodata?: number;
  scale?: number;
  offset?: number;
  epsg?: number;
  /** [originX, originY, resX, resY], north-up. */
  transform?: [number, number, number, number];
  overviews?: number;
  /** Per-dataset mask: false -> masked. */
  mask?: (row: number, col: number) => boolean;
  /** Tiles (full-res tile index) written as sparse (offset 0, byte count 0). */
  sparse?: (tileIndex: number) => boolean;
  /** Write strips of `tileSize` rows instead of tiles. */
  strips?: boolean;
  bigEndian?: boolean;
  /** Write a BigTIFF (magic 43, 8-byte offsets, LONG8 tile arrays). */
  bigTiff?: boolean;
  /** Georeference with ModelTransformation (16 doubles, row-major 4x4) instead of ModelPixelScale + ModelTiepoint. */
  modelTransformation?: number[];
  /** GeoKey directory entries [key, location, count, value] written instead of the ones `epsg` gives. */
  geoKeys?: number[][];
  /** GeoAsciiParams (tag 34737), the text ASCII GeoKeys point into ('|'-terminated values). */
  geoAscii?: string;
  /** Declare RasterPixelIsPoint (GeoKey 1025 = 2): the transform then refers to cell centres. */
  pixelIsPoint?: boolean;
  deflateLevel?: number;
  /** Writes this Compression tag value instead (data stays uncompressed): unsupported-codec tests. */
  compressionCode?: number;
  /** Extra ASCII GDAL metadata XML (overrides the generated one). */
  gdalMetadata?: string;
}

const SF: Record<WriterDType, [number, number]> = { uint8: [1, 8], int8: [2, 8], uint16: [1, 16], int16: [2, 16], uint32: [1, 32], int32: [2, 32], float32: [3, 32], float64: [3, 64] };

function typedFor(d: WriterDType, n: number): Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array {
  switch (d) {
    case 'uint8': return new Uint8Array(n);
    case 'int8': return new Int8Array(n);
    case 'uint16': return new Uint16Array(n);
    case 'int16': return new Int16Array(n);
    case 'uint32': return new Uint32Array(n);
    case 'int32': return new Int32Array(n);
    case 'float32': return new Float32Array(n);
    case 'float64': return new Float64Array(n);
  }
}

/**
 * TIFF LZW encoding (MSB-first, early change), for round-trip tests of the decoder. The string table
 * is keyed by (prefix code, next byte), so each input byte costs one Map lookup whatever the length of
 * the string it extends (a 16 MiB run of zeros encodes in well under a second).
 */
export function lzwEncode(input: Uint8Array): Uint8Array {
  const out: number[] = [];
  let bitBuf = 0;
  let bitCount = 0;
  let width = 9;
  const emit = (code: number): void => {
    bitBuf = (bitBuf << width) | code;
    bitCount += width;
    while (bitCount >= 8) {
      out.push((bitBuf >>> (bitCount - 8)) & 0xff);
      bitCount -= 8;
    }
    bitBuf &= (1 << bitCount) - 1;
  };
  // (code of the string w) * 256 + next byte -> code of w + byte
  let dict = new Map<number, number>();
  let next = 258;
  const reset = (): void => {
    dict = new Map();
    next = 258;
    width = 9;
  };
  emit(256);
  // the code of the string being extended (a single byte is its own code), -1 before the first byte
  let w = -1;
  for (const byte of input) {
    if (w < 0) {
      w = byte;
      continue;
    }
    const known = dict.get(w * 256 + byte);
    if (known !== undefined) {
      w = known;
      continue;
    }
    emit(w);
    dict.set(w * 256 + byte, next++);
    // libtiff: widen when the next entry no longer fits (the decoder, one entry behind, widens "early")
    if (next > (1 << width) - 1 && width < 12) width++;
    if (next === 4094) {
      emit(256);
      reset();
    }
    w = byte;
  }
  if (w >= 0) emit(w);
  emit(257);
  if (bitCount > 0) out.push((bitBuf << (8 - bitCount)) & 0xff);
  return Uint8Array.from(out);
}

/** A valid ZSTD frame made of raw (stored) blocks: exercises the ZSTD decoding path without a ZSTD encoder. */
export function zstdRawFrame(input: Uint8Array): Uint8Array {
  const blocks: number[] = [];
  const max = 128 * 1024;
  for (let o = 0; o < input.length || o === 0; o += max) {
    const chunk = input.subarray(o, Math.min(input.length, o + max));
    const last = o + max >= input.length ? 1 : 0;
    const h = last | (0 << 1) | (chunk.length << 3);
    blocks.push(h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff, ...chunk);
    if (input.length === 0) break;
  }
  const n = input.length;
  return Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0xa0, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff, ...blocks]);
}

function packbitsEncode(input: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < input.length) {
    let run = 1;
    while (i + run < input.length && run < 128 && input[i + run] === input[i]) run++;
    if (run > 1) {
      out.push((257 - run) & 0xff, input[i] ?? 0);
      i += run;
      continue;
    }
    let lit = 1;
    while (i + lit < input.length && lit < 128 && !(input[i + lit] === input[i + lit + 1])) lit++;
    out.push(lit - 1, ...input.subarray(i, i + lit));
    i += lit;
  }
  return Uint8Array.from(out);
}

/** One image (full resolution, overview or mask) to lay out. */
interface Image {
  width: number;
  height: number;
  factor: number;
  mask: boolean;
  tileW: number;
  tileH: number;
  across: number;
  down: number;
  chunks: number;
  offsets: number[];
  counts: number[];
}

/** Writes the GeoTIFF to `path`; returns the byte size. */
export function writeCog(path: string, spec: CogSpec): number {
  const bands = spec.bands ?? 1;
  const ts = spec.tileSize ?? 256;
  const le = !spec.bigEndian;
  const compression = spec.compression ?? 'deflate';
  const compCode = { none: 1, lzw: 5, deflate: 8, packbits: 32773, zstd: 50000 }[compression];
  const predictor = spec.predictor ?? 1;
  const planar = spec.planar === true && bands > 1;
  const [sf, bits] = SF[spec.dtype];
  const bps = bits / 8;
  const images: Image[] = [];
  const mk = (factor: number, mask: boolean): Image => {
    const width = Math.max(1, Math.ceil(spec.width / factor));
    const height = Math.max(1, Math.ceil(spec.height / factor));
    const tileW = spec.strips ? width : ts;
    const tileH = ts;
    const across = Math.ceil(width / tileW);
    const down = Math.ceil(height / tileH);
    const chunks = across * down * (planar && !mask ? bands : 1);
    return { width, height, factor, mask, tileW, tileH, across, down, chunks, offsets: new Array<number>(chunks).fill(0), counts: new Array<number>(chunks).fill(0) };
  };
  images.push(mk(1, false));
  if (spec.mask) images.push(mk(1, true));
  for (let o = 1; o <= (spec.overviews ?? 0); o++) images.push(mk(2 ** o, false));
  // --- layout: header, IFDs with their arrays, then tile data
  const geoKeys = spec.geoKeys ?? (spec.epsg === undefined ? [] : spec.epsg === 4326 || spec.epsg === 4269 || spec.epsg === 4258 ? [[1024, 0, 1, 2], [1025, 0, 1, spec.pixelIsPoint ? 2 : 1], [2048, 0, 1, spec.epsg]] : [[1024, 0, 1, 1], [1025, 0, 1, spec.pixelIsPoint ? 2 : 1], [3072, 0, 1, spec.epsg]]);
  const big = spec.bigTiff === true;
  const arrayType = big ? 16 : 4; // tile/strip offsets and byte counts
  const [ox, oy, rx, ry] = spec.transform ?? [0, spec.height, 1, 1];
  const metadata = spec.gdalMetadata ?? (spec.scale !== undefined || spec.offset !== undefined
    ? `<GDALMetadata>${Array.from({ length: bands }, (_, b) => `<Item name="SCALE" sample="${b}" role="scale">${spec.scale ?? 1}</Item><Item name="OFFSET" sample="${b}" role="offset">${spec.offset ?? 0}</Item>`).join('')}</GDALMetadata>`
    : undefined);
  type Tag = { tag: number; type: number; values: number[] | string };
  const tagsOf = (im: Image, first: boolean): Tag[] => {
    const spp = im.mask ? 1 : bands;
    const t: Tag[] = [];
    const subfile = (im.factor > 1 ? 1 : 0) | (im.mask ? 4 : 0);
    if (subfile) t.push({ tag: 254, type: 4, values: [subfile] });
    t.push({ tag: 256, type: 4, values: [im.width] }, { tag: 257, type: 4, values: [im.height] });
    t.push({ tag: 258, type: 3, values: new Array<number>(spp).fill(im.mask ? 8 : bits) });
    t.push({ tag: 259, type: 3, values: [im.mask ? 8 : spec.compressionCode ?? compCode] });
    t.push({ tag: 262, type: 3, values: [im.mask ? 4 : spp === 3 ? 2 : 1] });
    if (spec.strips) t.push({ tag: 273, type: arrayType, values: im.offsets });
    t.push({ tag: 277, type: 3, values: [spp] });
    if (spec.strips) t.push({ tag: 278, type: 4, values: [im.tileH] }, { tag: 279, type: arrayType, values: im.counts });
    t.push({ tag: 284, type: 3, values: [planar && !im.mask ? 2 : 1] });
    if (!im.mask && predictor !== 1) t.push({ tag: 317, type: 3, values: [predictor] });
    if (!spec.strips) t.push({ tag: 322, type: 3, values: [im.tileW] }, { tag: 323, type: 3, values: [im.tileH] }, { tag: 324, type: arrayType, values: im.offsets }, { tag: 325, type: arrayType, values: im.counts });
    t.push({ tag: 339, type: 3, values: new Array<number>(spp).fill(im.mask ? 1 : sf) });
    if (first) {
      if (spec.modelTransformation) t.push({ tag: 34264, type: 12, values: spec.modelTransformation });
      else {
        t.push({ tag: 33550, type: 12, values: [rx, ry, 0] });
        t.push({ tag: 33922, type: 12, values: [0, 0, 0, ox, oy, 0] });
      }
      if (geoKeys.length > 0) t.push({ tag: 34735, type: 3, values: [1, 1, 0, geoKeys.length, ...geoKeys.flat()] });
      if (spec.geoAscii !== undefined) t.push({ tag: 34737, type: 2, values: `${spec.geoAscii}\0` });
      if (metadata) t.push({ tag: 42112, type: 2, values: `${metadata}\0` });
      if (spec.nodata !== undefined) t.push({ tag: 42113, type: 2, values: `${Number.isNaN(spec.nodata) ? 'nan' : String(spec.nodata)}\0` });
    }
    return t.sort((a, b) => a.tag - b.tag);
  };
  const typeSize: Record<number, number> = { 2: 1, 3: 2, 4: 4, 12: 8, 16: 8 };
  const headLen = big ? 16 : 8;
  const entryLen = big ? 20 : 12;
  const inlineMax = big ? 8 : 4;
  const valueBytes = (t: Tag): number => (typeof t.values === 'string' ? t.values.length : t.values.length * (typeSize[t.type] ?? 1));
  // sizes
  let cursor = headLen;
  const ifdOffsets: number[] = [];
  const layouts: { tags: Tag[]; extra: Map<Tag, number> }[] = [];
  images.forEach((im, i) => {
    const tags = tagsOf(im, i === 0);
    ifdOffsets.push(cursor);
    cursor += (big ? 8 : 2) + tags.length * entryLen + (big ? 8 : 4);
    const extra = new Map<Tag, number>();
    for (const t of tags) {
      const n = valueBytes(t);
      if (n > inlineMax) {
        extra.set(t, cursor);
        cursor += n + (n % 2);
      }
    }
    layouts.push({ tags, extra });
  });
  const fd = openSync(path, 'w');
  let pos = cursor;
  const writeAt = (bytes: Uint8Array, at: number): void => {
    writeSync(fd, bytes, 0, bytes.length, at);
  };
  try {
    // --- tiles
    for (const im of images) {
      const spp = im.mask ? 1 : bands;
      const chunkSpp = planar && !im.mask ? 1 : spp;
      const planes = planar && !im.mask ? bands : 1;
      for (let p = 0; p < planes; p++) {
        for (let ty = 0; ty < im.down; ty++) {
          for (let tx = 0; tx < im.across; tx++) {
            const index = p * im.across * im.down + ty * im.across + tx;
            const fullIndex = ty * im.across + tx;
            if (!im.mask && im.factor === 1 && spec.sparse?.(fullIndex)) continue;
            const rows = spec.strips ? Math.min(im.tileH, im.height - ty * im.tileH) : im.tileH;
            const n = im.tileW * rows * chunkSpp;
            const arr = im.mask ? new Uint8Array(n) : typedFor(spec.dtype, n);
            for (let r = 0; r < rows; r++) {
              const row = ty * im.tileH + r;
              for (let c = 0; c < im.tileW; c++) {
                const col = tx * im.tileW + c;
                const inside = row < im.height && col < im.width;
                for (let s = 0; s < chunkSpp; s++) {
                  const k = (r * im.tileW + c) * chunkSpp + s;
                  if (!inside) continue;
                  if (im.mask) arr[k] = spec.mask?.(row, col) ? 255 : 0;
                  else arr[k] = spec.value(row * im.factor, col * im.factor, planar ? p + 1 : s + 1);
                }
              }
            }
            let bytes: Uint8Array = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength).slice();
            const sampleBytes = im.mask ? 1 : bps;
            if (!le && sampleBytes > 1) for (let i = 0; i < bytes.length; i += sampleBytes) bytes.subarray(i, i + sampleBytes).reverse();
            if (!im.mask && predictor === 2) bytes = applyHorizontal(bytes, im.tileW, rows, chunkSpp, bps, le);
            if (!im.mask && predictor === 3) bytes = applyFloat(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), im.tileW, rows, chunkSpp, bps);
            const code = im.mask ? 8 : compCode;
            const data = code === 8 ? deflateSync(bytes, { level: spec.deflateLevel ?? 6 }) : code === 5 ? lzwEncode(bytes) : code === 32773 ? packbitsEncode(bytes) : code === 50000 ? zstdRawFrame(bytes) : bytes;
            writeAt(data, pos);
            im.offsets[index] = pos;
            im.counts[index] = data.length;
            pos += data.length;
          }
        }
      }
    }
    // --- header and IFDs
    const head = new DataView(new ArrayBuffer(cursor));
    const u16 = (o: number, v: number): void => head.setUint16(o, v, le);
    const u32 = (o: number, v: number): void => head.setUint32(o, v, le);
    head.setUint8(0, le ? 0x49 : 0x4d);
    head.setUint8(1, le ? 0x49 : 0x4d);
    const u64 = (o: number, v: number): void => head.setBigUint64(o, BigInt(v), le);
    u16(2, big ? 43 : 42);
    if (big) {
      u16(4, 8);
      u16(6, 0);
      u64(8, ifdOffsets[0] ?? headLen);
    } else u32(4, ifdOffsets[0] ?? headLen);
    const put = (t: Tag, o: number): void => {
      if (typeof t.values === 'string') {
        for (let i = 0; i < t.values.length; i++) head.setUint8(o + i, t.values.charCodeAt(i));
        return;
      }
      t.values.forEach((v, i) => {
        if (t.type === 3) u16(o + i * 2, v);
        else if (t.type === 4) u32(o + i * 4, v);
        else if (t.type === 12) head.setFloat64(o + i * 8, v, le);
        else if (t.type === 16) u64(o + i * 8, v);
      });
    };
    layouts.forEach(({ tags, extra }, i) => {
      const at = ifdOffsets[i] ?? 0;
      const countLen = big ? 8 : 2;
      if (big) u64(at, tags.length);
      else u16(at, tags.length);
      tags.forEach((t, k) => {
        const e = at + countLen + k * entryLen;
        u16(e, t.tag);
        u16(e + 2, t.type);
        const count = typeof t.values === 'string' ? t.values.length : t.values.length;
        if (big) u64(e + 4, count);
        else u32(e + 4, count);
        const valueAt = e + (big ? 12 : 8);
        const ext = extra.get(t);
        if (ext === undefined) put(t, valueAt);
        else {
          if (big) u64(valueAt, ext);
          else u32(valueAt, ext);
          put(t, ext);
        }
      });
      const nextAt = at + countLen + tags.length * entryLen;
      if (big) u64(nextAt, ifdOffsets[i + 1] ?? 0);
      else u32(nextAt, ifdOffsets[i + 1] ?? 0);
    });
    writeAt(new Uint8Array(head.buffer), 0);
  } finally {
    closeSync(fd);
  }
  return pos;
}

function applyHorizontal(bytes: Uint8Array, width: number, rows: number, spp: number, bps: number, le: boolean): Uint8Array {
  const out = bytes.slice();
  const dv = new DataView(out.buffer);
  const src = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const get = (o: number): number => (bps === 1 ? src.getUint8(o) : bps === 2 ? src.getUint16(o, le) : src.getUint32(o, le));
  const set = (o: number, v: number): void => {
    if (bps === 1) dv.setUint8(o, v & 0xff);
    else if (bps === 2) dv.setUint16(o, v & 0xffff, le);
    else dv.setUint32(o, v >>> 0, le);
  };
  const rowLen = width * spp;
  for (let r = 0; r < rows; r++) {
    for (let i = rowLen - 1; i >= spp; i--) {
      const o = (r * rowLen + i) * bps;
      set(o, get(o) - get(o - spp * bps));
    }
  }
  return out;
}

/** Floating-point predictor: bytes of each row split into planes, most significant first, then byte-differenced (stride = samples per pixel). */
function applyFloat(native: Uint8Array, width: number, rows: number, spp: number, bps: number): Uint8Array {
  const rowBytes = width * spp * bps;
  const wc = width * spp;
  const out = new Uint8Array(native.length);
  for (let r = 0; r < rows; r++) {
    const row = new Uint8Array(rowBytes);
    for (let k = 0; k < wc; k++) {
      for (let b = 0; b < bps; b++) row[b * wc + k] = native[r * rowBytes + k * bps + (bps - 1 - b)] ?? 0; // native is little-endian
    }
    for (let i = rowBytes - 1; i >= spp; i--) row[i] = ((row[i] ?? 0) - (row[i - spp] ?? 0)) & 0xff;
    out.set(row, r * rowBytes);
  }
  return out;
}
