/**
 * A job thread that ends with one of Node's own exit codes instead of the command's (13: the code awaited
 * something nothing would settle) is never a silent failure: the command exits with that code (never 0) and
 * says so on one line (bin/job-thread.mjs). Provoked with a preload that leaves the job thread's top-level
 * await unsettled (test/helpers/stuck-job-thread.mjs).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

describe('a job thread that ends with a code of its own', () => {
  it('exit code 13 (unsettled await) is reported on one line, and the command does not exit 0', async () => {
    const child = spawn(process.execPath, ['--import', join(ROOT, 'test', 'helpers', 'stuck-job-thread.mjs'), join(ROOT, 'bin', 'zonalflow.mjs'), 'stats', '--input', join(ROOT, 'examples', 'lux_cantons_2169.gpkg'), '--raster', join(ROOT, 'examples', 'elev.cog.tif'), '--id-column', 'ID_2', '--out', join(ROOT, 'out', 'never-written.csv')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => (stderr += s));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(13);
    expect(stderr).toMatch(/^zonalflow: internal error: the job's thread ended with Node's exit code 13 before the command finished \(it was waiting for work that nothing would finish\); please report it$/m);
  }, 60_000);
});
