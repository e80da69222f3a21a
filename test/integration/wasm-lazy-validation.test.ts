/**
 * WebAssembly functions are validated when first compiled, not whole modules up front, in `zonalflow stats`
 * (bin/job-thread.mjs validateWasmLazily, before the job's threads start) and, once PROJ has loaded, in any
 * process (shared/crs/proj.ts): PROJ's 28 MB module was validated whole at every start. Observed in a child
 * process on a module with one function that does not validate: created, and failing at its call, under the
 * flag; refused at creation without it (the control).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function probe(mode: 'none' | 'job-thread' | 'proj'): { created: boolean; call: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'helpers', 'wasm-validation-probe.mjs'), mode], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { created: boolean; call: string };
}

describe('WebAssembly validated lazily', () => {
  it('control: with neither, a module with an invalid function is refused when created', () => {
    expect(probe('none')).toEqual({ created: false, call: 'CompileError' });
  });

  it('a stats job thread: the module is created, and the invalid function fails at its call', () => {
    expect(probe('job-thread')).toEqual({ created: true, call: 'CompileError' });
  });

  it('after PROJ has loaded: the same', () => {
    expect(probe('proj')).toEqual({ created: true, call: 'CompileError' });
  }, 120_000);
});
