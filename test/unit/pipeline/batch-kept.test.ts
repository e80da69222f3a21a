import { describe, expect, it } from 'vitest';
import { scrambledPlan } from '../../helpers/scrambled-plan';
import { KeptFeatures, batchMembers } from '../../../shared/pipeline/batch-kept';

describe('KeptFeatures', () => {
  it('gives each batch the bytes of head + its features joined by commas + tail, as the strings would (non-ASCII too)', () => {
    const sizes = [3, 5, 1, 4, 4, 2, 6];
    const { batchOf, slot, n } = scrambledPlan(sizes);
    const json = Array.from({ length: n }, (_, i) => JSON.stringify({ i, text: `a,b\nc "é" ✓ 😀 ${'x'.repeat(i * 37)}` }));
    // a first allocation of 16 bytes: the buffer grows many times
    const kept = new KeptFeatures(1 << 20, 16);
    for (const j of json) expect(kept.add(j)).toBe(true);
    expect(kept.count).toBe(n);
    expect(kept.complete).toBe(true);
    const { members, starts } = batchMembers(batchOf, slot, sizes);
    for (let b = 0; b < sizes.length; b++) {
      const mine = members.subarray(starts[b], starts[b + 1]);
      expect(mine.length).toBe(sizes[b]);
      // the batch's features in slot order
      const expected = Array.from({ length: n }, (_, i) => i).filter((i) => batchOf[i] === b).sort((x, y) => (slot[x] as number) - (slot[y] as number));
      expect([...mine]).toEqual(expected);
      const body = kept.body('{"h":"é",[', mine, ']}');
      expect(body.equals(Buffer.from(`{"h":"é",[${expected.map((i) => json[i]).join(',')}]}`, 'utf8'))).toBe(true);
    }
    expect(kept.body('[', [], ']').toString()).toBe('[]');
  });

  it('a feature that fills the budget exactly is kept; one byte more and nothing is kept any more', () => {
    const kept = new KeptFeatures(100, 16);
    expect(kept.add('x'.repeat(60))).toBe(true);
    expect(kept.add('é'.repeat(20))).toBe(true); // 60 + 40 UTF-8 bytes = 100
    expect(kept.complete).toBe(true);
    expect(kept.add('y')).toBe(false);
    expect(kept.complete).toBe(false);
    expect(kept.count).toBe(0);
    expect(kept.add('y')).toBe(false);
    expect(() => kept.body('[', [0], ']')).toThrow(RangeError);
  });
});
