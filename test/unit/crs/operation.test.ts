/**
 * The datum transformation named at a point (operation.ts): what proj.db says about a pair of CRSs is read once
 * per pair (a warm Lambda environment's next batch lies elsewhere), and the point alone decides which of those
 * operations is named. NAD27 -> WGS 84: in Arizona PROJ 9.1.1 uses EPSG:1175 (test/fixtures/cases/nad27/README.md);
 * none of its NAD27 operations covers the middle of the Pacific (projinfo -s EPSG:4267 -t EPSG:4326 --bbox
 * -150,0,-150,0 --spatial-test intersects --hide-ballpark: 0 candidates).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { crsFromEpsg } from '../../../shared/crs/epsg';
import { describeTransformation } from '../../../shared/crs/operation';
import { ensureProj } from '../../../shared/crs/transform';

beforeAll(async () => {
  await ensureProj();
}, 60_000);

describe('describeTransformation', () => {
  const nad27 = crsFromEpsg(4267);
  const wgs84 = crsFromEpsg(4326);
  const arizona: [number, number] = [-110.05, 33.08];
  const pacific: [number, number] = [-150, 0];

  it('names the operation of each point, whichever point of the pair was asked first', () => {
    const inPacific = describeTransformation(nad27, wgs84, pacific);
    expect(inPacific).toMatch(/^ballpark \(no datum shift\): none of PROJ's \d+ operation\(s\) EPSG:4267 <-> EPSG:4326 covers \(-150\.000, 0\.000\)$/);
    expect(describeTransformation(nad27, wgs84, arizona)).toBe('EPSG:1175 "NAD27 to WGS 84 (6)", accuracy 7 m');
    // the same pair, other points: each answer is its point's
    expect(describeTransformation(nad27, wgs84, [-110.5, 33.5])).toBe('EPSG:1175 "NAD27 to WGS 84 (6)", accuracy 7 m');
    expect(describeTransformation(nad27, wgs84, [-150.5, 0.5])).toMatch(/covers \(-150\.500, 0\.500\)$/);
    // reversed, and without a point (the operations usable anywhere)
    expect(describeTransformation(wgs84, nad27, arizona)).toBe('EPSG:1175 "NAD27 to WGS 84 (6)", accuracy 7 m');
    expect(describeTransformation(nad27, wgs84)).toMatch(/^EPSG:\d+ "NAD27 to WGS 84 \(\d+\)"/);
  });

  it('a pair on one datum needs no operation, at any point', () => {
    expect(describeTransformation(crsFromEpsg(32633), wgs84, [15, 45])).toBe('no datum shift (same datum)');
    expect(describeTransformation(crsFromEpsg(32633), wgs84, [-150, 0])).toBe('no datum shift (same datum)');
  });
});
