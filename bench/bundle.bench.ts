/**
 * Lambda bundles, built with the same esbuild options as the stack
 * (infra/functions.ts: CJS, minified, node22, AWS SDK external): the size of
 * each handler's bundle (code + the SQLite WASM for Plan) and its cold import
 * time in a fresh Node process (median of 5). Targets: < 3 MB, < 300 ms.
 */
import { copyFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';
import { CACHE } from './synthetic';
import { report } from './report';

const ROOT = join(import.meta.dirname, '..');
const figures: Record<string, number> = {};
for (const name of ['plan', 'worker', 'collect', 'fail']) {
  const out = join(CACHE, 'bundles', name);
  mkdirSync(out, { recursive: true });
  await build({ entryPoints: [join(ROOT, 'lambdas', `${name}.ts`)], outfile: join(out, 'index.js'), bundle: true, platform: 'node', format: 'cjs', target: 'node22', minify: true, external: ['@aws-sdk/*'], logLevel: 'error' });
  // as in /var/task: no enclosing package.json with "type": "module" (this repo has one)
  writeFileSync(join(out, 'package.json'), '{"type":"commonjs"}\n');
  let bytes = statSync(join(out, 'index.js')).size;
  if (name === 'plan') {
    copyFileSync(join(ROOT, 'node_modules/node-sqlite3-wasm/dist/node-sqlite3-wasm.wasm'), join(out, 'node-sqlite3-wasm.wasm'));
    bytes += statSync(join(out, 'node-sqlite3-wasm.wasm')).size;
  }
  figures[`${name}_bundle_mb`] = bytes / 1e6;
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = spawnSync(process.execPath, ['-e', `const t=performance.now();require(${JSON.stringify(join(out, 'index.js'))});process.stdout.write(String(performance.now()-t))`], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`);
    times.push(Number(r.stdout));
  }
  times.sort((a, b) => a - b);
  figures[`${name}_cold_import_ms`] = times[2] ?? NaN;
}
report('bundles', figures);
