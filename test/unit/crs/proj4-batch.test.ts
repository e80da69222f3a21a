/**
 * crs/proj4-batch.ts: the reused-point path gives the same bits as proj4js's public API
 * (`proj4(from, to).forward([x, y])`, a throw or a non-finite result read as NaN), point by point, on the
 * fixture's PROJ strings (exported by PROJ: test/fixtures/crs-conversion/make.py) and a few thousand
 * random points each, including points outside the projections' domains; pairs it cannot evaluate as
 * lib/transform.js does (a datum shift, +lon_wrap, another datum) take the public API. The oracle is
 * proj4js's public API itself: this path must be the engine the sample check against PROJ validated.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import proj4 from 'proj4';
import { describe, expect, it } from 'vitest';
import { chooseConversion, compareTransforms } from '../../../shared/crs/conversion';
import { proj4BatchTransform } from '../../../shared/crs/proj4-batch';
import type { BatchTransform } from '../../../shared/crs/proj';

interface ConversionPair { from: string; to: string; fromProj: string; toProj: string; x: number[]; y: number[]; ex: (number | null)[]; ey: (number | null)[] }
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/crs-conversion/expected.json'), 'utf8')) as { pairs: ConversionPair[] };

/** proj4js's public API per point, as conversion.ts used it before proj4-batch.ts. */
function publicApi(from: string, to: string, xs: Float64Array, ys: Float64Array): void {
  const conv = proj4(from, to);
  for (let i = 0; i < xs.length; i++) {
    let x = NaN;
    let y = NaN;
    try {
      const r = conv.forward([xs[i] as number, ys[i] as number]);
      x = r[0] as number;
      y = r[1] as number;
    } catch {
      // NaN
    }
    const bad = !Number.isFinite(x) || !Number.isFinite(y) || Math.abs(x) > 1e300;
    xs[i] = bad ? NaN : x;
    ys[i] = bad ? NaN : y;
  }
}

/** A deterministic pseudo-random generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The fixture's points, 4,000 random points over their extent widened by half its size, and points no projection takes. */
function points(p: { x: number[]; y: number[] }, seed: number): [Float64Array, Float64Array] {
  const xmin = Math.min(...p.x);
  const xmax = Math.max(...p.x);
  const ymin = Math.min(...p.y);
  const ymax = Math.max(...p.y);
  const w = xmax - xmin;
  const h = ymax - ymin;
  const r = rng(seed);
  const xs = [...p.x];
  const ys = [...p.y];
  for (let i = 0; i < 4000; i++) {
    xs.push(xmin - w / 2 + r() * 2 * w);
    ys.push(ymin - h / 2 + r() * 2 * h);
  }
  xs.push(NaN, 0, Infinity, 1e308, -1e308, 0, 90, 180);
  ys.push(0, NaN, 0, 1e308, 5, 91, -95, 90);
  return [Float64Array.from(xs), Float64Array.from(ys)];
}

/** Indices where two arrays differ in bits (NaN equals NaN). */
function bitDifferences(a: Float64Array, b: Float64Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) out.push(i);
  return out;
}

function sameBits(from: string, to: string, seed: number, p: { x: number[]; y: number[] }): { path: string; compared: number } {
  const [xs, ys] = points(p, seed);
  const ex = Float64Array.from(xs);
  const ey = Float64Array.from(ys);
  publicApi(from, to, ex, ey);
  const { transform, path } = proj4BatchTransform(from, to);
  // twice on the same transform: its reused point keeps nothing from one batch to the next
  for (let round = 0; round < 2; round++) {
    const ax = Float64Array.from(xs);
    const ay = Float64Array.from(ys);
    transform(ax, ay);
    expect(bitDifferences(ax, ex), `${from} -> ${to} x`).toEqual([]);
    expect(bitDifferences(ay, ey), `${from} -> ${to} y`).toEqual([]);
  }
  return { path: path.path, compared: ex.filter((v) => !Number.isNaN(v)).length };
}

describe('proj4BatchTransform', () => {
  it('gives the bits of proj4js\'s public API on every fixture pair (reused-point path where the datums are one)', () => {
    const paths: Record<string, string> = {};
    fixture.pairs.forEach((p, k) => {
      const r = sameBits(p.fromProj, p.toProj, 1000 + k, p);
      expect(r.compared).toBeGreaterThan(1000);
      paths[`${p.from}->${p.to}`] = r.path;
    });
    expect(paths).toMatchObject({
      'EPSG:4326->EPSG:32631': 'direct',
      'EPSG:4326->EPSG:32733': 'direct',
      'EPSG:4258->EPSG:3035': 'direct',
      'EPSG:4326->EPSG:3395': 'direct',
      'EPSG:32631->EPSG:4326': 'direct',
      // +nadgrids=@null: a grid-shift datum in proj4js
      'EPSG:4326->EPSG:3857': 'public',
      // WGS 84 -> International 1924 without a shift: another ellipsoid
      'EPSG:4326->EPSG:2169': 'public',
    });
  });

  it('keeps the bits with units, prime meridians and spheres on the reused-point path', () => {
    const pairs: [string, string, { x: number[]; y: number[] }][] = [
      ['+proj=longlat +ellps=clrk80ign +pm=paris', '+proj=lcc +lat_1=46.8 +lat_0=46.8 +lon_0=0 +k_0=0.99987742 +x_0=600000 +y_0=2200000 +ellps=clrk80ign +pm=paris +units=m', { x: [-4, 6], y: [42, 51] }],
      ['+proj=longlat +datum=NAD83', '+proj=tmerc +lat_0=31 +lon_0=-110.166666666667 +k=0.9999 +x_0=213360 +y_0=0 +datum=NAD83 +units=ft', { x: [-111, -109], y: [31, 37] }],
      ['+proj=tmerc +lat_0=31 +lon_0=-110.166666666667 +k=0.9999 +x_0=700000 +y_0=0 +datum=NAD83 +units=us-ft', '+proj=longlat +datum=NAD83', { x: [500000, 900000], y: [100000, 2000000] }],
      ['+proj=longlat +R=6371007.181', '+proj=sinu +lon_0=0 +x_0=0 +y_0=0 +R=6371007.181 +units=m', { x: [-180, 180], y: [-80, 80] }],
      ['+proj=utm +zone=31 +datum=WGS84', '+proj=utm +zone=32 +datum=WGS84', { x: [300000, 700000], y: [4000000, 6000000] }],
    ];
    pairs.forEach(([from, to, p], k) => {
      const r = sameBits(from, to, 2000 + k, p);
      expect(r.path, `${from} -> ${to}`).toBe('direct');
      expect(r.compared).toBeGreaterThan(1000);
    });
  });

  it('takes proj4js\'s public API for a datum shift, +lon_wrap or another datum, with the same bits', () => {
    const pairs: [string, string][] = [
      ['+proj=longlat +ellps=intl +towgs84=-87,-98,-121', '+proj=utm +zone=31 +datum=WGS84'],
      ['+proj=longlat +datum=WGS84', '+proj=longlat +datum=WGS84 +lon_wrap=180'],
      ['+proj=longlat +ellps=GRS80', '+proj=utm +zone=31 +ellps=intl'],
    ];
    for (const [from, to] of pairs) {
      const r = sameBits(from, to, 3000, { x: [-10, 10], y: [40, 50] });
      expect(r.path, `${from} -> ${to}`).toBe('public');
    }
    expect(proj4BatchTransform('+proj=longlat +datum=WGS84', '+proj=utm +zone=31 +datum=WGS84', 'public').path.path).toBe('public');
  });

  it('is what chooseConversion checks against the reference and returns', () => {
    // the reference here is proj4js's public API: the check passes with difference 0, and the returned
    // transform (the reused-point path inside withinChecked) gives the public API's bits
    const from = '+proj=longlat +datum=WGS84';
    const to = '+proj=utm +zone=31 +datum=WGS84 +units=m';
    const reference: BatchTransform = (xs, ys) => publicApi(from, to, xs, ys);
    const [xs, ys] = points({ x: [0, 6], y: [40, 60] }, 4000);
    const sx = xs.slice(0, 2000);
    const sy = ys.slice(0, 2000);
    const choice = chooseConversion(from, to, reference, sx, sy);
    expect(choice.engine).toBe('proj4js');
    if (choice.engine !== 'proj4js') return;
    expect(choice.agreement.maxDifference).toBe(0);
    expect(compareTransforms(reference, choice.transform, xs, ys)).toMatchObject({ maxDifference: 0, nanMismatches: 0 });
  });
});
