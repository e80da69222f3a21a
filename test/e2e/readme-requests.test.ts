/**
 * The README's example of `zonalflow estimate` against `zonalflow local` (examples/lux_cantons_2169.gpkg with
 * examples/job.json: 3 batches): the figures it prints are those the commands give. The local run's `"requests"`
 * depend on whether a batch starts a new sandbox (cold: it reads its header and tiles, as the estimate counts them)
 * or runs on a warm one (the header and the tiles an earlier batch read are kept): both ends are pinned here, the
 * 3 batches at once (the default run: three new sandboxes, the estimate's count) and one after another on one
 * sandbox (the README's lower figure).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cases/run-cli';
import { runLocal } from '../../shared/local/runner';

const root = join(import.meta.dirname, '..', '..');
const input = join(root, 'examples', 'lux_cantons_2169.gpkg');
const readme = readFileSync(join(root, 'README.md'), 'utf8').replace(/\s+/g, ' ');
const dir = mkdtempSync(join(tmpdir(), 'zf-readme-requests-'));
// examples/job.json with its raster's path (relative to the repository root, where the README runs it) made absolute
const example = JSON.parse(readFileSync(join(root, 'examples', 'job.json'), 'utf8')) as { rasters: { uri: string }[] };
for (const r of example.rasters) r.uri = join(root, r.uri);
const spec = join(dir, 'job.json');
writeFileSync(spec, JSON.stringify(example));

async function localRequests(name: string, lambdaThreads: number | undefined, mapConcurrency: number | undefined): Promise<number> {
  const out = join(dir, name);
  const run = await runLocal({ input, spec, out, ...(lambdaThreads === undefined ? {} : { lambdaThreads }), ...(mapConcurrency === undefined ? {} : { mapConcurrency }) });
  expect(run.status).toBe('DONE');
  return (JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { requests: number }).requests;
}

describe('README: the estimate example and the local run\'s "requests"', () => {
  it('estimate prints the README\'s figure; local gives it when each batch starts a sandbox, and the README\'s lower figure on one warm sandbox', async () => {
    const said = /prints `raster range requests (\d+) \(([\d.]+ kB) of tiles\)`.*?wrote `"requests"` (\d+) in `summary\.json` in 5 runs \(([\d, ]+);.*?one at a time on one sandbox .*? the same job wrote (\d+),/.exec(readme);
    expect(said, 'the README passage').not.toBeNull();
    const [, estimated, kB, usual, runs, low] = said ?? [];
    const e = await runCli(['estimate', '--input', input, '--spec', spec]);
    expect(e.out).toContain(`raster range requests         ${estimated} (${kB} of tiles)`);
    expect(usual).toBe(estimated);
    expect(runs?.split(', ')).toEqual(Array(5).fill(usual));
    // the default run: the three batches at once, each in a new sandbox, cold
    expect(await localRequests('default', undefined, undefined)).toBe(Number(estimated));
    // three threads, the three batches at once: the same
    expect(await localRequests('three-threads', 3, 3)).toBe(Number(estimated));
    // one thread, one batch at a time, one sandbox: every later batch finds the header and the tiles an earlier one read
    expect(await localRequests('one-thread', 1, 1)).toBe(Number(low));
  }, 240_000);
});
