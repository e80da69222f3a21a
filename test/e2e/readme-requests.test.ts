/**
 * The README's example of `zonalflow estimate` against `zonalflow local` (examples/lux_cantons_2169.gpkg with
 * examples/job.json: 3 batches): the figures it prints are those the commands give. The local run's `"requests"`
 * vary with which Lambda thread each batch falls on (a batch where an earlier one read a tile it needs takes it
 * from the thread's warm tiles): its two ends are pinned here, all 3 batches one after another on one thread (the
 * fewest, the README's lower figure) and each on a thread of its own (none shared: the estimate's count).
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

async function localRequests(name: string, lambdaThreads: number, mapConcurrency: number): Promise<number> {
  const out = join(dir, name);
  const run = await runLocal({ input, spec, out, lambdaThreads, mapConcurrency });
  expect(run.status).toBe('DONE');
  return (JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { requests: number }).requests;
}

describe('README: the estimate example and the local run\'s "requests"', () => {
  it('estimate prints the README\'s figure; local gives from the README\'s lower figure to the estimate\'s', async () => {
    const said = /prints `raster range requests (\d+) \(([\d.]+ kB) of tiles\)`.*?wrote `"requests"` from (\d+) to (\d+) in `summary\.json` in 5 runs \(([\d, ]+)\), and can write up to the estimate's (\d+):/.exec(readme);
    expect(said, 'the README passage').not.toBeNull();
    const [, estimated, kB, low, , , upTo] = said ?? [];
    const e = await runCli(['estimate', '--input', input, '--spec', spec]);
    expect(e.out).toContain(`raster range requests         ${estimated} (${kB} of tiles)`);
    expect(upTo).toBe(estimated);
    // one thread, one batch at a time: every later batch finds the tiles an earlier one read
    expect(await localRequests('one-thread', 1, 1)).toBe(Number(low));
    // three threads, the three batches at once: each reads its own tiles, as the estimate counts them
    expect(await localRequests('three-threads', 3, 3)).toBe(Number(estimated));
  }, 240_000);
});
