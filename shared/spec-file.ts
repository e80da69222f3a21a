/** Reading a job spec file: its text and its JSON, with errors that name the file; never more than MAX_SPEC_BYTES read. */
import { closeSync, openSync, readSync } from 'node:fs';
import { SpecError } from './errors';

/** A spec larger than this (4 MiB) is refused before it is read whole (`--spec /dev/zero`, an uploaded X.json). */
export const MAX_SPEC_BYTES = 4 * 1024 * 1024;

/** The spec file's text and parsed JSON (not yet validated: see parseJobSpec). Reads at most `maxBytes` + 1 bytes. */
export function readSpecFile(path: string, maxBytes = MAX_SPEC_BYTES): { text: string; value: unknown } {
  let text: string;
  try {
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(Math.min(maxBytes + 1, 64 * 1024));
      const parts: Buffer[] = [];
      let total = 0;
      for (;;) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, maxBytes + 1 - total), null);
        if (n === 0) break;
        parts.push(Buffer.from(buf.subarray(0, n)));
        total += n;
        if (total > maxBytes) throw new SpecError(`the job spec ${path} is larger than ${maxBytes} bytes (the limit for a spec file); is it the right file?`);
      }
      text = Buffer.concat(parts, total).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if (err instanceof SpecError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (code ?? String(err));
    throw new SpecError(`cannot read the job spec ${path}: ${why}`);
  }
  try {
    return { text, value: JSON.parse(text) as unknown };
  } catch (err) {
    throw new SpecError(`job spec ${path} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}
