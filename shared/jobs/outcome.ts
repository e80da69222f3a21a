/**
 * How a job ended, and the exit code that says so. One rule for `zonalflow stats`,
 * `zonalflow local`, `zonalflow run --wait` and Collect's job status:
 *
 * | outcome | status  | exit code |
 * |---|---|---|
 * | every feature computed (or no feature at all) | DONE | 0 |
 * | some features failed, some computed | PARTIAL | 3 |
 * | the job failed: nothing computed, or the job itself stopped (FAILED, CANCELLED) | FAILED | 1 |
 *
 * Exit code 2 (usage error: bad options, invalid spec, unusable input) is decided by the CLI before a job
 * starts ({@link exitCodeOfError}), or, in `local` and `run --wait`, from the error that failed the job
 * ({@link exitCodeOfJob}).
 */
import { InputError, InterruptedError, OutputError, SourceError, SpecError } from '../errors';
import type { JobStatus } from '../pipeline/events';

/** The exit code of a usage error (bad option, invalid spec), as commander and the CLI report it. */
export const USAGE_EXIT_CODE = 2;

/**
 * The status of a job from its feature counts.
 * @param total features in the input (rows expected)
 * @param failed features with an error
 * @param incomplete true when some features or batches were never computed (missing rows, pending batches)
 */
export function jobOutcome(total: number, failed: number, incomplete = false): Extract<JobStatus, 'DONE' | 'PARTIAL' | 'FAILED'> {
  if (total > 0 && failed >= total) return 'FAILED';
  return failed > 0 || incomplete ? 'PARTIAL' : 'DONE';
}

/** The exit code for a job's final status: 0 DONE, 3 PARTIAL, 1 anything else (FAILED, CANCELLED, still running). */
export function exitCodeOf(status: string): number {
  return status === 'DONE' ? 0 : status === 'PARTIAL' ? 3 : 1;
}

/**
 * The exit code of an error that stopped a command before or while it ran: 2 (usage error, nothing
 * was computed) for an invalid spec or option (SpecError), an input that cannot be used (InputError:
 * missing, unreadable, corrupt or truncated whatever its format, a GeoPackage's GeoPackageError included;
 * no such layer or column), an output path that cannot be written (OutputError; a full device under it, OutputSpaceError, is 1)
 * and a local raster file that does not exist (SourceError from a missing local path); 1 for anything
 * else: a remote raster that fails, a broken file, a bug, and a URL the allow-list refuses
 * (UriNotAllowedError: the cases redirect-loopback and secrets-in-messages fail the job with exit 1,
 * whether the URL came from the user, a redirect or a STAC `next` link). The only place errors map
 * to exit codes. An InterruptedError (SIGINT, SIGTERM) exits 130 or 143, the shell's 128 + signal number.
 */
export function exitCodeOfError(err: unknown): number {
  if (err instanceof InterruptedError) return err.exitCode;
  if (err instanceof SpecError || err instanceof InputError || err instanceof OutputError) return USAGE_EXIT_CODE;
  if (err instanceof SourceError && typeof err.context['missingLocalFile'] === 'string') return USAGE_EXIT_CODE;
  return 1;
}

/**
 * The names of the errors that fail a pipeline job as a usage error (exit 2 in `zonalflow local` and
 * `zonalflow run --wait`, as in `stats`): a spec or input that cannot be used (Plan's SpecError, InputError and its GeoPackageError).
 * Step Functions carries only the name of the error a Lambda threw. An OutputError is not one there: the
 * pipeline writes to its own bucket, not to a path the user gave.
 */
const USAGE_ERROR_NAMES: ReadonlySet<string> = new Set(['SpecError', 'InputError', 'GeoPackageError']);

/** The exit code of a pipeline job from its status and, when it FAILED, the name of the error that failed it. */
export function exitCodeOfJob(status: string, errorName: string | undefined): number {
  return status === 'FAILED' && errorName !== undefined && USAGE_ERROR_NAMES.has(errorName) ? USAGE_EXIT_CODE : exitCodeOf(status);
}
