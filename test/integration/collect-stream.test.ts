/**
 * Collect streamed (issue 14), against the S3 and DynamoDB stand-ins started here:
 * a job of many parts (time series rows, shuffled fids across batches as H3 batching
 * leaves them, failures, a frac column, histograms, a part rewritten by a retry, a part
 * listed twice) is collected with small memory bounds. The rows Collect holds never
 * exceed runRows + one part row group + one frame per run (counted by a RowGauge), far
 * below the table; results.parquet, results.csv and summary.json equal what the previous
 * in-memory merge made (re-implemented below as the reference: every part read whole,
 * later parts replacing rows with the same fid and date, sorted by fid then date).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandIns } from '../../shared/local/stand-ins';
import type { StandIns } from '../../shared/local/stand-ins';
import { JobStore } from '../../shared/jobs/store';
import { collectJob } from '../../shared/pipeline/collect';
import { getBytes, getJson } from '../../shared/pipeline/objects';
import { readResultParquet } from '../../shared/output/read-parquet';
import { toCsv } from '../../shared/output/csv';
import { expandFracColumns } from '../../shared/output/table';
import type { CellValue, ResultRow, StatColumn } from '../../shared/output/table';
import { RowGauge } from '../../shared/output/sorted-runs';
import { s3Target } from '../../shared/pipeline/s3-target';
import { partFileRowGroups, partFiles } from '../../shared/pipeline/part-source';
import { parquetSink } from '../../shared/output/parquet-sink';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { headObject } from '../../shared/pipeline/objects';
import { partKey, putPart, seedCollectJob } from '../helpers/collect-job';
import type { SeedBatch } from '../helpers/collect-job';

let env: StandIns;
let store: JobStore;
beforeAll(async () => {
  env = await startStandIns({ buckets: ['zf-out'], table: 'zonalflow' });
  store = new JobStore(env.doc, 'zonalflow');
}, 60_000);
afterAll(async () => {
  await env.stop();
});

const columns: StatColumn[] = [
  { name: 'date', kind: 'timestamp' },
  { name: 'b04_mean', kind: 'number' },
  { name: 'b04_count', kind: 'number' },
  { name: 'scl_frac', kind: 'frac' },
  { name: 'b04_histogram', kind: 'histogram' },
];
const spec = { input: { idColumn: 'field_id' }, rasters: [{ name: 'b04', uri: 's3://zf-rasters/b04.tif' }], stats: ['mean', 'count'], output: { formats: ['parquet', 'csv'] } };
const DATES = 6;

/** A feature's rows: one per date; fid % 11 == 5 fails (no statistics); `v` marks the version written. */
function featureRows(fid: number, v = 0): ResultRow[] {
  return Array.from({ length: DATES }, (_, d) => {
    const date = new Date(Date.UTC(2024, 3, 1 + d * 5)).toISOString().replace('.000Z', 'Z');
    const failed = fid % 11 === 5;
    const values: CellValue[] = failed
      ? [date, null, null, null, null]
      : [date, fid + d / 10 + v, 100 - d, { values: [fid % 3, 4 + (d % 2)], fracs: [0.25, 0.75] }, d === 0 ? { bins: [0, 1, 2], counts: [fid, d] } : null];
    return { id: `field-${fid}`, fid, values, error: failed ? `GEOMETRY_EMPTY: feature "field-${fid}" (fid ${fid}) has no area` : null };
  });
}

/** The previous Collect's merge: every part whole, later parts replacing rows with the same fid and date, sorted by fid then date. */
function inMemoryMerge(parts: ResultRow[][]): ResultRow[] {
  const date = (r: ResultRow): string => (typeof r.values[0] === 'string' ? r.values[0] : '');
  const byKey = new Map<string, ResultRow>();
  for (const rows of parts) for (const r of rows) byKey.set(`${r.fid}|${date(r)}`, r);
  return [...byKey.values()].sort((a, b) => a.fid - b.fid || (date(a) < date(b) ? -1 : 1));
}

describe('Collect streams any number of rows in bounded memory', () => {
  it('many parts: bounded rows in flight, and the same results.parquet, results.csv and summary as the in-memory merge', async () => {
    const jobId = 'stream-1';
    // 24 batches of 25 features in shuffled fid order (spatial batches interleave fids), 2 parts each (a checkpoint)
    const fids = Array.from({ length: 600 }, (_, i) => i + 1).sort((a, b) => ((a * 7919) % 601) - ((b * 7919) % 601));
    const batches: SeedBatch[] = [];
    const written: ResultRow[][] = [];
    for (let b = 0; b < 24; b++) {
      const mine = fids.slice(b * 25, b * 25 + 25);
      // batch 5: a third part overlapping the second (features 20-24 again, other values: the later part wins);
      // batch 7: its record lists a part twice
      const cursors = b === 5 ? [0, 13, 20] : b === 7 ? [0, 13, 13] : [0, 13];
      const parts = cursors.map((cursor) => {
        const rows = mine.slice(cursor, cursor === 0 ? 13 : 25).flatMap((f) => featureRows(f, cursor === 20 ? 2000 : 0));
        return { cursor, rows: () => rows };
      });
      batches.push({ batchId: `b${String(b).padStart(5, '0')}`, features: 25, parts });
    }
    await seedCollectJob({ s3: env.s3, store, bucket: 'zf-out', workPrefix: '_work/', jobId, spec, columns, batches });
    // a retry rewrote one part (same key: it replaces)
    const retried = partKey('_work/', jobId, 'b00003', 13);
    const again = fids.slice(3 * 25 + 13, 3 * 25 + 25).flatMap((f) => featureRows(f, 1000));
    await putPart(env.s3, 'zf-out', retried, columns, again);
    await store.completeBatch(jobId, 'b00003', { featuresDone: 12, featuresFailed: 0, failures: [], parts: [], bytesRead: 0, requests: 0, ms: 1 }); // already DONE: a no-op
    // the reference: the parts as they stand in S3, in key order
    for (const b of batches) for (const p of b.parts) written.push(partKey('_work/', jobId, b.batchId, p.cursor) === retried ? again : p.rows());
    const total = written.reduce((a, p) => a + p.length, 0);
    expect(total).toBe((600 + 5 + 12) * DATES); // every feature, the overlap of batch 5, the part of batch 7 listed twice

    const gauge = new RowGauge();
    const limits = { runRows: 400, chunkRows: 50, frameRows: 50, fanIn: 4, failuresKept: 20, prefetch: 2 };
    const summary = await collectJob({ jobId }, { s3: env.s3, tracker: store, outputBucket: 'zf-out', workPrefix: '_work/', limits, gauge });

    // bounded: one run being filled (+ the part row group being pushed), or one frame per merged run and the chunk handed out
    const partRows = 13 * DATES;
    expect(gauge.peak).toBeLessThanOrEqual(limits.runRows + 2 * partRows + (limits.fanIn + 1) * limits.frameRows);
    expect(gauge.peak).toBeLessThan(total / 4);
    expect(gauge.held).toBe(0);

    const expected = inMemoryMerge(written);
    const wide = expandFracColumns(columns, expected);
    const parquet = await readResultParquet((await getBytes(env.s3, { bucket: 'zf-out', key: `${jobId}/results.parquet` })) ?? new Uint8Array());
    expect(parquet.columns).toEqual(wide.columns);
    expect(parquet.rows).toEqual(wide.rows);
    const valuesOf = (rows: ResultRow[], fid: number | undefined): CellValue[] => rows.filter((r) => r.fid === fid).map((r) => r.values[1] ?? null);
    expect(valuesOf(parquet.rows, fids[3 * 25 + 20])).toEqual(valuesOf(again, fids[3 * 25 + 20]));
    expect(valuesOf(parquet.rows, fids[5 * 25 + 21])).toEqual(valuesOf(featureRows(fids[5 * 25 + 21] ?? 0, 2000), fids[5 * 25 + 21]));
    const csv = new TextDecoder().decode((await getBytes(env.s3, { bucket: 'zf-out', key: `${jobId}/results.csv` })) ?? new Uint8Array());
    expect(csv).toBe(toCsv(columns, expected));

    const failedFids = new Set(expected.filter((r) => r.error !== null).map((r) => r.fid));
    expect(summary.status).toBe('PARTIAL');
    expect(summary.features).toEqual({ total: 600, done: 600 - failedFids.size, failed: failedFids.size, missing: 0 });
    const failures = expected.filter((r) => r.error !== null).map((r) => ({ fid: r.fid, id: r.id, reason: r.error }));
    expect(summary.failuresTotal).toBe(failures.length);
    expect(summary.failures).toEqual(failures.slice(0, 20));
    expect(await getJson(env.s3, { bucket: 'zf-out', key: `${jobId}/summary.json` })).toEqual(summary);
  });

  it('a job whose rows fit one run (the common case) gives the same output without spilling', async () => {
    const jobId = 'stream-2';
    const batches: SeedBatch[] = [0, 1, 2].map((b) => ({ batchId: `b${String(b).padStart(5, '0')}`, features: 3, parts: [{ cursor: 0, rows: () => [12 - b, 8 - b, 4 - b].flatMap((f) => featureRows(f)) }] }));
    const written = batches.map((b) => b.parts[0]?.rows() ?? []);
    await seedCollectJob({ s3: env.s3, store, bucket: 'zf-out', workPrefix: '_work/', jobId, spec: { ...spec, output: { formats: ['parquet'] } }, columns, batches });
    const summary = await collectJob({ jobId }, { s3: env.s3, tracker: store, outputBucket: 'zf-out', workPrefix: '_work/' });
    const parquet = await readResultParquet((await getBytes(env.s3, { bucket: 'zf-out', key: `${jobId}/results.parquet` })) ?? new Uint8Array());
    expect(parquet.rows).toEqual(expandFracColumns(columns, inMemoryMerge(written)).rows);
    expect(summary.outputs.csv).toBeUndefined();
    expect(summary.features.total).toBe(9);
  });
});

describe('partFiles and partFileRowGroups: parts one row group at a time', () => {
  it('a part above the whole-object size is read by range requests, row group by row group, with the same rows', async () => {
    const rows = Array.from({ length: 400 }, (_, i) => featureRows(i + 1)).flat(); // 2,400 rows
    const path = join(mkdtempSync(join(tmpdir(), 'zf-rg-')), 'part.parquet');
    const sink = parquetSink(path, { columns, keepFrac: true, keyColumn: true, rowGroupRows: 500 });
    await sink.write(rows);
    await sink.close();
    const bytes = readFileSync(path);
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-out', Key: 'rg/part.parquet', Body: bytes }));
    const whole = await readResultParquet(bytes);
    for (const wholeBelowBytes of [1024, 64 * 1024 * 1024]) {
      const groups: number[] = [];
      const got: ResultRow[] = [];
      for await (const part of partFiles(env.s3, 'zf-out', ['rg/part.parquet'], { wholeBelowBytes })) {
        for await (const g of partFileRowGroups(part)) {
          groups.push(g.rows.length);
          got.push(...g.rows);
          expect(g.columns).toEqual(whole.columns);
        }
      }
      expect(groups).toEqual([500, 500, 500, 500, 400]);
      expect(got).toEqual(whole.rows);
    }
    await expect(async () => {
      for await (const _ of partFiles(env.s3, 'zf-out', ['rg/missing.parquet'])) void _;
    }).rejects.toThrow(/part s3:\/\/zf-out\/rg\/missing.parquet is missing/);
  });
});

describe('s3Target: a streamed multipart upload', () => {
  it('an object of several parts arrives whole (the S3 stand-in completes the multipart upload); an aborted one leaves nothing', async () => {
    const target = s3Target(env.s3, { bucket: 'zf-out', key: 'mp/whole.bin' }, { partSizeBytes: 5 * 1024 * 1024, queueSize: 2 });
    const chunk = new Uint8Array(1024 * 1024);
    for (let i = 0; i < 12; i++) {
      chunk.fill(i);
      await target.write(chunk); // the chunk's memory is reused: the target must have copied it
    }
    await target.write(new Uint8Array([255, 254]));
    await target.close();
    const back = (await getBytes(env.s3, { bucket: 'zf-out', key: 'mp/whole.bin' })) ?? new Uint8Array();
    expect(back.length).toBe(12 * 1024 * 1024 + 2);
    for (let i = 0; i < 12; i++) expect([back[i * 1024 * 1024], back[i * 1024 * 1024 + 1023]]).toEqual([i, i]);
    expect([...back.slice(-2)]).toEqual([255, 254]);
    const aborted = s3Target(env.s3, { bucket: 'zf-out', key: 'mp/aborted.bin' }, { partSizeBytes: 5 * 1024 * 1024 });
    for (let i = 0; i < 7; i++) await aborted.write(chunk);
    await aborted.abort();
    expect(await headObject(env.s3, { bucket: 'zf-out', key: 'mp/aborted.bin' })).toBeNull();
  });

  it('abort resolves only after the parts in flight have ended and AbortMultipartUpload has been answered', async () => {
    // a client that records each command as it starts and ends, so that what is still in flight when abort() resolves is known
    const s3 = env.s3Client();
    const log: string[] = [];
    let inFlight = 0;
    let partStarted: () => void = () => undefined;
    const partInFlight = new Promise<void>((resolve) => (partStarted = resolve));
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        inFlight++;
        if (context.commandName === 'UploadPartCommand') partStarted();
        try {
          return await next(args);
        } finally {
          inFlight--;
          log.push(context.commandName ?? '?');
        }
      },
      { step: 'initialize' },
    );
    try {
      const target = s3Target(s3, { bucket: 'zf-out', key: 'mp/aborted-in-flight.bin' }, { partSizeBytes: 5 * 1024 * 1024 });
      const chunk = new Uint8Array(1024 * 1024);
      for (let i = 0; i < 6; i++) await target.write(chunk); // one full part goes up, the sixth MiB waits
      await partInFlight;
      await target.abort();
      expect(inFlight).toBe(0);
      expect(log).toContain('UploadPartCommand');
      expect(log.at(-1)).toBe('AbortMultipartUploadCommand');
      expect(await headObject(env.s3, { bucket: 'zf-out', key: 'mp/aborted-in-flight.bin' })).toBeNull();
    } finally {
      s3.destroy();
    }
  });
});
