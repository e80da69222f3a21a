/** What `zonalflow local` prints after a run: failed jobs in plain words, failure reasons as `stats` prints them. */
import { describe, expect, it } from 'vitest';
import { readableFailure, summaryLines } from '../../../cli/local-report';

describe('readableFailure', () => {
  it('unwraps the Lambda error JSON Step Functions passes on, and names the States error in words', () => {
    // the message the fids case printed before (a batch file rejected by zod), as the Map Run reported it
    const zod = JSON.stringify({ errorType: 'ZodError', errorMessage: JSON.stringify([{ expected: 'int', code: 'invalid_type', path: ['features', 1, 'fid'], message: 'Invalid input: expected int, received number' }], null, 2) });
    const text = readableFailure('States.ExceedToleratedFailureThreshold', `1 of 1 items of Batches failed, more than the tolerated 10%; first: ZodError: ${zod}`);
    expect(text).toBe('too many batches failed: 1 of 1 items of Batches failed, more than the tolerated 10%; first: invalid data: features.1.fid: Invalid input: expected int, received number');
    expect(text).not.toMatch(/errorType|\{|\[/);
  });
  it('a refused URL says how to allow the user\'s own server', () => {
    const text = readableFailure('UriNotAllowedError', JSON.stringify({ errorType: 'UriNotAllowedError', errorMessage: 'http://127.0.0.1:8000/a.tif: http:// is not allowed here (allowed: s3, https)' }));
    expect(text).toBe('http://127.0.0.1:8000/a.tif: http:// is not allowed here (allowed: s3, https) (zonalflow local reads a server on this machine or a private network only when you name its host with --allow-host HOST)');
    expect(readableFailure('', 'failed Plan: RasterError {"errorType":"RasterError","errorMessage":"a raster of the spec cannot be read"}')).toBe('failed Plan: a raster of the spec cannot be read');
  });
  it('plain text stays as it is', () => {
    expect(readableFailure('SpecError', 'invalid job spec:\n  - stats: unknown statistic "avg"')).toBe('invalid job spec:\n  - stats: unknown statistic "avg"');
  });
});

describe('summaryLines', () => {
  it('warnings as warning: lines; the first 10 failure reasons, how many more and failed batches as error: lines (as stats prints them)', () => {
    const failures = Array.from({ length: 12 }, (_, i) => ({ fid: i, id: `f${i}`, reason: `GEOMETRY_EMPTY: feature "f${i}" (fid ${i}): empty or missing geometry` }));
    const lines = summaryLines({ warnings: ['1 feature has a NULL id'], failures: failures.slice(0, 11), failuresTotal: 12, batchErrors: [{ batchId: 'b1', error: 'SOURCE_FAILED: {"errorType":"SourceError","errorMessage":"timeout"}' }] });
    expect(lines[0]).toBe('warning: 1 feature has a NULL id');
    expect(lines.slice(1, 11)).toEqual(failures.slice(0, 10).map((f) => `error: ${f.reason}`));
    expect(lines[11]).toBe('error: ... and 2 more (see the "error" column and summary.json)');
    expect(lines[12]).toBe('error: batch b1 failed: SOURCE_FAILED: timeout');
    expect(summaryLines({ failures: [] })).toEqual([]);
  });
});
