import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scrambledPlan } from '../../helpers/scrambled-plan';
import { BatchSpill } from '../../../shared/pipeline/batch-spill';
import { LimitError } from '../../../shared/errors';
import type { BatchRecord } from '../../../shared/pipeline/batch-file';
import { batchFileHead, readBatchFile } from '../../../shared/pipeline/batch-file';

/** A record carrying `value` as its JSON (no blob: a GeoJSON null geometry), its fid the input index. */
const rec = (i: number, value: unknown = null): BatchRecord => ({ fid: i, id: `f${i}`, blob: null, extra: JSON.stringify({ geometry: null, problem: JSON.stringify(value) }) });
/** The values of records read back (as the Worker reads a batch file of them). */
const values = (records: Buffer[]): { fid: number; value: unknown }[] => readBatchFile(Buffer.concat([batchFileHead('{"jobId":"j","batchId":"b","crs":{"name":"n","def":"EPSG:4326"}}', records.length), ...records]), 's3://o/b').batch.features.map((f) => ({ fid: f.fid, value: JSON.parse(f.problem ?? 'null') as unknown }));

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'zf-spill-test-'));
  dirs.push(d);
  return d;
}

describe('BatchSpill', () => {
  for (const compress of [false, true]) it(`every feature comes back in its batch at its slot, groups of whole batches, files removed${compress ? ' (deflated)' : ''}`, () => {
    const sizes = [3, 5, 1, 4, 4, 2, 6];
    const { batchOf, slot, n } = scrambledPlan(sizes);
    const dir = tmp();
    const spill = new BatchSpill({ dir, batchSizes: sizes, batchOf, slot, featuresPerGroup: 8, compress });
    // greedy whole batches of at most 8 features: [3,5] [1,4] [4,2] [6]
    expect(spill.groups).toBe(4);
    // JSON with commas, newlines, unicode
    for (let i = 0; i < n; i++) spill.add(i, rec(i, `a,b\nc "é" ${i}`));
    spill.finish();
    const seen: number[][] = [];
    for (let g = 0; g < spill.groups; g++) {
      for (const b of spill.readGroup(g)) {
        expect(b.features.length).toBe(sizes[b.index]);
        const read = values(b.features);
        seen[b.index] = read.map((r) => r.fid);
        for (const r of read) expect(r.value).toBe(`a,b\nc "é" ${r.fid}`);
      }
    }
    expect(seen.length).toBe(sizes.length);
    for (let i = 0; i < n; i++) expect(seen[batchOf[i] as number]?.[slot[i] as number]).toBe(i);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a batch larger than a group is a group of its own', () => {
    const { batchOf, slot, n } = scrambledPlan([10, 1]);
    const spill = new BatchSpill({ dir: tmp(), batchSizes: [10, 1], batchOf, slot, featuresPerGroup: 4 });
    expect(spill.groups).toBe(2);
    for (let i = 0; i < n; i++) spill.add(i, rec(i));
    spill.finish();
    expect(spill.readGroup(0)[0]?.features.length).toBe(10);
  });

  it('deflated: many flushed chunks (more than 128 KiB a group) read back whole, in a smaller file', () => {
    const sizes = [30_000, 30_000];
    const { batchOf, slot, n } = scrambledPlan(sizes);
    const bytes: number[] = [];
    for (const compress of [false, true]) {
      const dir = tmp();
      const spill = new BatchSpill({ dir, batchSizes: sizes, batchOf, slot, featuresPerGroup: 30_000, compress });
      for (let i = 0; i < n; i++) spill.add(i, rec(i, [[i * 0.001, 45.123456789], [i * 0.002, 45.2]]));
      spill.finish();
      bytes.push(statSync(join(dir, 'group-1.spill')).size);
      const b = spill.readGroup(1)[0];
      expect(b?.features.length).toBe(30_000);
      values(b?.features ?? []).forEach(({ fid: i }, k) => {
        if (batchOf[i] !== 1 || slot[i] !== k) throw new Error(`feature ${i} at slot ${k}`);
      });
    }
    expect(bytes[1]).toBeLessThan((bytes[0] as number) / 2);
  });

  it('a record larger than the 128 KiB buffer of its group is spilled whole, between smaller ones', () => {
    const { batchOf, slot, n } = scrambledPlan([3, 2]);
    const spill = new BatchSpill({ dir: tmp(), batchSizes: [3, 2], batchOf, slot });
    const big = (i: number): BatchRecord => ({ fid: i, id: `f${i}`, blob: Uint8Array.from({ length: 300_000 + i }, (_, k) => (k + i) & 255), extra: null });
    for (let i = 0; i < n; i++) spill.add(i, i % 2 === 0 ? big(i) : rec(i, i));
    spill.finish();
    for (const b of spill.readGroup(0)) {
      const read = readBatchFile(Buffer.concat([batchFileHead('{"jobId":"j","batchId":"b","crs":{"name":"n","def":"EPSG:4326"}}', b.features.length), ...b.features]), 's3://o/b');
      read.batch.features.forEach((f, k) => {
        expect(batchOf[f.fid]).toBe(b.index);
        expect(slot[f.fid]).toBe(k);
        const blob = read.blobs[k];
        if (f.fid % 2 === 0) expect(blob?.length === 300_000 + f.fid && blob.every((v, j) => v === ((j + f.fid) & 255))).toBe(true);
        else expect(blob).toBeNull();
      });
    }
  });

  it('an input that yields fewer or more features on the second read is a LimitError', () => {
    const { batchOf, slot } = scrambledPlan([2, 2]);
    const short = new BatchSpill({ dir: tmp(), batchSizes: [2, 2], batchOf, slot });
    short.add(0, rec(0));
    expect(() => short.finish()).toThrow(LimitError);
    const long = new BatchSpill({ dir: tmp(), batchSizes: [2, 2], batchOf, slot });
    for (let i = 0; i < 4; i++) long.add(i, rec(i));
    expect(() => long.add(4, rec(4))).toThrow(/more features on a second read/);
    long.close();
  });
});
