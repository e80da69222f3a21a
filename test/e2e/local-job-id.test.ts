/**
 * The job id of `zonalflow local` names everything that defines the job's result (shared/pipeline/keys.ts
 * jobIdFor): the input object and the spec Plan reads, whose local raster URIs name the files' bytes. Two
 * runs with other statistics, another raster file of the same name, or another input never share an id
 * (nor, on a deployed stack, each other's results: the upload's claim is per spec); the same spec run again
 * is the same job (idempotent by design: a re-delivered upload is a duplicate).
 */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cases/run-cli';
import { writeCog } from '../helpers/cog-writer';

const EX = join(import.meta.dirname, '../../examples');
const INPUT = join(EX, 'lux_cantons_2169.gpkg');

/** Runs `zonalflow local` with `spec`; the job id it printed and its exit code. */
async function local(dir: string, spec: unknown, input = INPUT): Promise<{ jobId: string; code: number }> {
  const path = join(mkdtempSync(join(dir, 'spec-')), 'job.json');
  writeFileSync(path, JSON.stringify(spec));
  const r = await runCli(['local', '--input', input, '--spec', path, '--out', join(mkdtempSync(join(dir, 'out-')), 'results'), '--quiet', '--time-scale', '0.05']);
  const jobId = /zonalflow local: job (\S+) DONE/.exec(r.err)?.[1] ?? '';
  expect(jobId, r.err).not.toBe('');
  return { jobId, code: r.code };
}

describe('zonalflow local: one job id per job', () => {
  it('other stats, another raster of the same name, another input: other ids; the same spec: the same id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-job-id-'));
    // two rasters both named elev.tif, with other values (written here), in two folders
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    mkdirSync(a);
    mkdirSync(b);
    for (const [folder, k] of [[a, 1], [b, 2]] as const) writeCog(join(folder, 'elev.tif'), { width: 60, height: 60, dtype: 'int32', tileSize: 32, epsg: 4326, transform: [5.7, 50.2, 0.02, 0.02], value: (r, c) => (r * 60 + c) * k });
    const base = { input: { idColumn: 'ID_2' }, rasters: [{ name: 'elev', uri: join(a, 'elev.tif') }], stats: ['count', 'mean'], output: { formats: ['parquet'] } };
    const first = await local(dir, base);
    const again = await local(dir, { output: base.output, stats: base.stats, rasters: base.rasters, input: base.input }); // same spec, keys in another order
    const otherStats = await local(dir, { ...base, stats: ['count', 'max'] });
    const otherRaster = await local(dir, { ...base, rasters: [{ name: 'elev', uri: join(b, 'elev.tif') }] });
    const copied = join(dir, 'copy.gpkg');
    copyFileSync(INPUT, copied);
    const otherInputName = await local(dir, base, copied);
    for (const r of [first, again, otherStats, otherRaster, otherInputName]) expect(r.code).toBe(0);
    expect(again.jobId).toBe(first.jobId);
    const ids = [first.jobId, otherStats.jobId, otherRaster.jobId, otherInputName.jobId];
    expect(new Set(ids).size, ids.join(' ')).toBe(4);
  }, 300_000);
});
