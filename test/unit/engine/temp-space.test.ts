import { describe, expect, it } from 'vitest';
import { OutputError, TempSpaceError } from '../../../shared/errors';
import { asTempSpaceError } from '../../../shared/engine/temp-space';
import { exitCodeOfError } from '../../../shared/jobs/outcome';

/** An error as node:fs raises it. */
function fsError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}, write`), { code, errno: -28, syscall: 'write' });
}

describe('asTempSpaceError', () => {
  it('an untyped ENOSPC or EDQUOT names the temporary folder and what to do; exit 1', () => {
    const was = process.env['ZONALFLOW_OUTER_TMP'];
    process.env['ZONALFLOW_OUTER_TMP'] = '/scratch/tmp';
    try {
      const e = asTempSpaceError(fsError('ENOSPC', 'no space left on device'));
      expect(e).toBeInstanceOf(TempSpaceError);
      expect((e as TempSpaceError).message).toBe("the temporary folder /scratch/tmp ($TMPDIR) is full: no space left on its device (ENOSPC) for the job's temporary files; free space there or set TMPDIR to a folder with more room");
      expect(exitCodeOfError(e)).toBe(1);
      expect((asTempSpaceError(fsError('EDQUOT', 'disk quota exceeded')) as Error).message).toContain('the disk quota is exceeded (EDQUOT)');
    } finally {
      if (was === undefined) delete process.env['ZONALFLOW_OUTER_TMP'];
      else process.env['ZONALFLOW_OUTER_TMP'] = was;
    }
  });

  it('leaves typed errors (a full --out is an OutputError) and other errors as they are', () => {
    const out = new OutputError('--out x.csv: writing failed: no space left on the device');
    expect(asTempSpaceError(out)).toBe(out);
    const other = fsError('EACCES', 'permission denied');
    expect(asTempSpaceError(other)).toBe(other);
  });
});
