/**
 * Collect's merge by columns (collect-columns.ts), against the S3 and DynamoDB stand-ins
 * started here: a job of plain columns (a text, an integer and a boolean attribute, number
 * statistics; NULL ids, NULL fids, NaN and NULL cells, failures, an int64 beyond 2^53, a part
 * overlapping another) is merged by columns, and results.parquet is byte for byte what the
 * in-memory renderer (`toParquet`) makes of the reference merge (every part read whole, later
 * parts replacing rows of the same fid, sorted by fid); summary.json counts as the reference.
 * A part that cannot be merged by columns (a text fid) sends the whole job to the row merge,
 * with the same result; so does a job larger than one run.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startStandIns } from '../../shared/local/stand-ins';
import type { StandIns } from '../../shared/local/stand-ins';
import { JobStore } from '../../shared/jobs/store';
import { collectJob } from '../../shared/pipeline/collect';
import { ColumnarMerge } from '../../shared/pipeline/collect-columns';
import { getBytes } from '../../shared/pipeline/objects';
import { toParquet } from '../../shared/output/parquet';
import { readResultParquet } from '../../shared/output/read-parquet';
import type { IdKind, ResultRow, StatColumn } from '../../shared/output/table';
import { parseJobSpec } from '../../shared/spec';
import { seedCollectJob } from '../helpers/collect-job';
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
afterEach(() => {
  vi.restoreAllMocks();
});

const columns: StatColumn[] = [
  { name: 'crop', kind: 'text' },
  { name: 'area_m2', kind: 'integer' },
  { name: 'irrigated', kind: 'boolean' },
  { name: 'b04_mean', kind: 'number' },
  { name: 'b04_count', kind: 'number' },
];
const spec = { input: { idColumn: 'field_id' }, rasters: [{ name: 'b04', uri: 's3://zf-rasters/b04.tif' }], stats: ['mean', 'count'], output: { formats: ['parquet'] } };

/** A feature's row; `v` marks the version written (a later part's rows differ). */
function featureRow(fid: number, idKind: IdKind, v = 0): ResultRow {
  const failed = fid % 13 === 4;
  const row: ResultRow = {
    id: fid % 17 === 3 ? '' : idKind === 'integer' ? String(fid * 10 + 7) : `F${String(fid).padStart(5, '0')}`,
    fid,
    values: [
      fid % 5 === 0 ? null : `crop-${fid % 4}`,
      fid % 7 === 0 ? '9007199254740993' : fid * 100,
      fid % 3 === 0 ? null : fid % 2 === 0,
      failed ? null : fid + v + 0.25,
      failed ? null : fid % 11 === 0 ? NaN : (fid % 9) / 4,
    ],
    error: failed ? `GEOMETRY_EMPTY: feature "F${fid}" (fid ${fid}) has no area` : null,
  };
  if (fid % 17 === 3) row.idNull = true;
  if (fid % 19 === 7) row.fidText = null; // a NULL fid: its key is the rowid
  return row;
}

/** The reference merge: every part whole, later parts replacing rows of the same fid, sorted by fid. */
function inMemoryMerge(parts: ResultRow[][]): ResultRow[] {
  const byFid = new Map<number, ResultRow>();
  for (const rows of parts) for (const r of rows) byFid.set(r.fid, r);
  return [...byFid.values()].sort((a, b) => a.fid - b.fid);
}

/** 12 batches of 20 features in shuffled fid order, two parts each; batch 4 has a third part overlapping its second. */
function seedBatches(idKind: IdKind): { batches: SeedBatch[]; written: ResultRow[][] } {
  const fids = Array.from({ length: 240 }, (_, i) => i + 1).sort((a, b) => ((a * 7919) % 241) - ((b * 7919) % 241));
  const batches: SeedBatch[] = [];
  const written: ResultRow[][] = [];
  for (let b = 0; b < 12; b++) {
    const mine = fids.slice(b * 20, b * 20 + 20);
    const cursors = b === 4 ? [0, 10, 15] : [0, 10];
    const parts = cursors.map((cursor) => {
      const rows = mine.slice(cursor, cursor === 0 ? 10 : 20).map((f) => featureRow(f, idKind, cursor === 15 ? 1000 : 0));
      written.push(rows);
      return { cursor, rows: () => rows };
    });
    batches.push({ batchId: `b${String(b).padStart(5, '0')}`, features: 20, parts });
  }
  return { batches, written };
}

async function collect(jobId: string, batches: SeedBatch[], idKind: IdKind, limits: { runRows?: number } = {}): Promise<{ bytes: Uint8Array; summary: Awaited<ReturnType<typeof collectJob>> }> {
  await seedCollectJob({ s3: env.s3, store, bucket: 'zf-out', workPrefix: '_work/', jobId, spec, columns, batches, idKind });
  const summary = await collectJob({ jobId }, { s3: env.s3, tracker: store, outputBucket: 'zf-out', workPrefix: '_work/', limits });
  return { bytes: (await getBytes(env.s3, { bucket: 'zf-out', key: `${jobId}/results.parquet` })) ?? new Uint8Array(), summary };
}

/** results.parquet as the in-memory renderer writes the reference rows, with Collect's metadata. */
function expectedParquet(jobId: string, rows: readonly ResultRow[], idKind: IdKind): Uint8Array {
  return toParquet(columns, rows, { idKind, metadata: { zonalflow_job: jobId, zonalflow_spec: JSON.stringify(parseJobSpec(spec)) } });
}

/** What ColumnarMerge.add answered for each part. */
async function addAnswers(spy: { mock: { results: { value: unknown }[] } }): Promise<boolean[]> {
  return Promise.all(spy.mock.results.map((r) => r.value as Promise<boolean>));
}

describe('Collect merges a job of plain columns by columns', () => {
  for (const idKind of ['text', 'integer'] as const) {
    it(`${idKind} ids: results.parquet byte for byte the reference's, and the reference's counts`, async () => {
      const jobId = `columns-${idKind}`;
      const { batches, written } = seedBatches(idKind);
      const add = vi.spyOn(ColumnarMerge.prototype, 'add');
      const { bytes, summary } = await collect(jobId, batches, idKind);
      expect(await addAnswers(add)).toEqual(Array<boolean>(25).fill(true)); // every part merged by columns
      const expected = inMemoryMerge(written);
      expect(expected).toHaveLength(240);
      expect(Buffer.from(bytes).equals(Buffer.from(expectedParquet(jobId, expected, idKind)))).toBe(true);
      const back = await readResultParquet(bytes);
      expect(back.rows.find((r) => r.fid === fidOf(batches, 4, 17))?.values[3]).toBe(fidOf(batches, 4, 17) + 1000.25); // the later part's row
      const failed = expected.filter((r) => r.error !== null);
      expect(summary.status).toBe('PARTIAL');
      expect(summary.features).toEqual({ total: 240, done: 240 - failed.length, failed: failed.length, missing: 0 });
      expect(summary.failuresTotal).toBe(failed.length);
      expect(summary.failures).toEqual(failed.map((r) => ({ fid: r.fidText === null ? null : r.fid, id: r.id, reason: r.error })));
      const nullIds = expected.filter((r) => r.idNull === true).length;
      const nullFids = expected.filter((r) => r.fidText === null).length;
      expect(summary.warnings).toEqual([expect.stringMatching(new RegExp(`^${nullIds} features have a NULL id \\(column "field_id"\\)`)), `${nullFids} features have a NULL fid (written empty; their rows are kept)`]);
    });
  }

  it('a part that cannot be merged by columns (a text fid): the whole job by rows, the same as the reference', async () => {
    const jobId = 'columns-fallback';
    const { batches, written } = seedBatches('text');
    const odd: ResultRow = { ...featureRow(241, 'text'), fidText: 'A-241' };
    batches.push({ batchId: 'b99999', features: 1, parts: [{ cursor: 0, rows: () => [odd] }] });
    written.push([odd]);
    const add = vi.spyOn(ColumnarMerge.prototype, 'add');
    const { bytes, summary } = await collect(jobId, batches, 'text');
    expect(await addAnswers(add)).toEqual([...Array<boolean>(25).fill(true), false]);
    const expected = inMemoryMerge(written);
    expect(Buffer.from(bytes).equals(Buffer.from(expectedParquet(jobId, expected, 'text')))).toBe(true);
    expect(summary.features.total).toBe(241);
  });

  it('repeated ids are named in the warnings (by columns and by rows alike); NULL ids are never repeats', async () => {
    for (const runRows of [undefined, 100]) {
      const jobId = `columns-repeated-${runRows ?? 'all'}`;
      const { batches, written } = seedBatches('text');
      const repeat: Record<number, string> = { 22: 'DUP-A', 23: 'DUP-B', 44: 'DUP-A', 45: 'DUP-B', 66: 'DUP-A' };
      for (const rows of written) for (const r of rows) if (repeat[r.fid] !== undefined) r.id = repeat[r.fid] as string;
      const { summary } = await collect(jobId, batches, 'text', runRows === undefined ? {} : { runRows });
      const nullIds = inMemoryMerge(written).filter((r) => r.idNull === true).length;
      expect(nullIds).toBeGreaterThan(1);
      expect(summary.warnings, `runRows ${runRows}`).toContain('3 features have the id of an earlier feature: 2 ids repeat (column "field_id"), "DUP-A" (3 features), "DUP-B" (2 features); rows are in input order, and the fid column tells them apart where the fids are unique');
    }
  });

  it('a job larger than one run is merged by rows, with the same results.parquet', async () => {
    const jobId = 'columns-spilled';
    const { batches, written } = seedBatches('text');
    const add = vi.spyOn(ColumnarMerge.prototype, 'add');
    const { bytes } = await collect(jobId, batches, 'text', { runRows: 100 });
    expect(add).not.toHaveBeenCalled();
    expect(Buffer.from(bytes).equals(Buffer.from(expectedParquet(jobId, inMemoryMerge(written), 'text')))).toBe(true);
  });
});

/** The fid of a batch's feature (its position in the batch). */
function fidOf(batches: SeedBatch[], batch: number, at: number): number {
  const b = batches[batch];
  const rows = b?.parts.flatMap((p) => p.rows()) ?? [];
  return rows.filter((r, i, all) => all.findIndex((x) => x.fid === r.fid) === i)[at]?.fid ?? NaN;
}
