/**
 * `zonalflow local` enforces AWS's per-partition request rates (shared/local/rate-limits.ts: S3
 * 3,500 writes / 5,500 reads a second per prefix, DynamoDB 1,000 / 3,000 per partition key),
 * scaled down so that one small job reaches them: the gates answer ProvisionedThroughputExceededException
 * (and 503 SlowDown) as AWS does, and the job still ends DONE with the same
 * results as a run at AWS's own rates (the SDK's retries and the sharded key layout absorb it).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLocal } from '../../shared/local/runner';
import { readResultParquet } from '../../shared/output/read-parquet';

const EX = join(import.meta.dirname, '../../examples');
const INPUT = join(EX, 'lux_cantons_2169.gpkg');
const spec = { input: { idColumn: 'ID_2' }, rasters: [{ name: 'elev', uri: join(EX, 'elev.cog.tif') }], stats: ['count', 'mean', 'max'], batching: { grid: 'h3', maxFeatures: 4 }, output: { formats: ['parquet', 'json'] } };
const out = (): string => mkdtempSync(join(tmpdir(), 'zf-rates-'));
const rowsOf = async (dir: string): Promise<unknown[]> => (await readResultParquet(readFileSync(join(dir, 'results.parquet')))).rows;

describe('zonalflow local: AWS per-partition request rates', () => {
  it('at 1/1,000 of AWS\'s rates (3.5 PUT/s a prefix, 1 write/s a partition key) DynamoDB throttles the job\'s partitions; the job still ends DONE, rows as at full rates', async () => {
    const full = out();
    const a = await runLocal({ input: INPUT, spec, out: full, timeScale: 0.05 });
    expect(a.status).toBe('DONE');
    const lines: string[] = [];
    const dir = out();
    // durations at 0.2 (a Worker's 300 s last 60 s): the SDK's backoff on the throttled calls is not scaled
    const r = await runLocal({ input: INPUT, spec, out: dir, timeScale: 0.2, rateLimitScale: 0.001, log: (l) => lines.push(l) });
    const limited = lines.filter((l) => l.includes("over AWS's per-partition rate"));
    // (S3's per-prefix SlowDown at these rates: test/unit/local/rate-limits.test.ts; this small job stays under it)
    expect(limited.some((l) => /answered ProvisionedThroughputExceededException/.test(l))).toBe(true);
    expect(r.error, `${JSON.stringify(r.error)}\n${lines.filter((l) => !l.includes('over AWS')).slice(-15).join('\n')}`).toBeUndefined();
    expect(r.status).toBe('DONE');
    expect(await rowsOf(dir)).toEqual(await rowsOf(full));
  }, 400_000);
});
