/**
 * runStatsJob streams: the rows reach the consumer in input order, chunk by chunk (chunkSize rows at
 * most, never the whole table at once; an abort after the first chunk leaves the consumer holding that
 * chunk only), columns come first,
 * and the streamed rows equal the collected table. Fixture: case redirect-loopback (16 features,
 * 2 x 2 cells at the centre of each tile of a raster holding 64 row + column), so each mean is
 * 64 (16 R + 7.5) + 16 C + 7.5 by arithmetic. Failures beyond MAX_LISTED_FAILURES are counted, not listed.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStatsJob, streamStatsJob } from '../../../shared/engine/stats-job';
import type { RowConsumer } from '../../../shared/engine/stats-job';
import { parseJobSpec } from '../../../shared/spec';
import { LOCAL_ONLY } from '../../../shared/io/uri';
import type { ResultRow, StatColumn } from '../../../shared/output/table';
import { DuplicateIds, hash64 } from '../../../shared/engine/duplicate-ids';
import { InputError } from '../../../shared/errors';

const FIX = join(import.meta.dirname, '../../fixtures/cases/redirect-loopback');
const spec = parseJobSpec({ input: { idColumn: 'name' }, rasters: [{ uri: join(FIX, 'base.tif') }], stats: ['count', 'mean'] });
const expectedMean = (name: string): number => 64 * (16 * Number(name[1]) + 7.5) + 16 * Number(name[2]) + 7.5;

interface Recorder extends RowConsumer { calls: string[]; got: ResultRow[]; columns: StatColumn[] }

function recorder(): Recorder {
  const rec: Recorder = {
    calls: [],
    got: [],
    columns: [],
    begin(columns) {
      rec.calls.push('begin');
      rec.columns = [...columns];
      return Promise.resolve();
    },
    rows(chunk) {
      rec.calls.push(`rows ${chunk.length}`);
      rec.got.push(...chunk);
      return Promise.resolve();
    },
  };
  return rec;
}

describe('streamStatsJob', () => {
  it('hands each chunk to the consumer, columns first; the rows equal the collected table', async () => {
    const rec = recorder();
    const done = await streamStatsJob({ input: join(FIX, 'tiles.gpkg'), spec, allowed: LOCAL_ONLY, chunkSize: 5 }, rec);
    expect(rec.calls).toEqual(['begin', 'rows 5', 'rows 5', 'rows 5', 'rows 1']);
    expect(rec.columns.map((c) => c.name)).toEqual(['base_count', 'base_mean']);
    expect(rec.got).toHaveLength(16);
    for (const r of rec.got) expect(r.values).toEqual([4, expectedMean(r.id)]);
    expect(done.summary).toMatchObject({ features: 16, done: 16, failed: 0, duplicateIds: 0 });
    const collected = await runStatsJob({ input: join(FIX, 'tiles.gpkg'), spec, allowed: LOCAL_ONLY });
    expect(collected.rows).toEqual(rec.got);
    expect(collected.columns).toEqual(done.columns);
  });

  it('keeps input order and every value when the spatial order spills sorted runs to disk', async () => {
    const spilled = await runStatsJob({ input: join(FIX, 'tiles.gpkg'), spec, allowed: LOCAL_ONLY, chunkSize: 5, spoolRows: 3 });
    const whole = await runStatsJob({ input: join(FIX, 'tiles.gpkg'), spec, allowed: LOCAL_ONLY });
    expect(spilled.rows).toEqual(whole.rows);
    expect(spilled.rows.map((r) => r.fid)).toEqual([...spilled.rows.map((r) => r.fid)].sort((a, b) => a - b)); // a GeoPackage's input order: by fid
    for (const r of spilled.rows) expect(r.values).toEqual([4, expectedMean(r.id)]);
  });

  it('phase 1 on a thread of its own (prepare-thread.ts) gives the same rows, columns and counts; its errors come back typed', async () => {
    const threaded = await runStatsJob({ input: join(FIX, 'tiles.gpkg'), spec, allowed: LOCAL_ONLY, prepareThread: true, spoolRows: 5 });
    const here = await runStatsJob({ input: join(FIX, 'tiles.gpkg'), spec, allowed: LOCAL_ONLY, prepareThread: false });
    expect(threaded.rows).toEqual(here.rows);
    expect(threaded.columns).toEqual(here.columns);
    expect(threaded.summary).toMatchObject({ features: 16, done: 16, failed: 0, warnings: here.summary.warnings, crs: here.summary.crs });
    // with two worker threads each walking its stretch of the spilled runs handed over by the prepare thread
    const two = await runStatsJob({ input: join(FIX, 'tiles.gpkg'), spec, allowed: LOCAL_ONLY, prepareThread: true, spoolRows: 5, threads: 2, chunkSize: 3 });
    expect(two.rows).toEqual(here.rows);
    const bad = parseJobSpec({ input: { idColumn: 'NOPE' }, rasters: [{ uri: join(FIX, 'base.tif') }], stats: ['count'] });
    const err = await runStatsJob({ input: join(FIX, 'tiles.gpkg'), spec: bad, allowed: LOCAL_ONLY, prepareThread: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(/no column "NOPE"/);
  }, 60_000);

  it('an abort while the prepare thread reads leaves no temporary file behind', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'zf-abort-'));
    const before = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const ac = new AbortController();
      const consumer: RowConsumer = { begin: () => Promise.resolve(ac.abort(new Error('stop at the head'))), rows: () => Promise.resolve() };
      await expect(streamStatsJob({ input: join(FIX, 'tiles.gpkg'), spec, allowed: LOCAL_ONLY, prepareThread: true, spoolRows: 2, signal: ac.signal }, consumer)).rejects.toThrow();
      expect(readdirSync(tmp).filter((f) => !f.startsWith('tsx-'))).toEqual([]); // tsx's cache: the thread runs from the TypeScript sources here
    } finally {
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 60_000);

  it('rows arrive before the job ends: aborted after its first chunk, the consumer holds exactly that chunk', async () => {
    const ac = new AbortController();
    const rec = recorder();
    const consumer: RowConsumer = {
      begin: (c) => rec.begin(c),
      rows: async (chunk) => {
        await rec.rows(chunk);
        ac.abort(new Error('stop after the first chunk'));
      },
    };
    await expect(streamStatsJob({ input: join(FIX, 'tiles.gpkg'), spec, allowed: LOCAL_ONLY, chunkSize: 4, signal: ac.signal }, consumer)).rejects.toThrow(/stop after the first chunk/);
    expect(rec.calls).toEqual(['begin', 'rows 4']);
    expect(rec.got.map((r) => r.values)).toEqual(rec.got.map((r) => [4, expectedMean(r.id)]));
  });
});

describe('DuplicateIds', () => {
  it('counts features whose id an earlier one had', () => {
    const d = new DuplicateIds();
    for (const id of ['a', 'b', 'a', '', 'a', 'é', '', 'b2']) d.add(id);
    expect(d.duplicates()).toBe(3);
    for (let i = 0; i < 5000; i++) d.add(`F${i}`); // grows past its first array
    expect(d.duplicates()).toBe(3);
    expect(hash64('ab')).not.toBe(hash64('ba'));
  });
});
