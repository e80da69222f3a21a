/**
 * A full temporary folder as one typed line: an ENOSPC or EDQUOT that is not already a typed error (the output's
 * own writes are OutputErrors) while a job writes its temporary files becomes a TempSpaceError naming the
 * folder the run was given ($TMPDIR; bin/run-tmp.mjs keeps it in ZONALFLOW_OUTER_TMP) and what to do.
 */
import { tmpdir } from 'node:os';
import { TempSpaceError, ZonalflowError } from '../errors';

const REASONS: Record<string, string> = { ENOSPC: 'no space left on its device', EDQUOT: 'the disk quota is exceeded' };

/** `err` as a TempSpaceError when it is an untyped ENOSPC or EDQUOT, else `err` itself. */
export function asTempSpaceError(err: unknown): unknown {
  if (err instanceof ZonalflowError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !(code in REASONS)) return err;
  const dir = process.env['ZONALFLOW_OUTER_TMP'] ?? tmpdir();
  return new TempSpaceError(`the temporary folder ${dir} ($TMPDIR) is full: ${REASONS[code]} (${code}) for the job's temporary files; free space there or set TMPDIR to a folder with more room`, { cause: err, context: { dir, errno: code } });
}
