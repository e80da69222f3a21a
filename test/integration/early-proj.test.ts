/**
 * PROJ started at process start (bin/job-thread.mjs startEarlyProjHost, shared/engine/early-proj.ts): a PROJ
 * host thread started by one thread is adopted by another (crs/proj-remote.ts remoteProj's `adopt`), which
 * never starts a host of its own; the host ends when its client releases it or never adopts it (its port
 * closes), and a caller learns at once that the host has ended rather than after the answer timeout. Through
 * the built CLI (bin/zonalflow.mjs, dist/ current as after `npm ci`): `stats` starts exactly one PROJ host,
 * on the main thread, for a job prepared on the job thread (the example) and for one streamed from a
 * GeoPackage on the prepare thread (a 5 MB layer in EPSG:3857); each run's CSV is byte for byte the CLI's
 * in-process output, where no host is handed over.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import type { Geometry } from '../../shared/geometry/types';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { startEarlyProjHost } from '../../bin/job-thread.mjs';
import { newestSourceMtime } from '../../bin/sources.mjs';
import { remoteProj } from '../../shared/crs/proj-remote';
import { CrsError } from '../../shared/errors';
import { writeGeoPackage } from '../helpers/gpkg-writer';

const ROOT = join(import.meta.dirname, '..', '..');
const BOOT = join(ROOT, 'test', 'helpers', 'proj-host-boot.mjs');
const dir = mkdtempSync(join(tmpdir(), 'zf-early-proj-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const noStart = (): Worker => {
  throw new Error('the client started a PROJ host of its own');
};

const ended = (w: Worker): Promise<number> => new Promise((resolve) => w.once('exit', resolve));

describe('a PROJ host handed to another thread', () => {
  it('answers the adopting client, which starts no host of its own, and ends once released', async () => {
    const { worker, handle } = startEarlyProjHost(BOOT);
    const exit = ended(worker);
    const proj = remoteProj(noStart, handle);
    await proj.ready();
    expect(proj.running()).toBe(true);
    expect(proj.srs('EPSG:32632')).toContain('UTM zone 32N');
    const xs = new Float64Array([9]);
    const ys = new Float64Array([0]);
    proj.transform('EPSG:4326', 'EPSG:32632')(xs, ys);
    // the central meridian of zone 32 (9°E) on the equator: the false easting, northing 0
    expect(xs[0]).toBeCloseTo(500000, 6);
    expect(ys[0]).toBeCloseTo(0, 6);
    await proj.release();
    expect(await exit).toBe(0);
    expect(proj.running()).toBe(false);
  }, 60_000);

  it('ends when its client releases it unused (the job never needed PROJ)', async () => {
    const { worker, handle } = startEarlyProjHost(BOOT);
    const exit = ended(worker);
    await remoteProj(noStart, handle).release();
    expect(await exit).toBe(0);
  }, 60_000);

  it('tells a caller at once that the host has ended, instead of waiting for the answer timeout', async () => {
    const { worker, handle } = startEarlyProjHost(BOOT);
    const proj = remoteProj(noStart, handle);
    await proj.ready();
    await worker.terminate();
    const t0 = Date.now();
    let err: unknown = null;
    try {
      proj.srs('EPSG:4326');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CrsError);
    expect((err as Error).message).toBe('the PROJ thread ended before answering a srs request');
    expect(Date.now() - t0).toBeLessThan(10_000);
    // the next call starts a host of its own (here: refused)
    expect(() => proj.srs('EPSG:4326')).toThrow('the client started a PROJ host of its own');
  }, 60_000);
});

// the built CLI runs only when dist/ is current (bin/zonalflow.mjs); after `npm ci` it is (prepare builds it)
const stamp = join(ROOT, 'dist', 'build.json');
const distCurrent = existsSync(stamp) && (JSON.parse(readFileSync(stamp, 'utf8')) as { sourcesMtimeMs: number }).sourcesMtimeMs >= newestSourceMtime(ROOT);

describe.skipIf(!distCurrent)('zonalflow stats through the built CLI', () => {
  const run = (args: string[]): { code: number | null; err: string } => {
    const r = spawnSync(process.execPath, ['--import', join(ROOT, 'test', 'helpers', 'worker-log.mjs'), join(ROOT, 'bin', 'zonalflow.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
    return { code: r.status, err: r.stderr };
  };
  const hosts = (err: string): string[] => err.split('\n').filter((l) => /^worker-log: .* proj-host\.(mjs|ts)$/.test(l));
  const inProcess = async (args: string[]): Promise<number> => main(args, { stderr: new PassThrough(), stdout: new PassThrough() });

  it('starts one PROJ host, on the main thread, for a job prepared on the job thread', async () => {
    const args = (out: string): string[] => ['stats', '--input', join(ROOT, 'examples', 'lux_cantons_2169.gpkg'), '--raster', join(ROOT, 'examples', 'elev.cog.tif'), '--id-column', 'ID_2', '--stats', 'count,mean', '--out', out, '--quiet'];
    const r = run(args(join(dir, 'small-bin.csv')));
    expect(r.code, r.err).toBe(0);
    expect(hosts(r.err)).toEqual(['worker-log: main proj-host.mjs']);
    expect(await inProcess(args(join(dir, 'small-main.csv')))).toBe(0);
    expect(readFileSync(join(dir, 'small-bin.csv')).equals(readFileSync(join(dir, 'small-main.csv')))).toBe(true);
  }, 300_000);

  it('starts one PROJ host, on the main thread, for a GeoPackage streamed from the prepare thread', async () => {
    // 5,000 64-gons of ~600 m radius over Luxembourg in Web Mercator (EPSG:3857, spherical formulas), > 4 MiB:
    // read on the prepare thread (stats-job.ts PREPARE_THREAD_MIN_BYTES) and reprojected to the raster's EPSG:4326
    const R = 6378137;
    const mercator = (lon: number, lat: number): [number, number] => [R * lon * Math.PI / 180, R * Math.log(Math.tan(Math.PI / 4 + lat * Math.PI / 360))];
    const features = Array.from({ length: 5000 }, (_, i) => {
      const [cx, cy] = mercator(5.8 + 0.65 * ((i % 100) + 0.5) / 100, 49.5 + 0.6 * (Math.floor(i / 100) + 0.5) / 50);
      const ring = Array.from({ length: 65 }, (_, k) => [cx + 900 * Math.cos(2 * Math.PI * (k % 64) / 64), cy + 900 * Math.sin(2 * Math.PI * (k % 64) / 64)]);
      return { geometry: { type: 'Polygon', coordinates: [ring] } as Geometry, properties: { name: `f${i}` } };
    });
    const input = join(dir, 'mercator.gpkg');
    writeGeoPackage(input, [{ name: 'fields', srsId: 3857, geometryType: 'POLYGON', columns: { name: 'TEXT' }, features }]);
    expect(readFileSync(input).length).toBeGreaterThan(4 * 1024 * 1024);
    const args = (out: string): string[] => ['stats', '--input', input, '--raster', join(ROOT, 'examples', 'elev.cog.tif'), '--id-column', 'name', '--stats', 'count,mean', '--out', out, '--quiet'];
    const r = run(args(join(dir, 'big-bin.csv')));
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/5000 features \(5000 computed, 0 failed\)/);
    expect(r.err).toContain('worker-log: main prepare-worker.mjs'); // started at process start (early-prepare.test.ts)
    expect(hosts(r.err)).toEqual(['worker-log: main proj-host.mjs']);
    expect(await inProcess(args(join(dir, 'big-main.csv')))).toBe(0);
    expect(readFileSync(join(dir, 'big-bin.csv')).equals(readFileSync(join(dir, 'big-main.csv')))).toBe(true);
  }, 300_000);
});
