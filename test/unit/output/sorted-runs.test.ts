/**
 * The external merge sort (sorted-runs.ts): the same order as an in-memory stable sort,
 * whether the rows fit one run or spill to many (and more runs than the merge fan-in), with
 * the rows held in memory bounded by runRows + fanIn x frameRows whatever the row count.
 */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RowGauge, RowSorter } from '../../../shared/output/sorted-runs';
import { rowOrder } from '../../../shared/pipeline/row-order';
import type { ResultRow, StatColumn } from '../../../shared/output/table';

const columns: StatColumn[] = [{ name: 'date', kind: 'timestamp' }, { name: 'b04_mean', kind: 'number' }, { name: 'b04_hist', kind: 'histogram' }];
const { compare } = rowOrder(columns);

/** A deterministic pseudo-random sequence (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `features` features x `dates` dates in a shuffled order; `tag` (b04_mean) numbers the rows as pushed. */
function rows(features: number, dates: number, seed = 1): ResultRow[] {
  const out: ResultRow[] = [];
  for (let f = 0; f < features; f++) {
    for (let d = 0; d < dates; d++) {
      const day = new Date(Date.UTC(2024, 0, 1 + d * 5)).toISOString().replace('.000Z', 'Z');
      out.push({ id: `f${f}`, fid: f + 1, values: [day, 0, d === 0 ? { bins: [0, 1], counts: [f] } : null], error: f % 7 === 3 ? `GEOMETRY_EMPTY: feature ${f}` : null });
    }
  }
  const rnd = random(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j] as ResultRow, out[i] as ResultRow];
  }
  out.forEach((r, i) => (r.values[1] = i));
  return out;
}

async function drain(sorter: RowSorter): Promise<ResultRow[]> {
  const out: ResultRow[] = [];
  for await (const chunk of sorter.sorted()) for (const r of chunk) out.push(r);
  return out;
}

async function sortExternally(input: ResultRow[], opts: { runRows: number; frameRows: number; fanIn: number; pushRows?: number }, dir?: string): Promise<{ out: ResultRow[]; gauge: RowGauge; runs: number }> {
  const gauge = new RowGauge();
  const sorter = new RowSorter(compare, { ...opts, gauge, ...(dir ? { dir } : {}) });
  const step = opts.pushRows ?? 100;
  for (let i = 0; i < input.length; i += step) await sorter.push(structuredClone(input.slice(i, i + step)));
  const runs = sorter.spilledRuns;
  const out = await drain(sorter);
  await sorter.dispose();
  return { out, gauge, runs };
}

describe('RowSorter', () => {
  it('runs handed over by detach (another thread\'s) merge in another sorter, past the fan-in, without overwriting a run', async () => {
    const input = rows(40, 3, 7);
    const expected = [...input].sort(compare);
    const dir = mkdtempSync(join(tmpdir(), 'zf-sort-detach-'));
    const first = new RowSorter(compare, { runRows: 7, frameRows: 4, fanIn: 3, dir });
    await first.push(structuredClone(input));
    const spilled = await first.detach();
    await first.dispose(); // no longer its files
    expect(spilled.runs.length).toBeGreaterThan(3);
    expect(spilled.runs.every((r) => existsSync(r.path))).toBe(true);
    const second = RowSorter.fromRuns(compare, structuredClone(spilled), { frameRows: 4, fanIn: 3 });
    expect(await drain(second)).toEqual(expected);
    await second.dispose();
    expect(existsSync(spilled.dir as string)).toBe(false);
  });

  it('a table of exactly runRows rows is sorted in memory, never written (a full buffer spills only when another row comes)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-sort-'));
    const input = rows(50, 4); // 200 rows
    const { out, runs } = await sortExternally(input, { runRows: 200, frameRows: 16, fanIn: 4 }, dir);
    expect(runs).toBe(0);
    expect(out).toEqual([...input].sort(compare));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a table that fits one run is sorted in memory, never written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-sort-'));
    const input = rows(50, 4);
    const { out, runs } = await sortExternally(input, { runRows: 1000, frameRows: 64, fanIn: 8 }, dir);
    expect(runs).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
    expect(out).toEqual([...input].sort(compare));
  });

  it('spilled runs merge into the order of a stable in-memory sort, values intact (histograms, nulls, errors)', async () => {
    const input = rows(300, 12, 7); // 3,600 rows
    const { out, runs, gauge } = await sortExternally(input, { runRows: 500, frameRows: 50, fanIn: 16 });
    expect(runs).toBe(7); // and the last 100 rows spilled when the merge starts
    expect(out).toEqual([...input].sort(compare));
    // bounded: one run being filled, or one frame per run being merged plus the chunk handed out
    expect(gauge.peak).toBeLessThanOrEqual(500 + 100 + 8 * 50 + 50);
    expect(gauge.held).toBe(0);
  });

  it('more runs than the fan-in are merged in rounds; memory stays bounded by runRows and fanIn x frameRows, not the row count', async () => {
    const input = rows(1000, 10, 3); // 10,000 rows, 40 runs, fan-in 4
    const { out, runs, gauge } = await sortExternally(input, { runRows: 250, frameRows: 20, fanIn: 4 });
    expect(runs).toBe(39); // spilled while pushing; the 40th (a full buffer) when sorted() starts
    expect(out).toEqual([...input].sort(compare));
    expect(gauge.peak).toBeLessThanOrEqual(250 + 100 + 4 * 20 + 20);
    expect(gauge.peak).toBeLessThan(input.length / 20);
  });

  it('a few runs more than the fan-in: only the first ones are merged first, the order is the same', async () => {
    const input = rows(100, 10, 5); // 1,000 rows, 5 runs, fan-in 4: runs 1-2 merged, then 4 at once
    const { out, runs, gauge } = await sortExternally(input, { runRows: 200, frameRows: 16, fanIn: 4 });
    expect(runs).toBe(4); // spilled while pushing; the 5th (a full buffer) when sorted() starts
    expect(out).toEqual([...input].sort(compare));
    expect(gauge.peak).toBeLessThanOrEqual(200 + 100 + 4 * 16 + 16);
  });

  it('rows that compare equal keep the order they were pushed in (the later duplicate stays later)', async () => {
    const once = rows(200, 3, 11);
    const twice = [...once, ...structuredClone(once).map((r) => ({ ...r, values: [r.values[0] ?? null, (r.values[1] as number) + 10_000, r.values[2] ?? null] }))];
    const { out } = await sortExternally(twice, { runRows: 97, frameRows: 13, fanIn: 3 });
    expect(out.map((r) => r.values[1])).toEqual([...twice].sort(compare).map((r) => r.values[1]));
    for (let i = 0; i < out.length; i += 2) expect((out[i + 1]?.values[1] as number) - (out[i]?.values[1] as number)).toBe(10_000);
  });

  it('dispose removes the run files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-sort-'));
    const sorter = new RowSorter(compare, { runRows: 10, frameRows: 5, dir });
    await sorter.push(rows(10, 5));
    expect(readdirSync(dir)).toHaveLength(1);
    const sub = join(dir, readdirSync(dir)[0] ?? '');
    expect(readdirSync(sub).length).toBeGreaterThan(1);
    await sorter.dispose();
    expect(existsSync(sub)).toBe(false);
  });
});

describe('RowSorter.sortedRanges (one stream per key range, read at the same time)', () => {
  interface Item { k: number; i: number }
  const byK = (a: Item, b: Item): number => a.k - b.k || a.i - b.i;
  const items = (n: number, seed: number): Item[] => {
    const rnd = random(seed);
    return Array.from({ length: n }, (_, i) => ({ k: Math.floor(rnd() * 500), i }));
  };
  for (const runRows of [10_000, 257]) {
    it(`streams cover every row once, in order, each within its bounds (${runRows === 10_000 ? 'in memory' : 'spilled runs'})`, async () => {
      const all = items(5000, runRows);
      const expected = [...all].sort(byK);
      for (const bounds of [[], [250], [100, 100, 300], [-5, 10_000]]) {
        const s = new RowSorter<Item>(byK, { runRows, frameRows: 64, fanIn: 4, compress: runRows !== 257, keyOf: (x) => x.k });
        await s.push(all);
        const streams = await s.sortedRanges(bounds);
        expect(streams.length).toBe(bounds.length + 1);
        // read all streams at once, interleaved
        const got = await Promise.all(streams.map(async (st) => {
          const out: Item[] = [];
          for await (const chunk of st) out.push(...chunk);
          return out;
        }));
        got.forEach((part, j) => {
          const low = j === 0 ? -Infinity : (bounds[j - 1] as number);
          const high = j === bounds.length ? Infinity : (bounds[j] as number);
          for (const x of part) expect(x.k >= low && x.k < high).toBe(true);
        });
        expect(got.flat()).toStrictEqual(expected);
        await s.dispose();
      }
    });
  }
  it('needs keyOf', async () => {
    const s = new RowSorter<Item>(byK);
    await expect(s.sortedRanges([1])).rejects.toThrow(/keyOf/);
  });
});
