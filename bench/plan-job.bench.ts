/**
 * The whole Plan stage on 1,000,000 field polygons, as the Lambda runs it, against the local S3 and
 * DynamoDB stand-ins: download the GeoPackage, read it (streamed), batch along H3, write the batch
 * files and the manifest, register job and batches. Issue 17's targets: <= 30 s, <= 1 GB.
 *
 * Plan runs in a child process of its own under `/usr/bin/time` (the stand-ins answer from this
 * process, as S3 and DynamoDB answer a Lambda from elsewhere): its wall seconds, CPU seconds
 * (user + sys) and peak RSS are Plan's alone. The GeoPackage goes to the S3 stand-in as a stream;
 * Plan opens the header of the spec's raster (the small example COG: Plan reads no pixel).
 * Sizes: BENCH_PLAN_FEATURES, a comma-separated list (default 1000000; e.g. 1000000,2000000,5000000
 * for the points `npm run bench -- scale-model` extrapolates from); each size's input is generated
 * once into bench/.cache. BENCH_PLAN_FORMAT=fgb: the same fields as FlatGeobuf (converted by ogr2ogr; a
 * format without random access, read twice in order). BENCH_PLAN_NODE_ARGS: node flags for the child (e.g. `--cpu-prof`). The child
 * runs with the deployed Plan function's NODE_OPTIONS (infra/node-options.ts PLAN_NODE_OPTIONS; BENCH_PLAN_NODE_OPTIONS replaces them,
 * e.g. `BENCH_PLAN_NODE_OPTIONS=--enable-source-maps` for V8's default young generation). Results: bench/.cache/results/plan-job-<size>.json (`--save`: bench/results/).
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ensureFields } from './synthetic';
import { runTimedNode } from './timed-child';
import { report } from './report';
import { LOCAL_CREDENTIALS, startStandIns } from '../shared/local/stand-ins';
import { JobStore } from '../shared/jobs/store';
import { planJob } from '../shared/pipeline/plan';
import { parseJobSpec } from '../shared/spec';
import { PLAN_NODE_OPTIONS } from '../infra/node-options';

const TABLE = 'jobs';
const SPEC = { input: { idColumn: 'field_id' }, rasters: [{ uri: 's3://rasters/band.tif' }], batching: { grid: 'h3', maxFeatures: 500 } };

/** The input's format: gpkg (default), or fgb (FlatGeobuf converted from the GeoPackage by ogr2ogr, GDAL's). */
const FORMAT = process.env.BENCH_PLAN_FORMAT ?? 'gpkg';

/** The input file of `n` fields in FORMAT (generated or converted once into bench/.cache). */
function inputOf(n: number): string {
  const gpkg = ensureFields(n);
  if (FORMAT === 'gpkg') return gpkg;
  if (FORMAT !== 'fgb') throw new Error(`BENCH_PLAN_FORMAT=${FORMAT}: expected gpkg or fgb`);
  const path = gpkg.replace(/\.gpkg$/, '.fgb');
  if (!existsSync(path)) {
    const r = spawnSync('ogr2ogr', ['-f', 'FlatGeobuf', `${path}.tmp.fgb`, gpkg], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ogr2ogr (GDAL) is needed to convert ${gpkg} to FlatGeobuf: ${r.error?.message ?? r.stderr}`);
    renameSync(`${path}.tmp.fgb`, path);
  }
  return path;
}

/** The size's label in the result's name: 1m, 2m, 10m, or the number. */
function sizeLabel(n: number): string {
  return n % 1_000_000 === 0 ? `${n / 1_000_000}m` : String(n);
}

/** The child: Plan alone, as the Lambda runs it. */
async function child(): Promise<void> {
  const cfg = { endpoint: process.env.BENCH_S3_ENDPOINT ?? '', region: process.env.BENCH_REGION ?? 'us-east-1', credentials: LOCAL_CREDENTIALS };
  const s3 = new S3Client({ ...cfg, forcePathStyle: true });
  const dynamo = new DynamoDBClient({ ...cfg, endpoint: process.env.BENCH_DYNAMO_ENDPOINT ?? '' });
  const doc = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  const phases: string[] = [];
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const out = await planJob({ bucket: 'zf-in', key: `fields.${FORMAT}` }, {
    s3,
    tracker: new JobStore(doc, TABLE),
    outputBucket: 'zf-out',
    workPrefix: '_work/',
    defaultSpec: parseJobSpec(SPEC),
    allowed: { schemes: ['s3'], s3Buckets: ['rasters'], httpsHosts: [] },
    log: (m) => phases.push(m),
  });
  const seconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu);
  process.stdout.write(`${JSON.stringify({ seconds, cpuSeconds: (used.user + used.system) / 1e6, features: out.features, batches: out.batches, phases })}\n`);
  s3.destroy();
  dynamo.destroy();
}

/** Extra node flags for the child (e.g. BENCH_PLAN_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile Plan). */
const nodeArgs = (process.env.BENCH_PLAN_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');

async function runSize(n: number): Promise<boolean> {
  const path = inputOf(n);
  const env = await startStandIns({ buckets: ['zf-in', 'zf-out', 'rasters'], table: TABLE });
  try {
    // streamed as is (no aws-chunked framing, which s3rver would store verbatim)
    const uploader = new S3Client({ endpoint: env.s3Endpoint, region: env.region, credentials: LOCAL_CREDENTIALS, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' });
    await uploader.send(new PutObjectCommand({ Bucket: 'zf-in', Key: `fields.${FORMAT}`, Body: createReadStream(path), ContentLength: statSync(path).size }));
    uploader.destroy();
    await env.s3.send(new PutObjectCommand({ Bucket: 'rasters', Key: 'band.tif', Body: readFileSync(join(import.meta.dirname, '..', 'examples', 'elev.cog.tif')) }));
    // an asynchronous child: the stand-ins answer from this process's event loop (timed-child.ts)
    // with the deployed Plan function's Node options (infra/node-options.ts), unless BENCH_PLAN_NODE_OPTIONS says otherwise
    const r = await runTimedNode([...nodeArgs, '--import', 'tsx', import.meta.filename], { ...process.env, NODE_OPTIONS: process.env.BENCH_PLAN_NODE_OPTIONS ?? PLAN_NODE_OPTIONS, BENCH_PLAN_CHILD: '1', BENCH_S3_ENDPOINT: env.s3Endpoint, BENCH_DYNAMO_ENDPOINT: env.dynamoEndpoint, BENCH_REGION: env.region });
    if (r.status !== 0 || !r.timed) throw new Error(`Plan failed (${r.status}): ${r.stderr.slice(-2000)}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { seconds: number; cpuSeconds: number; features: number; batches: number; phases: string[] };
    const ok = out.features === n;
    report(`plan-job-${FORMAT === 'gpkg' ? '' : `${FORMAT}-`}${sizeLabel(n)}`, {
      features: out.features,
      batches: out.batches,
      input: `${FORMAT}, ${(statSync(path).size / 1e6).toFixed(1)} MB`,
      'plan wall s (planJob; measured under the machine\'s load)': out.seconds,
      'plan CPU s (planJob, user+sys)': out.cpuSeconds,
      'process wall s (start-up included)': r.wallS,
      'process CPU s (user+sys)': r.cpuS,
      'process peak RSS MB': r.peakRssMb,
      phases: out.phases.join(' | '),
      'every feature planned': ok,
    });
    return ok;
  } finally {
    await env.stop();
  }
}

if (process.env.BENCH_PLAN_CHILD === '1') await child();
else {
  const sizes = (process.env.BENCH_PLAN_FEATURES ?? '1000000').split(',').map((s) => Number(s.trim())).filter((s) => Number.isInteger(s) && s > 0);
  for (const n of sizes) if (!(await runSize(n))) process.exitCode = 1;
}
