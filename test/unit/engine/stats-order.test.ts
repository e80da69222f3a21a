/**
 * Phase 1 streamed in reading order (prepare-job.ts prepareOrdered, issue 17): a GeoPackage's features
 * are read by fid in the order of their R-tree or envelopes and handed to the worker threads as they
 * are prepared. The rows, their order, failures and warnings equal those of the spooled path (every
 * feature read, then sorted by window; its values are checked against oracles elsewhere), for 1, 2 and
 * 3 threads, with and without an R-tree, NULL geometries (fids 50, 51) and a fid gap (11-15). An abort
 * mid-way and a failure of the prepare thread end the job with their error and leave no file behind.
 * Fixtures: test/fixtures/read-order (make.py).
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStatsJob, streamStatsJob } from '../../../shared/engine/stats-job';
import type { RowConsumer, StatsJobOptions } from '../../../shared/engine/stats-job';
import { parseJobSpec } from '../../../shared/spec';
import { LOCAL_ONLY } from '../../../shared/io/uri';
import { GeoPackageError } from '../../../shared/errors';
import nodeSqlite from 'node-sqlite3-wasm';

const { Database } = nodeSqlite;

const FIX = join(import.meta.dirname, '../../fixtures/read-order');
const spec = parseJobSpec({ input: { idColumn: 'field_id', include: ['field_id'] }, rasters: [{ uri: join(FIX, 'grid.tif') }], stats: ['count', 'mean', 'min', 'max'] });

const run = (input: string, extra: Partial<StatsJobOptions>): ReturnType<typeof runStatsJob> => runStatsJob({ input, spec, allowed: LOCAL_ONLY, prepareThread: true, chunkSize: 4, ...extra });

/** Runs `fn` with TMPDIR set to a new folder; returns what is left in it (tsx's cache aside). */
async function leftovers(fn: () => Promise<void>): Promise<string[]> {
  const tmp = mkdtempSync(join(tmpdir(), 'zf-order-'));
  const before = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  try {
    await fn();
    return readdirSync(tmp).filter((f) => !f.startsWith('tsx-'));
  } finally {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Streams rtree.gpkg in reading order on `threads` compute threads (chunks of 2) and aborts the job at its first rows;
 * expects the job to fail with that abort and returns how many rows came before it.
 */
async function abortedAfterFirstRows(threads: number): Promise<number> {
  let got = 0;
  const ac = new AbortController();
  const consumer: RowConsumer = {
    begin: () => Promise.resolve(),
    rows: (rows) => {
      got += rows.length;
      ac.abort(new Error('stop after the first rows'));
      return Promise.resolve();
    },
  };
  await expect(streamStatsJob({ input: join(FIX, 'rtree.gpkg'), spec, allowed: LOCAL_ONLY, prepareThread: true, order: 'read', threads, chunkSize: 2, signal: ac.signal }, consumer)).rejects.toThrow('stop after the first rows');
  return got;
}

describe('stats in reading order', () => {
  for (const file of ['rtree.gpkg', 'plain.gpkg']) {
    it(`${file}: the same rows, in input order, as the spooled path, for 1, 2 and 3 threads`, async () => {
      const input = join(FIX, file);
      const spooled = await run(input, { order: 'spool', threads: 1 });
      expect(spooled.rows.map((r) => r.fid)).toEqual([...Array.from({ length: 10 }, (_, k) => k + 1), ...Array.from({ length: 30 }, (_, k) => k + 16), 50, 51]);
      // the NULL geometries' rows carry their failure; every other feature is computed
      expect(spooled.summary.failed).toBe(2);
      expect(spooled.rows.slice(-2).map((r) => r.error === null)).toEqual([false, false]);
      for (const threads of [1, 2, 3]) {
        const streamed = await run(input, { order: 'read', threads });
        expect(streamed.rows).toEqual(spooled.rows);
        expect(streamed.summary.failures).toEqual(spooled.summary.failures);
        expect(streamed.summary.warnings).toEqual(spooled.summary.warnings);
        expect(streamed.summary.features).toBe(42);
      }
    }, 120_000);
  }

  it('a stretch\'s first chunks grow from firstChunk, doubling up to chunkSize, with the same rows as the spooled path', async () => {
    const input = join(FIX, 'rtree.gpkg');
    const spooled = await run(input, { order: 'spool', threads: 1 });
    const done: number[] = [];
    const ramped = await run(input, { order: 'read', threads: 1, chunkSize: 8, firstChunk: 1, onProgress: (p) => done.push(p.done) });
    expect(ramped.rows).toEqual(spooled.rows);
    // rows come back a chunk at a time: 42 features in chunks of 1, 2, 4, then 8
    const sizes = done.map((d, k) => d - (done[k - 1] ?? 0));
    expect(sizes).toEqual([1, 2, 4, 8, 8, 8, 8, 3]);
  }, 120_000);

  it('an input without random access by fid (GeoJSON) is spooled on the thread as before: the same rows as in this thread', async () => {
    const input = join(FIX, 'fields.geojson');
    const here = await run(input, { prepareThread: false, threads: 2 });
    const threaded = await run(input, { order: 'read', threads: 2 });
    expect(here.rows.length).toBe(42);
    expect(threaded.rows).toEqual(here.rows);
    expect(threaded.summary.failures).toEqual(here.summary.failures);
  }, 60_000);

  it('NULL ids are listed by input position whatever the reading order, and are not duplicates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-order-'));
    const input = join(dir, 'nullids.gpkg');
    copyFileSync(join(FIX, 'plain.gpkg'), input);
    const nodeSqlite = (await import('node-sqlite3-wasm')).default;
    const db = new nodeSqlite.Database(input);
    try {
      db.exec('UPDATE fields SET field_id = NULL WHERE fid % 3 = 0');
    } finally {
      db.close();
    }
    const spooled = await run(input, { order: 'spool', threads: 2 });
    const streamed = await run(input, { order: 'read', threads: 2 });
    expect(spooled.summary.warnings?.some((w) => w.includes('NULL id'))).toBe(true);
    expect(streamed.summary.warnings).toEqual(spooled.summary.warnings);
    expect(streamed.rows).toEqual(spooled.rows);
    // the other ids are unique: NULL ids have their own warning and are never counted as duplicates
    expect(spooled.rows.filter((r) => r.idNull === true).length).toBe(14);
    expect([spooled.summary.duplicateIds, streamed.summary.duplicateIds]).toEqual([0, 0]);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('an abort after the first rows ends the job with the abort and leaves no temporary file', async () => {
    let got = 0;
    const left = await leftovers(async () => {
      got = await abortedAfterFirstRows(2);
    });
    expect(got).toBeGreaterThan(0);
    expect(left).toEqual([]);
  }, 60_000);

  // the job thread keeps one handle on a local raster for the job (source.file.ts keepOpen): none is left open,
  // whether the job ends or is aborted with reads in flight (the process's open files, in /proc: Linux)
  it.skipIf(!existsSync('/proc/self/fd'))('the raster is not left open by the job: after a whole job, and after an abort mid-way (one compute thread)', async () => {
    const raster = join(FIX, 'grid.tif');
    const openOnRaster = (): number => readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === raster;
      } catch {
        return false; // the fd closed between the listing and the read
      }
    }).length;
    const before = openOnRaster();
    const whole = await run(join(FIX, 'rtree.gpkg'), { order: 'read', threads: 1 });
    expect(whole.rows.length).toBe(42);
    expect(openOnRaster()).toBe(before);
    expect(await abortedAfterFirstRows(1)).toBeGreaterThan(0);
    // reads still in flight at the abort settle on their own: give them the event loop's turns first
    await new Promise((r) => setTimeout(r, 200));
    expect(openOnRaster()).toBe(before);
  }, 60_000);

  it('an abort while the prepare thread reads (at the head) ends it and leaves no temporary file', async () => {
    const left = await leftovers(async () => {
      const ac = new AbortController();
      const consumer: RowConsumer = { begin: () => Promise.resolve(ac.abort(new Error('stop at the head'))), rows: () => Promise.resolve() };
      await expect(streamStatsJob({ input: join(FIX, 'rtree.gpkg'), spec, allowed: LOCAL_ONLY, prepareThread: true, order: 'read', threads: 2, chunkSize: 2, signal: ac.signal }, consumer)).rejects.toThrow();
    });
    expect(left).toEqual([]);
  }, 60_000);

  it('a failure in the prepare thread after the head (a corrupt page of the table) comes back typed, naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-order-'));
    const input = join(dir, 'corrupt.gpkg');
    const bytes = readFileSync(join(FIX, 'plain.gpkg'));
    // the table's leaf pages (b-tree page type 13) holding the ids: their type byte broken
    const pageSize = bytes.readUInt16BE(16);
    let broken = 0;
    for (let at = pageSize; at < bytes.length; at += pageSize) {
      if (bytes[at] === 13 && bytes.subarray(at, at + pageSize).includes(Buffer.from('f17'))) {
        bytes[at] = 0xff;
        broken++;
      }
    }
    expect(broken).toBe(1);
    writeFileSync(input, bytes);
    const left = await leftovers(async () => {
      const err = await run(input, { order: 'read', threads: 2 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GeoPackageError);
      expect((err as Error).message).toMatch(/corrupt\.gpkg/);
    });
    expect(left).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('a rowid beyond 2^53 (no centres to order by): the features are spooled, the same rows as the spooled path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-order-'));
    const input = join(dir, 'big-fid.gpkg');
    copyFileSync(join(FIX, 'plain.gpkg'), input);
    const db = new Database(input);
    db.run('UPDATE fields SET fid = ? WHERE fid = 45', [2n ** 53n + 1n]);
    db.close();
    const spooled = await run(input, { order: 'spool', threads: 2 });
    expect(spooled.rows.map((r) => r.fidText ?? r.fid)).toContain('9007199254740993');
    expect((await run(input, { order: 'read', threads: 2 })).rows).toEqual(spooled.rows);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
