/**
 * The reading order of `stats` over a GeoPackage (read-order.ts): a Hilbert walk over the bbox centres,
 * features without a centre last, stretches of equal counts.
 */
import { describe, expect, it } from 'vitest';
import { readOrder } from '../../../shared/engine/read-order';
import { hilbertIndex } from '../../../shared/engine/parallel-order';

describe('readOrder', () => {
  it('visits a 32 x 32 grid of centres stored in shuffled order cell by cell, each step to an edge neighbour', () => {
    const cells: [number, number][] = [];
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) cells.push([x, y]);
    // a fixed shuffle (LCG)
    let s = 7;
    for (let i = cells.length - 1; i > 0; i--) {
      s = (s * 1103515245 + 12345) % 2147483648;
      const j = s % (i + 1);
      [cells[i], cells[j]] = [cells[j] as [number, number], cells[i] as [number, number]];
    }
    // centres at cell middles over an extent of 32 units: the 2^13 lattice puts each in its own block
    const cx = cells.map((c) => c[0] * 10 + 5);
    const cy = cells.map((c) => c[1] * 10 + 5);
    const { order, starts } = readOrder(cx, cy, 1);
    expect(starts).toEqual([0]);
    expect([...order].sort((a, b) => a - b)).toEqual(cells.map((_, i) => i));
    for (let j = 1; j < order.length; j++) {
      const a = cells[order[j - 1] as number] as [number, number];
      const b = cells[order[j] as number] as [number, number];
      expect(Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1])).toBe(1);
    }
  });

  it('puts features without a centre last in input order, ties in input order, and cuts equal stretches of the placed ones', () => {
    const cx = [NaN, 1, 1, 5, NaN, 9, 3, 7];
    const cy = [0, 1, 1, 5, NaN, 9, 3, 7];
    const { order, starts } = readOrder(cx, cy, 2);
    expect(order.length).toBe(8);
    expect([...order].slice(-2)).toEqual([0, 4]);
    const at1 = [...order].indexOf(1);
    expect(order[at1 + 1]).toBe(2); // the same centre: input order
    expect(starts).toEqual([0, 3]); // 6 placed features, 3 each
  });

  it('one centre, or none, is still an order of every feature', () => {
    expect([...readOrder([2], [3], 4).order]).toEqual([0]);
    expect([...readOrder([NaN, NaN], [NaN, NaN], 2).order]).toEqual([0, 1]);
    expect(readOrder([NaN, NaN], [NaN, NaN], 2).starts).toEqual([0, 0]);
  });

  it('one far-away centre does not squeeze the others into a few cells: the grid is still walked neighbour by neighbour', () => {
    const cx: number[] = [];
    const cy: number[] = [];
    let s = 11;
    const cells: [number, number][] = [];
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) cells.push([x, y]);
    for (let i = cells.length - 1; i > 0; i--) {
      s = (s * 1103515245 + 12345) % 2147483648;
      const j = s % (i + 1);
      [cells[i], cells[j]] = [cells[j] as [number, number], cells[i] as [number, number]];
    }
    for (const c of cells) {
      cx.push(c[0] * 10 + 5);
      cy.push(c[1] * 10 + 5);
    }
    // a feature 3,000 extents away (over the whole extent the grid would take under 3 lattice cells a side)
    cx.push(1e6);
    cy.push(1e6);
    const { order } = readOrder(cx, cy, 1);
    const walk = [...order].filter((i) => i < cells.length);
    expect(walk).toHaveLength(cells.length);
    for (let j = 1; j < walk.length; j++) {
      const a = cells[walk[j - 1] as number] as [number, number];
      const b = cells[walk[j] as number] as [number, number];
      expect(Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1])).toBe(1);
    }
  });
});

describe('readOrder: the ranges\' quantiles selected, not sorted', () => {
  // the order with each axis' range from sorting its values (the nearest ranks of 0.1 % and 99.9 %)
  const bySorting = (cx: Float64Array, cy: Float64Array): number[] => {
    const with_ = Array.from(cx.keys()).filter((i) => Number.isFinite(cx[i]) && Number.isFinite(cy[i]));
    const range = (v: Float64Array): [number, number] => {
      const s = Float64Array.from(with_, (i) => v[i] as number).sort();
      const last = s.length - 1;
      return [s[Math.floor(0.001 * last)] as number, s[Math.ceil(0.999 * last)] as number];
    };
    const [x0, x1] = range(cx);
    const [y0, y1] = range(cy);
    const side = 2 ** 13;
    const cell = (v: number): number => Math.max(0, Math.min(side - 1, Math.floor(v)));
    const placed = new Set(with_);
    const key = (i: number): number => (placed.has(i) ? hilbertIndex(side, cell(((cx[i] as number) - x0) * (side / (x1 - x0))), cell(((cy[i] as number) - y0) * (side / (y1 - y0)))) : side * side);
    const keys = Array.from(cx, (_, i) => key(i));
    return Array.from(cx.keys()).sort((a, b) => (keys[a] as number) - (keys[b] as number) || a - b);
  };
  it('the same order as with sorted ranges: random, sorted, reversed and clustered centres, ties, far-away ones and NaNs', () => {
    let s = 11;
    const random = (): number => (s = (s * 16807) % 2147483647) / 2147483647;
    const n = 5000;
    const cases: [string, (i: number) => [number, number]][] = [
      ['random', () => [random() * 1000, random() * 500]],
      ['sorted', (i) => [i, i * 0.5]],
      ['reversed', (i) => [n - i, (n - i) % 97]],
      ['ties', () => [Math.floor(random() * 4), Math.floor(random() * 3)]],
      ['far away', (i) => (i % 500 === 0 ? [1e9 * (random() - 0.5), -1e9] : [random(), random()])],
      ['NaNs', (i) => (i % 7 === 0 ? [NaN, 1] : [random() * 10, random() * 10])],
    ];
    for (const [name, at] of cases) {
      const cx = new Float64Array(n);
      const cy = new Float64Array(n);
      for (let i = 0; i < n; i++) [cx[i], cy[i]] = at(i);
      expect(Array.from(readOrder(cx, cy, 1).order), name).toEqual(bySorting(cx, cy));
    }
  });
});
