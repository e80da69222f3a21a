/**
 * codeOfErrorName gives each typed error's name the code its class sets (the oracle: the classes themselves,
 * constructed here), so a failed job's line (`error [CODE]: ...`) says what `stats` says for the same error.
 */
import { describe, expect, it } from 'vitest';
import { codeOfErrorName, KNOWN_ERROR_NAMES } from '../../../shared/error-codes';
import { CrsError, GeoPackageError, GeometryError, InputError, InterruptedError, LimitError, OutputError, OutputSpaceError, RasterError, SourceError, SpecError, TempSpaceError, TileError, UriNotAllowedError } from '../../../shared/errors';
import type { ZonalflowError } from '../../../shared/errors';
import { JobStoreError } from '../../../shared/jobs/error';
import { BatchIncompleteError } from '../../../shared/pipeline/worker';
import { BatchFileError } from '../../../shared/pipeline/batch-file';
import { JobCancelledError, TransientError } from '../../../shared/pipeline/transient';

const instances: ZonalflowError[] = [
  new SpecError('x'), new GeometryError('x'), new CrsError('x'), new RasterError('x'), new TileError('x', { index: 0, row: 0, col: 0, level: 0 }),
  new SourceError('x'), new UriNotAllowedError('x'), new LimitError('x'), new InputError('x'), new GeoPackageError('x'), new OutputError('x'),
  new OutputSpaceError('x'), new TempSpaceError('x'), new InterruptedError('SIGINT'), new JobStoreError('x'), new BatchIncompleteError('x'),
  new BatchFileError('x'), new TransientError('x'), new JobCancelledError('x'),
];

describe('codeOfErrorName', () => {
  it.each(instances.map((e) => [e.name, e.code]))('%s is %s, as its class sets it', (name, code) => {
    expect(codeOfErrorName(name)).toBe(code);
  });
  it('knows every class above, and an allow-list refusal of an address (RefusedAddressError) as URI_NOT_ALLOWED', () => {
    expect(new Set(KNOWN_ERROR_NAMES)).toEqual(new Set([...instances.map((e) => e.name), 'RefusedAddressError']));
    expect(codeOfErrorName('RefusedAddressError')).toBe(new UriNotAllowedError('x').code);
  });
  it('gives no code for Step Functions\' errors, a Lambda runtime error, a bug or an inherited property', () => {
    for (const name of ['States.Timeout', 'Runtime.OutOfMemory', 'TypeError', 'Error', 'toString', 'constructor']) expect(codeOfErrorName(name)).toBeUndefined();
  });
});
