/**
 * The whole Plan stage on 1,000,000 field polygons, as the Lambda runs it,
 * against the local S3 and DynamoDB stand-ins: download the GeoPackage, read
 * it (streamed), batch along H3, write the batch files and the manifest,
 * register job and batches. Seconds and peak RSS (targets: < 60 s, < 1.5 GB).
 */
import { readFileSync, statSync } from 'node:fs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ensureFields } from './synthetic';
import { peakRssMb, report } from './report';
import { startStandIns } from '../shared/local/stand-ins';
import { JobStore } from '../shared/jobs/store';
import { planJob } from '../shared/pipeline/plan';
import { parseJobSpec } from '../shared/spec';

const n = Number(process.env.BENCH_PLAN_FEATURES ?? 1_000_000);
const path = ensureFields(n);
const env = await startStandIns({ buckets: ['zf-in', 'zf-out'], table: 'jobs' });
try {
  await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'fields.gpkg', Body: readFileSync(path) }));
  const rssBefore = process.memoryUsage().rss / 1e6;
  const t0 = performance.now();
  const out = await planJob({ bucket: 'zf-in', key: 'fields.gpkg' }, {
    s3: env.s3,
    tracker: new JobStore(env.doc, 'jobs'),
    outputBucket: 'zf-out',
    workPrefix: '_work/',
    defaultSpec: parseJobSpec({ input: { idColumn: 'field_id' }, rasters: [{ uri: 's3://rasters/band.tif' }], batching: { grid: 'h3', maxFeatures: 500 } }),
    allowed: { schemes: ['s3'], s3Buckets: ['rasters'], httpsHosts: [] },
  });
  report('plan-job-1m', {
    features: out.features,
    batches: out.batches,
    gpkg_mb: statSync(path).size / 1e6,
    plan_s: (performance.now() - t0) / 1000,
    rss_before_mb: rssBefore,
    peak_rss_mb: peakRssMb(),
  });
} finally {
  await env.stop();
}
