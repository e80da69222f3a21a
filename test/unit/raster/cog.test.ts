import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRaster } from '../../../shared/raster/cog';
import { FileSource } from '../../../shared/io/source.file';
import { CountingSource } from '../../../shared/io/source.counting';
import { MemorySource } from '../../../shared/io/source.memory';
import { RasterError } from '../../../shared/errors';

const REF = join(import.meta.dirname, '../../fixtures/reference');
const file = (p: string): FileSource => new FileSource(join(REF, p));

function csv(path: string): Record<string, string>[] {
  const [h, ...lines] = readFileSync(join(REF, path), 'utf8').trim().split('\n');
  const cols = (h ?? '').split(',');
  return lines.map((l): Record<string, string> => Object.fromEntries(l.split(',').map((v, i): [string, string] => [cols[i] ?? '', v])));
}

describe('COG reader on the reference rasters', () => {
  it('l7: 6 pixel-interleaved bands, value at every reference point', async () => {
    const r = await openRaster(file('data/l7/L7_ETMs.cog.tif'));
    expect(r.info).toMatchObject({ bandCount: 6, dtype: 'uint8', nodata: null, planar: 1, compression: 'Deflate', overviews: 2 });
    expect(r.info.grid.width).toBe(349);
    expect(r.info.grid.height).toBe(352);
    for (const p of csv('expected/l7__points_4326__point_values.csv')) {
      const [bw] = await r.readWindow({ row0: Number(p.row), col0: Number(p.col), rows: 1, cols: 1 }, [Number(p.band)]);
      expect(bw?.valid[0]).toBe(1);
      expect(bw?.values[0]).toBe(Number(p.value));
    }
  });
  it('slope (float32, custom Albers, nodata -9999): values at the reference points', async () => {
    const r = await openRaster(file('data/rasterstats/slope.cog.tif'));
    expect(r.info.dtype).toBe('float32');
    expect(r.info.nodata).toBe(-9999);
    expect(r.info.geoKeys[3072]).toBe(32767); // user-defined projection
    for (const p of csv('expected/rs_slope__points__point_values.csv')) {
      const [bw] = await r.readWindow({ row0: Number(p.row), col0: Number(p.col), rows: 1, cols: 1 }, [1]);
      expect(bw?.values[0]).toBe(Number(p.value));
    }
  });
  it('scale 2 / offset -1, nodata tested on the raw value', async () => {
    const r = await openRaster(file('data/tiny/r3x3_scale_offset_nodata_int32.cog.tif'));
    expect(r.info.scale).toEqual([2]);
    expect(r.info.offset).toEqual([-1]);
    const [bw] = await r.readWindow({ row0: 0, col0: 0, rows: 3, cols: 3 }, [1]);
    const raw = await openRaster(file('data/tiny/r3x3_scale_offset_nodata_int32.cog.tif'));
    expect(raw.info.nodata).not.toBeNull();
    // every valid value is 2*raw-1: odd integers
    bw?.values.forEach((v, i) => { if (bw.valid[i]) expect(Math.abs(v % 2)).toBe(1); });
    expect([...(bw?.valid ?? [])].filter((v) => v === 0).length).toBeGreaterThan(0);
  });
  it('NaN cells are nodata (float32 and float64)', async () => {
    for (const p of ['data/tiny/r2x2_nan_float32.cog.tif', 'data/tiny/r3x3_nan_counts_float64.cog.tif']) {
      const r = await openRaster(file(p));
      const [bw] = await r.readWindow({ row0: 0, col0: 0, rows: r.info.grid.height, cols: r.info.grid.width }, [1]);
      bw?.values.forEach((v, i) => { if (bw.valid[i]) expect(Number.isNaN(v)).toBe(false); });
      expect([...(bw?.valid ?? [])].includes(0)).toBe(true);
    }
  });
  it('the per-dataset mask is applied', async () => {
    const r = await openRaster(file('data/rasterstats/dataset_mask.cog.tif'));
    expect(r.info.hasMask).toBe(true);
    expect(r.info.nodata).toBeNull();
    const [bw] = await r.readWindow({ row0: 0, col0: 0, rows: r.info.grid.height, cols: r.info.grid.width }, [1]);
    const invalid = [...(bw?.valid ?? [])].filter((v) => v === 0).length;
    expect(invalid).toBeGreaterThan(0);
    expect(invalid).toBeLessThan(r.info.grid.width * r.info.grid.height);
  });
  it('cells of a window beyond the raster are invalid', async () => {
    const r = await openRaster(file('data/tiny/r3x3_1to9_int32.cog.tif'));
    const [bw] = await r.readWindow({ row0: -1, col0: -1, rows: 5, cols: 5 }, [1]);
    expect([...(bw?.valid ?? [])].reduce((a, b) => a + b, 0)).toBe(9);
    expect(bw?.values[1 * 5 + 1]).toBe(1);
    expect(bw?.values[3 * 5 + 3]).toBe(9);
  });
  it('a window read costs one header request and one merged request of exactly the tiles touched', async () => {
    const rec = new CountingSource(file('data/l7/L7_ETMs.cog.tif'), true);
    const r = await openRaster(rec);
    expect(rec.requests).toBe(1);
    const w = { row0: 200, col0: 200, rows: 100, cols: 100 }; // crosses 4 tiles of 256x256
    const tiles = r.tilesForWindow(w);
    expect(tiles).toHaveLength(4);
    const ranges = r.tileRanges([w], [1]);
    const minimal = ranges.reduce((a, b) => a + b.length, 0);
    await r.prefetch([w], { bands: [1] });
    const afterPrefetch = rec.requests;
    await r.readWindow(w, [1, 2, 3, 4, 5, 6]);
    expect(rec.requests).toBe(afterPrefetch); // nothing more fetched
    const tileRequests = rec.log.slice(1);
    expect(tileRequests.length).toBeLessThanOrEqual(4);
    expect(tileRequests.reduce((a, b) => a + b.bytes, 0)).toBeLessThanOrEqual(minimal + 16 * 1024 * (tileRequests.length));
    expect(tileRequests.reduce((a, b) => a + b.bytes, 0)).toBeGreaterThanOrEqual(minimal);
  });
  it('not a TIFF, truncated: clear errors', async () => {
    await expect(openRaster(new MemorySource('mem://x.tif', new TextEncoder().encode('hello world')))).rejects.toThrow(/not a TIFF/);
    const bytes = readFileSync(join(REF, 'data/l7/L7_ETMs.cog.tif'));
    const cut = new MemorySource('mem://cut.tif', bytes.subarray(0, 20000));
    const r = await openRaster(cut);
    await expect(r.readWindow({ row0: 300, col0: 300, rows: 10, cols: 10 }, [1])).rejects.toThrow(RasterError);
  });
});
