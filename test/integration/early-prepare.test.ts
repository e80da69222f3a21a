/**
 * The prepare thread started at process start (bin/job-thread.mjs wantsEarlyPrepareThread,
 * startEarlyPrepareThread; shared/engine/early-prepare.ts): the command line alone says whether the job will
 * prepare its features on a prepare thread (stats-job.ts decides it for the job: an input of at least
 * PREPARE_THREAD_MIN_BYTES, no raster on S3, not a time series); the thread is started with the prepare
 * thread's own heap limits; it ends when the job does not take it (its port closes), and its failure and end
 * reach the job over the status port. Through the built CLI (dist/ current, as after `npm ci`): a job whose
 * GeoPackage is read on a prepare thread uses the one the main thread started, and starts none of its own; a
 * small job starts none; each run's CSV is byte for byte the in-process CLI's.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { MessagePort, Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { PREPARE_THREAD_LIMITS, PREPARE_THREAD_MIN_BYTES, startEarlyPrepareThread, wantsEarlyPrepareThread } from '../../bin/job-thread.mjs';
import { newestSourceMtime } from '../../bin/sources.mjs';
import { PREPARE_LIMITS } from '../../shared/engine/parallel';
import { PREPARE_THREAD_MIN_BYTES as JOB_MIN_BYTES } from '../../shared/engine/stats-job';
import { writeLuxGons } from '../helpers/lux-gons';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'zf-early-prepare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ended = (w: Worker): Promise<number> => new Promise((resolve) => w.once('exit', resolve));
const messages = (port: MessagePort): unknown[] => {
  const got: unknown[] = [];
  port.on('message', (m) => got.push(m));
  return got;
};

describe('whether a stats command line prepares its features on a prepare thread', () => {
  const big = join(dir, 'big.gpkg');
  const small = join(dir, 'small.gpkg');
  writeFileSync(big, Buffer.alloc(PREPARE_THREAD_MIN_BYTES));
  writeFileSync(small, Buffer.alloc(PREPARE_THREAD_MIN_BYTES - 1));
  const spec = (name: string, body: unknown): string => {
    const f = join(dir, name);
    writeFileSync(f, typeof body === 'string' ? body : JSON.stringify(body));
    return f;
  };
  const stats = (...args: string[]): string[] => ['stats', ...args, '--out', join(dir, 'x.csv')];

  it('the job thread\'s own rule: an input of at least PREPARE_THREAD_MIN_BYTES', () => {
    expect(PREPARE_THREAD_MIN_BYTES).toBe(JOB_MIN_BYTES);
    expect(wantsEarlyPrepareThread(stats('--input', big, '--raster', 'dem.tif'))).toBe(true);
    expect(wantsEarlyPrepareThread(stats(`--input=${big}`, '--raster=dem.tif'))).toBe(true);
    expect(wantsEarlyPrepareThread(stats('--input', small, '--raster', 'dem.tif'))).toBe(false);
    expect(wantsEarlyPrepareThread(stats('--input', join(dir, 'missing.gpkg'), '--raster', 'dem.tif'))).toBe(false);
    expect(wantsEarlyPrepareThread(stats('--raster', 'dem.tif'))).toBe(false);
  });

  it('none for a raster or weights on S3, a time series, an unreadable spec, --help or another command', () => {
    expect(wantsEarlyPrepareThread(stats('--input', big, '--raster', 's3://bucket/dem.tif'))).toBe(false);
    expect(wantsEarlyPrepareThread(stats('--input', big, '--raster', 'dem.tif', '--raster', 'B04=S3://bucket/b04.tif'))).toBe(false);
    expect(wantsEarlyPrepareThread(stats('--input', big, '--raster', 'dem.tif', '--weights', 's3://bucket/w.tif'))).toBe(false);
    expect(wantsEarlyPrepareThread(stats('--input', big, '--spec', spec('stac.json', { stac: { url: 'https://example.com' } })))).toBe(false);
    expect(wantsEarlyPrepareThread(stats('--input', big, '--spec', spec('s3.json', { rasters: [{ uri: 's3://b/dem.tif' }] })))).toBe(false);
    expect(wantsEarlyPrepareThread(stats('--input', big, '--spec', spec('bad.json', '{ not json')))).toBe(false);
    expect(wantsEarlyPrepareThread(stats('--input', big, '--spec', spec('local.json', { rasters: [{ uri: 'dem.tif' }], stats: ['mean'] })))).toBe(true);
    expect(wantsEarlyPrepareThread(stats('--input', big, '--raster', 'dem.tif', '--help'))).toBe(false);
    expect(wantsEarlyPrepareThread(['local', '--input', big, '--raster', 'dem.tif'])).toBe(false);
  });
});

describe('a prepare thread started at process start', () => {
  it('has the prepare thread\'s heap limits', () => {
    expect(PREPARE_THREAD_LIMITS).toEqual(PREPARE_LIMITS);
  });

  it('ends when the job does not take it (its port closes), and its end is relayed', async () => {
    const { worker, handle } = startEarlyPrepareThread(join(ROOT, 'test', 'helpers', 'prepare-worker-boot.mjs'), []);
    const exit = ended(worker);
    const status = messages(handle.status);
    // loaded (its code imported) before it is discarded: the port then closes under a thread that waits on it
    await new Promise((resolve) => setTimeout(resolve, 3000));
    handle.port.close();
    expect(await exit).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(status).toEqual([{ exited: 0 }]);
    handle.status.close();
  }, 60_000);

  it('ends when discarded at once, before it has loaded its code', async () => {
    const { worker, handle } = startEarlyPrepareThread(join(ROOT, 'test', 'helpers', 'prepare-worker-boot.mjs'), []);
    const exit = ended(worker);
    handle.port.close();
    expect(await exit).toBe(0);
    handle.status.close();
  }, 60_000);

  it('relays its failure, then its end, to the job', async () => {
    const { worker, handle } = startEarlyPrepareThread(join(ROOT, 'test', 'helpers', 'throwing-worker.mjs'), []);
    const exit = ended(worker);
    const status = messages(handle.status);
    expect(await exit).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(status).toEqual([{ error: { name: 'TypeError', message: 'this thread fails as it starts' } }, { exited: 1 }]);
    handle.port.close();
    handle.status.close();
  }, 60_000);
});

// the built CLI runs only when dist/ is current (bin/zonalflow.mjs); after `npm ci` it is (prepare builds it)
const stamp = join(ROOT, 'dist', 'build.json');
const distCurrent = existsSync(stamp) && (JSON.parse(readFileSync(stamp, 'utf8')) as { sourcesMtimeMs: number }).sourcesMtimeMs >= newestSourceMtime(ROOT);

describe.skipIf(!distCurrent)('zonalflow stats through the built CLI', () => {
  const run = (args: string[], nodeFlags: string[] = []): { code: number | null; err: string } => {
    const r = spawnSync(process.execPath, [...nodeFlags, '--import', join(ROOT, 'test', 'helpers', 'worker-log.mjs'), join(ROOT, 'bin', 'zonalflow.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
    return { code: r.status, err: r.stderr };
  };
  const prepareThreads = (err: string): string[] => err.split('\n').filter((l) => /^worker-log: .* prepare-worker\.(mjs|ts)$/.test(l));
  const inProcess = async (args: string[]): Promise<number> => main(args, { stderr: new PassThrough(), stdout: new PassThrough() });

  // > 4 MiB: read on a prepare thread
  const input = join(dir, 'lux.gpkg');
  const bigInput = (): string => (existsSync(input) ? input : writeLuxGons(input));

  it('a GeoPackage read on a prepare thread: the main thread\'s, and no other', async () => {
    expect(readFileSync(bigInput()).length).toBeGreaterThanOrEqual(PREPARE_THREAD_MIN_BYTES);
    const args = (out: string): string[] => ['stats', '--input', input, '--raster', join(ROOT, 'examples', 'elev.cog.tif'), '--id-column', 'name', '--stats', 'count,mean,min,max', '--out', out, '--quiet'];
    const r = run(args(join(dir, 'big-bin.csv')));
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/5000 features \(5000 computed, 0 failed\)/);
    expect(prepareThreads(r.err)).toEqual(['worker-log: main prepare-worker.mjs']);
    expect(await inProcess(args(join(dir, 'big-main.csv')))).toBe(0);
    expect(readFileSync(join(dir, 'big-bin.csv')).equals(readFileSync(join(dir, 'big-main.csv')))).toBe(true);
  }, 300_000);

  it('with V8 flags on node\'s command line (which a Worker\'s explicit execArgv refuses): the same', () => {
    const r = run(['stats', '--input', bigInput(), '--raster', join(ROOT, 'examples', 'elev.cog.tif'), '--id-column', 'name', '--stats', 'count,mean,min,max', '--out', join(dir, 'flags.csv'), '--quiet'], ['--max-old-space-size=4096', '--stack-size=2000']);
    expect(r.code, r.err).toBe(0);
    expect(prepareThreads(r.err)).toEqual(['worker-log: main prepare-worker.mjs']);
    expect(readFileSync(join(dir, 'flags.csv')).equals(readFileSync(join(dir, 'big-bin.csv')))).toBe(true);
  }, 300_000);

  it('a small job: no prepare thread at all', () => {
    const r = run(['stats', '--input', join(ROOT, 'examples', 'lux_cantons_2169.gpkg'), '--raster', join(ROOT, 'examples', 'elev.cog.tif'), '--id-column', 'ID_2', '--stats', 'count,mean', '--out', join(dir, 'small.csv'), '--quiet']);
    expect(r.code, r.err).toBe(0);
    expect(prepareThreads(r.err)).toEqual([]);
  }, 300_000);
});
