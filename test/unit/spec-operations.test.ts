/**
 * exactextract's per-operation arguments resolved with the job (shared/spec-operations.ts, via parseJobSpec):
 * accepted where they say exactly what the job does (and then set the job's field), refused otherwise with
 * one line saying what zonalflow does instead; never accepted and dropped.
 */
import { describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../shared/spec';
import { SpecError } from '../../shared/errors';

const b04 = { name: 'b04', uri: 's3://bucket/B04.tif' };
const b08 = { name: 'b08', uri: 's3://bucket/B08.tif' };
const problem = (spec: unknown): string => {
  try {
    parseJobSpec(spec);
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return (err as Error).message;
  }
  throw new Error('no problem found');
};

describe('raster arguments', () => {
  it('a raster named by every operation of a one-raster job, or every raster named for a statistic: accepted', () => {
    expect(parseJobSpec({ rasters: [b04], stats: ['mean(b04)', 'quantile(b04,q=0.25)', 'count'] }).stats).toEqual(['mean', 'quantile(q=0.25)', 'count']);
    expect(parseJobSpec({ rasters: [b04, b08], stats: ['mean(b04)', 'mean(b08)', 'count'] }).stats).toEqual(['mean', 'count']);
    // the file stem names a raster without `name`, as exactextract's -r NAME:path
    expect(parseJobSpec({ rasters: [{ uri: 'data/elev.cog.tif' }], stats: ['mean(elev)'] }).stats).toEqual(['mean']);
    // a band-math output is one of the job's rasters
    expect(parseJobSpec({ rasters: [b04, b08], bands: { ndvi: '(b08 - b04) / (b08 + b04)' }, stats: ['mean(b04)', 'mean(b08)', 'mean(ndvi)'] }).stats).toEqual(['mean']);
  });

  it('a subset of the rasters, an unknown raster, a time series: refused, saying what zonalflow does', () => {
    expect(problem({ rasters: [b04, b08], stats: ['mean(b04)', 'count'] })).toBe('invalid job spec: stats: "mean(b04)": asks mean of b04 only; zonalflow computes every statistic on every raster of the job (b04, b08): leave the raster name out, or run one job per raster');
    expect(problem({ rasters: [b04], stats: ['mean(b4)'] })).toMatch(/^invalid job spec: stats: "mean\(b4\)": no raster of the job is named "b4" \(its rasters: b04; /);
    const stac = { api: 'https://earth-search.aws.element84.com/v1', collections: ['s2'], datetime: '2024-01-01/2024-02-01', assets: { red: 'red' } };
    expect(problem({ stac, stats: ['mean(red)'] })).toMatch(/"mean\(red\)": a raster name selects one of a job's "rasters"; a "stac" time series computes every statistic on every output/);
  });

  it('the weights raster: the job\'s (by its file stem), else refused', () => {
    expect(parseJobSpec({ rasters: [b04], weights: { uri: 's3://bucket/pop.tif' }, stats: ['weighted_mean(b04,pop)', 'mean(b04,pop)'] }).stats).toEqual(['weighted_mean', 'mean']);
    expect(problem({ rasters: [b04], weights: { uri: 's3://bucket/population.tif' }, stats: ['weighted_mean(b04,pop)'] })).toMatch(/"weighted_mean\(b04,pop\)": the job's weights raster is "population"/);
    expect(problem({ rasters: [b04], stats: ['mean(b04,pop)'] })).toMatch(/names a weights raster, and the job has none: give it with --weights <uri>/);
  });
});

describe('option arguments', () => {
  it('the same value on every operation becomes the job\'s setting', () => {
    const s = parseJobSpec({ rasters: [b04], stats: ['count(min_coverage_frac=0.5,coverage_weight=none,default_value=0)', 'quantile(q=0.1,min_coverage_frac=0.5,coverage_weight=none,default_value=0)'] });
    expect([s.stats, s.minCoverageFrac, s.coverageWeight, s.defaultValue]).toEqual([['count', 'quantile(q=0.1)'], 0.5, 'none', 0]);
    // default_weight: every weighted operation (no other reads it)
    const w = parseJobSpec({ rasters: [b04], weights: { uri: 'pop.tif' }, stats: ['count', 'weighted_mean(default_weight=0.5)', 'weighted_sum(default_weight=0.5)'] });
    expect(w.defaultWeight).toBe(0.5);
  });

  it('an argument equal to the job\'s own setting, or to the default given to only some operations: accepted', () => {
    expect(parseJobSpec({ rasters: [b04], minCoverageFrac: 0.5, stats: ['count', 'mean(min_coverage_frac=0.5)'] }).minCoverageFrac).toBe(0.5);
    expect(parseJobSpec({ rasters: [b04], stats: ['count', 'mean(min_coverage_frac=0,coverage_weight=fraction)'] })).toMatchObject({ minCoverageFrac: 0, coverageWeight: 'fraction' });
  });

  it('given to some operations only, differing between them, or from the job\'s setting: refused', () => {
    expect(problem({ rasters: [b04], stats: ['count', 'mean(min_coverage_frac=0.5)'] })).toBe('invalid job spec: stats: min_coverage_frac=0.5 is given to "mean(min_coverage_frac=0.5)" but not to "count"; zonalflow applies one min_coverage_frac to every statistic of a job (--min-coverage-frac, spec "minCoverageFrac"): give it to every operation, or set it for the job (--min-coverage-frac 0.5)');
    expect(problem({ rasters: [b04], stats: ['count(default_value=1)', 'mean(default_value=2)'] })).toMatch(/"count\(default_value=1\)", "mean\(default_value=2\)": default_value differs between operations \(1, 2\); zonalflow applies one default_value/);
    expect(problem({ rasters: [b04], coverageWeight: 'none', stats: ['count(coverage_weight=fraction)'] })).toMatch(/coverage_weight differs from the job's coverageWeight "none"/);
    expect(problem({ rasters: [b04], weights: { uri: 'pop.tif' }, stats: ['weighted_mean(default_weight=1)', 'weighted_sum'] })).toMatch(/default_weight=1 is given to "weighted_mean\(default_weight=1\)" but not to "weighted_sum"/);
  });

  it('a resolved setting meets the other rules of the spec (min_coverage_frac needs coverage "exact")', () => {
    expect(problem({ rasters: [b04], coverage: 'center', stats: ['mean(min_coverage_frac=0.5)'] })).toBe('invalid job spec: minCoverageFrac: needs coverage "exact"');
  });

  it('a resolved spec parses again to itself (the pipeline re-reads the spec it wrote)', () => {
    const once = parseJobSpec({ rasters: [b04], stats: ['quantile(b04,q=.25,min_coverage_frac=0.5)', 'mode(b04,min_coverage_frac=0.5)'] });
    expect(once).toMatchObject({ stats: ['quantile(q=0.25)', 'mode'], minCoverageFrac: 0.5 });
    expect(parseJobSpec(once)).toEqual(once);
  });
});
