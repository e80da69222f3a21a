import { describe, expect, it } from 'vitest';
import { IdHashes, hashId } from '../../../shared/batching/id-hashes';

describe('IdHashes: whether ids are unique, by 53-bit hashes', () => {
  it('hashes are integers below 2^53, the same for the same id, different for near ids', () => {
    const ids = ['', 'a', 'b', 'ab', 'ba', 'F0000001', 'F0000010', 'é', '\u{1F600}'];
    const hashes = ids.map(hashId);
    for (const h of hashes) {
      expect(Number.isInteger(h)).toBe(true);
      expect(h).toBeGreaterThanOrEqual(0);
      expect(h).toBeLessThan(2 ** 53);
    }
    expect(new Set(hashes).size).toBe(ids.length);
    expect(hashId('F0000001')).toBe(hashId(`F000000${1}`));
  });
  it('100,000 distinct ids: no repeated hash; one id twice: exactly its hash', () => {
    const h = new IdHashes();
    for (let i = 0; i < 100_000; i++) h.add(`F${String(i).padStart(7, '0')}`);
    expect(h.repeated().size).toBe(0);
    const d = new IdHashes();
    for (let i = 0; i < 5000; i++) d.add(String(i));
    d.add('1234');
    expect([...d.repeated()]).toEqual([hashId('1234')]);
  });
});
