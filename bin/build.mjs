#!/usr/bin/env node
// `npm run build` (also run by `npm ci`/`npm install` through `prepare`): compiles the CLI to
// JavaScript in dist/ with esbuild, so that `zonalflow` starts without compiling TypeScript.
// Packages stay external (loaded from node_modules when a command needs them); dynamic imports
// become separate chunks, so a command loads only its own code. bin/zonalflow.mjs falls back to
// the TypeScript sources (tsx) when dist/ is missing or older than a source file.
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { newestSourceMtime } from './sources.mjs';

let build;
try {
  ({ build } = await import('esbuild'));
} catch {
  // a production install without devDependencies: the command runs from the TypeScript sources
  process.stderr.write('zonalflow build: esbuild is not installed; the CLI will run from its TypeScript sources\n');
  process.exit(0);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// `--outdir DIR`: build elsewhere (a test builds a private copy; dist/ is what bin/zonalflow.mjs runs)
const at = process.argv.indexOf('--outdir');
const out = at > 0 && process.argv[at + 1] ? process.argv[at + 1] : join(root, 'dist');
const stamp = newestSourceMtime(root);
rmSync(out, { recursive: true, force: true });
await build({
  // the zonal worker thread is its own entry: shared/engine/parallel.ts starts dist/parallel-worker.mjs
  // prepare-worker: phase 1 of zonalflow stats on a thread of its own (shared/engine/prepare-thread.ts)
  // proj-host: PROJ on a thread of its own, ended once a job needs it no more (shared/engine/proj-thread.ts)
  // lambda-thread: the entry of zonalflow local's worker threads (shared/local/lambda-pool.ts)
  // local-template: synthesizes zonalflow local's template into the build (below; shared/local/template-cache.ts)
  entryPoints: { zonalflow: join(root, 'cli/main.ts'), 'parallel-worker': join(root, 'shared/engine/parallel-worker.ts'), 'prepare-worker': join(root, 'shared/engine/prepare-worker.ts'), 'proj-host': join(root, 'shared/engine/proj-host.ts'), 'lambda-thread': join(root, 'shared/local/lambda-thread.ts'), 'local-template': join(root, 'shared/local/template-build.ts') },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  logLevel: 'warning',
});
// the newest source file this build saw: bin/zonalflow.mjs compares it with the sources now
writeFileSync(join(out, 'build.json'), `${JSON.stringify({ sourcesMtimeMs: stamp })}\n`);
// zonalflow local's CloudFormation template, synthesized once per build (a local run then reads it instead of
// loading the CDK); a build elsewhere (--outdir) or a failure here only costs the first local run its synth
if (out === join(root, 'dist')) {
  try {
    const { synthLocalTemplate } = await import(pathToFileURL(join(out, 'local-template.mjs')).href);
    await synthLocalTemplate();
  } catch (err) {
    process.stderr.write(`zonalflow build: zonalflow local's template was not synthesized (${err instanceof Error ? err.message : String(err)}); the first local run synthesizes it\n`);
  }
}
