import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openRaster } from '../../../shared/raster/cog';
import { FileSource } from '../../../shared/io/source.file';
import { RecordingSource } from '../../../shared/io/source.recording';
import { TiffFile, Tag } from '../../../shared/tiff/ifd';
import { writeCog } from '../../helpers/cog-writer';

const REF = join(import.meta.dirname, '../../fixtures/reference');
const file = (p: string): FileSource => new FileSource(join(REF, p));
const _ = null; // an invalid cell in the tables below

/**
 * Every tiny raster: dtype, nodata, scale/offset and all cell values (null = invalid).
 * The matrices are those of the exactextract / rasterstats test cases they come from
 * (README: 3x3 1..9, 5x5 "unweighted" with one nodata cell and a 0, [[NaN,12.25],[NaN,12.75]] whose
 * mean is rasterstats' 12.5, scale 2 / offset -1 where raw -499 gives -999 but is not the raw nodata -999).
 */
const TINY: [string, string, number | null, number, number, (number | null)[]][] = [
  ['r10x10_nodata_corner_int32', 'int32', -999, 1, 0, Array.from({ length: 100 }, (_v, i) => (Math.floor(i / 10) >= 6 && i % 10 < 4 ? null : i + 1))],
  ['r2x2_all_defined_float32', 'float32', -9999, 1, 0, [1, 2, 3, 4]],
  ['r2x2_geojson_out_int32', 'int32', null, 1, 0, [100, 1, 100, 1]],
  ['r2x2_nan_float32', 'float32', -999, 1, 0, [_, 12.25, _, 12.75]],
  ['r2x2_some_defined_float32', 'float32', -9999, 1, 0, [1, 2, _, _]],
  ['r2x2_uint16_max', 'uint16', 65534, 1, 0, [65535, 65535, _, _]],
  ['r3x3_1to9_int32', 'int32', null, 1, 0, [1, 2, 3, 4, 5, 6, 7, 8, 9]],
  ['r3x3_default_value_int32', 'int32', -99, 1, 0, [1, 2, 3, 4, _, _, _, 8, 9]],
  ['r3x3_mode_nodata2_byte', 'uint8', 2, 1, 0, [1, 1, 1, _, _, _, 3, _, 3]],
  ['r3x3_nan_counts_float64', 'float64', 0, 1, 0, [_, _, _, _, _, _, 1, 4, 5]],
  ['r3x3_rows123_int32', 'int32', null, 1, 0, [1, 1, 1, 2, 2, 2, 3, 3, 3]],
  ['r3x3_scale_offset_nodata_int32', 'int32', -999, 2, -1, [1, 3, 5, _, _, _, 7, 9, 2 * -499 - 1]],
  ['r4x3_multiple_stats_int16', 'int16', null, 1, 0, [1, 2, 3, 4, 1, 2, 2, 5, 3, 3, 3, 2]],
  ['r5x5_unweighted_int32', 'int32', -999, 1, 0, [1, 1, 1, 1, 1, 1, 1, 2, 3, 1, 1, 4, 5, 6, 1, 1, 0, _, 7, 1, 1, 1, 1, 1, 1]],
];

describe('every tiny reference raster', () => {
  for (const [name, dtype, nodata, scale, offset, cells] of TINY) {
    it(name, async () => {
      const r = await openRaster(file(`data/tiny/${name}.cog.tif`));
      expect(r.info).toMatchObject({ dtype, nodata, scale: [scale], offset: [offset], bandCount: 1 });
      expect(r.info.geoKeys[3072]).toBe(3857);
      const g = r.info.grid;
      expect(g.width * g.height).toBe(cells.length);
      const [bw] = await r.readWindow({ row0: 0, col0: 0, rows: g.height, cols: g.width }, [1]);
      const got = [...(bw?.values ?? [])].map((v, i) => (bw?.valid[i] === 1 ? v : null));
      expect(got).toEqual(cells);
    });
  }
});

describe('reference rasters: nodata, masks, full resolution', () => {
  it('slope_classes: nodata -FLT_MAX (float32) exactly matched; overriding it with null exposes those cells', async () => {
    const r = await openRaster(file('data/rasterstats/slope_classes.cog.tif'));
    expect(r.info.nodata).toBe(-3.4028234663852886e38);
    const all = { row0: 0, col0: 0, rows: r.info.grid.height, cols: r.info.grid.width };
    const [bw] = await r.readWindow(all, [1]);
    const [raw] = await r.readWindow(all, [1], { nodata: null });
    if (!bw || !raw) throw new Error('no band');
    let flt = 0;
    raw.values.forEach((v, i) => {
      expect(raw.valid[i]).toBe(1);
      if (v === -3.4028234663852886e38) flt++;
      expect(bw.valid[i]).toBe(v === -3.4028234663852886e38 ? 0 : 1);
    });
    expect(flt).toBeGreaterThan(0);
  });

  it('dataset_mask: valid == (mask IFD != 0), checked against an independent decode of the mask tiles', async () => {
    const path = join(REF, 'data/rasterstats/dataset_mask.cog.tif');
    const bytes = new Uint8Array(readFileSync(path));
    const r = await openRaster(new FileSource(path));
    const { width, height } = r.info.grid;
    const [bw] = await r.readWindow({ row0: 0, col0: 0, rows: height, cols: width }, [1]);
    // independent: find the mask IFD (NewSubfileType 4, same size), inflate its tiles, index by hand
    const tiff = await TiffFile.open(path, (o, l) => Promise.resolve(bytes.subarray(o, o + l)));
    let mask: Uint8Array | null = null;
    for (const ifd of await tiff.ifds()) {
      if ((await ifd.number(Tag.NewSubfileType, 0)) !== 4 || (await ifd.number(Tag.ImageWidth, 0)) !== width) continue;
      expect(await ifd.number(Tag.Compression, 0)).toBe(8);
      expect(await ifd.number(Tag.BitsPerSample, 0)).toBe(1);
      const tw = await ifd.number(Tag.TileWidth, 0);
      const th = await ifd.number(Tag.TileLength, 0);
      const offs = (await ifd.numbers(Tag.TileOffsets)) ?? [];
      const cnts = (await ifd.numbers(Tag.TileByteCounts)) ?? [];
      const across = Math.ceil(width / tw);
      mask = new Uint8Array(width * height);
      for (let row = 0; row < height; row++) {
        for (let col = 0; col < width; col++) {
          const t = Math.floor(row / th) * across + Math.floor(col / tw);
          const tile = inflateSync(bytes.subarray(offs[t] ?? 0, (offs[t] ?? 0) + (cnts[t] ?? 0)));
          // GDAL writes the mask as 1-bit (BitsPerSample 1), rows padded to whole bytes, most significant bit first
          const byte = tile[(row % th) * Math.ceil(tw / 8) + ((col % tw) >> 3)] ?? 0;
          mask[row * width + col] = (byte >> (7 - ((col % tw) & 7))) & 1;
        }
      }
    }
    if (!mask || !bw) throw new Error('no mask IFD');
    let masked = 0;
    for (let i = 0; i < mask.length; i++) {
      expect(bw.valid[i]).toBe(mask[i] !== 0 && !Number.isNaN(bw.values[i]) ? 1 : 0);
      if (mask[i] === 0) masked++;
    }
    expect(masked).toBeGreaterThan(0);
    expect(masked).toBeLessThan(width * height);
  });

  it('IFD 0 is read, never an overview: sizes of all IFDs differ and the grid is the first one', async () => {
    const path = join(REF, 'data/l7/L7_ETMs.cog.tif');
    const bytes = new Uint8Array(readFileSync(path));
    const tiff = await TiffFile.open(path, (o, l) => Promise.resolve(bytes.subarray(o, o + l)));
    const sizes = await Promise.all((await tiff.ifds()).map(async (i) => [await i.number(Tag.ImageWidth, 0), await i.number(Tag.ImageLength, 0)]));
    expect(sizes).toEqual([[349, 352], [175, 176], [88, 88]]);
    const r = await openRaster(new FileSource(path));
    expect([r.info.grid.width, r.info.grid.height]).toEqual([349, 352]);
    expect(r.info.overviews).toBe(2);
  });
});

describe('request accounting on l7 (recording source)', () => {
  const path = join(REF, 'data/l7/L7_ETMs.cog.tif');
  /** Tile offsets and byte counts of IFD 0, read independently of the raster reader. */
  async function tileTable(): Promise<{ offsets: number[]; counts: number[] }> {
    const bytes = new Uint8Array(readFileSync(path));
    const tiff = await TiffFile.open(path, (o, l) => Promise.resolve(bytes.subarray(o, o + l)));
    const [ifd] = await tiff.ifds();
    return { offsets: (await ifd?.numbers(Tag.TileOffsets)) ?? [], counts: (await ifd?.numbers(Tag.TileByteCounts)) ?? [] };
  }

  it('a window inside one tile: 1 header request, then 1 request of exactly that tile\'s bytes', async () => {
    const { offsets, counts } = await tileTable();
    const rec = new RecordingSource(new FileSource(path));
    const r = await openRaster(rec);
    expect(rec.requests).toBe(1);
    rec.reset();
    await r.readWindow({ row0: 10, col0: 300, rows: 20, cols: 20 }, [1, 2, 3, 4, 5, 6]); // tile (0, 1)
    expect(rec.fetches).toEqual([{ offset: offsets[1], length: counts[1], bytes: counts[1] }]);
  });

  it('a window over 4 tiles: one merged request; bytes = sum of the 4 tile byte counts + GDAL\'s 8-byte tile leader/trailer gaps', async () => {
    const { offsets, counts } = await tileTable();
    const rec = new RecordingSource(new FileSource(path));
    const r = await openRaster(rec);
    rec.reset();
    const w = { row0: 250, col0: 250, rows: 10, cols: 10 };
    expect(r.tilesForWindow(w).map((t) => [t.tileRow, t.tileCol])).toEqual([[0, 0], [0, 1], [1, 0], [1, 1]]);
    await r.prefetch([w]);
    const sum = counts.reduce((a, b) => a + b, 0);
    expect(rec.requests).toBe(1);
    for (let t = 1; t < 4; t++) expect((offsets[t] ?? 0) - ((offsets[t - 1] ?? 0) + (counts[t - 1] ?? 0))).toBe(8);
    expect(rec.totalBytes).toBe(sum + 3 * 8);
    await r.readWindow(w, [1, 2, 3, 4, 5, 6]);
    await r.readWindow({ row0: 0, col0: 0, rows: 352, cols: 349 }, [2]);
    expect(rec.requests).toBe(1); // every tile fetched once
  });

  it('concurrent reads of the same tiles fetch them once', async () => {
    const rec = new RecordingSource(new FileSource(path));
    const r = await openRaster(rec);
    rec.reset();
    const w = { row0: 5, col0: 5, rows: 3, cols: 3 };
    const [a, b] = await Promise.all([r.readWindow(w, [1]), r.readWindow(w, [3])]);
    expect(rec.requests).toBe(1);
    expect(a?.[0]?.valid.every((v) => v === 1)).toBe(true);
    expect(b?.[0]?.values.length).toBe(9);
  });

  it('a window wholly outside the raster: all invalid, no request', async () => {
    const rec = new RecordingSource(new FileSource(path));
    const r = await openRaster(rec);
    rec.reset();
    const [bw] = await r.readWindow({ row0: -20, col0: 400, rows: 5, cols: 5 }, [1]);
    expect(bw?.valid.every((v) => v === 0)).toBe(true);
    expect(rec.requests).toBe(0);
  });
});

describe('written rasters: nodata rules', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zf-ref-'));
  it('float32 nodata is compared as float32 (0.1 is not representable)', async () => {
    const p = join(dir, 'f32.tif');
    writeCog(p, { width: 4, height: 1, dtype: 'float32', nodata: 0.1, value: (_r, c) => (c === 2 ? 0.1 : c) });
    const [bw] = await (await openRaster(new FileSource(p))).readWindow({ row0: 0, col0: 0, rows: 1, cols: 4 }, [1]);
    expect([...(bw?.valid ?? [])]).toEqual([1, 1, 0, 1]);
  });
  it('sparse tiles follow GDAL: the file nodata when defined (invalid), else 0 (valid); a spec nodata override applies to them', async () => {
    const withNd = join(dir, 'sparse-nd.tif');
    const noNd = join(dir, 'sparse.tif');
    const spec = { width: 32, height: 16, dtype: 'int16' as const, tileSize: 16, sparse: (t: number) => t === 1, value: () => 5 };
    writeCog(withNd, { ...spec, nodata: -7 });
    writeCog(noNd, spec);
    const w = { row0: 0, col0: 15, rows: 1, cols: 2 }; // last cell of tile 0, first of sparse tile 1
    const a = await (await openRaster(new FileSource(withNd))).readWindow(w, [1]);
    expect([...(a[0]?.valid ?? [])]).toEqual([1, 0]);
    const b = await (await openRaster(new FileSource(withNd))).readWindow(w, [1], { nodata: null });
    expect([...(b[0]?.values ?? [])]).toEqual([5, -7]);
    expect([...(b[0]?.valid ?? [])]).toEqual([1, 1]);
    const c = await (await openRaster(new FileSource(noNd))).readWindow(w, [1]);
    expect([...(c[0]?.values ?? [])]).toEqual([5, 0]);
    expect([...(c[0]?.valid ?? [])]).toEqual([1, 1]);
    const d = await (await openRaster(new FileSource(noNd))).readWindow(w, [1], { nodata: 0 });
    expect([...(d[0]?.valid ?? [])]).toEqual([1, 0]);
  });
  it('a tiny decoded-tile cache still gives the right values (tiles evicted and decoded again)', async () => {
    const p = join(dir, 'lru.tif');
    writeCog(p, { width: 64, height: 64, dtype: 'uint16', tileSize: 16, value: (r, c) => r * 64 + c });
    const r = await openRaster(new FileSource(p), { cacheBytes: 16 * 16 * 2 });
    for (let pass = 0; pass < 2; pass++) {
      const [bw] = await r.readWindow({ row0: 0, col0: 0, rows: 64, cols: 64 }, [1]);
      bw?.values.forEach((v, i) => expect(v).toBe(i));
    }
  });
});
