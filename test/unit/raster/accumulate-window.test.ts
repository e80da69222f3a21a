/**
 * Raster.accumulateWindow (cells straight from the decoded tiles into the accumulators) gives bit for bit
 * what readWindow + StatsAccumulator.addWindow give, and declines (adding nothing) where readWindow's
 * general path is needed. Rasters are written by the test (cog-writer); the oracle is the copied-window path,
 * itself checked against GDAL/exactextract by the reference tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openRaster } from '../../../shared/raster/cog';
import type { Raster } from '../../../shared/raster/cog';
import type { Window } from '../../../shared/raster/grid';
import { FileSource } from '../../../shared/io/source.file';
import { StatsAccumulator } from '../../../shared/stats/accumulator';
import type { StatName } from '../../../shared/stats/accumulator';
import { writeCog } from '../../helpers/cog-writer';
import type { CogSpec } from '../../helpers/cog-writer';

const dir = mkdtempSync(join(tmpdir(), 'zf-accwin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let seq = 0;
async function raster(spec: Omit<CogSpec, 'epsg' | 'transform'>): Promise<Raster> {
  const path = join(dir, `r${seq++}.tif`);
  writeCog(path, { epsg: 32631, transform: [500000, 5000000, 10, 10], ...spec });
  return openRaster(new FileSource(path));
}

/** Pseudo-random coverage weights in [0, 1] with zeros (cells outside the feature) and exact 1s. */
function weightsFor(w: Window, seed: number): Float64Array {
  const out = new Float64Array(w.rows * w.cols);
  let s = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32;
    out[i] = u < 0.2 ? 0 : u > 0.7 ? 1 : u;
  }
  return out;
}

const STATS: StatName[] = ['count', 'sum', 'mean', 'min', 'max', 'stdev', 'nodata_count', 'median', 'majority'];

/** Both paths over one window: the accumulators' results (and whether the direct path applied). */
async function both(r: Raster, w: Window, bands: number[], semantics: 'exact' | 'unweighted', nodata?: number | null): Promise<{ direct: boolean; viaTiles: unknown[]; viaCopy: unknown[] }> {
  const weights = weightsFor(w, w.row0 * 7919 + w.col0);
  const make = (): StatsAccumulator[] => bands.map(() => new StatsAccumulator({ stats: STATS, semantics }));
  const a = make();
  const direct = await r.accumulateWindow(w, bands, weights, a, nodata === undefined ? {} : { nodata });
  const b = make();
  const read = await r.readWindow(w, bands, nodata === undefined ? {} : { nodata });
  read.forEach((bw, k) => b[k]?.addWindow(bw.values, bw.valid, weights));
  return { direct, viaTiles: a.map((x) => x.result()), viaCopy: b.map((x) => x.result()) };
}

const windows: Window[] = [
  { row0: 0, col0: 0, rows: 5, cols: 7 },
  { row0: 14, col0: 13, rows: 9, cols: 11 }, // across four tiles
  { row0: 30, col0: 25, rows: 12, cols: 12 }, // beyond the bottom-right corner (cells outside: nodata)
  { row0: -3, col0: -4, rows: 6, cols: 9 }, // beyond the top-left corner
  { row0: 3, col0: 50, rows: 4, cols: 4 }, // wholly outside
  { row0: 0, col0: 0, rows: 37, cols: 41 }, // the whole raster and more
  { row0: 10, col0: 17, rows: 20, cols: 14 }, // one column of tiles, two tile rows (the rows of each tile in one call)
  { row0: -3, col0: 2, rows: 41, cols: 10 }, // one column of tiles, rows beyond the top and the bottom
];

describe('Raster.accumulateWindow equals readWindow + addWindow', () => {
  it('uint16 deflate + predictor, nodata, 16x16 tiles, windows across tiles and edges (exact and unweighted)', async () => {
    const r = await raster({ width: 37, height: 35, dtype: 'uint16', tileSize: 16, compression: 'deflate', predictor: 2, nodata: 0, value: (row, col) => ((row * 31 + col * 17) % 11 === 0 ? 0 : 100 + ((row * 7 + col * 13) % 50)) });
    for (const w of windows) {
      for (const sem of ['exact', 'unweighted'] as const) {
        const { direct, viaTiles, viaCopy } = await both(r, w, [1], sem);
        expect(direct).toBe(true);
        expect(viaTiles).toStrictEqual(viaCopy);
      }
    }
  });
  it('float32 with NaN cells, scale and offset, a nodata override and none', async () => {
    const r = await raster({ width: 37, height: 35, dtype: 'float32', tileSize: 16, compression: 'zstd', predictor: 3, nodata: -9999, scale: 0.5, offset: -3, value: (row, col) => ((row + col) % 9 === 0 ? NaN : (row + col) % 7 === 0 ? -9999 : Math.fround(row * 0.37 - col * 1.3)) });
    for (const w of windows) {
      for (const nodata of [undefined, null, 5] as const) {
        const { direct, viaTiles, viaCopy } = await both(r, w, [1], 'exact', nodata);
        expect(direct).toBe(true);
        expect(viaTiles).toStrictEqual(viaCopy);
      }
    }
  });
  it('several bands, pixel-interleaved and band-separate', async () => {
    for (const planar of [false, true]) {
      const r = await raster({ width: 37, height: 35, bands: 3, planar, dtype: 'int16', tileSize: 16, compression: 'lzw', value: (row, col, b) => (row * 3 - col * 5) * b });
      for (const w of windows) {
        const { direct, viaTiles, viaCopy } = await both(r, w, [3, 1], 'exact');
        expect(direct).toBe(true);
        expect(viaTiles).toStrictEqual(viaCopy);
      }
    }
  });
  it('declines, adding nothing, where readWindow is needed: a mask, a sparse tile', async () => {
    const masked = await raster({ width: 20, height: 20, dtype: 'uint8', tileSize: 16, value: (row) => row, mask: (row, col) => row !== col });
    const sparse = await raster({ width: 20, height: 20, dtype: 'uint8', tileSize: 16, value: (row) => row, sparse: (i) => i === 3 });
    const w = { row0: 10, col0: 10, rows: 8, cols: 8 };
    for (const r of [masked, sparse]) {
      const acc = new StatsAccumulator({ stats: ['count'], semantics: 'exact' });
      expect(await r.accumulateWindow(w, [1], weightsFor(w, 1), [acc])).toBe(false);
      expect(acc.result().count).toBe(0);
    }
    // a window that does not reach the sparse tile still goes straight through
    const { direct, viaTiles, viaCopy } = await both(sparse, { row0: 0, col0: 0, rows: 10, cols: 10 }, [1], 'exact');
    expect(direct).toBe(true);
    expect(viaTiles).toStrictEqual(viaCopy);
  });
  it('accumulateCached: null (nothing added) until the tiles are decoded, then the same cells without waiting', async () => {
    const r = await raster({ width: 37, height: 35, dtype: 'uint16', tileSize: 16, compression: 'deflate', predictor: 2, nodata: 0, value: (row, col) => ((row * 31 + col * 17) % 11 === 0 ? 0 : 100 + ((row * 7 + col * 13) % 50)) });
    const w = { row0: 14, col0: 13, rows: 9, cols: 11 }; // across four tiles
    const weights = weightsFor(w, 5);
    const cold = new StatsAccumulator({ stats: STATS, semantics: 'exact' });
    expect(r.accumulateCached(w, [1], weights, [cold])).toBeNull();
    expect(cold.result().count).toBe(0);
    const viaWindow = new StatsAccumulator({ stats: STATS, semantics: 'exact' });
    expect(await r.accumulateWindow(w, [1], weights, [viaWindow])).toBe(true); // decodes the four tiles
    const warm = new StatsAccumulator({ stats: STATS, semantics: 'exact' });
    expect(r.accumulateCached(w, [1], weights, [warm])).toBe(true);
    expect(warm.result()).toStrictEqual(viaWindow.result());
    // a sparse tile declines as accumulateWindow does, once decoded (as absent)
    const sparse = await raster({ width: 20, height: 20, dtype: 'uint8', tileSize: 16, value: (row) => row, sparse: (i) => i === 3 });
    const sw = { row0: 10, col0: 10, rows: 8, cols: 8 };
    expect(await sparse.accumulateWindow(sw, [1], weightsFor(sw, 1), [new StatsAccumulator({ stats: ['count'], semantics: 'exact' })])).toBe(false);
    expect(sparse.accumulateCached(sw, [1], weightsFor(sw, 1), [new StatsAccumulator({ stats: ['count'], semantics: 'exact' })])).toBe(false);
  });
  it('a cache smaller than a window\'s tiles still gives every cell (tiles evicted while the next is decoded)', async () => {
    const path = join(dir, `r${seq++}.tif`);
    writeCog(path, { epsg: 32631, transform: [500000, 5000000, 10, 10], width: 37, height: 35, dtype: 'uint16', tileSize: 16, compression: 'deflate', predictor: 2, value: (row, col) => row * 40 + col });
    const tiny = await openRaster(new FileSource(path), { cacheBytes: 600 }); // about one 16x16 UInt16 tile
    const roomy = await openRaster(new FileSource(path));
    for (const w of windows) {
      const weights = weightsFor(w, 9);
      const a = new StatsAccumulator({ stats: STATS, semantics: 'exact' });
      const b = new StatsAccumulator({ stats: STATS, semantics: 'exact' });
      expect(await tiny.accumulateWindow(w, [1], weights, [a])).toBe(true);
      expect(await roomy.accumulateWindow(w, [1], weights, [b])).toBe(true);
      expect(a.result()).toStrictEqual(b.result());
    }
  });
});
