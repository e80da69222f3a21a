/**
 * The decoded-tile cache's eviction (Raster.keepDecoded): past its bound it drops the tiles lying farthest from
 * the tile just decoded (the least recently used first among equally far ones), so that a spatial walk keeps
 * the tiles around where it is. Counted with Raster.tilesDecoded on a raster the test writes (cog-writer):
 * a row of 16x16 UInt16 tiles (512 bytes decoded each) and a cache of two tiles' bytes. Also Raster.decodeAhead:
 * the prefetched tiles of windows decoded before they are read, each once, within half the cache.
 */
import { mkdtempSync, openSync, rmSync, closeSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openRaster } from '../../../shared/raster/cog';
import type { Raster } from '../../../shared/raster/cog';
import { FileSource } from '../../../shared/io/source.file';
import { writeCog } from '../../helpers/cog-writer';
import { TileError } from '../../../shared/errors';
import { StatsAccumulator } from '../../../shared/stats/accumulator';

const dir = mkdtempSync(join(tmpdir(), 'zf-tilecache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TILE = 16;
const TILE_BYTES = TILE * TILE * 2;

/** A raster of `across` x `down` tiles of 16x16 UInt16 cells, with a decoded-tile cache of `tiles` tiles' bytes. */
async function tiled(name: string, across: number, down: number, tiles: number): Promise<Raster> {
  const path = join(dir, `${name}.tif`);
  writeCog(path, { epsg: 32631, transform: [500000, 5000000, 10, 10], width: across * TILE, height: down * TILE, dtype: 'uint16', tileSize: TILE, compression: 'deflate', predictor: 2, value: (row, col) => row * 1000 + col });
  return openRaster(new FileSource(path), { cacheBytes: tiles * TILE_BYTES });
}

/** Reads one cell of tile (tileRow, tileCol) and checks its value (the tile is decoded unless cached). */
async function touch(r: Raster, tileRow: number, tileCol: number): Promise<void> {
  const row = tileRow * TILE + 3;
  const col = tileCol * TILE + 5;
  const [band] = await r.readWindow({ row0: row, col0: col, rows: 1, cols: 1 }, [1]);
  expect(band?.values[0]).toBe(row * 1000 + col);
}

describe('decoded-tile cache eviction', () => {
  it('drops the tile farthest from the one just decoded, not the least recently used', async () => {
    const r = await tiled('row', 4, 1, 2);
    await touch(r, 0, 0);
    await touch(r, 0, 3);
    await touch(r, 0, 1); // over the bound: tile 3 (2 tiles away) goes, tile 0 (older, 1 away) stays
    expect(r.tilesDecoded).toBe(3);
    await touch(r, 0, 0); // still cached
    expect(r.tilesDecoded).toBe(3);
    await touch(r, 0, 3); // was evicted: decoded again
    expect(r.tilesDecoded).toBe(4);
  });

  it('among equally far tiles drops the least recently used', async () => {
    const r = await tiled('ties', 3, 3, 2);
    await touch(r, 0, 1);
    await touch(r, 1, 0);
    await touch(r, 1, 0);
    await touch(r, 0, 1); // (0,1) is now the most recently used; both are 1 tile from (1,1)
    await touch(r, 1, 1); // over the bound: (1,0) goes
    expect(r.tilesDecoded).toBe(3);
    await touch(r, 0, 1);
    expect(r.tilesDecoded).toBe(3);
    await touch(r, 1, 0);
    expect(r.tilesDecoded).toBe(4);
  });

  it('keeps no tile that alone exceeds the bound', async () => {
    const r = await tiled('small', 2, 1, 0.5);
    await touch(r, 0, 0);
    await touch(r, 0, 0);
    expect(r.tilesDecoded).toBe(2);
  });
});

describe('a window being accumulated keeps its tiles (Raster.accumulateWindow pins them)', () => {
  it('raster-wide bands of half a tile row: each tile decoded once, though two tile rows exceed the cache', async () => {
    // 8 x 3 tiles, a cache of 12: one tile row fits, two do not. Without pinning, decoding tile row 1 evicted
    // its own first tiles (farther from the tile just decoded than tile row 0's middle ones), and the second
    // half-row band decoded them again (the whole-raster polygon read 270 MB of a 187 MB file that way).
    const r = await tiled('pinned', 8, 3, 12);
    const acc = new StatsAccumulator({ stats: ['count', 'sum'], semantics: 'exact' });
    const cols = 8 * TILE;
    let sum = 0;
    for (let row0 = 0; row0 < 3 * TILE; row0 += TILE / 2) {
      const w = { row0, col0: 0, rows: TILE / 2, cols };
      expect(await r.accumulateWindow(w, [1], new Float64Array(w.rows * cols).fill(1), [acc])).toBe(true);
      for (let row = row0; row < row0 + w.rows; row++) for (let col = 0; col < cols; col++) sum += row * 1000 + col;
    }
    expect(r.tilesDecoded).toBe(24);
    const res = acc.result();
    expect(res.count).toBe(3 * TILE * cols);
    expect(res.sum).toBe(sum);
  });
});

describe('decoding ahead (Raster.decodeAhead)', () => {
  it('decodes the fetched tiles the windows need, each once, and the reads then use them', async () => {
    const r = await tiled('ahead', 4, 1, 8);
    const windows = [0, 1, 2].map((c) => ({ row0: 2, col0: c * TILE + 4, rows: 3, cols: 20 })); // tiles 0..3
    r.decodeAhead(windows, { bands: [1] }); // nothing fetched yet: nothing to decode
    expect(r.tilesDecoded).toBe(0);
    await r.prefetch(windows, { bands: [1] });
    r.decodeAhead(windows, { bands: [1] });
    r.decodeAhead(windows, { bands: [1] }); // the same tiles being decoded: not again
    const fetched = r.tilesFetched;
    for (const w of windows) {
      const [band] = await r.readWindow(w, [1]);
      expect(band?.values[0]).toBe(w.row0 * 1000 + w.col0);
    }
    expect(r.tilesDecoded).toBe(4);
    expect(r.tilesFetched).toBe(fetched); // none fetched again while it was decoding
  });

  it('decodes nothing ahead when tiles inflate on the reading thread (zonal worker threads) or are not Deflate', async () => {
    const windows = [{ row0: 0, col0: 0, rows: TILE, cols: 4 * TILE }];
    await tiled('own', 4, 1, 8); // writes own.tif
    const own = await openRaster(new FileSource(join(dir, 'own.tif')), { cacheBytes: 8 * TILE_BYTES, inflateOnPool: false });
    await own.prefetch(windows, { bands: [1] });
    own.decodeAhead(windows, { bands: [1] });
    expect(own.tilesDecoded).toBe(0);
    const [band] = await own.readWindow({ row0: 1, col0: 40, rows: 1, cols: 1 }, [1]);
    expect(band?.values[0]).toBe(1000 + 40);
    const lzwPath = join(dir, 'lzw.tif');
    writeCog(lzwPath, { epsg: 32631, transform: [500000, 5000000, 10, 10], width: 4 * TILE, height: TILE, dtype: 'uint16', tileSize: TILE, compression: 'lzw', value: (row, col) => row * 1000 + col });
    const lzw = await openRaster(new FileSource(lzwPath), { cacheBytes: 8 * TILE_BYTES });
    await lzw.prefetch(windows, { bands: [1] });
    lzw.decodeAhead(windows, { bands: [1] });
    expect(lzw.tilesDecoded).toBe(0);
  });

  it('a corrupt tile decoded ahead fails the read that needs it with its TileError, and only that read', async () => {
    const r = await tiled('corrupt', 3, 1, 8);
    const range = r.tileRanges([{ row0: 0, col0: TILE, rows: 1, cols: 1 }], [1])[0];
    if (range === undefined) throw new Error('tile 1 has no bytes');
    const fd = openSync(join(dir, 'corrupt.tif'), 'r+');
    writeSync(fd, Buffer.alloc(Math.min(64, range.length), 0xff), 0, Math.min(64, range.length), range.offset); // not a zlib stream any more
    closeSync(fd);
    const windows = [{ row0: 0, col0: 0, rows: TILE, cols: 3 * TILE }];
    await r.prefetch(windows, { bands: [1] });
    r.decodeAhead(windows, { bands: [1] });
    await expect(r.readWindow({ row0: 2, col0: TILE + 1, rows: 1, cols: 1 }, [1])).rejects.toBeInstanceOf(TileError);
    const [left] = await r.readWindow({ row0: 2, col0: 1, rows: 1, cols: 1 }, [1]);
    expect(left?.values[0]).toBe(2 * 1000 + 1);
    const [right] = await r.readWindow({ row0: 2, col0: 2 * TILE + 1, rows: 1, cols: 1 }, [1]);
    expect(right?.values[0]).toBe(2 * 1000 + 2 * TILE + 1);
  });

  it('decodes no more than half the cache ahead', async () => {
    const r = await tiled('half', 4, 1, 2); // room for one tile ahead
    const windows = [{ row0: 0, col0: 0, rows: TILE, cols: 4 * TILE }];
    await r.prefetch(windows, { bands: [1] });
    r.decodeAhead(windows, { bands: [1] });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(r.tilesDecoded).toBe(1);
  });
});
