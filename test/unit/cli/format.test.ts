import { describe, expect, it } from 'vitest';
import { byteSize, count, readsPhrase } from '../../../cli/format';

describe('CLI figures', () => {
  it('puts the noun in the number of its count', () => {
    expect(count(0, 'feature')).toBe('0 features');
    expect(count(1, 'feature')).toBe('1 feature');
    expect(count(2, 'request')).toBe('2 requests');
    expect(count(1, 'file')).toBe('1 file'); // zonalflow local's result line said "1 files"
    expect(count(1, 'batch', 'batches')).toBe('1 batch');
    expect(count(3, 'batch', 'batches')).toBe('3 batches');
  });

  it('prints bytes in the unit that shows them (1 kB = 1000 B)', () => {
    expect(byteSize(0)).toBe('0 B');
    expect(byteSize(999)).toBe('999 B');
    expect(byteSize(1000)).toBe('1.0 kB');
    expect(byteSize(12_345)).toBe('12.3 kB');
    expect(byteSize(999_949)).toBe('999.9 kB');
    // 999,950 B rounds to 1000.0 kB: printed as the next unit instead
    expect(byteSize(999_950)).toBe('1.0 MB');
    expect(byteSize(156_600_000)).toBe('156.6 MB');
    expect(byteSize(2_500_000_000)).toBe('2.5 GB');
    expect(byteSize(5e12)).toBe('5000.0 GB');
  });

  it('says local file reads as such, HTTP and S3 requests as requests, and both when a job read both', () => {
    expect(readsPhrase(2, 2)).toBe('2 file reads');
    expect(readsPhrase(1, 1)).toBe('1 file read');
    expect(readsPhrase(5, 0)).toBe('5 requests');
    expect(readsPhrase(0, 0)).toBe('0 requests');
    expect(readsPhrase(7, 2)).toBe('5 requests and 2 file reads');
  });
});
