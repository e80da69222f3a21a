import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TiffFile, Tag } from '../../../shared/tiff/ifd';
import { lzwDecode } from '../../../shared/tiff/lzw';
import { checkCompression, inflateBounded, inflateBoundedAsync, packbitsDecode, zstdBounded } from '../../../shared/tiff/codecs';
import { deflateSync } from 'node:zlib';
import { toSamples } from '../../../shared/tiff/samples';
import { readGeoKeys, readScaleOffset } from '../../../shared/tiff/geo';
import { openRaster } from '../../../shared/raster/cog';
import { MemorySource } from '../../../shared/io/source.memory';
import { FileSource } from '../../../shared/io/source.file';
import { RecordingSource } from '../../../shared/io/source.recording';
import { RasterError } from '../../../shared/errors';
import { lzwEncode, writeCog } from '../../helpers/cog-writer';

/** A tag to write: type 2 ascii, 3 short, 4 long, 12 double, 16 long8. */
interface T { tag: number; type: 2 | 3 | 4 | 12 | 16; values: number[] | string }

/**
 * An independent minimal TIFF/BigTIFF builder (one IFD, one uncompressed strip
 * holding `data`), written here so the parser is not tested against itself.
 */
function buildTiff(opts: { bigTiff: boolean; le: boolean; tags: T[]; data: Uint8Array }): Uint8Array {
  const { bigTiff, le } = opts;
  const size: Record<number, number> = { 2: 1, 3: 2, 4: 4, 12: 8, 16: 8 };
  const headLen = bigTiff ? 16 : 8;
  const entryLen = bigTiff ? 20 : 12;
  const inlineMax = bigTiff ? 8 : 4;
  const tags = [...opts.tags, { tag: 273, type: 4, values: [0] } as T, { tag: 279, type: 4, values: [opts.data.length] } as T].sort((a, b) => a.tag - b.tag);
  const ifdLen = (bigTiff ? 8 : 2) + tags.length * entryLen + (bigTiff ? 8 : 4);
  const bytesOf = (t: T): number => (typeof t.values === 'string' ? t.values.length : t.values.length * (size[t.type] ?? 1));
  let cursor = headLen + ifdLen;
  const extra = new Map<T, number>();
  for (const t of tags) if (bytesOf(t) > inlineMax) { extra.set(t, cursor); cursor += bytesOf(t); }
  const dataAt = cursor;
  const strip = tags.find((t) => t.tag === 273);
  if (strip) strip.values = [dataAt];
  const buf = new Uint8Array(dataAt + opts.data.length);
  const dv = new DataView(buf.buffer);
  buf[0] = buf[1] = le ? 0x49 : 0x4d;
  dv.setUint16(2, bigTiff ? 43 : 42, le);
  if (bigTiff) { dv.setUint16(4, 8, le); dv.setUint16(6, 0, le); dv.setBigUint64(8, BigInt(headLen), le); } else dv.setUint32(4, headLen, le);
  const put = (t: T, o: number): void => {
    if (typeof t.values === 'string') { for (let i = 0; i < t.values.length; i++) buf[o + i] = t.values.charCodeAt(i); return; }
    t.values.forEach((v, i) => {
      const at = o + i * (size[t.type] ?? 1);
      if (t.type === 3) dv.setUint16(at, v, le);
      else if (t.type === 4) dv.setUint32(at, v, le);
      else if (t.type === 12) dv.setFloat64(at, v, le);
      else dv.setBigUint64(at, BigInt(v), le);
    });
  };
  let o = headLen;
  if (bigTiff) { dv.setBigUint64(o, BigInt(tags.length), le); o += 8; } else { dv.setUint16(o, tags.length, le); o += 2; }
  for (const t of tags) {
    dv.setUint16(o, t.tag, le);
    dv.setUint16(o + 2, t.type, le);
    const count = typeof t.values === 'string' ? t.values.length : t.values.length;
    if (bigTiff) dv.setBigUint64(o + 4, BigInt(count), le); else dv.setUint32(o + 4, count, le);
    const valueAt = o + (bigTiff ? 12 : 8);
    const ext = extra.get(t);
    if (ext === undefined) put(t, valueAt);
    else if (bigTiff) { dv.setBigUint64(valueAt, BigInt(ext), le); put(t, ext); } else { dv.setUint32(valueAt, ext, le); put(t, ext); }
    o += entryLen;
  }
  buf.set(opts.data, dataAt);
  return buf;
}

/** A 3x2 int16 single-strip GeoTIFF with the given extra tags. */
function tinyGeoTiff(bigTiff: boolean, le: boolean, extraTags: T[] = []): Uint8Array {
  const values = [1, -2, 300, -32768, 32767, 7];
  const data = new Uint8Array(12);
  const dv = new DataView(data.buffer);
  values.forEach((v, i) => dv.setInt16(i * 2, v, le));
  const hasGeo = extraTags.some((t) => t.tag === Tag.ModelTransformation || t.tag === Tag.ModelPixelScale);
  return buildTiff({
    bigTiff, le, data,
    tags: [
      { tag: 256, type: 3, values: [3] }, { tag: 257, type: 3, values: [2] }, { tag: 258, type: 3, values: [16] },
      { tag: 259, type: 3, values: [1] }, { tag: 262, type: 3, values: [1] }, { tag: 277, type: 3, values: [1] },
      { tag: 278, type: 3, values: [2] }, { tag: 339, type: 3, values: [2] },
      ...(hasGeo ? [] : [{ tag: 33550, type: 12, values: [10, 20, 0] } as T, { tag: 33922, type: 12, values: [0, 0, 0, 1000, 5000, 0] } as T]),
      ...extraTags,
    ],
  });
}

describe('TIFF structure', () => {
  for (const bigTiff of [false, true]) {
    for (const le of [true, false]) {
      it(`${bigTiff ? 'BigTIFF' : 'classic TIFF'} ${le ? 'little' : 'big'}-endian: header, IFD, strip values`, async () => {
        const bytes = tinyGeoTiff(bigTiff, le, [{ tag: 34735, type: 3, values: [1, 1, 0, 2, 1024, 0, 1, 1, 3072, 0, 1, 32631] }, { tag: 42113, type: 2, values: '-32768\0' }]);
        const tiff = await TiffFile.open('mem://t.tif', (o, l) => Promise.resolve(bytes.subarray(o, o + l)));
        expect(tiff.bigTiff).toBe(bigTiff);
        expect(tiff.littleEndian).toBe(le);
        const [ifd] = await tiff.ifds();
        expect(await ifd?.numbers(Tag.ImageWidth)).toEqual([3]);
        expect(await ifd?.ascii(Tag.GdalNodata)).toBe('-32768');
        const r = await openRaster(new MemorySource('mem://t.tif', bytes));
        expect(r.info).toMatchObject({ dtype: 'int16', nodata: -32768, bandCount: 1, tiled: false });
        expect(r.info.geoKeys).toEqual({ 1024: 1, 3072: 32631 });
        expect(r.info.grid).toEqual({ width: 3, height: 2, originX: 1000, originY: 5000, resX: 10, resY: 20 });
        const [bw] = await r.readWindow({ row0: 0, col0: 0, rows: 2, cols: 3 }, [1]);
        expect([...(bw?.values ?? [])]).toEqual([1, -2, 300, 0, 32767, 7]);
        expect([...(bw?.valid ?? [])]).toEqual([1, 1, 1, 0, 1, 1]); // -32768 is nodata
      });
    }
  }

  it('PixelIsPoint (GeoKey 1025 = 2) shifts the origin half a cell up-left, as GDAL does', async () => {
    const bytes = tinyGeoTiff(false, true, [{ tag: 34735, type: 3, values: [1, 1, 0, 1, 1025, 0, 1, 2] }]);
    const r = await openRaster(new MemorySource('mem://p.tif', bytes));
    expect(r.info.grid.originX).toBe(1000 - 10 / 2);
    expect(r.info.grid.originY).toBe(5000 + 20 / 2);
  });

  it('ModelTransformation: north-up accepted, rotation refused with RasterError naming the file', async () => {
    const ok = tinyGeoTiff(false, false, [{ tag: 34264, type: 12, values: [10, 0, 0, 500, 0, -20, 0, 900, 0, 0, 0, 0, 0, 0, 0, 1] }]);
    expect((await openRaster(new MemorySource('mem://mt.tif', ok))).info.grid).toEqual({ width: 3, height: 2, originX: 500, originY: 900, resX: 10, resY: 20 });
    const rotated = tinyGeoTiff(false, true, [{ tag: 34264, type: 12, values: [10, 1, 0, 500, 1, -20, 0, 900, 0, 0, 0, 0, 0, 0, 0, 1] }]);
    const err = await openRaster(new MemorySource('mem://rot.tif', rotated)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RasterError);
    expect((err as Error).message).toMatch(/mem:\/\/rot.tif has a rotated or sheared geotransform/);
  });

  it('south-up (positive y pixel size, as GDAL writes it in a ModelTransformation) is read through a flip onto a north-up grid', async () => {
    const su = tinyGeoTiff(false, true, [{ tag: 34264, type: 12, values: [10, 0, 0, 500, 0, 20, 0, 900, 0, 0, 0, 0, 0, 0, 0, 1] }]);
    const r = await openRaster(new MemorySource('mem://su.tif', su));
    // file row 0 covers y 900..920 (south), row 1 covers 920..940: the grid's top edge is 940
    expect(r.info.grid).toEqual({ width: 3, height: 2, originX: 500, originY: 940, resX: 10, resY: 20 });
    expect(r.info.southUp).toBe(true);
    const [bw] = await r.readWindow({ row0: 0, col0: 0, rows: 2, cols: 3 }, [1], { nodata: null });
    expect([...(bw?.values ?? [])]).toEqual([-32768, 32767, 7, 1, -2, 300]);
    const [one] = await r.readWindow({ row0: 1, col0: 2, rows: 1, cols: 1 }, [1]);
    expect([...(one?.values ?? [])]).toEqual([300]);
    // a negative x pixel size flips the columns the same way
    const ew = tinyGeoTiff(false, true, [{ tag: 34264, type: 12, values: [-10, 0, 0, 500, 0, -20, 0, 900, 0, 0, 0, 0, 0, 0, 0, 1] }]);
    const re = await openRaster(new MemorySource('mem://ew.tif', ew));
    expect(re.info.grid).toEqual({ width: 3, height: 2, originX: 470, originY: 900, resX: 10, resY: 20 });
    const [bwe] = await re.readWindow({ row0: 0, col0: 0, rows: 2, cols: 3 }, [1], { nodata: null });
    expect([...(bwe?.values ?? [])]).toEqual([300, -2, 1, 7, 32767, -32768]);
  });

  it('a negative ModelPixelScale y is taken as north-up, as GDAL does by default', async () => {
    const bytes = tinyGeoTiff(false, true, [{ tag: 33550, type: 12, values: [10, -20, 0] }, { tag: 33922, type: 12, values: [0, 0, 0, 1000, 5000, 0] }]);
    expect((await openRaster(new MemorySource('mem://ns.tif', bytes))).info.grid).toEqual({ width: 3, height: 2, originX: 1000, originY: 5000, resX: 10, resY: 20 });
  });

  it('GeoKeys with double and ASCII parameters decode to numbers, arrays and strings', async () => {
    const bytes = tinyGeoTiff(true, true, [
      { tag: 34735, type: 3, values: [1, 1, 0, 4, 1024, 0, 1, 1, 1026, 34737, 6, 0, 2057, 34736, 1, 1, 3073, 34737, 5, 6] },
      { tag: 34736, type: 12, values: [0.5, 6378137, 298.257] },
      { tag: 34737, type: 2, values: 'WGS 8|Alb 1|\0' },
    ]);
    const tiff = await TiffFile.open('mem://g.tif', (o, l) => Promise.resolve(bytes.subarray(o, o + l)));
    const [ifd] = await tiff.ifds();
    if (!ifd) throw new Error('no IFD');
    expect(await readGeoKeys(ifd)).toEqual({ 1024: 1, 1026: 'WGS 8', 2057: 6378137, 3073: 'Alb 1' });
  });

  it('GDAL_METADATA: per-band scale/offset by role (sample attribute is 0-based)', async () => {
    const xml = '<GDALMetadata><Item name="SCALE" sample="1" role="scale">0.5</Item><Item name="OFFSET" sample="1" role="offset">-3</Item><Item name="OTHER" sample="0">9</Item></GDALMetadata>\0';
    const bytes = tinyGeoTiff(false, true, [{ tag: 42112, type: 2, values: xml }]);
    const tiff = await TiffFile.open('mem://m.tif', (o, l) => Promise.resolve(bytes.subarray(o, o + l)));
    const [ifd] = await tiff.ifds();
    if (!ifd) throw new Error('no IFD');
    expect(await readScaleOffset(ifd, 2)).toEqual({ scale: [1, 0.5], offset: [0, -3] });
  });

  it('not a TIFF / bad magic: RasterError naming the source', async () => {
    await expect(TiffFile.open('mem://x', () => Promise.resolve(new TextEncoder().encode('II*\0')))).rejects.toThrow(/mem:\/\/x is not a TIFF/);
    await expect(TiffFile.open('mem://y', () => Promise.resolve(Uint8Array.of(0x49, 0x49, 41, 0, 8, 0, 0, 0)))).rejects.toThrow(/mem:\/\/y is not a TIFF \(magic 41\)/);
  });
});

describe('lazy reads of what lies beyond the first read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zf-tiff-'));
  it('values outside the first read cost exactly one extra request (tile arrays and geo tags together)', async () => {
    const path = join(dir, 'many-tiles.tif');
    // 64 x 64 tiles of 8x8 = 4096 tiles per image: 16 KiB of offsets + 16 KiB of counts
    writeCog(path, { width: 512, height: 512, dtype: 'uint8', tileSize: 8, compression: 'none', value: (r, c) => (r + c) & 0xff });
    const ifdEnd = 8 + 2 + 14 * 12 + 4; // header + IFD with 14 entries (no GDAL tags): arrays start after this
    const rec = new RecordingSource(new FileSource(path));
    const r = await openRaster(rec, { headerBytes: ifdEnd });
    // 1 = header + IFD, 2 = every value of IFD 0 beyond it in one span: TileOffsets, TileByteCounts, ModelPixelScale, ModelTiepoint
    expect(rec.requests).toBe(2);
    expect(rec.fetches[1]).toEqual({ offset: ifdEnd, length: 4096 * 4 * 2 + 3 * 8 + 6 * 8, bytes: 4096 * 4 * 2 + 3 * 8 + 6 * 8 });
    const [bw] = await r.readWindow({ row0: 100, col0: 200, rows: 1, cols: 3 }, [1]);
    expect([...(bw?.values ?? [])]).toEqual([300 & 0xff, 301 & 0xff, 302 & 0xff]);
    expect(rec.requests).toBe(3);
    expect(rec.fetches[2]?.length).toBe(64); // exactly one uncompressed 8x8 tile
  });
  it('with the default first read (16 KiB) a COG header costs one request', async () => {
    const path = join(dir, 'cog.tif');
    writeCog(path, { width: 300, height: 200, dtype: 'float32', tileSize: 64, predictor: 3, overviews: 2, mask: () => true, value: (r, c) => r - c / 4 });
    const rec = new RecordingSource(new FileSource(path));
    const r = await openRaster(rec);
    expect(rec.requests).toBe(1);
    expect(r.info.grid.width).toBe(300);
    expect(r.info.hasMask).toBe(true);
  });
  it('a value straddling the end of the first read fetches only the missing tail', async () => {
    const bytes = Uint8Array.from({ length: 100 }, (_, i) => i);
    bytes.set([0x49, 0x49, 42, 0, 8, 0, 0, 0]);
    const calls: [number, number][] = [];
    const tiff = await TiffFile.open('mem://s', (o, l) => { calls.push([o, l]); return Promise.resolve(bytes.subarray(o, o + l)); }, 40);
    expect([...(await tiff.bytes(30, 20))]).toEqual(Array.from({ length: 20 }, (_, i) => 30 + i));
    expect(calls).toEqual([[0, 40], [40, 10]]);
  });
});

describe('decoders', () => {
  it('PackBits: the example of the TIFF 6.0 specification', () => {
    const packed = Uint8Array.of(0xfe, 0xaa, 0x02, 0x80, 0x00, 0x2a, 0xfd, 0xaa, 0x03, 0x80, 0x00, 0x2a, 0x22, 0xf7, 0xaa);
    const expected = [0xaa, 0xaa, 0xaa, 0x80, 0x00, 0x2a, 0xaa, 0xaa, 0xaa, 0xaa, 0x80, 0x00, 0x2a, 0x22, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa];
    expect([...packbitsDecode(packed, expected.length)]).toEqual(expected);
  });
  it('LZW: hand-encoded codes (clear, literals, a new string, EOI) with 9-bit codes', () => {
    // codes 256 (clear), 65 'A', 66 'B', 258 ("AB"), 257 (EOI), 9 bits each, MSB first
    const codes = [256, 65, 66, 258, 257];
    const bits = codes.map((c) => c.toString(2).padStart(9, '0')).join('').padEnd(48, '0');
    const bytes = Uint8Array.from({ length: 6 }, (_, i) => parseInt(bits.slice(i * 8, i * 8 + 8), 2));
    expect(new TextDecoder().decode(lzwDecode(bytes, 4))).toBe('ABAB');
  });
  it('LZW: long inputs round-trip through the test encoder (code widths up to 12 bits and table resets)', () => {
    const input = Uint8Array.from({ length: 200_000 }, (_, i) => ((i * 7919) % 251) ^ (i >> 9));
    expect(Buffer.from(lzwDecode(lzwEncode(input), input.length)).equals(Buffer.from(input))).toBe(true);
  });
  it('predictor 2 on 16-bit big-endian, 2 samples per pixel, wraps modulo 2^16', () => {
    // row of 3 pixels x 2 samples: first pixel (65535, 10), deltas (+1, -3) then (+2, +5)
    const be = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];
    const raw = Uint8Array.from([...be(65535), ...be(10), ...be(1), ...be(65533), ...be(2), ...be(5)]);
    const s = toSamples(raw, { width: 3, rows: 1, spp: 2, type: { format: 1, bits: 16 }, predictor: 2, littleEndian: false });
    expect([...s]).toEqual([65535, 10, 0, 7, 2, 12]);
  });
  it('predictor 2 on 8- and 16-bit single-sample rows (every row count 1..9): running sums modulo 2^n, row by row', () => {
    let seed = 12345;
    const rnd = (): number => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    for (const bits of [8, 16] as const) {
      const mod = 2 ** bits;
      for (let rows = 1; rows <= 9; rows++) {
        const width = 1 + Math.floor(rnd() * 37);
        const deltas = Array.from({ length: width * rows }, () => Math.floor(rnd() * mod));
        // the oracle: each row's cumulative sum of its deltas, modulo 2^bits
        const want: number[] = [];
        for (let r = 0; r < rows; r++) {
          let acc = 0;
          for (let c = 0; c < width; c++) want.push((acc = (acc + (deltas[r * width + c] as number)) % mod));
        }
        const raw = new Uint8Array(width * rows * (bits / 8));
        deltas.forEach((d, i) => {
          if (bits === 8) raw[i] = d;
          else {
            raw[2 * i] = d & 0xff; // little-endian file
            raw[2 * i + 1] = d >> 8;
          }
        });
        const s = toSamples(raw, { width, rows, spp: 1, type: { format: 1, bits }, predictor: 2, littleEndian: true });
        expect([...s]).toEqual(want);
      }
    }
  });
  it('predictor 3 (floating point): bytes split into planes MSB first, byte-differenced', () => {
    const floats = Float32Array.of(1.5, -2.25, 1e-3);
    const be = new Uint8Array(12);
    floats.forEach((f, i) => new DataView(be.buffer).setFloat32(i * 4, f, false));
    const planes = new Uint8Array(12);
    for (let k = 0; k < 3; k++) for (let b = 0; b < 4; b++) planes[b * 3 + k] = be[k * 4 + b] ?? 0;
    const diff = planes.map((v, i) => (i === 0 ? v : (v - (planes[i - 1] ?? 0)) & 0xff));
    expect([...toSamples(diff, { width: 3, rows: 1, spp: 1, type: { format: 3, bits: 32 }, predictor: 3, littleEndian: true })]).toEqual([...floats]);
  });
  it('compressions without a decoder (LZMA, JPEG-XL) are refused with the fix in the message', () => {
    expect(() => checkCompression(34925, 's3://b/k.tif')).toThrow('unsupported compression LZMA (34925) in s3://b/k.tif; re-encode with DEFLATE, ZSTD or LZW');
    expect(() => checkCompression(50002, 'x.tif')).toThrow(/JPEG-XL \(50002\)/);
    for (const ok of [1, 5, 7, 8, 32946, 32773, 34887, 50000]) expect(() => checkCompression(ok, 'x.tif')).not.toThrow();
  });
});

describe('bounded decoders', () => {
  it('a ZSTD frame declaring more content than the tile holds is refused from its header, before any allocation', () => {
    // magic, frame header descriptor: 8-byte content size, window descriptor, content size 4 GiB
    const frame = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0xc0, 0x00, 0, 0, 0, 0, 1, 0, 0, 0, 0x01, 0x00, 0x00);
    expect(() => zstdBounded(frame, 512)).toThrow(/decodes past the chunk's 512 bytes/);
  });
  it('Deflate stops at the bound (over-long = error) and reads a stream without its end as far as it goes (as libtiff)', () => {
    const z = deflateSync(new Uint8Array(100_000));
    expect(() => inflateBounded(z, 512)).toThrow(/decodes past the chunk's 512 bytes/);
    expect(inflateBounded(z, 100_000).length).toBe(100_000);
    expect(inflateBounded(z.subarray(0, z.length - 6), 100_000).length).toBeGreaterThan(90_000);
  });
  it('Deflate on the thread pool gives the same bytes and the same errors as the synchronous inflate', async () => {
    const data = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 251);
    const z = deflateSync(data);
    expect(await inflateBoundedAsync(z, 100_000)).toStrictEqual(inflateBounded(z, 100_000));
    expect([...(await inflateBoundedAsync(z, 100_000)).subarray(0, 1000)]).toStrictEqual([...data.subarray(0, 1000)]);
    await expect(inflateBoundedAsync(z, 512)).rejects.toThrow(/decodes past the chunk's 512 bytes/);
    const cut = z.subarray(0, z.length - 6);
    expect(await inflateBoundedAsync(cut, 100_000)).toStrictEqual(inflateBounded(cut, 100_000));
    await expect(inflateBoundedAsync(Uint8Array.of(1, 2, 3, 4, 5), 100)).rejects.toThrow();
  });
  it('PackBits output past the bound is an error; LZW too', () => {
    expect(() => packbitsDecode(Uint8Array.of(0x81, 7, 0x81, 7), 200)).toThrow(/decodes past/);
    expect([...packbitsDecode(Uint8Array.of(0x81, 7), 200)].length).toBe(128);
    expect(() => lzwDecode(lzwEncode(new Uint8Array(5000)), 4999)).toThrow();
  });
});
