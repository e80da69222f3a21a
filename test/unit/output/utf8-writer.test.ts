/**
 * Utf8Writer against Node's own encoders: `integer` gives the bytes of `String(n)` (every power of ten and its
 * neighbours up to 2^53, negatives, -0, and numbers that are not safe integers), `text` those of
 * `Buffer.from(text, 'utf8')` for pieces of ASCII, 2-, 3- and 4-byte characters and lone surrogates, through
 * buffers of 1 to 64 bytes; every write but the last is a full buffer.
 */
import { describe, expect, it } from 'vitest';
import { Utf8Writer } from '../../../shared/output/utf8-writer';
import type { ByteTarget } from '../../../shared/output/byte-target';

/** A target keeping copies of the chunks written. */
function recording(): ByteTarget & { chunks: Buffer[] } {
  const t = {
    chunks: [] as Buffer[],
    write(chunk: Uint8Array): Promise<void> {
      t.chunks.push(Buffer.from(chunk));
      return Promise.resolve();
    },
    close: (): Promise<void> => Promise.resolve(),
    abort: (): Promise<void> => Promise.resolve(),
  };
  return t;
}

/** A pseudo-random sequence in [0, 1) (a fixed LCG: the same pieces every run). */
function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

describe('Utf8Writer', () => {
  it('integer(n) writes String(n): powers of ten and neighbours to 2^53, negatives, -0, beyond 2^53 and fractions', async () => {
    const ns: number[] = [0, -0, 2 ** 31, -(2 ** 31), 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 2 ** 53 + 2, 1e21, -1e21, 1e300, 0.5, -2.5e-7, NaN, Infinity, -Infinity];
    for (let p = 1; p <= 2 ** 53; p *= 10) ns.push(p - 1, p, p + 1, -p, 3 * p + 7);
    for (let i = 0; i < 2000; i++) ns.push(i - 1000);
    for (const size of [1, 5, 64, 1 << 20]) {
      const t = recording();
      const w = new Utf8Writer(t, size);
      for (const n of ns) {
        w.integer(n);
        w.ascii(0x3b);
      }
      await w.flush();
      expect(Buffer.concat(t.chunks).toString('latin1'), `buffer of ${size} bytes`).toBe(ns.map((n) => `${String(n)};`).join(''));
    }
  });

  it('text(s) writes Buffer.from(s, "utf8") for ASCII, 2-, 3- and 4-byte characters and lone surrogates', async () => {
    const alphabet = ['a', ',', '"', '\n', 'é', 'ß', '€', '東', '🌾', '𝄞', '\uD800', '\uDFFF', '\u007F', '\u0080', '\u07FF', '\u0800', '\uFFFF'];
    const next = lcg(7);
    const pieces = Array.from({ length: 400 }, () => Array.from({ length: Math.floor(next() * 30) }, () => alphabet[Math.floor(next() * alphabet.length)]).join(''));
    // each piece on its own: a lone surrogate at a piece's end is not joined to the next piece's start
    const want = Buffer.concat(pieces.map((p) => Buffer.from(`${p}|`, 'utf8')));
    for (let size = 1; size <= 64; size++) {
      const t = recording();
      const w = new Utf8Writer(t, size);
      for (const p of pieces) {
        w.text(p);
        w.ascii(0x7c);
        await w.drain();
      }
      await w.flush();
      expect(Buffer.concat(t.chunks).equals(want), `buffer of ${size} bytes`).toBe(true);
      expect(t.chunks.slice(0, -1).every((c) => c.length === size), `buffer of ${size} bytes`).toBe(true);
    }
  });
});
