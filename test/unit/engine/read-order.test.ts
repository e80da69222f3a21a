/**
 * The reading order of `stats` over a GeoPackage (read-order.ts): a Hilbert walk over the bbox centres,
 * features without a centre last, stretches of equal counts.
 */
import { describe, expect, it } from 'vitest';
import { readOrder } from '../../../shared/engine/read-order';

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
