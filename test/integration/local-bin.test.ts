/**
 * `zonalflow local` as a user runs it: bin/zonalflow.mjs in a child process, which runs the built CLI in
 * dist/ when it is current (as after `npm ci`; the TypeScript sources otherwise). The built CLI requires the
 * CommonJS packages it imports statically, the AWS SDK among them (bin/build.mjs); a whole job (Plan,
 * Workers and Collect on Lambda threads, the S3 and DynamoDB stand-ins) runs through it, and its
 * results.parquet holds every canton once with the count and mean the in-process `stats` computes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { readResultParquet } from '../../shared/output/read-parquet';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'zf-local-bin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('zonalflow local through bin/zonalflow.mjs', () => {
  it('runs a job to DONE with the values of stats', async () => {
    const spec = join(dir, 'job.json');
    writeFileSync(spec, JSON.stringify({ input: { idColumn: 'ID_2' }, rasters: [{ name: 'elev', uri: join(ROOT, 'examples', 'elev.cog.tif') }], stats: ['count', 'mean'], output: { formats: ['parquet'] } }));
    const input = join(ROOT, 'examples', 'lux_cantons_2169.gpkg');
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'zonalflow.mjs'), 'local', '--input', input, '--spec', spec, '--out', join(dir, 'local'), '--quiet'], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('DONE (12/12 features, 0 failed)');
    const local = await readResultParquet(readFileSync(join(dir, 'local', 'results.parquet')));
    const code = await main(['stats', '--input', input, '--spec', spec, '--out', join(dir, 'stats.parquet'), '--quiet'], { stderr: new PassThrough(), stdout: new PassThrough() });
    expect(code).toBe(0);
    const stats = await readResultParquet(readFileSync(join(dir, 'stats.parquet')));
    const byFid = (rows: typeof stats.rows) => new Map(rows.map((row) => [row.fid, [row.id, row.values, row.error]]));
    expect(local.rows.length).toBe(12);
    expect(byFid(local.rows)).toEqual(byFid(stats.rows));
  }, 300_000);
});
