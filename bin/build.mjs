#!/usr/bin/env node
// `npm run build` (also run by `npm ci`/`npm install` through `prepare`): compiles the CLI to
// JavaScript in dist/ with esbuild, so that `zonalflow` starts without compiling TypeScript.
// Packages stay external (loaded from node_modules when a command needs them), but for the pure-JavaScript
// ES module packages of bundled-packages.mjs, compiled in; dynamic imports
// become separate chunks, so a command loads only its own code. bin/zonalflow.mjs falls back to
// the TypeScript sources (tsx) when dist/ is missing or older than a source file.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { newestSourceMtime } from './sources.mjs';
import { BUNDLED_PACKAGES } from './bundled-packages.mjs';

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

/**
 * Packages that Node loads as CommonJS when an ES module imports them (proj4, node-sqlite3-wasm, shapefile,
 * h3-js, the AWS SDK, gdal3.js, ...) are required instead: an ES import of a CommonJS file has Node scan its
 * whole source for export names first (cjs-module-lexer, in every thread that imports it, with V8 compiling
 * the lexer on a background thread), which `require` skips: import() of gdal3.js 44-50 ms of CPU, require
 * 9-11 ms; @aws-sdk/client-s3 128-135 vs 69-72 ms. Each static import becomes a small CommonJS module
 * in the bundle, `module.exports = require(pkg)` (the chunk's own `require`, from the banner), whose default
 * and named imports esbuild reads from module.exports as Node's would; each dynamic import() a chunk of its
 * own (onLoad 'cjs-dynamic' below). Which file a specifier names, and whether it is
 * CommonJS, is decided as Node's ES loader decides it (import.meta.resolve, then .cjs/.mjs, the nearest
 * package.json "type", and for a typeless .js whether it has ES module syntax). Only the built CLI is affected: the sources (tests, tsx) and the Lambda bundles
 * (CommonJS) import as before.
 */
const requireCommonJs = {
  name: 'require-commonjs',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith('node:') || isBuiltin(args.path) || args.namespace === 'cjs-require') return undefined;
      if (args.kind !== 'import-statement' && args.kind !== 'dynamic-import') return { path: args.path, external: true };
      let file;
      try {
        file = fileURLToPath(import.meta.resolve(args.path)); // from bin/: the same node_modules as the project root
      } catch {
        return undefined; // not resolvable from here (optional or platform-specific): left to Node at run time
      }
      if (await isCommonJs(file)) {
        if (args.kind === 'import-statement') return { path: args.path, namespace: 'cjs-require' };
        // its export names are read by requiring it here: one that does not load at build time is left to Node
        try {
          buildRequire(args.path);
        } catch {
          return { path: args.path, external: true };
        }
        return { path: args.path, namespace: 'cjs-dynamic' };
      }
      return BUNDLED_PACKAGES.has(packageName(args.path)) ? undefined : { path: args.path, external: true };
    });
    b.onLoad({ filter: /.*/, namespace: 'cjs-require' }, (args) => ({ contents: `module.exports = __zfRequire(${JSON.stringify(args.path)});`, loader: 'js' }));
    // A dynamic import() of a CommonJS package becomes a chunk that requires it and exports what Node's import()
    // would: module.exports as the default, and its properties as named exports (esbuild would give a chunk of a
    // CommonJS module a default export only, and the code reads named ones: `const { S3Client } = await import(...)`).
    // The names are the package's own, read by requiring it here, at build time.
    b.onLoad({ filter: /.*/, namespace: 'cjs-dynamic' }, (args) => {
      const spec = JSON.stringify(args.path);
      const exported = buildRequire(args.path);
      // its enumerable properties, and the marker Babel and TypeScript define non-enumerable (Node's scan sees it)
      const own = [...Object.keys(exported), ...(Object.hasOwn(exported, '__esModule') && !Object.keys(exported).includes('__esModule') ? ['__esModule'] : [])];
      const names = own.filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && !RESERVED.has(n));
      return { contents: `const __zfCjs = __zfRequire(${spec});\nexport default __zfCjs;\n${names.length ? `export const { ${names.join(', ')} } = __zfCjs;\n` : ''}`, loader: 'js' };
    });
  },
};

/**
 * Whether Node loads `file` as CommonJS: .cjs; or .js under a package.json whose "type" is not "module" and
 * without ES module syntax (Node 20.19+ and 22 load such a file as an ES module when it has import/export
 * statements: lerc's LercDecode.es.js; esbuild's reading of the file tells, as its metafile's `format`).
 */
async function isCommonJs(file) {
  if (file.endsWith('.cjs')) return true;
  if (!file.endsWith('.js')) return false;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      if (JSON.parse(readFileSync(pj, 'utf8')).type === 'module') return false;
      break;
    }
    if (dirname(dir) === dir) break;
  }
  const { metafile } = await build({ entryPoints: [file], bundle: false, write: false, metafile: true, logLevel: 'silent', platform: 'node' });
  return Object.values(metafile.inputs)[0]?.format !== 'esm';
}
/** `require` from bin/ (the project's node_modules), for the export names of a dynamically imported CommonJS package. */
const buildRequire = createRequire(import.meta.url);
/** Words that cannot name a `const` binding: such an export is left out (Node's import() would have it). */
const RESERVED = new Set(['default', 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'delete', 'do', 'else', 'enum', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof', 'new', 'null', 'return', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield', 'let', 'static', 'implements', 'interface', 'package', 'private', 'protected', 'public', 'await', 'arguments', 'eval', '__zfCjs', '__zfRequire', '__zfCreateRequire']);

/** The package a bare specifier names (`zod/v4` -> `zod`, `@scope/pkg/x` -> `@scope/pkg`). */
function packageName(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

rmSync(out, { recursive: true, force: true });
const result = await build({
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
  plugins: [requireCommonJs], // BUNDLED_PACKAGES are compiled in; every other package stays external
  // the `require` of requireCommonJs's modules: resolves from the chunk's folder, as an import would
  banner: { js: "import { createRequire as __zfCreateRequire } from 'node:module'; const __zfRequire = __zfCreateRequire(import.meta.url);" },
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  logLevel: 'warning',
  metafile: true,
});
// the package files compiled into the bundle (BUNDLED_PACKAGES'), by output file, for a reader and for the tests
// (parallel-bundle.test.ts: which files; lazy-loading.test.ts: which packages a command's threads load)
const compiledIn = {};
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  const inputs = Object.keys(output.inputs).filter((f) => f.includes('node_modules/')).sort();
  if (inputs.length > 0) compiledIn[relative(out, join(root, file)).split(sep).join('/')] = inputs;
}
writeFileSync(join(out, 'compiled-packages.json'), `${JSON.stringify(compiledIn, null, 1)}\n`);
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
