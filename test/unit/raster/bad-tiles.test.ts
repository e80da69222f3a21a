/**
 * A tile that cannot be read is remembered by its raster, with its reason (Raster `broken`), on every kind of
 * failure: data that does not decode, a truncated file, a range the source refuses for good (403/404/416...).
 * Each later read needing it throws the same error at once, without another request or decode; a failure the
 * source may recover from (5xx, network) is not remembered and throws. A decode failure is also shared with
 * the other rasters over the same object version (SharedTiles: the Worker's warm tiles, the batches of
 * `zonalflow local` on one thread). Fixture: test/fixtures/corrupt-tile-reads (make.py, GDAL): grid.tif, a
 * 512 x 512 Int32 COG (value = 512 row + column, 128 x 128 tiles), and bad-tile.tif, the same with tile 15
 * overwritten by bytes that are not Deflate, at the offsets of tiles.json (GDAL's TileOffsets).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRaster } from '../../../shared/raster/cog';
import type { Raster } from '../../../shared/raster/cog';
import { MemorySource } from '../../../shared/io/source.memory';
import type { ByteSource } from '../../../shared/io/source';
import { SharedTiles } from '../../../shared/raster/shared-tiles';
import { SourceError, TileError } from '../../../shared/errors';

const FIX = join(import.meta.dirname, '../../fixtures/corrupt-tile-reads');
interface TileEntry { index: number; row: number; col: number; offset: number; length: number }
const META = JSON.parse(readFileSync(join(FIX, 'tiles.json'), 'utf8')) as { size: number; width: number; tile: number; tiles: TileEntry[] };
const GRID = new Uint8Array(readFileSync(join(FIX, 'grid.tif')));
const BAD_FILE = new Uint8Array(readFileSync(join(FIX, 'bad-tile.tif')));
const T15 = META.tiles[15] as TileEntry;
const T14 = META.tiles[14] as TileEntry;
const T = META.tile;

/** A source over `bytes` that logs every request, refuses (throws `refuse(offset, length)`) the requests it is told to, and may report a version. */
function logged(bytes: Uint8Array, refuse: (offset: number, length: number) => Error | null = () => null, version?: string): ByteSource & { log: { offset: number; length: number }[] } {
  const mem = new MemorySource('mem://r.tif', bytes);
  const log: { offset: number; length: number }[] = [];
  return {
    uri: mem.uri,
    log,
    size: () => mem.size(),
    fetch: (offset, length) => {
      log.push({ offset, length });
      const err = refuse(offset, length);
      return err ? Promise.reject(err) : mem.fetch(offset, length);
    },
    ...(version === undefined ? {} : { version: () => version }),
  };
}

/** Requests after the header read whose range covers tile `t`'s bytes. */
const covering = (log: readonly { offset: number; length: number }[], t: TileEntry): number => log.filter((q) => q.offset > 0 && q.offset <= t.offset && q.offset + q.length >= t.offset + t.length).length;

/** The 8 x 8 windows of tile (row, col), as 256 features would read it. */
function windowsOf(row: number, col: number): { row0: number; col0: number; rows: number; cols: number }[] {
  const out = [];
  for (let r = 0; r < T; r += 8) for (let c = 0; c < T; c += 8) out.push({ row0: row * T + r, col0: col * T + c, rows: 8, cols: 8 });
  return out;
}

/** Reads every window; returns the errors thrown (one per window that failed). */
async function readAll(r: Raster, windows: ReturnType<typeof windowsOf>): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (const w of windows) {
    try {
      const [b] = await r.readWindow(w, [1]);
      expect(b?.values[0]).toBe(w.row0 * META.width + w.col0); // 512 row + column (arithmetic)
    } catch (err) {
      errors.push(err);
    }
  }
  return errors;
}

describe('a tile that cannot be read is read once', () => {
  it('corrupt Deflate data: 256 reads of tile 15 get its TileError, one request and one decode attempt', async () => {
    const src = logged(BAD_FILE);
    const r = await openRaster(src);
    const errors = await readAll(r, windowsOf(3, 3));
    expect(errors).toHaveLength(256);
    const first = errors[0];
    expect(first).toBeInstanceOf(TileError);
    expect((first as Error).message).toBe(`tile 15 (row 3, column 3, level 0) of mem://r.tif cannot be read: corrupt Deflate data (incorrect header check)`);
    for (const e of errors) expect(e).toBe(first); // the remembered error, not a new attempt
    expect(covering(src.log, T15)).toBe(1);
    expect(r.tilesFetched).toBe(1);
    // accumulateWindow (the engine's direct path) meets the same error, without a request
    const before = src.log.length;
    await expect(r.accumulateWindow({ row0: 3 * T, col0: 3 * T, rows: 8, cols: 8 }, [1], new Float64Array(64).fill(1), [{ addSamples: () => undefined, addNodataRun: () => undefined }])).rejects.toBe(first);
    // the caches dropped (a time series' next acquisition): the failure stays
    r.dropCaches();
    await expect(r.readWindow({ row0: 3 * T, col0: 3 * T, rows: 1, cols: 1 }, [1])).rejects.toBe(first);
    expect(src.log.length).toBe(before);
    // the neighbour tile is read as usual
    expect(await readAll(r, windowsOf(3, 2))).toHaveLength(0);
  });

  it('a range the source refuses (HTTP 404): only that tile fails, with the status, asked for alone once', async () => {
    const refuse = (o: number, l: number): Error | null => (o > 0 && o < T15.offset + T15.length && o + l > T15.offset ? new SourceError('mem://r.tif answered HTTP 404 (not found)', { status: 404 }) : null);
    const src = logged(GRID, refuse);
    const r = await openRaster(src);
    // one prefetch of tiles 14 and 15 (one merged request, refused), then each alone once: 14 read, 15 refused
    await r.prefetch([{ row0: 3 * T, col0: 2 * T, rows: T, cols: 2 * T }], { bands: [1] });
    expect(covering(src.log, T15)).toBe(2);
    expect(covering(src.log, T14)).toBe(2);
    const errors = await readAll(r, windowsOf(3, 3));
    expect(errors).toHaveLength(256);
    const first = errors[0] as SourceError;
    expect(first).toBeInstanceOf(SourceError);
    expect(first.status).toBe(404);
    expect(first.message).toBe('tile 15 (row 3, column 3, level 0) of mem://r.tif cannot be read: mem://r.tif answered HTTP 404 (not found)');
    for (const e of errors) expect(e).toBe(first);
    expect(covering(src.log, T15)).toBe(2); // no request after the prefetch's
    expect(await readAll(r, windowsOf(3, 2))).toHaveLength(0);
    expect(covering(src.log, T14)).toBe(2);
  });

  it('a truncated file: the missing tile fails once', async () => {
    const src = logged(BAD_FILE.subarray(0, T15.offset + 10));
    const r = await openRaster(src);
    const errors = await readAll(r, windowsOf(3, 3));
    expect(errors).toHaveLength(256);
    expect((errors[0] as Error).message).toBe(`tile 15 (row 3, column 3, level 0) of mem://r.tif cannot be read: the file is truncated (${T15.length} bytes at offset ${T15.offset}, 10 present)`);
    expect(covering(src.log, T15)).toBe(1); // asked for once (the answer was short)
  });

  it('a transient failure (HTTP 503) is not remembered: it throws, and the next read asks again', async () => {
    let fail = true;
    const src = logged(GRID, (o) => (fail && o > 0 ? new SourceError('mem://r.tif answered HTTP 503', { status: 503 }) : null));
    const r = await openRaster(src);
    await expect(r.readWindow({ row0: 3 * T, col0: 3 * T, rows: 1, cols: 1 }, [1])).rejects.toThrow(/HTTP 503/);
    fail = false;
    const [b] = await r.readWindow({ row0: 3 * T, col0: 3 * T, rows: 1, cols: 1 }, [1]);
    expect(b?.values[0]).toBe(3 * T * META.width + 3 * T);
  });

  it('rasters sharing tiles (same object version): a tile one found corrupt is neither fetched nor decoded by the next', async () => {
    const shared = new SharedTiles(1 << 20);
    const a = logged(BAD_FILE, undefined, '"etag-1"');
    const ra = await openRaster(a, { sharedTiles: shared });
    const first = (await readAll(ra, windowsOf(3, 3)))[0];
    expect(first).toBeInstanceOf(TileError);
    const b = logged(BAD_FILE, undefined, '"etag-1"');
    const rb = await openRaster(b, { sharedTiles: shared });
    const errors = await readAll(rb, windowsOf(3, 3));
    expect(errors).toHaveLength(256);
    for (const e of errors) expect(e).toBe(first);
    expect(b.log.filter((q) => q.offset > 0)).toEqual([]);
    expect(rb.tilesDecoded).toBe(0);
    // another version of the object is not judged by the old one's failure
    const c = logged(GRID, undefined, '"etag-2"');
    const rc = await openRaster(c, { sharedTiles: shared });
    expect(await readAll(rc, windowsOf(3, 3))).toHaveLength(0);
  });
});
