/**
 * Collect of a synthetic time series against the local S3 and DynamoDB stand-ins: peak RSS and seconds for 1M features x 36 dates by default.
 * The job is seeded as Plan and the Workers leave one (BENCH_COLLECT_FEATURES features,
 * default 1,000,000; BENCH_COLLECT_DATES rows per feature, default 36; batches of
 * BENCH_COLLECT_BATCH features, default 500, one Parquet part each, fids shuffled across
 * batches as spatial batching leaves them; 0.1 % of the features failed); then Collect runs
 * in its own process (`/usr/bin/time`: wall, CPU seconds, peak RSS) with the default limits,
 * writing results.parquet and, unless BENCH_COLLECT_CSV=0, results.csv, as multipart uploads
 * into the stand-in. Checks: the rows of results.parquet, sorted by fid, and summary.json's
 * counts. Run: `npm run bench -- collect` (BENCH_COLLECT_FEATURES=100000 for a quick run).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { startStandIns } from '../shared/local/stand-ins';
import { JobStore } from '../shared/jobs/store';
import { collectJob } from '../shared/pipeline/collect';
import type { JobSummary } from '../shared/pipeline/collect';
import { getJson } from '../shared/pipeline/objects';
import { s3AsyncBuffer } from '../shared/pipeline/part-source';
import { RowGauge } from '../shared/output/sorted-runs';
import type { ResultRow, StatColumn } from '../shared/output/table';
import { seedCollectJob } from '../test/helpers/collect-job';
import type { SeedBatch } from '../test/helpers/collect-job';
import { CACHE } from './synthetic';
import { runTimedNode } from './timed-child';
import { report } from './report';

const features = Number(process.env.BENCH_COLLECT_FEATURES ?? 1_000_000);
const dates = Number(process.env.BENCH_COLLECT_DATES ?? 36);
const perBatch = Number(process.env.BENCH_COLLECT_BATCH ?? 500);
const withCsv = process.env.BENCH_COLLECT_CSV !== '0';
const BUCKET = 'zf-out';
const TABLE = 'zonalflow';
const JOB = 'bench-collect';
const columns: StatColumn[] = [{ name: 'date', kind: 'timestamp' }, ...['mean', 'min', 'max', 'stdev', 'count'].map((s) => ({ name: `b04_${s}`, kind: 'number' as const }))];
const spec = { input: { idColumn: 'field_id' }, rasters: [{ name: 'b04', uri: 's3://zf-rasters/b04.tif' }], stats: ['mean', 'min', 'max', 'stdev', 'count'], output: { formats: withCsv ? ['parquet', 'csv'] : ['parquet'] } };

/** The child: Collect alone, reporting what it held. */
async function child(): Promise<void> {
  const cfg = { endpoint: process.env.BENCH_S3_ENDPOINT ?? '', region: process.env.BENCH_REGION ?? 'us-east-1', credentials: JSON.parse(process.env.BENCH_CREDENTIALS ?? '{}') as { accessKeyId: string; secretAccessKey: string } };
  const s3 = new S3Client({ ...cfg, forcePathStyle: true });
  const dynamo = new DynamoDBClient({ ...cfg, endpoint: process.env.BENCH_DYNAMO_ENDPOINT ?? '' });
  const store = new JobStore(DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }), TABLE);
  const gauge = new RowGauge();
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const summary = await collectJob({ jobId: JOB }, { s3, tracker: store, outputBucket: BUCKET, workPrefix: '_work/', gauge, ...(process.env.BENCH_TMP ? { tmpDir: process.env.BENCH_TMP } : {}) });
  const seconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu);
  process.stdout.write(`${JSON.stringify({ seconds, cpuSeconds: (used.user + used.system) / 1e6, peakRowsHeld: gauge.peak, status: summary.status, features: summary.features })}\n`);
  s3.destroy();
  dynamo.destroy();
}

/** A permutation of 1..n (fids shuffled across batches, as spatial batching leaves them). */
function fidAt(i: number, n: number): number {
  return ((i * 7919) % n) + 1;
}

function rowsOf(fids: number[]): ResultRow[] {
  const rows: ResultRow[] = [];
  for (const fid of fids) {
    const failed = fid % 1000 === 7;
    for (let d = 0; d < dates; d++) {
      const date = new Date(Date.UTC(2024, 0, 1) + d * 5 * 86_400_000).toISOString().replace('.000Z', 'Z');
      const m = ((fid * 31 + d * 17) % 1000) / 10;
      rows.push({ id: `field-${fid}`, fid, values: failed ? [date, null, null, null, null, null] : [date, m, m - 3.5, m + 4.25, 1.5 + (d % 7) / 8, 100 + (fid % 50)], error: failed ? `GEOMETRY_EMPTY: feature "field-${fid}" (fid ${fid}) has no area` : null });
    }
  }
  return rows;
}

async function main(): Promise<void> {
  mkdirSync(CACHE, { recursive: true });
  const work = mkdtempSync(join(CACHE, 'collect-bench-'));
  const env = await startStandIns({ dir: join(work, 's3'), buckets: [BUCKET], table: TABLE });
  try {
    const store = new JobStore(env.doc, TABLE);
    const batches: SeedBatch[] = [];
    for (let b = 0; b * perBatch < features; b++) {
      const fids = Array.from({ length: Math.min(perBatch, features - b * perBatch) }, (_, i) => fidAt(b * perBatch + i, features));
      batches.push({ batchId: `b${String(b).padStart(6, '0')}`, features: fids.length, parts: [{ cursor: 0, rows: () => rowsOf(fids) }] });
    }
    const s0 = performance.now();
    await seedCollectJob({ s3: env.s3, store, bucket: BUCKET, workPrefix: '_work/', jobId: JOB, spec, columns, batches, concurrency: 4 });
    process.stdout.write(`seeded ${batches.length} parts, ${(features * dates).toLocaleString('en-US')} rows in ${((performance.now() - s0) / 1000).toFixed(0)} s\n`);
    const tmp = join(work, 'tmp');
    mkdirSync(tmp);
    // an asynchronous child: the stand-ins answer from this process's event loop (timed-child.ts)
    const r = await runTimedNode(['--import', 'tsx', import.meta.filename], { ...process.env, BENCH_COLLECT_CHILD: '1', BENCH_S3_ENDPOINT: env.s3Endpoint, BENCH_DYNAMO_ENDPOINT: env.dynamoEndpoint, BENCH_REGION: env.region, BENCH_CREDENTIALS: JSON.stringify(env.credentials), BENCH_TMP: tmp });
    if (r.status !== 0 || !r.timed) throw new Error(`Collect failed (${r.status}): ${r.stderr.slice(-2000)}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { seconds: number; cpuSeconds: number; peakRowsHeld: number; status: string; features: JobSummary['features'] };
    // checks: every row, in fid order, and the summary's counts
    const file = await s3AsyncBuffer(env.s3, { bucket: BUCKET, key: `${JOB}/results.parquet` });
    if (file === null) throw new Error('results.parquet is missing');
    const meta = await parquetMetadataAsync(file);
    const rows = Number(meta.num_rows);
    const first = await parquetReadObjects({ file, metadata: meta, columns: ['fid'], rowStart: 0, rowEnd: Math.min(rows, dates * 3) });
    const last = await parquetReadObjects({ file, metadata: meta, columns: ['fid'], rowStart: Math.max(0, rows - dates), rowEnd: rows });
    const summary = (await getJson(env.s3, { bucket: BUCKET, key: `${JOB}/summary.json` })) as JobSummary;
    const failed = Math.floor((features - 7) / 1000) + (features >= 7 ? 1 : 0);
    const ok = rows === features * dates && Number(first[0]?.fid) === 1 && Number(first[dates]?.fid) === 2 && Number(last[0]?.fid) === features
      && summary.features.total === features && summary.features.failed === failed && summary.features.done === features - failed;
    report('collect', {
      features,
      dates,
      rows: features * dates,
      parts: batches.length,
      csv: withCsv,
      'collect wall s (measured under load)': r.wallS,
      'collect CPU s (user+sys)': r.cpuS,
      'collect peak RSS MB': r.peakRssMb,
      'rows held at most': out.peakRowsHeld,
      'results.parquet MB': file.byteLength / 1e6,
      status: out.status,
      'every row once, fid order, counts right': ok,
    });
    if (!ok) process.exitCode = 1;
  } finally {
    await env.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.env.BENCH_COLLECT_CHILD === '1') await child();
else await main();
