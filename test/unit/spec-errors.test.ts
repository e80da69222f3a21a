/**
 * An invalid job spec is refused with one message listing every problem (shared/spec.ts parseJobSpec):
 * a bad `bands` entry, a bad `coverage` and an unknown statistic together, each on its line with its path.
 * A spec whose only problem is an unknown statistic keeps parseStatNames' one line (checked later).
 */
import { describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../shared/spec';
import { SpecError } from '../../shared/errors';

const raster = { uri: 'elev.tif' };

describe('parseJobSpec: every problem in one message', () => {
  it('lists an unknown statistic beside the schema problems', () => {
    let err: unknown;
    try {
      parseJobSpec({ rasters: [{ ...raster, bands: [0, 'x'] }], stats: ['mean', 'nope'], coverage: 'weird' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    const lines = (err as Error).message.split('\n');
    expect(lines[0]).toBe('invalid job spec:');
    expect(lines.some((l) => l.startsWith('  - rasters.0.bands.0: '))).toBe(true);
    expect(lines.some((l) => l.startsWith('  - rasters.0.bands.1: '))).toBe(true);
    expect(lines.some((l) => l.startsWith('  - coverage: '))).toBe(true);
    expect(lines.at(-1)).toMatch(/^ {2}- stats: unknown statistic "nope"; common: count, /);
    expect(lines).toHaveLength(5);
  });

  it('names every unknown statistic once, and none when all are known', () => {
    expect(() => parseJobSpec({ rasters: [raster], stats: ['meen', 'q200'], coverage: 'weird' })).toThrow(/\n {2}- stats: unknown statistics "meen" \(did you mean mean\?\), "q200"; common: /);
    // one problem: one line
    expect(() => parseJobSpec({ rasters: [raster], stats: ['mean', 'q90'], coverage: 'weird' })).toThrow(/^invalid job spec: coverage: "weird" is not one of exact, center, all_touched$/);
  });

  it('a spec valid but for its statistic names parses (parseStatNames refuses them later, in one line)', () => {
    expect(parseJobSpec({ rasters: [raster], stats: ['count', 'meen'] }).stats).toEqual(['count', 'meen']);
  });
});
