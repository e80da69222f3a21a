/**
 * The spatial split of a chunk among worker threads (parallel-order.ts): the Hilbert curve visits
 * every cell once, each step to an edge neighbour; parts are contiguous in key order and balanced.
 */
import { describe, expect, it } from 'vitest';
import { KeyTally, hilbertIndex, windowKey } from '../../../shared/engine/parallel-order';
import { chunkPipeline, defaultThreads, jobThreads, streamedThreads } from '../../../shared/engine/parallel-pipeline';

describe('hilbertIndex', () => {
  it('on a 16 x 16 square: a bijection onto 0..255 whose consecutive indices are edge neighbours', () => {
    const side = 16;
    const at = new Map<number, [number, number]>();
    for (let x = 0; x < side; x++) for (let y = 0; y < side; y++) at.set(hilbertIndex(side, x, y), [x, y]);
    expect([...at.keys()].sort((a, b) => a - b)).toStrictEqual(Array.from({ length: side * side }, (_, i) => i));
    for (let d = 1; d < side * side; d++) {
      const [x0, y0] = at.get(d - 1) ?? [NaN, NaN];
      const [x1, y1] = at.get(d) ?? [NaN, NaN];
      expect(Math.abs(x1 - x0) + Math.abs(y1 - y0)).toBe(1);
    }
  });

  it('equals the loop over the bits (Wikipedia\'s xy2d, here as the reference) on every side up to 2^16: every cell up to 256 x 256, random cells and the corners beyond', () => {
    const reference = (side: number, x0: number, y0: number): number => {
      let [x, y, d] = [x0, y0, 0];
      for (let s = side >>> 1; s > 0; s >>>= 1) {
        const rx = (x & s) > 0 ? 1 : 0;
        const ry = (y & s) > 0 ? 1 : 0;
        d += s * s * ((3 * rx) ^ ry);
        if (ry === 0) {
          if (rx === 1) [x, y] = [side - 1 - x, side - 1 - y];
          [x, y] = [y, x];
        }
      }
      return d;
    };
    let seed = 17;
    const random = (n: number): number => (seed = (seed * 16807) % 2147483647) % n;
    for (let k = 1; k <= 16; k++) {
      const side = 2 ** k;
      const cells: [number, number][] = [[0, 0], [side - 1, 0], [0, side - 1], [side - 1, side - 1], [side >> 1, (side >> 1) - 1]];
      if (side <= 256) for (let x = 0; x < side; x++) for (let y = 0; y < side; y++) cells.push([x, y]);
      for (let i = 0; i < 20_000; i++) cells.push([random(side), random(side)]);
      let differ = 0;
      for (const [x, y] of cells) if (hilbertIndex(side, x, y) !== reference(side, x, y)) differ++;
      expect(differ, `side ${side}`).toBe(0);
    }
  });

  it('windowKey: nearby windows get nearby keys more often than far ones (the four quadrants are four key ranges)', () => {
    const q = (col: number, row: number): number => Math.floor(windowKey({ col0: col, row0: row, cols: 2, rows: 2 }, 1000, 1000) / 2 ** 30);
    expect(new Set([q(10, 10), q(900, 10), q(10, 900), q(900, 900)]).size).toBe(4);
    expect(q(10, 10)).toBe(q(400, 400));
  });
});

describe('defaultThreads and chunkPipeline', () => {
  it('threads: the cores, at most 8, at most one per 2000 features, at least 1', () => {
    expect(defaultThreads(100_000, 2)).toBe(2);
    expect(defaultThreads(100_000, 64)).toBe(8);
    expect(defaultThreads(5000, 16)).toBe(2);
    expect(defaultThreads(10, 16)).toBe(1);
  });

  it('the default while a GeoPackage is read alongside: one compute thread fewer (the main thread alone on 2 cores); the user\'s count stands', () => {
    const local = { rasters: [{ uri: 'a.tif' }] };
    // 100k features on 2 cores: the main thread computes, no worker thread
    expect(streamedThreads(defaultThreads(100_000, 2), undefined)).toBe(1);
    expect(streamedThreads(defaultThreads(100_000, 4), undefined)).toBe(3);
    expect(streamedThreads(defaultThreads(100_000, 64), undefined)).toBe(7);
    expect(streamedThreads(defaultThreads(100_000, 1), undefined)).toBe(1);
    // --threads N is kept as given
    expect(streamedThreads(jobThreads(local, 2, 100_000), 2)).toBe(2);
    expect(streamedThreads(jobThreads(local, 1, 100_000), 1)).toBe(1);
    // a raster on s3:// computes in the main thread whatever is asked
    expect(streamedThreads(jobThreads({ rasters: [{ uri: 's3://b/a.tif' }] }, 4, 100_000), 4)).toBe(1);
  });

  it('gives chunks back in the order they were pushed, whatever order they finish in; a failure is thrown in its turn', async () => {
    const delays = [30, 5, 15, 0];
    let n = 0;
    const pipe = chunkPipeline(async () => {
      const k = n++;
      await new Promise((r) => setTimeout(r, delays[k]));
      if (k === 3) throw new Error('chunk 3 failed');
      return [{ id: String(k), fid: k, values: [], error: null }];
    }, 2);
    pipe.push([]);
    pipe.push([]);
    expect((await pipe.take(false)).map((c) => c[0]?.id)).toStrictEqual(['0']);
    pipe.push([]);
    pipe.push([]);
    expect((await pipe.take(false)).map((c) => c[0]?.id)).toStrictEqual(['1', '2']);
    await expect(pipe.take(true)).rejects.toThrow('chunk 3 failed');
  });
});

describe('KeyTally.bounds (one stretch of the job order per worker thread)', () => {
  const count = (keys: number[], bounds: number[]): number[] => {
    const out = new Array<number>(bounds.length + 1).fill(0);
    for (const k of keys) {
      let j = 0;
      while (j < bounds.length && k >= (bounds[j] as number)) j++;
      out[j] = (out[j] ?? 0) + 1;
    }
    return out;
  };
  it('cuts distinct keys into stretches of equal counts, bounds increasing; features touching nothing go last, uncounted', () => {
    const t = new KeyTally();
    const keys = Array.from({ length: 3000 }, (_, i) => (i * 7919) % 3001);
    for (const k of keys) t.add(k);
    for (let i = 0; i < 500; i++) t.add(Number.MAX_SAFE_INTEGER);
    const b = t.bounds(3);
    expect(b.length).toBe(2);
    expect(b[0]).toBeLessThan(b[1] as number);
    expect(count([...keys, ...Array<number>(500).fill(Number.MAX_SAFE_INTEGER)], b)).toStrictEqual([1000, 1000, 1500]);
  });
  it('equal keys stay in one stretch; 1 part or no keys: no cut', () => {
    const t = new KeyTally();
    for (let i = 0; i < 100; i++) t.add(5);
    t.add(9);
    const b = t.bounds(2);
    expect(count([...Array<number>(100).fill(5), 9], b).reduce((a, x) => a + x, 0)).toBe(101);
    expect(b.every((x, i) => i === 0 || x >= (b[i - 1] as number))).toBe(true);
    expect(t.bounds(1)).toStrictEqual([]);
    expect(new KeyTally().bounds(4)).toStrictEqual([Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]);
  });
});
