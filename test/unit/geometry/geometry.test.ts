import { describe, expect, it } from 'vitest';
import { firstNonFinite, geometryBBox, forEachPosition } from '../../../shared/geometry/bbox';
import { transformGeometry } from '../../../shared/geometry/transform';
import { geometryProblem, ringSelfIntersection, sweepSelfIntersection } from '../../../shared/geometry/validate';
import { geometryKind } from '../../../shared/geometry/kind';
import type { Geometry, Position } from '../../../shared/geometry/types';

const sq = (x: number, y: number, s = 1): Position[] => [[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]];

describe('geometryBBox', () => {
  it('covers every kind, holes and parts included', () => {
    expect(geometryBBox({ type: 'Point', coordinates: [3, -4] })).toEqual({ xmin: 3, ymin: -4, xmax: 3, ymax: -4 });
    expect(geometryBBox({ type: 'LineString', coordinates: [[0, 5], [-2, 1], [7, 3]] })).toEqual({ xmin: -2, ymin: 1, xmax: 7, ymax: 5 });
    expect(geometryBBox({ type: 'MultiPolygon', coordinates: [[sq(0, 0, 2)], [sq(10, -5, 1)]] })).toEqual({ xmin: 0, ymin: -5, xmax: 11, ymax: 2 });
    expect(
      geometryBBox({ type: 'GeometryCollection', geometries: [{ type: 'MultiPoint', coordinates: [[1, 1], [2, 9]] }, { type: 'MultiLineString', coordinates: [[[-3, 0], [0, 0]]] }] }),
    ).toEqual({ xmin: -3, ymin: 0, xmax: 2, ymax: 9 });
  });
  it('agrees with a brute-force min/max over random geometries', () => {
    let seed = 12345;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648 * 2000 - 1000;
    };
    for (let t = 0; t < 50; t++) {
      const parts: Position[][][] = Array.from({ length: 1 + (t % 4) }, () => [Array.from({ length: 3 + (t % 7) }, (): Position => [rnd(), rnd()])]);
      const g: Geometry = { type: 'MultiPolygon', coordinates: parts };
      const all = parts.flat(2);
      expect(geometryBBox(g)).toEqual({ xmin: Math.min(...all.map((p) => p[0])), ymin: Math.min(...all.map((p) => p[1])), xmax: Math.max(...all.map((p) => p[0])), ymax: Math.max(...all.map((p) => p[1])) });
    }
  });
  it('ignores non-finite positions; null when nothing is left', () => {
    expect(geometryBBox({ type: 'MultiPoint', coordinates: [[NaN, 1], [2, 3]] })).toEqual({ xmin: 2, ymin: 3, xmax: 2, ymax: 3 });
    expect(geometryBBox({ type: 'MultiPoint', coordinates: [[Infinity, 1]] })).toBeNull();
    expect(geometryBBox({ type: 'GeometryCollection', geometries: [] })).toBeNull();
  });
  it('forEachPosition visits every position once', () => {
    const seen: Position[] = [];
    forEachPosition({ type: 'Polygon', coordinates: [sq(0, 0), sq(5, 5)] }, (p) => seen.push(p));
    expect(seen).toHaveLength(10);
  });
});

describe('firstNonFinite', () => {
  it('the index of the first position with a NaN or infinite coordinate, in forEachPosition order; -1 when none', () => {
    expect(firstNonFinite({ type: 'Point', coordinates: [1, 2] })).toBe(-1);
    expect(firstNonFinite({ type: 'Point', coordinates: [1, NaN] })).toBe(0);
    // sq(): 5 positions per ring; the hole's third position (index 5 + 2) is the first bad one
    const hole = sq(5, 5);
    hole[2] = [Infinity, 6];
    hole[4] = [NaN, NaN];
    expect(firstNonFinite({ type: 'Polygon', coordinates: [sq(0, 0), hole] })).toBe(7);
    expect(firstNonFinite({ type: 'MultiPolygon', coordinates: [[sq(0, 0)], [sq(1, 1), hole]] })).toBe(12);
    // a collection counts on through its members: 2 points, a 2-position line, then the bad point
    expect(firstNonFinite({ type: 'GeometryCollection', geometries: [{ type: 'MultiPoint', coordinates: [[0, 0], [1, 1]] }, { type: 'LineString', coordinates: [[0, 0], [1, 1]] }, { type: 'Point', coordinates: [-Infinity, 0] }] })).toBe(4);
    expect(firstNonFinite({ type: 'MultiLineString', coordinates: [[[0, 0], [1, 1]], [[2, 2], [3, 3]]] })).toBe(-1);
  });
});

describe('transformGeometry', () => {
  const shift = (x: number, y: number): [number, number] => [x * 2 + 1, y - 3];
  const cases: Geometry[] = [
    { type: 'Point', coordinates: [1, 2] },
    { type: 'MultiPoint', coordinates: [[1, 2], [3, 4]] },
    { type: 'LineString', coordinates: [[0, 0], [1, 1]] },
    { type: 'MultiLineString', coordinates: [[[0, 0], [1, 1]], [[2, 2], [3, 3]]] },
    { type: 'Polygon', coordinates: [sq(0, 0, 4), sq(1, 1)] },
    { type: 'MultiPolygon', coordinates: [[sq(0, 0)], [sq(5, 5)]] },
    { type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [1, 2] }, { type: 'Polygon', coordinates: [sq(0, 0)] }] },
  ];
  for (const g of cases) {
    it(`${g.type}: every position mapped, the input untouched, no shared arrays`, () => {
      const before = JSON.stringify(g);
      const out = transformGeometry(g, shift);
      expect(JSON.stringify(g)).toBe(before);
      expect(out.type).toBe(g.type);
      const a: Position[] = [];
      const b: Position[] = [];
      forEachPosition(g, (p) => a.push(p));
      forEachPosition(out, (p) => b.push(p));
      expect(b).toEqual(a.map((p) => shift(p[0], p[1])));
      // mutating the output must not reach the input
      for (const p of b) p[0] = 999;
      expect(JSON.stringify(g)).toBe(before);
    });
  }
});

describe('geometryProblem', () => {
  it('valid geometries have no problem', () => {
    expect(geometryProblem({ type: 'Polygon', coordinates: [sq(0, 0, 4), sq(1, 1)] })).toBeNull();
    expect(geometryProblem({ type: 'MultiPolygon', coordinates: [[sq(0, 0)], [sq(5, 5)]] })).toBeNull();
    expect(geometryProblem({ type: 'LineString', coordinates: [[0, 0], [1, 1]] })).toBeNull();
    expect(geometryProblem({ type: 'Point', coordinates: [0, 0] })).toBeNull();
  });
  it('names non-finite coordinates', () => {
    expect(geometryProblem({ type: 'Point', coordinates: [NaN, 1] })).toMatch(/\(NaN, 1\) is not a finite number/);
    expect(geometryProblem({ type: 'Polygon', coordinates: [[[0, 0], [1, 0], [Infinity, 1], [0, 0]]] })).toMatch(/Infinity/);
    expect(geometryProblem({ type: 'GeometryCollection', geometries: [{ type: 'MultiPoint', coordinates: [[0, -Infinity]] }] })).toMatch(/-Infinity/);
  });
  it('rings with fewer than 4 positions, unclosed rings (reported, not closed), short lines', () => {
    expect(geometryProblem({ type: 'Polygon', coordinates: [[[0, 0], [1, 0], [0, 0]]] })).toMatch(/exterior ring of polygon has 3 positions; a ring needs at least 4/);
    const open: Geometry = { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] };
    expect(geometryProblem(open)).toMatch(/is not closed \(first \(0, 0\) != last \(0, 1\)\)/);
    expect(open.type === 'Polygon' && open.coordinates[0]?.length).toBe(4);
    expect(geometryProblem({ type: 'MultiPolygon', coordinates: [[sq(0, 0)], [sq(5, 5), [[6, 6], [6.5, 6], [6, 6.5]]]] })).toMatch(/hole 1 of part 2 has 3 positions/);
    expect(geometryProblem({ type: 'MultiLineString', coordinates: [[[0, 0], [1, 1]], [[2, 2]]] })).toMatch(/at least 2 positions/);
  });
  it('a bowtie is reported with its crossing point', () => {
    const bowtie: Position[] = [[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]];
    expect(ringSelfIntersection(bowtie)).toEqual([1, 1]);
    expect(geometryProblem({ type: 'Polygon', coordinates: [bowtie] })).toMatch(/intersects itself at \(1, 1\)/);
    expect(ringSelfIntersection(sq(0, 0, 3))).toBeNull();
  });
  it('stays linear-ish: a 200,000-vertex valid ring is checked quickly', () => {
    const n = 200_000;
    const ring: Position[] = Array.from({ length: n }, (_, i): Position => [Math.cos((2 * Math.PI * i) / n), Math.sin((2 * Math.PI * i) / n)]);
    ring.push(ring[0] as Position);
    const t0 = performance.now();
    expect(geometryProblem({ type: 'Polygon', coordinates: [ring] })).toBeNull();
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});

describe('geometryKind', () => {
  it('families, collections of one family, mixed and empty collections', () => {
    expect(geometryKind({ type: 'MultiPoint', coordinates: [[0, 0]] })).toBe('point');
    expect(geometryKind({ type: 'LineString', coordinates: [[0, 0], [1, 1]] })).toBe('line');
    expect(geometryKind({ type: 'MultiPolygon', coordinates: [[sq(0, 0)]] })).toBe('polygon');
    expect(geometryKind({ type: 'GeometryCollection', geometries: [{ type: 'Polygon', coordinates: [sq(0, 0)] }, { type: 'GeometryCollection', geometries: [] }, { type: 'MultiPolygon', coordinates: [] }] })).toBe('polygon');
    expect(geometryKind({ type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [0, 0] }, { type: 'Polygon', coordinates: [sq(0, 0)] }] })).toBe('mixed');
    expect(geometryKind({ type: 'GeometryCollection', geometries: [] })).toBe('empty');
  });
});

describe('self-intersection budget', () => {
  it('a comb ring (every edge overlaps every other in x) is checked within the budget, or accepted unchecked past it', () => {
    // zigzag between x=0 and x=1 going up, then back down at x=-1: valid, all edges overlap in x
    const n = 4000;
    const ring: Position[] = [];
    for (let i = 0; i < n; i++) ring.push([i % 2 === 0 ? 0 : 1, i]);
    ring.push([-1, n - 1], [-1, 0], [0, 0]);
    expect(ringSelfIntersection(ring)).toBeNull();
    // a crossing at the far end is found with the default budget, skipped with a tiny one
    const crossed = ring.slice(0, -3).concat([[0.5, n + 5], [-1, 0], [0, 0]] as Position[]);
    expect(ringSelfIntersection(crossed)).not.toBeNull();
    expect(ringSelfIntersection(crossed, 1000)).toBeNull();
    const t0 = performance.now();
    const big: Position[] = [];
    for (let i = 0; i < 60000; i++) big.push([i % 2 === 0 ? 0 : 1, i]);
    big.push([-1, 59999], [-1, 0], [0, 0]);
    expect(geometryProblem({ type: 'Polygon', coordinates: [big] })).toBeNull();
    expect(performance.now() - t0).toBeLessThan(10000);
  });
});

describe('self-intersection of small rings (the allocation-free path)', () => {
  it('finds the same first crossing as the general sweep: random rings on a small lattice (crossings, touches, folds, repeated positions), every size to 66 positions', () => {
    // Park-Miller (exact in float64)
    let seed = 12345;
    const rnd = (k: number): number => {
      seed = (seed * 16807) % 2147483647;
      return seed % k;
    };
    let crossed = 0;
    for (let t = 0; t < 4000; t++) {
      const m = 3 + (t % 64);
      const ring: Position[] = [];
      for (let k = 0; k < m; k++) {
        // a repeated position now and then (consecutive duplicates are skipped by both paths)
        if (k > 0 && rnd(10) === 0) ring.push([...(ring[k - 1] as Position)] as Position);
        else ring.push([rnd(8), rnd(8)]);
      }
      ring.push([...(ring[0] as Position)] as Position);
      const small = ringSelfIntersection(ring);
      expect(small).toEqual(sweepSelfIntersection(ring));
      if (small !== null) crossed++;
      // the budget runs out at the same pair
      expect(ringSelfIntersection(ring, 3)).toEqual(sweepSelfIntersection(ring, 3));
    }
    // most random rings cross themselves, some do not
    expect(crossed).toBeGreaterThan(2000);
    expect(crossed).toBeLessThan(4000);
  });
  it('a ring with a non-finite x goes the general way', () => {
    const ring: Position[] = [[0, 0], [Infinity, 0], [1, 1], [0, 1], [0, 0]];
    expect(ringSelfIntersection(ring)).toEqual(sweepSelfIntersection(ring));
  });
});

