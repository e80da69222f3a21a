/** Reading a job spec file: its text and its JSON, with errors that name the file. */
import { readFileSync } from 'node:fs';
import { SpecError } from './errors';

/** The spec file's text and parsed JSON (not yet validated: see parseJobSpec). */
export function readSpecFile(path: string): { text: string; value: unknown } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SpecError(`cannot read the job spec ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    return { text, value: JSON.parse(text) as unknown };
  } catch (err) {
    throw new SpecError(`job spec ${path} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}
