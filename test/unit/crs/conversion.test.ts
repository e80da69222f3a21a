/**
 * crs/conversion.ts without PROJ: which pairs of PROJ strings proj4js may evaluate (a pure conversion on one
 * datum), and the run-time check against PROJ: proj4js is taken only when it agrees with the reference on every
 * sample point (1e-6 m) and fails exactly where it fails. Expected values: pyproj/PROJ 9.1.1
 * (test/fixtures/crs-conversion/make.py: PROJ strings exported by PROJ, points transformed by PROJ).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseConversion, compareTransforms, CONVERSION_TOLERANCE_M, conversionProblem, proj4Transform, projTerms, toleranceIn, withinChecked } from '../../../shared/crs/conversion';
import { finiteBox } from '../../../shared/geometry/bbox';
import type { BatchTransform } from '../../../shared/crs/proj';

interface ConversionPair { from: string; to: string; fromProj: string; toProj: string; operation: string; x: number[]; y: number[]; ex: (number | null)[]; ey: (number | null)[] }
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/crs-conversion/expected.json'), 'utf8')) as { pairs: ConversionPair[] };
const pair = (from: string, to: string): ConversionPair => {
  const p = fixture.pairs.find((q) => q.from === from && q.to === to);
  if (!p) throw new Error(`no pair ${from} -> ${to} in the fixture`);
  return p;
};

/** PROJ's answers for the fixture's points (a reference transform that knows only those points). */
function oracle(p: ConversionPair, shift = 0): BatchTransform {
  return (xs, ys) => {
    for (let i = 0; i < xs.length; i++) {
      const k = p.x.findIndex((x, j) => x === xs[i] && p.y[j] === ys[i]);
      if (k < 0) throw new Error('a point outside the fixture');
      xs[i] = (p.ex[k] ?? NaN) + shift;
      ys[i] = (p.ey[k] ?? NaN) + shift;
    }
  };
}

const pure = [['EPSG:4326', 'EPSG:32631'], ['EPSG:4326', 'EPSG:32733'], ['EPSG:4258', 'EPSG:3035'], ['EPSG:4269', 'ESRI:102003'], ['EPSG:4326', 'EPSG:3395'], ['EPSG:32631', 'EPSG:4326']] as const;

describe('conversionProblem', () => {
  it('reads the terms of a PROJ string', () => {
    expect([...projTerms('+proj=utm +zone=33 +south +datum=WGS84').entries()]).toEqual([['proj', 'utm'], ['zone', '33'], ['south', ''], ['datum', 'WGS84']]);
  });

  it.each(pure)('accepts %s -> %s (one datum, no shift)', (from, to) => {
    const p = pair(from, to);
    expect(conversionProblem(p.fromProj, p.toProj)).toBeNull();
  });

  it('refuses another datum, TOWGS84, grids and what proj4js would read differently', () => {
    const nad27 = pair('EPSG:4267', 'EPSG:4326');
    expect(conversionProblem(nad27.fromProj, nad27.toProj)).toMatch(/datums differ \(\+datum: NAD27 vs WGS84\)/);
    const merc = pair('EPSG:4326', 'EPSG:3857');
    // EPSG:3857's +nadgrids=@null is a null grid (no shift): the reason says so, never "a datum shift"
    expect(merc.toProj).toContain('+nadgrids=@null');
    expect(conversionProblem(merc.fromProj, merc.toProj)).toBe('the target CRS has +nadgrids=@null, PROJ\'s null grid (no datum shift), which proj4js reads as datum "none"');
    expect(conversionProblem(merc.toProj, merc.fromProj)).toMatch(/^the source CRS has \+nadgrids=@null, PROJ's null grid \(no datum shift\), /);
    expect(conversionProblem('+proj=longlat +datum=WGS84', '+proj=longlat +datum=WGS84 +nadgrids=ntv2_0.gsb')).toBe('the target CRS has +nadgrids (a datum shift or grid)');
    const luref = pair('EPSG:4326', 'EPSG:2169');
    expect(conversionProblem(luref.fromProj, luref.toProj)).toMatch(/datums differ/);
    // EPSG:2169 as GDAL exports it (with the Helmert shift of its definition)
    const lurefGdal = '+proj=tmerc +lat_0=49.8333333333333 +lon_0=6.16666666666667 +k=1 +x_0=80000 +y_0=100000 +ellps=intl +towgs84=-189.6806,18.3463,-42.7695,-0.33746,-3.09264,2.53861,0.4598 +units=m +no_defs';
    expect(conversionProblem('+proj=longlat +ellps=intl +no_defs', lurefGdal)).toMatch(/\+towgs84/);
    expect(conversionProblem('+proj=longlat +datum=WGS84', '+proj=utm +zone=31 +datum=WGS84 +axis=neu')).toMatch(/\+axis/);
    expect(conversionProblem('+proj=longlat +datum=WGS84', '+proj=longlat +datum=WGS84 +pm=paris')).toMatch(/\+pm/);
    expect(conversionProblem('', '+proj=longlat +datum=WGS84')).toMatch(/cannot express/);
    // a null shift (GDAL's ETRS89: +towgs84=0,0,0,0,0,0,0) is no shift; any other value is one
    const laea = '+proj=laea +lat_0=52 +lon_0=10 +x_0=4321000 +y_0=3210000 +ellps=GRS80 +units=m +no_defs';
    expect(conversionProblem('+proj=longlat +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +no_defs', laea)).toBeNull();
    expect(conversionProblem('+proj=longlat +ellps=GRS80 +towgs84=0,0,0.001 +no_defs', laea)).toMatch(/\+towgs84/);
  });
});

describe('toleranceIn', () => {
  it('is 1e-6 m in the target units', () => {
    expect(toleranceIn('+proj=utm +zone=31 +datum=WGS84 +units=m')).toBe(CONVERSION_TOLERANCE_M);
    expect(toleranceIn('+proj=tmerc +ellps=GRS80 +units=us-ft')).toBeCloseTo(CONVERSION_TOLERANCE_M / (1200 / 3937), 15);
    expect(toleranceIn('+proj=longlat +datum=WGS84')).toBeCloseTo((CONVERSION_TOLERANCE_M * 180) / (6378137 * Math.PI), 20);
  });
});

describe('proj4Transform and chooseConversion', () => {
  it.each(pure)('%s -> %s: proj4js agrees with PROJ within 1e-6 m on every point, and is chosen', (from, to) => {
    const p = pair(from, to);
    const xs = Float64Array.from(p.x);
    const ys = Float64Array.from(p.y);
    const c = chooseConversion(p.fromProj, p.toProj, oracle(p), xs, ys);
    expect(c.engine).toBe('proj4js');
    if (c.engine !== 'proj4js') return;
    expect(c.agreement.points).toBe(p.x.length);
    expect(c.agreement.maxDifference).toBeLessThanOrEqual(toleranceIn(p.toProj));
    // the chosen transform itself, point by point against PROJ
    const ox = Float64Array.from(xs);
    const oy = Float64Array.from(ys);
    c.transform(ox, oy);
    const tol = toleranceIn(p.toProj);
    for (let i = 0; i < ox.length; i++) {
      expect(Math.abs((ox[i] as number) - (p.ex[i] as number))).toBeLessThanOrEqual(tol);
      expect(Math.abs((oy[i] as number) - (p.ey[i] as number))).toBeLessThanOrEqual(tol);
    }
    // the sample points are left as they were
    expect(Array.from(xs)).toEqual(p.x);
  });

  it('falls back to PROJ when proj4js differs by more than the tolerance on one point', () => {
    const p = pair('EPSG:4326', 'EPSG:32631');
    const xs = Float64Array.from(p.x);
    const ys = Float64Array.from(p.y);
    const c = chooseConversion(p.fromProj, p.toProj, oracle(p, 1e-5), xs, ys);
    expect(c).toMatchObject({ engine: 'PROJ' });
    if (c.engine === 'PROJ') expect(c.reason).toMatch(/differs from PROJ by 1\.00e-5 \(over 1\.00e-6\)/);
  });

  it('falls back to PROJ when PROJ fails on a point proj4js transforms', () => {
    const p = pair('EPSG:4326', 'EPSG:32631');
    const q = { ...p, ex: p.ex.map((v, i) => (i === 3 ? null : v)) };
    const c = chooseConversion(p.fromProj, p.toProj, oracle(q), Float64Array.from(p.x), Float64Array.from(p.y));
    expect(c).toMatchObject({ engine: 'PROJ' });
    if (c.engine === 'PROJ') expect(c.reason).toMatch(/disagree on which of 99 sample points/);
  });

  it('falls back to PROJ without sample points, or when proj4js cannot read a string', () => {
    const p = pair('EPSG:4326', 'EPSG:32631');
    expect(chooseConversion(p.fromProj, p.toProj, oracle(p), new Float64Array(0), new Float64Array(0))).toMatchObject({ engine: 'PROJ', reason: expect.stringMatching(/no sample point/) as unknown });
    expect(chooseConversion('+proj=longlat +datum=WGS84', '+proj=nosuchprojection +datum=WGS84', oracle(p), Float64Array.from(p.x), Float64Array.from(p.y))).toMatchObject({ engine: 'PROJ', reason: expect.stringMatching(/proj4js cannot read/) as unknown });
  });

  it('compareTransforms counts NaN mismatches and the largest difference', () => {
    const a: BatchTransform = (xs) => xs.fill(1);
    const b: BatchTransform = (xs, ys) => {
      xs.fill(1.5);
      ys[0] = NaN;
    };
    expect(compareTransforms(a, b, new Float64Array([0, 0]), new Float64Array([0, 0]))).toEqual({ points: 1, maxDifference: 0.5, nanMismatches: 1 });
    // proj4Transform turns what proj4js cannot convert into NaN, as PROJ does
    const t = proj4Transform('+proj=longlat +datum=WGS84', '+proj=merc +datum=WGS84');
    const xs = new Float64Array([0, 10]);
    const ys = new Float64Array([90, NaN]);
    t(xs, ys);
    expect([Number.isNaN(ys[1]), Number.isNaN(xs[1])]).toEqual([true, true]);
  });
});

describe('withinChecked', () => {
  const lite: BatchTransform = (xs, ys) => {
    for (let i = 0; i < xs.length; i++) {
      xs[i] = (xs[i] as number) + 1000;
      ys[i] = (ys[i] as number) + 1000;
    }
  };
  it('runs the checked transform inside the sample\'s box, the other outside it, NaN for non-finite points', () => {
    const calls: number[] = [];
    const outside: BatchTransform = (xs, ys) => {
      calls.push(xs.length);
      xs.fill(-1);
      ys.fill(-2);
    };
    const box = finiteBox(Float64Array.of(0, 10, NaN), Float64Array.of(0, 20, 5));
    expect(box).toEqual({ xmin: 0, ymin: 0, xmax: 10, ymax: 20 });
    const t = withinChecked(lite, outside, box as NonNullable<typeof box>);
    const xs = Float64Array.of(0, 10, 5, 11, Infinity, 3);
    const ys = Float64Array.of(0, 20, 5, 5, 1, 91);
    t(xs, ys);
    expect(Array.from(xs)).toEqual([1000, 1010, 1005, -1, NaN, -1]);
    expect(Array.from(ys)).toEqual([1000, 1020, 1005, -2, NaN, -2]);
    expect(calls).toEqual([2]);
    // all inside: the other transform is never called (PROJ is not loaded again)
    t(Float64Array.of(1, 2), Float64Array.of(1, 2));
    expect(calls).toEqual([2]);
  });

  it('chooseConversion\'s proj4js transform hands points outside the sample to the reference', () => {
    const p = pair('EPSG:4326', 'EPSG:32631');
    const xs = Float64Array.from(p.x);
    const ys = Float64Array.from(p.y);
    let asked = 0;
    const reference: BatchTransform = (a, b) => {
      const known = oracle(p);
      const inFixture = Array.from(a).every((x, i) => p.x.some((v, j) => v === x && p.y[j] === b[i]));
      if (inFixture) return known(a, b);
      asked += a.length;
      a.fill(NaN);
      b.fill(NaN);
    };
    const c = chooseConversion(p.fromProj, p.toProj, reference, xs, ys);
    expect(c.engine).toBe('proj4js');
    if (c.engine !== 'proj4js') return;
    expect(c.box).toEqual(finiteBox(xs, ys));
    // latitude 91 (proj4js would give numbers; PROJ refuses it) and a longitude a turn away go to PROJ
    const qx = Float64Array.of(3, 0, 363);
    const qy = Float64Array.of(50, 91, 50);
    c.transform(qx, qy);
    expect(asked).toBe(2);
    expect([Number.isFinite(qx[0]), Number.isNaN(qx[1]), Number.isNaN(qx[2])]).toEqual([true, true, true]);
  });
});
