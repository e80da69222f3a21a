/**
 * Each test file gets a temporary directory of its own as TMPDIR (os.tmpdir() reads it on every
 * call, and child processes inherit it), removed with everything in it once the file's tests are
 * done: the folders tests make (mkdtemp), GeoPackage private views of readers a test leaves open,
 * spools and downloads never accumulate in the machine's /tmp. A test that checks what the CLI
 * leaves behind (test/integration/interrupt.test.ts) gives the CLI a TMPDIR of its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const outer = tmpdir();
const own = mkdtempSync(join(outer, 'zf-test-'));
process.env.TMPDIR = own;
afterAll(() => {
  process.env.TMPDIR = outer;
  rmSync(own, { recursive: true, force: true });
});
