import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeCog } from '../../helpers/cog-writer';
import type { WriterDType } from '../../helpers/cog-writer';
import { openRaster } from '../../../shared/raster/cog';
import { FileSource } from '../../../shared/io/source.file';
import { CountingSource } from '../../../shared/io/source.counting';

const dir = mkdtempSync(join(tmpdir(), 'zf-cog-'));
const W = 45;
const H = 37;

function value(dtype: WriterDType, r: number, c: number, b: number): number {
  const base = (r * 31 + c * 7 + b * 1000) % 251;
  switch (dtype) {
    case 'uint8': return base;
    case 'int8': return base - 125;
    case 'uint16': return base * 250;
    case 'int16': return base * 130 - 16000;
    case 'uint32': return base * 17_000_000;
    case 'int32': return base * 8_000_000 - 1_000_000_000;
    case 'float32': return Math.fround((base - 100) / 7);
    case 'float64': return (base - 100) / 7 + 1e-12 * c;
  }
}

describe('writer -> reader round trip', () => {
  const dtypes: WriterDType[] = ['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'float64'];
  for (const dtype of dtypes) {
    const float = dtype.startsWith('float');
    for (const compression of ['deflate', 'lzw', 'packbits', 'zstd', 'none'] as const) {
      for (const predictor of float ? ([1, 3] as const) : ([1, 2] as const)) {
        for (const planar of [false, true]) {
          for (const bigEndian of [false, true]) {
            const name = `${dtype} ${compression} predictor ${predictor} ${planar ? 'planar' : 'interleaved'} ${bigEndian ? 'BE' : 'LE'}`;
            if (compression !== 'deflate' && bigEndian) continue; // byte order is independent of the codec
            if ((compression === 'none' || compression === 'packbits') && predictor !== 1) continue; // libtiff ignores the predictor there (test below)
            it(name, async () => {
              const path = join(dir, `${name.replace(/ /g, '_')}.tif`);
              writeCog(path, { width: W, height: H, bands: 3, dtype, compression, predictor, planar, bigEndian, tileSize: 16, epsg: 32631, transform: [500000, 5000000, 10, 10], value: (r, c, b) => value(dtype, r, c, b) });
              const raster = await openRaster(new FileSource(path));
              expect(raster.info.dtype).toBe(dtype);
              expect(raster.info.bandCount).toBe(3);
              const bandsOut = await raster.readWindow({ row0: 0, col0: 0, rows: H, cols: W }, [1, 2, 3]);
              bandsOut.forEach((bw, b) => {
                for (let r = 0; r < H; r++) for (let c = 0; c < W; c++) {
                  expect(bw.values[r * W + c]).toBe(value(dtype, r, c, b + 1));
                }
              });
            });
          }
        }
      }
    }
  }
});

describe('layouts', () => {
  it('a Predictor tag with no compression or PackBits is ignored, as libtiff does (GDAL 3.6.2 reads these files as [10, 3, 3, ...])', async () => {
    for (const compression of ['none', 'packbits'] as const) {
      const path = join(dir, `ignored-predictor-${compression}.tif`);
      writeCog(path, { width: 8, height: 2, dtype: 'uint8', compression, predictor: 2, tileSize: 16, value: (_r, c) => 10 + c * 3 });
      const [bw] = await (await openRaster(new FileSource(path))).readWindow({ row0: 0, col0: 0, rows: 1, cols: 8 }, [1]);
      expect([...(bw?.values ?? [])]).toEqual([10, 3, 3, 3, 3, 3, 3, 3]);
    }
  });
  it('compressions without a decoder (LZMA, JPEG-XL) are refused at open with a clear message naming the file and the fix', async () => {
    for (const [code, name] of [[34925, 'LZMA'], [50002, 'JPEG-XL']] as const) {
      const path = join(dir, `codec${code}.tif`);
      writeCog(path, { width: 8, height: 8, dtype: 'uint8', compression: 'none', compressionCode: code, value: () => 1 });
      await expect(openRaster(new FileSource(path))).rejects.toThrow(new RegExp(`unsupported compression ${name} \\(${code}\\) in .*codec${code}.tif; re-encode with DEFLATE`));
    }
  });
  it('the full-resolution image is read, never an overview; mask IFD, sparse tiles, nodata', async () => {
    const path = join(dir, 'layout.tif');
    writeCog(path, { width: 100, height: 80, dtype: 'int16', tileSize: 32, nodata: -1, overviews: 2, mask: (r, c) => !(r < 5 && c < 5), sparse: (t) => t === 3, value: (r, c) => (r === 50 && c === 50 ? -1 : r + c) });
    const raster = await openRaster(new FileSource(path));
    expect(raster.info.grid.width).toBe(100);
    expect(raster.info.overviews).toBe(2);
    expect(raster.info.hasMask).toBe(true);
    const [bw] = await raster.readWindow({ row0: 0, col0: 0, rows: 80, cols: 100 }, [1]);
    if (!bw) throw new Error('band');
    expect(bw.valid[0]).toBe(0); // masked
    expect(bw.valid[6 * 100 + 6]).toBe(1);
    expect(bw.values[6 * 100 + 6]).toBe(12);
    expect(bw.valid[50 * 100 + 50]).toBe(0); // nodata
    expect(bw.valid[10 * 100 + 99]).toBe(0); // tile 3 (row 0, col 3) is sparse: nodata
    expect(bw.valid[40 * 100 + 99]).toBe(1);
  });
  it('strips are read as full-width tiles; scale/offset applied after the nodata test', async () => {
    const path = join(dir, 'strips.tif');
    writeCog(path, { width: 50, height: 45, dtype: 'uint16', tileSize: 8, strips: true, nodata: 7, scale: 0.5, offset: 10, value: (r, c) => (r * 50 + c) % 100 });
    const raster = await openRaster(new FileSource(path));
    expect(raster.info.tiled).toBe(false);
    const [bw] = await raster.readWindow({ row0: 40, col0: 0, rows: 5, cols: 50 }, [1]);
    if (!bw) throw new Error('band');
    for (let c = 0; c < 50; c++) {
      const raw = (44 * 50 + c) % 100;
      const k = 4 * 50 + c;
      if (raw === 7) expect(bw.valid[k]).toBe(0);
      else expect(bw.values[k]).toBe(raw * 0.5 + 10);
    }
  });
  it('requests: one header read, then the window\'s tiles merged into one request; each tile once', async () => {
    const path = join(dir, 'req.tif');
    writeCog(path, { width: 512, height: 512, dtype: 'uint16', tileSize: 64, overviews: 2, value: (r, c) => r ^ c });
    const src = new CountingSource(new FileSource(path), true);
    const raster = await openRaster(src);
    expect(src.requests).toBe(1);
    const windows = [{ row0: 100, col0: 100, rows: 50, cols: 50 }, { row0: 120, col0: 120, rows: 60, cols: 20 }];
    const ranges = raster.tileRanges(windows, [1]);
    expect(ranges).toHaveLength(4);
    await raster.prefetch(windows);
    for (const w of windows) await raster.readWindow(w, [1]);
    await raster.readWindow(windows[0] ?? { row0: 0, col0: 0, rows: 1, cols: 1 }, [1]);
    const tileRequests = src.log.slice(1);
    const fetched = tileRequests.reduce((a, r) => a + r.bytes, 0);
    const minimal = ranges.reduce((a, r) => a + r.length, 0);
    expect(tileRequests.length).toBeLessThanOrEqual(2); // tile rows 1 and 2 are not adjacent in the file when a gap is large
    expect(fetched).toBeGreaterThanOrEqual(minimal);
    expect(fetched).toBeLessThanOrEqual(minimal * 1.05 + 16 * 1024 * tileRequests.length);
    expect(raster.tilesFetched).toBe(4);
  });
});
