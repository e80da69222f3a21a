/**
 * The TIFF-reader cases of ../shared/cases (copied to test/fixtures/cases with their README, make.py
 * and expected.json): each raster read whole with zonalflow's reader and compared with the values
 * GDAL 3.6.2 reads (expected.json), or with the hand values of the hostile-input cases.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRaster } from '../../../shared/raster/cog';
import type { Raster } from '../../../shared/raster/cog';
import { FileSource } from '../../../shared/io/source.file';
import { MemorySource } from '../../../shared/io/source.memory';
import { RecordingSource } from '../../../shared/io/source.recording';
import { RasterError, TileError } from '../../../shared/errors';

const CASES = join(__dirname, '../../fixtures/cases');

interface Stats { count: number; sum: number; mean: number; min: number; max: number }

async function wholeStats(r: Raster, band: number): Promise<Stats> {
  const { width, height } = r.info.grid;
  const [bw] = await r.readWindow({ row0: 0, col0: 0, rows: height, cols: width }, [band]);
  if (!bw) throw new Error('no band');
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  bw.valid.forEach((v, i) => {
    if (!v) return;
    const x = bw.values[i] as number;
    count++;
    sum += x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  });
  return { count, sum, mean: sum / count, min, max };
}

function open(kase: string, file: string): Promise<Raster> {
  return openRaster(new FileSource(join(CASES, kase, file)));
}

function expected<T>(kase: string): T {
  return JSON.parse(readFileSync(join(CASES, kase, 'expected.json'), 'utf8')) as T;
}

describe('case float-predictor2: predictor 2 on Float32/Float64 words (tiled, striped, big-endian, COG)', () => {
  const exp = expected<{ rasters: Record<string, { count: number; mean: number; min: number; max: number }> }>('float-predictor2');
  for (const [name, e] of Object.entries(exp.rasters)) {
    it(`${name}: count, mean, min, max as GDAL reads them`, async () => {
      const s = await wholeStats(await open('float-predictor2', `${name}.tif`), 1);
      expect(s.count).toBe(e.count);
      expect(s.mean).toBeCloseTo(e.mean, 10);
      expect(s.min).toBe(e.min);
      expect(s.max).toBe(e.max);
    });
  }
});

describe('case nbits: half floats and 12/4/2/1-bit integers, rows padded to bytes', () => {
  const exp = expected<{ rasters: Record<string, Stats & { gdal_type: string }> }>('nbits');
  for (const [name, e] of Object.entries(exp.rasters)) {
    it(`${name}: GDAL type ${e.gdal_type}, values as GDAL reads them`, async () => {
      const r = await open('nbits', `${name}.tif`);
      expect(r.info.dtype).toBe(({ Byte: 'uint8', UInt16: 'uint16', Float32: 'float32' } as Record<string, string>)[e.gdal_type]);
      const s = await wholeStats(r, 1);
      expect(s).toEqual({ count: e.count, sum: e.sum, mean: expect.closeTo(e.mean, 12) as number, min: e.min, max: e.max });
    });
  }
});

describe('case alpha-band: the alpha band is the validity mask of the other bands', () => {
  const exp = expected<{ rasters: Record<string, { bands: Record<string, Stats> }> }>('alpha-band');
  for (const [name, e] of Object.entries(exp.rasters)) {
    it(`${name}: bands 1-3 masked as GDAL's mask band masks them`, async () => {
      const r = await open('alpha-band', `${name}.tif`);
      for (const b of [1, 2, 3]) expect(await wholeStats(r, b)).toEqual(e.bands[`b${b}`]);
    });
  }
  it('rgba.tif: band 4 (alpha) itself is all valid, as GDAL reports for it (GMF_ALL_VALID)', async () => {
    const r = await open('alpha-band', 'rgba.tif');
    expect(r.info.alphaBand).toBe(4);
    expect((await wholeStats(r, 4)).count).toBe(16);
    // a nodata override keeps the alpha mask (GDAL's mask of bands 1-3 is still the alpha band)
    const [bw] = await r.readWindow({ row0: 0, col0: 0, rows: 4, cols: 4 }, [1], { nodata: 7 });
    expect([...(bw?.valid ?? [])].filter(Boolean).length).toBe(8);
  });
});

/** Patches entry `i` of TileByteCounts (LONG) in a classic little-endian TIFF. */
function setTileByteCount(b: Uint8Array, i: number, v: number): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const ifd = dv.getUint32(4, true);
  const n = dv.getUint16(ifd, true);
  for (let e = 0; e < n; e++) {
    const at = ifd + 2 + e * 12;
    if (dv.getUint16(at, true) === 325) {
      dv.setUint32(dv.getUint32(at + 8, true) + 4 * i, v, true);
      return;
    }
  }
  throw new Error('no TileByteCounts');
}

/** value = 64 row + column of the 64 x 64 base raster. */
function baseValue(r: number, c: number): number {
  return 64 * r + c;
}

describe('case tilebytecounts-4g: an absurd TileByteCounts entry', () => {
  it('the uncompressed tile is read no further than it holds (as libtiff does): t30 mean 3559.5, every value right, no huge read', async () => {
    const src = new RecordingSource(new FileSource(join(CASES, 'tilebytecounts-4g', 'tbc_4g.tif')));
    const r = await openRaster(src);
    const [bw] = await r.readWindow({ row0: 0, col0: 0, rows: 64, cols: 64 }, [1]);
    for (let i = 0; i < 64 * 64; i++) expect(bw?.values[i]).toBe(baseValue(Math.floor(i / 64), i % 64));
    expect(Math.max(...src.fetches.map((f) => f.length))).toBeLessThan(64 * 1024);
    const [t30] = await r.readWindow({ row0: 55, col0: 7, rows: 2, cols: 2 }, [1]); // a 2x2 square inside tile row 3, column 0
    expect([...(t30?.values ?? [])].reduce((a, b) => a + b, 0) / 4).toBe(3559.5);
  });
  it('a compressed tile with an implausible byte count (2 GB) is a TileError naming the tile, before any read; the other tiles read', async () => {
    const bytes = new Uint8Array(readFileSync(join(CASES, 'decompression-bombs', 'zstd_64m.tif')));
    setTileByteCount(bytes, 5, 0x7fffffff);
    const src = new RecordingSource(new MemorySource('mem://d.tif', bytes));
    const r = await openRaster(src);
    const err = await r.readWindow({ row0: 16, col0: 16, rows: 4, cols: 4 }, [1]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TileError);
    expect(err).toBeInstanceOf(RasterError);
    expect((err as TileError).tile).toEqual({ index: 5, row: 1, col: 1, level: 0 });
    expect((err as Error).message).toMatch(/^tile 5 \(row 1, column 1, level 0\) of mem:\/\/d.tif cannot be read: its byte count 2147483647 is implausible for a tile of 512 bytes/);
    expect(Math.max(...src.fetches.map((f) => f.length))).toBeLessThan(64 * 1024);
    const [bw] = await r.readWindow({ row0: 16, col0: 32, rows: 1, cols: 1 }, [1]);
    expect(bw?.values[0]).toBe(baseValue(16, 32));
  });
});

describe('case decompression-bombs: a tile never decodes past its declared size', () => {
  for (const [file, codec] of [['deflate_64m.tif', 'Deflate'], ['lzw_64m.tif', 'LZW'], ['zstd_64m.tif', 'ZSTD'], ['packbits_over.tif', 'PackBits']] as const) {
    it(`${codec}: tile 0 (a stream of far more than 512 bytes) is a TileError naming it; tiles 1-15 exact`, async () => {
      const r = await open('decompression-bombs', file);
      const err = await r.readWindow({ row0: 0, col0: 0, rows: 16, cols: 16 }, [1]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TileError);
      expect((err as TileError).tile).toMatchObject({ index: 0, row: 0, col: 0, level: 0 });
      expect((err as Error).message).toMatch(/decodes past the chunk's 512 bytes/);
      // every other tile reads exactly (the failed tile does not poison the raster)
      const [bw] = await r.readWindow({ row0: 16, col0: 0, rows: 48, cols: 64 }, [1]);
      for (let i = 0; i < 48 * 64; i++) expect(bw?.values[i]).toBe(baseValue(16 + Math.floor(i / 64), i % 64));
      const [right] = await r.readWindow({ row0: 0, col0: 16, rows: 16, cols: 48 }, [1]);
      expect(right?.values[0]).toBe(16);
    });
  }
  it('base.tif (the ordinary raster) reads exactly', async () => {
    expect(await wholeStats(await open('decompression-bombs', 'base.tif'), 1)).toMatchObject({ count: 4096, min: 0, max: 4095 });
  });
  it('a corrupt tile is a TileError naming it, never garbage values', async () => {
    const bytes = new Uint8Array(readFileSync(join(CASES, 'decompression-bombs', 'zstd_64m.tif')));
    // overwrite the frame of tile 1 (after tile 0's frame) with garbage
    const r0 = await openRaster(new MemorySource('mem://z.tif', bytes));
    const off = r0.tileRanges([{ row0: 0, col0: 16, rows: 1, cols: 1 }], [1])[0];
    if (!off) throw new Error('no range');
    bytes.fill(0x55, off.offset, off.offset + off.length);
    const r = await openRaster(new MemorySource('mem://z.tif', bytes));
    const err = await r.readWindow({ row0: 0, col0: 16, rows: 1, cols: 1 }, [1]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TileError);
    expect((err as TileError).tile).toEqual({ index: 1, row: 0, col: 1, level: 0 });
    expect((err as Error).message).toMatch(/tile 1 \(row 0, column 1, level 0\) of mem:\/\/z.tif cannot be read: corrupt ZSTD data/);
  });
});
