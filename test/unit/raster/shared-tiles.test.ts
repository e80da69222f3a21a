/**
 * Decoded tiles shared across rasters (a warm Lambda environment's): a second raster over the same
 * object version reads none of the tiles the first decoded, with the same values; another version of
 * the object (a new ETag) or a source without a version reads its own; the store stays within its
 * bound, least recently used out first.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openRaster } from '../../../shared/raster/cog';
import { SharedTiles } from '../../../shared/raster/shared-tiles';
import { CountingSource } from '../../../shared/io/source.counting';
import { MemorySource } from '../../../shared/io/source.memory';
import type { ByteSource } from '../../../shared/io/source';
import { warmTilesBytes } from '../../../shared/pipeline/warm-tiles';

// 64 x 64 UInt16, 16 x 16 tiles, value = 64 row + column (test/fixtures/README.md, cases/redirect-loopback)
const BYTES = readFileSync(join(import.meta.dirname, '../../fixtures/cases/redirect-loopback/base.tif'));

/** A source reporting `version` (as S3Source reports ETag and size once read). */
function versioned(version: string | undefined): CountingSource {
  const inner: ByteSource = Object.assign(new MemorySource('s3://rasters/base.tif', BYTES), { version: () => version });
  return new CountingSource(inner);
}

const whole = { row0: 0, col0: 0, rows: 64, cols: 64 };

describe('shared decoded tiles', () => {
  it('a second raster over the same version reads no tile, with the same values', async () => {
    const shared = new SharedTiles(64 * 1024 * 1024);
    const a = versioned('"etag-1" 12345');
    const first = await openRaster(a, { sharedTiles: shared });
    const requestsAfterOpen = a.requests;
    const [va] = await first.readWindow(whole, [1]);
    expect(a.requests).toBeGreaterThan(requestsAfterOpen);
    expect(shared.bytes).toBe(16 * 16 * 16 * 2); // 16 tiles of 16 x 16 UInt16
    // value = 64 row + column (the fixture's definition)
    expect(va?.values[5 * 64 + 7]).toBe(64 * 5 + 7);

    const b = versioned('"etag-1" 12345');
    const second = await openRaster(b, { sharedTiles: shared });
    const headerRequests = b.requests;
    const [vb] = await second.readWindow(whole, [1]);
    expect(b.requests).toBe(headerRequests); // every tile from the shared store
    expect(second.tilesDecoded).toBe(0);
    expect([...(vb?.values ?? [])]).toEqual([...(va?.values ?? [])]);
    expect(shared.hits).toBe(16);
  });

  it('two rasters reading the same tiles at once fetch each tile once; a failed fetch leaves the other raster to fetch its own', async () => {
    const shared = new SharedTiles(64 * 1024 * 1024);
    const a = versioned('"etag-1" 12345');
    const b = versioned('"etag-1" 12345');
    const [ra, rb] = await Promise.all([openRaster(a, { sharedTiles: shared }), openRaster(b, { sharedTiles: shared })]);
    const [ha, hb] = [a.requests, b.requests];
    const [[va], [vb]] = await Promise.all([ra.readWindow(whole, [1]), rb.readWindow(whole, [1])]);
    expect(Math.min(a.requests - ha, b.requests - hb)).toBe(0); // one raster made every tile request, the other none
    expect(Math.max(a.requests - ha, b.requests - hb)).toBeGreaterThan(0);
    expect([...(vb?.values ?? [])]).toEqual([...(va?.values ?? [])]);
    expect(vb?.values[63 * 64 + 63]).toBe(64 * 63 + 63);

    // a source whose tile reads fail (after its header): the other raster, waiting on its fetch, reads for itself
    const fresh = new SharedTiles(64 * 1024 * 1024);
    const failing = versioned('"etag-1" 12345');
    const ok = versioned('"etag-1" 12345');
    const rf = await openRaster(failing, { sharedTiles: fresh });
    const ro = await openRaster(ok, { sharedTiles: fresh });
    failing.fetch = () => Promise.reject(new Error('connection reset'));
    const [failed, good] = await Promise.allSettled([rf.readWindow(whole, [1]), ro.readWindow(whole, [1])]);
    expect(failed.status).toBe('rejected');
    expect(good.status === 'fulfilled' ? good.value[0]?.values[5 * 64 + 7] : null).toBe(64 * 5 + 7);
  });

  it('another version of the object, or a source without one, reads its own tiles', async () => {
    const shared = new SharedTiles(64 * 1024 * 1024);
    await (await openRaster(versioned('"etag-1" 12345'), { sharedTiles: shared })).readWindow(whole, [1]);
    for (const v of ['"etag-2" 12345', undefined]) {
      const src = versioned(v);
      const r = await openRaster(src, { sharedTiles: shared });
      const before = src.requests;
      await r.readWindow(whole, [1]);
      expect(src.requests).toBeGreaterThan(before);
      expect(r.tilesDecoded).toBe(16);
    }
  });

  it('stays within its bound, least recently used out first; a tile over the bound is not held', () => {
    const shared = new SharedTiles(3000);
    shared.set('a', new Uint8Array(1000));
    shared.set('b', new Uint8Array(1000));
    shared.set('c', new Uint8Array(1000));
    expect(shared.get('a')).toBeDefined(); // a is now the most recent
    shared.set('d', new Uint8Array(1000));
    expect(shared.has('b')).toBe(false);
    expect(['a', 'c', 'd'].every((k) => shared.has(k))).toBe(true);
    expect(shared.bytes).toBe(3000);
    shared.set('huge', new Uint8Array(4000));
    expect(shared.has('huge')).toBe(false);
    expect(shared.bytes).toBe(3000);
  });

  it("the Worker's share: an eighth of the function's memory, 2,048 MB when unknown", () => {
    expect(warmTilesBytes(2048)).toBe(256 * 2 ** 20);
    expect(warmTilesBytes(10240)).toBe(1280 * 2 ** 20);
    expect(warmTilesBytes(Number.NaN)).toBe(256 * 2 ** 20);
  });
});
