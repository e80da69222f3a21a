/**
 * A full temporary folder as one typed line: an ENOSPC or EDQUOT that is not already a typed error (the output's
 * own writes are OutputErrors) while a job writes its temporary files becomes a TempSpaceError naming the
 * folder the run was given ($TMPDIR; bin/run-tmp.mjs keeps it in ZONALFLOW_OUTER_TMP) and what to do.
 */
import { tmpdir } from 'node:os';
import { TempSpaceError } from '../errors';
import { deviceFull } from '../output/file-output';

/** `err` as a TempSpaceError when it is an untyped ENOSPC or EDQUOT, else `err` itself. */
export function asTempSpaceError(err: unknown): unknown {
  const full = deviceFull(err);
  if (full === null) return err;
  const dir = process.env['ZONALFLOW_OUTER_TMP'] ?? tmpdir();
  return new TempSpaceError(`the temporary folder ${dir} ($TMPDIR) is full: ${full.reason} (${full.code}) for the job's temporary files; free space there or set TMPDIR to a folder with more room`, { cause: err, context: { dir, errno: full.code } });
}
