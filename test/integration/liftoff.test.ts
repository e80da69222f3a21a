/**
 * WebAssembly is compiled by V8's Liftoff only in `zonalflow stats` (bin/job-thread.mjs sets --liftoff-only
 * before the job's threads start) and, once PROJ has loaded, in any process (shared/crs/proj.ts sets it for
 * its own compile and leaves it set). Observed in a child process through V8's test intrinsic
 * %IsTurboFanFunction on a hot function compiled afterwards; the control (neither) must tier up, so the
 * probe can tell.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function probe(mode: 'none' | 'job-thread' | 'proj'): boolean {
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', join(ROOT, 'test', 'helpers', 'liftoff-probe.mjs'), mode], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { turbofan: boolean }).turbofan;
}

describe('WebAssembly compiled by Liftoff only', () => {
  it('control: with neither, a hot function tiers up to TurboFan', () => {
    expect(probe('none')).toBe(true);
  });

  it('a stats job thread: no tier-up', () => {
    expect(probe('job-thread')).toBe(false);
  });

  it('after PROJ has loaded: no tier-up', () => {
    expect(probe('proj')).toBe(false);
  });
});
