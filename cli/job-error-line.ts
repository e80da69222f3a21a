/**
 * A failed job's error as `zonalflow stats` prints an error (cli/main.ts errorLine): `error [CODE]: message`
 * for a zonalflow error, `error: message` for anything else (Step Functions' own errors in words, a Lambda
 * runtime error). The job keeps only the error's name (`InputError`: what Step Functions passes on), which
 * names its code (shared/error-codes.ts). Used by `local`'s result line and the job line of `status` and `run --wait`.
 */
import { codeOfErrorName } from '../shared/error-codes';
import { readableFailure } from './local-report';

/** `error [INPUT_INVALID]: <reason>` for a job that failed with an InputError; `error: <reason>` when the name is not one of ours. */
export function jobErrorLine(error: { code: string; message: string }): string {
  const code = codeOfErrorName(error.code);
  const text = readableFailure(error.code, error.message);
  return code === undefined ? `error: ${text}` : `error [${code}]: ${text}`;
}
