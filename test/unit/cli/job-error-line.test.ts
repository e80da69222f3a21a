/** A failed job's error line, as `stats` prints an error (cli/main.ts errorLine): its code when it is one of ours. */
import { describe, expect, it } from 'vitest';
import { jobErrorLine } from '../../../cli/job-error-line';
import { errorLine } from '../../../cli/main';
import { InputError } from '../../../shared/errors';

describe('jobErrorLine', () => {
  it('is what stats prints for the same error, from the name the job kept', () => {
    const err = new InputError('lux.gpkg: layer "lux_cantons" has no column "nmae" for the ids');
    expect(jobErrorLine({ code: err.name, message: err.message })).toBe(errorLine(err));
    expect(jobErrorLine({ code: 'InputError', message: err.message })).toBe('error [INPUT_INVALID]: lux.gpkg: layer "lux_cantons" has no column "nmae" for the ids');
  });
  it('unwraps the Lambda error document Step Functions passes on', () => {
    expect(jobErrorLine({ code: 'GeoPackageError', message: 'GeoPackageError: {"errorType":"GeoPackageError","errorMessage":"a.gpkg is truncated"}' })).toBe('error [GEOPACKAGE_INVALID]: a.gpkg is truncated');
  });
  it('has no code for an error that is not ours: Step Functions\' own in words', () => {
    expect(jobErrorLine({ code: 'States.Timeout', message: 'x' })).toBe('error: the job ran out of time: x');
    expect(jobErrorLine({ code: 'Runtime.OutOfMemory', message: 'Runtime exited' })).toBe('error: Runtime exited');
  });
});
