/**
 * Child process of test/integration/liftoff.test.ts (run with
 * `node --allow-natives-syntax --import tsx liftoff-probe.mjs MODE`; plain JavaScript, as this project's
 * TypeScript has no types for WebAssembly): MODE `job-thread` first does what bin/job-thread.mjs does
 * before a stats job starts its threads, `proj` first loads PROJ (shared/crs/proj.ts), `none` neither; then a small WebAssembly
 * module is compiled, its function run hot, and the probe prints whether V8 tiered it up to TurboFan:
 * `{"turbofan":true|false}`.
 */
/* global WebAssembly */
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { compileWasmWithLiftoffOnly } from '../../bin/job-thread.mjs';
import { loadProj } from '../../shared/crs/proj.ts';

const mode = process.argv[2];
if (mode === 'job-thread') compileWasmWithLiftoffOnly();
else if (mode === 'proj') await loadProj();
else if (mode !== 'none') throw new Error(`liftoff-probe: unknown mode ${mode}`);
// (module (func (export "f") (param i32) (result i32) local.get 0 i32.const 1 i32.add))
const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 6, 1, 96, 1, 127, 1, 127, 3, 2, 1, 0, 7, 5, 1, 1, 102, 0, 0, 10, 9, 1, 7, 0, 32, 0, 65, 1, 106, 11]);
const f = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.f;
// V8's test intrinsic (allowed by --allow-natives-syntax), parsed at run time: linters cannot parse it
const isTurboFan = new Function('f', 'return %IsTurboFanFunction(f)');
let x = 0;
// dynamic tiering compiles a hot function on a background thread: run it until it is TurboFan code, or ~2 s
for (let round = 0; round < 200 && !isTurboFan(f); round++) {
  for (let i = 0; i < 100_000; i++) x = f(x);
  await sleep(10);
}
process.stdout.write(JSON.stringify({ turbofan: isTurboFan(f), calls: x }));
