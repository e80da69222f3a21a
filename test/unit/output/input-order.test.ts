/**
 * Rows put back into input order by placement (input-order.ts): any arrival order gives the rows in
 * position order, whether they stay in memory or spill (at every push, in many buckets), positions
 * beyond the expected count and holes are handled, a position twice is an error, and the spill file
 * is removed on dispose.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputOrderSpool } from '../../../shared/output/input-order';
import { RowEncoder, rowReader } from '../../../shared/engine/row-codec';
import type { ResultRow } from '../../../shared/output/table';

/** A deterministic shuffle (mulberry32). */
function shuffled<T>(items: T[], seed: number): T[] {
  let a = seed;
  const rnd = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const row = (i: number): ResultRow => ({ id: `f${i}`, fid: i + 1, values: [i / 3, i % 5 === 0 ? null : -i], error: i % 7 === 3 ? `GEOMETRY_EMPTY: feature ${i}` : null });

async function placed(positions: number[], opts: { expected: number; bucketRows?: number; memoryBytes?: number; frameRows?: number; dir?: string }, push = 37): Promise<{ out: ResultRow[]; chunks: number[]; spills: number }> {
  const spool = new InputOrderSpool(opts);
  const enc = new RowEncoder();
  try {
    for (let k = 0; k < positions.length; k += push) {
      for (const i of positions.slice(k, k + push)) enc.write(i, row(i));
      await spool.push(enc.take());
    }
    const out: ResultRow[] = [];
    const chunks: number[] = [];
    for await (const chunk of spool.sorted(rowReader)) {
      chunks.push(chunk.length);
      out.push(...chunk);
    }
    return { out, chunks, spills: spool.spills };
  } finally {
    await spool.dispose();
  }
}

describe('InputOrderSpool', () => {
  const n = 5000;
  const all = Array.from({ length: n }, (_, i) => i);
  const expected = all.map(row);

  it('gives the rows in input order from memory, in chunks of frameRows', async () => {
    const { out, chunks, spills } = await placed(shuffled(all, 1), { expected: n, frameRows: 300 });
    expect(spills).toBe(0);
    expect(out).toEqual(expected);
    expect(Math.max(...chunks)).toBe(300);
  });

  it('gives the same rows when every push spills, in many small buckets, and removes its file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-order-test-'));
    try {
      const { out, spills } = await placed(shuffled(all, 2), { expected: n, bucketRows: 64, memoryBytes: 1, dir });
      expect(spills).toBeGreaterThan(100);
      expect(out).toEqual(expected);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('spills past memoryBytes only, and accepts positions beyond the expected count and holes', async () => {
    const some = all.filter((i) => i % 3 !== 1);
    const { out, spills } = await placed(shuffled(some, 3), { expected: 100, bucketRows: 512, memoryBytes: 20_000 });
    expect(spills).toBeGreaterThan(0);
    expect(out).toEqual(some.map(row));
  });

  it('bounds its memory by segments in use, so many buckets spill sooner (a count unknown or wrong)', async () => {
    // 79 buckets of 64 positions: a partly filled 32 KiB segment each is 2.5 MiB for ~200 kB of rows
    const spool = new InputOrderSpool({ expected: 0, bucketRows: 64, memoryBytes: 1024 * 1024 });
    const enc = new RowEncoder();
    let most = 0;
    try {
      const order = shuffled(all, 4);
      for (let k = 0; k < order.length; k += 50) {
        for (const i of order.slice(k, k + 50)) enc.write(i, row(i));
        await spool.push(enc.take());
        most = Math.max(most, spool.heldBytes);
      }
      expect(spool.spills).toBeGreaterThan(0);
      // the bound, plus the segments one push of 50 rows may open (one per bucket it touches)
      expect(most).toBeLessThanOrEqual(1024 * 1024 + 50 * 32 * 1024);
      const out: ResultRow[] = [];
      for await (const chunk of spool.sorted(rowReader)) out.push(...chunk);
      expect(out).toEqual(expected);
    } finally {
      await spool.dispose();
    }
  });

  it('refuses a position pushed twice', async () => {
    await expect(placed([3, 1, 3], { expected: 4 })).rejects.toThrow(/position 3 was pushed twice/);
  });
});
