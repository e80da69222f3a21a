import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scrambledPlan } from '../../helpers/scrambled-plan';
import { BatchSpill } from '../../../shared/pipeline/batch-spill';
import { LimitError } from '../../../shared/errors';

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
    // JSON with commas, newlines escaped, unicode
    for (let i = 0; i < n; i++) spill.add(i, JSON.stringify({ i, text: `a,b\nc "é" ${i}` }));
    spill.finish();
    const seen: number[][] = [];
    for (let g = 0; g < spill.groups; g++) {
      for (const b of spill.readGroup(g)) {
        expect(b.features.length).toBe(sizes[b.index]);
        seen[b.index] = b.features.map((j) => (JSON.parse(j) as { i: number; text: string }).i);
        for (const j of b.features) expect((JSON.parse(j) as { text: string }).text).toMatch(/^a,b\nc "é" \d+$/);
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
    for (let i = 0; i < n; i++) spill.add(i, String(i));
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
      for (let i = 0; i < n; i++) spill.add(i, JSON.stringify({ i, coordinates: [[i * 0.001, 45.123456789], [i * 0.002, 45.2]] }));
      spill.finish();
      bytes.push(statSync(join(dir, 'group-1.spill')).size);
      const b = spill.readGroup(1)[0];
      expect(b?.features.length).toBe(30_000);
      b?.features.forEach((j, k) => {
        const i = (JSON.parse(j) as { i: number }).i;
        if (batchOf[i] !== 1 || slot[i] !== k) throw new Error(`feature ${i} at slot ${k}`);
      });
    }
    expect(bytes[1]).toBeLessThan((bytes[0] as number) / 2);
  });

  it('an input that yields fewer or more features on the second read is a LimitError', () => {
    const { batchOf, slot } = scrambledPlan([2, 2]);
    const short = new BatchSpill({ dir: tmp(), batchSizes: [2, 2], batchOf, slot });
    short.add(0, '0');
    expect(() => short.finish()).toThrow(LimitError);
    const long = new BatchSpill({ dir: tmp(), batchSizes: [2, 2], batchOf, slot });
    for (let i = 0; i < 4; i++) long.add(i, String(i));
    expect(() => long.add(4, '4')).toThrow(/more features on a second read/);
    long.close();
  });
});
