import { describe, expect, it } from 'vitest';
import { scrambledPlan } from '../../helpers/scrambled-plan';
import { KeptFeatures, batchMembers } from '../../../shared/pipeline/batch-kept';
import { batchFileBytes, batchFileHead, readBatchFile } from '../../../shared/pipeline/batch-file';
import type { BatchRecord } from '../../../shared/pipeline/batch-file';

const HEADER = JSON.stringify({ jobId: 'j', batchId: 'b000001', crs: { name: 'WGS 84 é', def: 'EPSG:4326', epsg: 4326 } });

/** Feature i's record: a non-ASCII id, a blob of i * 37 bytes (none for every third), JSON for others. */
function record(i: number): BatchRecord {
  const blob = i % 3 === 0 ? null : Uint8Array.from({ length: i * 37 }, (_, k) => (k * 31 + i) & 255);
  return { fid: i + 0.5 * (i % 2), id: `f,${i}\n"é" ✓ 😀`, blob, extra: blob === null ? JSON.stringify({ geometry: null, problem: `p ${'x'.repeat(i)}` }) : i % 4 === 1 ? JSON.stringify({ idNull: true }) : null };
}

describe('KeptFeatures', () => {
  it('gives each batch the bytes of the head and its features\' records, as one file of those records (non-ASCII too)', () => {
    const sizes = [3, 5, 1, 4, 4, 2, 6];
    const { batchOf, slot, n } = scrambledPlan(sizes);
    const records = Array.from({ length: n }, (_, i) => record(i));
    // a first allocation of 16 bytes: the buffer grows many times
    const kept = new KeptFeatures(1 << 20, 16);
    for (const r of records) expect(kept.add(r)).toBe(true);
    expect(kept.count).toBe(n);
    expect(kept.complete).toBe(true);
    const { members, starts } = batchMembers(batchOf, slot, sizes);
    for (let b = 0; b < sizes.length; b++) {
      const mine = members.subarray(starts[b], starts[b + 1]);
      expect(mine.length).toBe(sizes[b]);
      // the batch's features in slot order
      const expected = Array.from({ length: n }, (_, i) => i).filter((i) => batchOf[i] === b).sort((x, y) => (slot[x] as number) - (slot[y] as number));
      expect([...mine]).toEqual(expected);
      const body = kept.body(batchFileHead(HEADER, mine.length), mine);
      expect(body.equals(batchFileBytes(HEADER, expected.map((i) => records[i] as BatchRecord)))).toBe(true);
      // and it reads back as those features
      const { batch, blobs } = readBatchFile(body, 's3://o/b');
      expect(batch.features.map((f) => f.id)).toEqual(expected.map((i) => records[i]?.id));
      expect(blobs.map((x) => (x === null ? null : [...x]))).toEqual(expected.map((i) => { const x = records[i]?.blob ?? null; return x === null ? null : [...x]; }));
    }
    expect(kept.body(Buffer.from('['), []).toString()).toBe('[');
  });

  it('a feature that fills the budget exactly is kept; one byte more and nothing is kept any more', () => {
    // a record: 8 (fid) + 4 + id + 4 + blob + 4 (no JSON) bytes
    const r = (id: string, blob: number): BatchRecord => ({ fid: 1, id, blob: new Uint8Array(blob), extra: null });
    const kept = new KeptFeatures(100, 16);
    expect(kept.add(r('x'.repeat(10), 30))).toBe(true); // 60 bytes
    expect(kept.add(r('é'.repeat(10), 0))).toBe(true); // 20 + 20 UTF-8 bytes: 100
    expect(kept.complete).toBe(true);
    expect(kept.add(r('', 0))).toBe(false);
    expect(kept.complete).toBe(false);
    expect(kept.count).toBe(0);
    expect(kept.add(r('', 0))).toBe(false);
    expect(() => kept.body(Buffer.from('['), [0])).toThrow(RangeError);
  });
});
