/**
 * The code (`INPUT_INVALID`, ...) of a typed error known only by its name (`InputError`): Step Functions
 * passes on only the name of the error a Lambda threw (its `Error`; the Node runtime's `errorType`), and
 * the job record and summary.json keep that name as `error.code`. `zonalflow local`, `run --wait` and
 * `status` print a failed job's error as `stats` prints one, `error [CODE]: message` (cli/main.ts errorLine),
 * through this table. Each name has one code (test/unit/errors/error-codes.test.ts checks it against the classes).
 */
const CODES: Readonly<Record<string, string>> = {
  SpecError: 'SPEC_INVALID',
  GeometryError: 'GEOMETRY_INVALID',
  CrsError: 'CRS_UNRESOLVED',
  RasterError: 'RASTER_INVALID',
  TileError: 'TILE_INVALID',
  SourceError: 'SOURCE_FAILED',
  UriNotAllowedError: 'URI_NOT_ALLOWED',
  RefusedAddressError: 'URI_NOT_ALLOWED',
  LimitError: 'LIMIT_EXCEEDED',
  InputError: 'INPUT_INVALID',
  GeoPackageError: 'GEOPACKAGE_INVALID',
  OutputError: 'OUTPUT_INVALID',
  OutputSpaceError: 'OUTPUT_FULL',
  TempSpaceError: 'TMPDIR_FULL',
  InterruptedError: 'INTERRUPTED',
  JobStoreError: 'JOB_STORE',
  BatchIncompleteError: 'BATCH_INCOMPLETE',
  BatchFileError: 'BATCH_INVALID',
  TransientError: 'TRANSIENT',
  JobCancelledError: 'JOB_CANCELLED',
};

/** The code of the zonalflow error named `name`; undefined for any other name (Step Functions' `States.*`, a Lambda runtime error, a bug's `TypeError`). */
export function codeOfErrorName(name: string): string | undefined {
  return Object.hasOwn(CODES, name) ? CODES[name] : undefined;
}

/** The names {@link codeOfErrorName} knows. */
export const KNOWN_ERROR_NAMES: readonly string[] = Object.keys(CODES);
