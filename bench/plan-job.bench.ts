/**
 * The whole Plan stage on 1,000,000 field polygons, as the Lambda runs it,
 * against the local S3 and DynamoDB stand-ins: download the GeoPackage, read
 * it (streamed), batch along H3, write the batch files and the manifest,
 * register job and batches. Seconds and peak RSS (issue 17's targets: <= 30 s, <= 1 GB). The
 * GeoPackage goes to the S3 stand-in as a stream (the bench holds no copy of it); Plan opens the
 * header of the spec's raster (the small example COG: Plan reads no pixel).
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ensureFields } from './synthetic';
import { peakRssMb, report } from './report';
import { LOCAL_CREDENTIALS, startStandIns } from '../shared/local/stand-ins';
import { JobStore } from '../shared/jobs/store';
import { planJob } from '../shared/pipeline/plan';
import { parseJobSpec } from '../shared/spec';

const n = Number(process.env.BENCH_PLAN_FEATURES ?? 1_000_000);
const path = ensureFields(n);
const env = await startStandIns({ buckets: ['zf-in', 'zf-out', 'rasters'], table: 'jobs' });
try {
  // streamed as is (no aws-chunked framing, which s3rver would store verbatim)
  const uploader = new S3Client({ endpoint: env.s3Endpoint, region: env.region, credentials: LOCAL_CREDENTIALS, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' });
  await uploader.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'fields.gpkg', Body: createReadStream(path), ContentLength: statSync(path).size }));
  uploader.destroy();
  await env.s3.send(new PutObjectCommand({ Bucket: 'rasters', Key: 'band.tif', Body: readFileSync(join(import.meta.dirname, '..', 'examples', 'elev.cog.tif')) }));
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
