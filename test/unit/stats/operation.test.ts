/**
 * exactextract's operation syntax (shared/stats/operation.ts) and the statistic names it adds (names.ts):
 * what exactextract 0.3.1's CLI accepts and refuses (checked with its binary, `-s ...`), exactextract's
 * column name for quantile(q=F) (`quantile_<trunc(100 F)>`, its truncation included), and the split of a
 * --stats value at the commas between operations only.
 */
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../../shared/errors';
import { emptyStatNamesProblem, nearestStats, parseStatNames, quantileOf, statColumnName } from '../../../shared/stats/names';
import { parseOperation, splitOperations } from '../../../shared/stats/operation';

describe('parseOperation', () => {
  it('reads a name, raster names and keyword arguments', () => {
    expect(parseOperation('mean')).toEqual({ text: 'mean', name: 'mean', rasters: [], options: {} });
    expect(parseOperation('quantile(q=0.25)')).toEqual({ text: 'quantile(q=0.25)', name: 'quantile', rasters: [], options: {}, q: 0.25 });
    expect(parseOperation('quantile(b04,q=.75)').q).toBe(0.75);
    expect(parseOperation('quantile(q=1e-1)').q).toBe(0.1);
    expect(parseOperation('quantile(q=-0)').q).toBe(0);
    expect(parseOperation('weighted_mean(b04,pop,min_coverage_frac=0.5,coverage_weight=none,default_value=-1,default_weight=0)')).toEqual({
      text: 'weighted_mean(b04,pop,min_coverage_frac=0.5,coverage_weight=none,default_value=-1,default_weight=0)',
      name: 'weighted_mean',
      rasters: ['b04', 'pop'],
      options: { min_coverage_frac: 0.5, coverage_weight: 'none', default_value: -1, default_weight: 0 },
    });
    // whitespace around arguments, as exactextract's `mean( e)`
    expect(parseOperation(' mean( e , min_coverage_frac= 0.5 ) ')).toMatchObject({ name: 'mean', rasters: ['e'], options: { min_coverage_frac: 0.5 } });
  });

  it('refuses what exactextract refuses, naming the operation and the problem', () => {
    const cases: [string, RegExp][] = [
      ['quantile', /quantile needs its argument q/],
      ['quantile(b04)', /quantile needs its argument q/],
      ['quantile(q=25)', /q must be a number from 0 to 1/],
      ['quantile(0.25)', /"0\.25" is not a raster name .* nor key=value: write quantile\(q=0\.25\)$/],
      ['quantile(q=-0.1)', /q must be a number from 0 to 1/],
      ['quantile(q=abc)', /q must be a number from 0 to 1 \(quantile\(q=0\.25\)\), got "abc"/],
      ['quantile(q=+0.25)', /q must be a number/],
      ['quantile(q=nan)', /q must be a number/],
      ['quantile(q=0.25,q=0.5)', /the argument q is given twice/],
      ['median(q=0.5)', /median takes no argument q/],
      ['mean(foo=1)', /unknown argument "foo"/],
      ['mean()', /empty parentheses/],
      ['mean(e', /one list in parentheses at the end/],
      ['mean(e)extra', /one list in parentheses at the end/],
      ['mean(,)', /an empty argument/],
      ['mean(min_coverage_frac=0.5,e)', /comes after keyword arguments/],
      ['mean(e,w,x)', /at most two raster names/],
      ['mean(min_coverage_frac=1.5)', /min_coverage_frac must be from 0 to 1/],
      ['mean(coverage_weight=bogus)', /coverage_weight must be one of fraction, none, area_cartesian/],
      ['mean(default_value=abc)', /default_value must be a number/],
      ['avg=mean(e)', /cannot rename it \("avg=" is exactextract's output name\)/],
      ['avg=mean', /cannot rename it/],
    ];
    for (const [text, why] of cases) {
      expect(() => parseOperation(text), text).toThrow(SpecError);
      expect(() => parseOperation(text), text).toThrow(why);
    }
  });
});

describe('splitOperations (--stats)', () => {
  it('splits at the commas between operations, never inside parentheses', () => {
    expect(splitOperations('count,quantile(b04,q=0.25), mean ,weighted_mean(b04,pop,default_weight=0)')).toEqual(['count', 'quantile(b04,q=0.25)', 'mean', 'weighted_mean(b04,pop,default_weight=0)']);
    expect(splitOperations('q10,q2.5')).toEqual(['q10', 'q2.5']);
  });
  it('keeps an empty item (a doubled, leading or trailing comma) for the validation to name, never drops it', () => {
    expect(splitOperations('mean,,max')).toEqual(['mean', '', 'max']);
    expect(splitOperations(' mean , ,max,')).toEqual(['mean', '', 'max', '']);
    expect(splitOperations('')).toEqual(['']);
  });
});

describe('the unknown-statistic line stays one readable line', () => {
  it('other tools\' names and a quantile in capitals suggest zonalflow\'s (std, nodata, avg, percentile_NN, pNN, Q10)', () => {
    expect(nearestStats('std')).toEqual(['stdev']);
    expect(nearestStats('AVG')).toEqual(['mean']);
    expect(nearestStats('nodata')).toEqual(['nodata_count']);
    expect(nearestStats('percentile_90')).toEqual(['q90']);
    expect(nearestStats('p2.5')).toEqual(['q2.5']);
    expect(nearestStats('Q10')).toEqual(['q10']);
    expect(nearestStats('percentile_150')).toEqual([]); // no quantile 150 to suggest
  });
  it('with a suggestion for every name: the suggestions alone; otherwise a short pointer to the full list, never the whole list', () => {
    expect(() => parseStatNames(['std', 'percentile_10'])).toThrow(/^unknown statistics "std" \(did you mean stdev\?\), "percentile_10" \(did you mean q10\?\)$/);
    let message = '';
    try {
      parseStatNames(['mean', 'foo']);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe('unknown statistic "foo"; common: count, sum, mean, min, max, stdev, median, majority, qNN (q10, q2.5); all: `zonalflow stats --help`');
    expect(message.length).toBeLessThan(160);
    expect(message.split('\n')).toHaveLength(1);
  });
});

describe('an empty statistic name', () => {
  it('is named by its 1-based position and a neighbour, one line', () => {
    expect(emptyStatNamesProblem(['mean', 'max'])).toBeNull();
    expect(emptyStatNamesProblem(['mean', '', 'max'])).toBe('empty statistic name at position 2 of 3 (after "mean"); name a statistic there or remove it');
    expect(emptyStatNamesProblem(['', 'max'])).toBe('empty statistic name at position 1 of 2 (before "max"); name a statistic there or remove it');
    expect(emptyStatNamesProblem(['mean', ' \t'])).toBe('empty statistic name at position 2 of 2 (after "mean"); name a statistic there or remove it');
    expect(emptyStatNamesProblem(['mean', '', 'max', ''])).toBe('empty statistic names at positions 2, 4 of 4; name statistics there or remove them');
    expect(emptyStatNamesProblem([''])).toMatch(/^empty statistic name; /);
  });
  it('parseStatNames refuses it with that line (every caller, not only the spec\'s schema)', () => {
    expect(() => parseStatNames(['mean', '', 'max'])).toThrow(SpecError);
    expect(() => parseStatNames(['mean', '', 'max'])).toThrow(/^empty statistic name at position 2 of 3 \(after "mean"\)/);
  });
});

describe('exactextract\'s names in parseStatNames', () => {
  it('accepts quantile(q=F) (canonical form), mode and the min/max cell centres', () => {
    expect(parseStatNames(['quantile(q=.25)', 'quantile(q=0.25)', 'q25', 'mode', 'min_center_x', 'max_center_x', 'min_center_y', 'max_center_y'])).toEqual(['quantile(q=0.25)', 'q25', 'mode', 'min_center_x', 'max_center_x', 'min_center_y', 'max_center_y']);
    expect(quantileOf('quantile(q=0.25)')).toBe(0.25);
    expect(quantileOf('quantile(q=1.5)')).toBeNull();
  });

  it('names quantile columns as exactextract 0.3.1 does: quantile_<integer part of 100 q, in doubles>', () => {
    // each pair checked against the exactextract binary's CSV header (-s "quantile(q=...)")
    const seen: [number, string][] = [[0.25, 'quantile_25'], [0.1, 'quantile_10'], [0.025, 'quantile_2'], [0.3333, 'quantile_33'], [0, 'quantile_0'], [1, 'quantile_100'],
      [0.29, 'quantile_28'], [0.57, 'quantile_56'], [0.58, 'quantile_57'], [0.07, 'quantile_7'], [0.14, 'quantile_14'], [0.28, 'quantile_28'], [0.999, 'quantile_99']];
    for (const [q, col] of seen) expect([q, statColumnName(parseStatNames([`quantile(q=${q})`])[0] ?? '')]).toEqual([q, col]);
    expect(statColumnName('q25')).toBe('q25');
    expect(statColumnName('mode')).toBe('mode');
  });

  it('refuses two statistics written as one column (exactextract: "Operation name is not unique")', () => {
    expect(() => parseStatNames(['quantile(q=0.995)', 'quantile(q=0.999)'])).toThrow('quantile(q=0.995) and quantile(q=0.999) would both be written as the column quantile_99');
    expect(() => parseStatNames(['quantile(q=0.28)', 'quantile(q=0.29)'])).toThrow(/quantile_28.*ask one of them as qNN/);
  });

  it('refuses exactextract\'s raster and option arguments: they are the job\'s to resolve (parseJobSpec), never dropped', () => {
    expect(() => parseStatNames(['mean(b04)'])).toThrow(/"mean\(b04\)": exactextract's raster and option arguments are the job's rasters and settings/);
    expect(() => parseStatNames(['count', 'mean(min_coverage_frac=0.5)'])).toThrow(SpecError);
  });

  it('a name a typo away from statistics suggests the nearest (Damerau-Levenshtein distance <= 2, under half its length; ties all); others none', () => {
    expect(() => parseStatNames(['count', 'meen'])).toThrow(/^unknown statistic "meen" \(did you mean mean\?\)$/);
    expect(() => parseStatNames(['stddev', 'medain', 'foo'])).toThrow(/^unknown statistics "stddev" \(did you mean stdev\?\), "medain" \(did you mean median\?\), "foo"; common: /);
    expect(nearestStats('majorty')).toEqual(['majority']);
    expect(nearestStats('MEAN')).toEqual(['mean']);
    expect(nearestStats('xyz')).toEqual([]);
    expect(nearestStats('foo')).toEqual([]);
  });
  it('an unknown name in exactextract form is an unknown statistic; a malformed one says why', () => {
    expect(() => parseStatNames(['foo(b04)'])).toThrow(/^unknown statistic "foo"; common: /);
    expect(() => parseStatNames(['MEAN'])).toThrow(/unknown statistic "MEAN"/);
    expect(() => parseStatNames(['mean', 'quantile(q=2)'])).toThrow(/^"quantile\(q=2\)": q must be a number from 0 to 1/);
  });
});
