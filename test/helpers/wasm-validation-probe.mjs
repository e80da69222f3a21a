/**
 * Child process of test/integration/wasm-lazy-validation.test.ts (run with `node --import tsx
 * wasm-validation-probe.mjs MODE`): MODE `job-thread` first does what bin/job-thread.mjs does before a stats job
 * starts its threads, `proj` first loads PROJ (shared/crs/proj.ts), `none` neither; then a WebAssembly module
 * whose one function does not validate (it must return an i32 and leaves nothing on the stack) is created, and
 * its function called. Prints `{"created":true|false,"call":"<error class or ok>"}`: with lazy validation the
 * module is created and the call fails; without, the creation fails.
 */
/* global WebAssembly */
import process from 'node:process';
import { compileWasmWithLiftoffOnly, validateWasmLazily } from '../../bin/job-thread.mjs';
import { loadProj } from '../../shared/crs/proj.ts';

const mode = process.argv[2];
if (mode === 'job-thread') {
  compileWasmWithLiftoffOnly();
  validateWasmLazily();
} else if (mode === 'proj') await loadProj();
else if (mode !== 'none') throw new Error(`wasm-validation-probe: unknown mode ${mode}`);
// (module (func (export "f") (result i32))): an empty body where an i32 is due
const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 127, 3, 2, 1, 0, 7, 5, 1, 1, 102, 0, 0, 10, 4, 1, 2, 0, 11]);
let module;
try {
  module = new WebAssembly.Module(bytes);
} catch (err) {
  process.stdout.write(JSON.stringify({ created: false, call: err.constructor.name }));
  process.exit(0);
}
let call = 'ok';
try {
  new WebAssembly.Instance(module).exports.f();
} catch (err) {
  call = err.constructor.name;
}
process.stdout.write(JSON.stringify({ created: true, call }));
