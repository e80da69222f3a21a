/**
 * The synthesized template of `zonalflow local`, kept beside the compiled build (dist/local-template/),
 * so that a local run reads one JSON file instead of loading the CDK and synthesizing the app (100k
 * case: ~0.65 CPU s and the CDK's modules in the main thread's heap for the whole run). `npm run build`
 * synthesizes it once (bin/build.mjs through dist/local-template.mjs); a run that misses writes it.
 *
 * The key is everything the template depends on: the compiled code (esbuild names every chunk of
 * dist/chunks by a hash of its content, so the sorted chunk names change with any source), cdk.json,
 * the versions of aws-cdk-lib and constructs, the context, and CDK_CONTEXT_JSON (which the CDK's App
 * reads). dist/ is emptied by every build, so stale entries go with it. When the code runs from its
 * TypeScript sources (a developer's checkout, the tests) there is no cache: every run synthesizes.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../project-root';

/** The file that holds the template synthesized with `context`, or null when this code runs from sources (no cache). */
export function templateCacheFile(context: Record<string, unknown>, moduleUrl: string = import.meta.url): string | null {
  const here = fileURLToPath(moduleUrl);
  if (here.endsWith('.ts')) return null;
  try {
    const root = projectRoot(join(here, '..'));
    const dist = join(root, 'dist');
    const chunks = join(dist, 'chunks');
    if (!existsSync(chunks)) return null;
    const require = createRequire(join(root, 'package.json'));
    const version = (pkg: string): string => (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version;
    const key = createHash('sha256')
      .update(JSON.stringify({
        chunks: readdirSync(chunks).filter((f) => f.endsWith('.mjs')).sort(),
        cdkJson: readFileSync(join(root, 'cdk.json'), 'utf8'),
        cdk: version('aws-cdk-lib'),
        constructs: version('constructs'),
        context,
        contextEnv: process.env.CDK_CONTEXT_JSON ?? null,
      }))
      .digest('hex')
      .slice(0, 32);
    return join(dist, 'local-template', `${key}.json`);
  } catch {
    return null;
  }
}

/** The cached template in `file`, or null (absent or unreadable: the caller synthesizes). */
export function readCachedTemplate<T>(file: string | null): T | null {
  if (file === null || !existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** Writes `template` to `file` (whole or not at all: a temporary file renamed); a read-only install is no error. */
export function writeCachedTemplate(file: string | null, template: unknown): void {
  if (file === null) return;
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(tmp, JSON.stringify(template));
    renameSync(tmp, file);
  } catch {
    // not writable (an installed package): the next run synthesizes again
  }
}
