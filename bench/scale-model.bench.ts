/**
 * The modelled wall time and cost of 10,000,000 features at 1,000 concurrent workers, from costs measured here.
 *
 * Measured on this machine, against the local S3/DynamoDB stand-ins (in this process, so CPU
 * seconds include serving the requests: an upper bound of a Lambda's own CPU):
 * - per batch (the spec's batches of 500 features, exact coverage, 5 statistics, parquet + json):
 *   the real Worker (`runBatch`) on every batch of a sample job whose fields have the density of
 *   100,000 fields over the 10980² Sentinel-2-shaped band (a central square of that layout):
 *   CPU s, wall s, raster range requests and bytes, S3 PUT/GET and DynamoDB requests;
 * - Plan (`planJob`) per feature: CPU s and peak RSS at two input sizes, each in its own process
 *   (`SCALE_MODEL_PLAN_SIZES`, default 200000,1000000), fitted as a line (fixed + per feature);
 * - Collect (`collectJob`) on the sample job: CPU s per feature.
 * Modelled for `SCALE_MODEL_FEATURES` (default 10,000,000) at `SCALE_MODEL_CONCURRENCY` (1,000):
 * Plan's time, memory and /tmp against the template's Plan function and Lambda's ceilings (15 min,
 * 10,240 MB), the Distributed Map's waves of workers, Collect, request rates against S3's and
 * DynamoDB's documented per-prefix / per-partition rates, and the cost with the dated price table
 * (shared/estimate/prices.*.json) through the estimate's cost model (shared/estimate/model.ts) with
 * the measured seconds. Every input and assumption is printed. Run: `npm run bench -- scale-model`.
 * Plan at the target size is also printed from `npm run bench -- plan-job` runs cached here (Plan alone
 * in its own process, e.g. BENCH_PLAN_FEATURES=1000000,2000000,5000000): measured at that size, or the
 * line through them, next to Lambda's ceilings; when there are such runs, the model's Plan time and
 * memory are theirs (what a Plan Lambda holds), else the in-process line (`plan_s_source`).
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CACHE, ensureFields, ensureRaster, fieldPolygons } from './synthetic';
import { peakRssMb, report } from './report';
import { writeGeoPackage } from '../test/helpers/gpkg-writer';
import { LOCAL_CREDENTIALS, startStandIns } from '../shared/local/stand-ins';
import type { StandIns } from '../shared/local/stand-ins';
import { JobStore } from '../shared/jobs/store';
import { planJob } from '../shared/pipeline/plan';
import { runBatch } from '../shared/pipeline/worker';
import { collectJob } from '../shared/pipeline/collect';
import { getJson } from '../shared/pipeline/objects';
import type { BatchItem } from '../shared/pipeline/events';
import { parseJobSpec } from '../shared/spec';
import { estimateCost } from '../shared/estimate/model';
import type { StackShape } from '../shared/estimate/model';
import { loadPrices } from '../shared/estimate/estimate';
import { synthTemplate } from '../shared/local/runner';
import { KEY_SHARDS } from '../shared/pipeline/keys';
import { LAMBDA_MAX_SECONDS, MAX_COLLECT_ROWS, collectSeconds } from '../shared/pipeline/collect-budget';
import { DEFAULT_MAX_FEATURES_PER_JOB } from '../shared/pipeline/config';

/** The documented limits the model checks its rates against, with their sources. */
const LIMITS = {
  s3PutPerPrefix: { perSecond: 3500, source: 'S3: 3,500 PUT/COPY/POST/DELETE per second per partitioned prefix (https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html)' },
  s3GetPerPrefix: { perSecond: 5500, source: 'S3: 5,500 GET/HEAD per second per partitioned prefix (same page)' },
  ddbWcuPerPartition: { perSecond: 1000, source: 'DynamoDB: 1,000 WCU per second per partition, one item never more (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/burst-adaptive-capacity.html, bp-partition-key-design.html)' },
  ddbRcuPerPartition: { perSecond: 3000, source: 'DynamoDB: 3,000 RCU per second per partition (same pages; a consistent read of an item up to 4 KB is 1 RCU)' },
  lambdaSeconds: { perSecond: LAMBDA_MAX_SECONDS, source: 'Lambda: 900 s timeout at most (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)' },
};

/** `rate` next to its limit: "228/s of 3,500/s (source)". */
function vsLimit(rate: number, limit: { perSecond: number; source: string }, unit = '/s'): string {
  const r = rate >= 100 ? Math.round(rate).toLocaleString('en-US') : rate.toPrecision(3);
  return `${r}${unit} of ${limit.perSecond.toLocaleString('en-US')}${unit} (${Math.round((100 * rate) / limit.perSecond)} %): ${rate <= limit.perSecond ? 'fits' : 'OVER'}; ${limit.source}`;
}

const ALLOWED = { schemes: ['s3' as const], s3Buckets: ['rasters'], httpsHosts: [] };
const SPEC = { input: { idColumn: 'field_id' }, rasters: [{ name: 'b04', uri: 's3://rasters/band.tif' }], stats: ['mean', 'min', 'max', 'count', 'stdev'], coverage: 'exact', batching: { grid: 'h3', maxFeatures: 500 }, output: { formats: ['parquet', 'json'] } };

/** CPU seconds of this process since `from`. */
function cpuSince(from: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(from);
  return (c.user + c.system) / 1e6;
}

/** A key's folder with its shard folder (two hex digits, keys.ts) replaced by `<ss>`: what is sharded shows as one kind. */
function folderKind(key: string): string {
  return key.slice(0, key.lastIndexOf('/') + 1).replace(/\/[0-9a-f]{2}\/$/, '/<ss>/');
}

/** A DynamoDB partition key's kind: the job record's partition or a shard's (JOB#<jobId>#<ss>). */
function partitionKind(pk: string): string {
  return /^JOB#[^#]+#[0-9a-f]{2}$/.test(pk) ? 'shard' : pk.startsWith('JOB#') ? 'job' : 'other';
}

/**
 * Counts the S3 and DynamoDB requests the clients of the stand-ins send: by command (`s3:PutObjectCommand`),
 * by command and folder kind for S3 (`s3:PutObjectCommand _work/<job>/parts/<ss>/`) and by command and
 * partition kind for DynamoDB (`ddb:UpdateCommand shard`).
 */
function countRequests(env: StandIns): Map<string, number> {
  const counts = new Map<string, number>();
  const count = (prefix: string) => (next: (a: unknown) => Promise<unknown>, ctx: { commandName?: string }) => (args: unknown) => {
    const k = `${prefix}${ctx.commandName ?? '?'}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
    const input = (args as { input?: { Key?: unknown } }).input;
    const pk = (input?.Key as { pk?: unknown } | undefined)?.pk;
    const pkText = typeof pk === 'string' ? pk : typeof (pk as { S?: unknown } | undefined)?.S === 'string' ? (pk as { S: string }).S : null;
    const where = typeof input?.Key === 'string' ? folderKind(input.Key) : pkText !== null ? partitionKind(pkText) : null;
    if (where !== null) counts.set(`${k} ${where}`, (counts.get(`${k} ${where}`) ?? 0) + 1);
    return next(args);
  };
  env.s3.middlewareStack.add(count('s3:') as never, { step: 'initialize', name: 'benchCountS3' });
  env.doc.middlewareStack.add(count('ddb:') as never, { step: 'initialize', name: 'benchCountDdb' });
  return counts;
}

/** Plan alone on `n` fields (a child process): CPU s, wall s, peak RSS. */
async function planChild(n: number): Promise<void> {
  const path = ensureFields(n);
  const env = await startStandIns({ buckets: ['zf-in', 'zf-out', 'rasters'], table: 'jobs' });
  try {
    await env.s3.send(new PutObjectCommand({ Bucket: 'rasters', Key: 'band.tif', Body: readFileSync(join(import.meta.dirname, '..', 'examples', 'elev.cog.tif')) }));
    // streamed as is (no aws-chunked framing, which s3rver would store verbatim): the child holds no copy of the input
    const uploader = new S3Client({ endpoint: env.s3Endpoint, region: env.region, credentials: LOCAL_CREDENTIALS, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' });
    await uploader.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'fields.gpkg', Body: createReadStream(path), ContentLength: statSync(path).size }));
    uploader.destroy();
    global.gc?.();
    const rssBefore = process.memoryUsage().rss / 2 ** 20;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const out = await planJob({ bucket: 'zf-in', key: 'fields.gpkg' }, { s3: env.s3, tracker: new JobStore(env.doc, 'jobs'), outputBucket: 'zf-out', workPrefix: '_work/', defaultSpec: parseJobSpec(SPEC), allowed: ALLOWED });
    process.stdout.write(`${JSON.stringify({ features: out.features, batches: out.batches, inputBytes: statSync(path).size, cpuS: cpuSince(cpu0), wallS: (performance.now() - t0) / 1000, rssBeforeMb: rssBefore, peakRssMb: peakRssMb() })}\n`);
  } finally {
    await env.stop();
  }
}

/** The sample: the fields of the 100,000-field layout whose first vertex lies in the central square of `side` (fraction of the extent). */
function ensureSample(side: number): string {
  const path = join(CACHE, `scale_sample_${side}.gpkg`);
  if (existsSync(path)) return path;
  const all = fieldPolygons(100_000);
  const lons = all.map((p) => p[0]?.[0]?.[0] ?? NaN);
  const lats = all.map((p) => p[0]?.[0]?.[1] ?? NaN);
  const [lo0, lo1, la0, la1] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
  const m = (1 - side) / 2;
  const inside = all.filter((_, i) => {
    const u = ((lons[i] ?? NaN) - lo0) / (lo1 - lo0);
    const v = ((lats[i] ?? NaN) - la0) / (la1 - la0);
    return u >= m && u <= 1 - m && v >= m && v <= 1 - m;
  });
  writeGeoPackage(`${path}.tmp`, [{ name: 'fields', srsId: 4326, geometryType: 'POLYGON', columns: { field_id: 'TEXT' }, features: inside.map((p, i) => ({ geometry: { type: 'Polygon' as const, coordinates: p }, properties: { field_id: `S${String(i).padStart(7, '0')}` } })) }]);
  renameSync(`${path}.tmp`, path);
  return path;
}

/** Least squares line through (x, y) points: [intercept, slope]. */
function fit(points: readonly [number, number][]): [number, number] {
  const n = points.length;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  const sxx = points.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  const slope = sxx === 0 ? my / mx : points.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0) / sxx;
  return [my - slope * mx, slope];
}

type Props = { Properties?: { MemorySize?: number; Timeout?: number; EphemeralStorage?: { Size?: number } } };

/** Lambda's ceilings for one invocation: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html */
const LAMBDA_MAX_S = 900;
const LAMBDA_MAX_MB = 10_240;

/** A Plan run of `npm run bench -- plan-job` (Plan alone, in its own process), from its cached result. */
interface PlanJobPoint { features: number; cpuS: number; wallS: number; peakRssMb: number; date: string }

/** The plan-job results cached on this machine (bench/.cache/results/plan-job-*.json), smallest first. */
function planJobPoints(): PlanJobPoint[] {
  const dir = join(CACHE, 'results');
  if (!existsSync(dir)) return [];
  const points: PlanJobPoint[] = [];
  for (const f of readdirSync(dir).filter((n) => /^plan-job-\w+\.json$/.test(n))) {
    try {
      const r = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { date: string; figures: Record<string, unknown> };
      const cpu = r.figures['plan CPU s (planJob, user+sys)'];
      const rss = r.figures['process peak RSS MB'];
      if (typeof cpu === 'number' && typeof rss === 'number' && r.figures['every feature planned'] === true) {
        points.push({ features: Number(r.figures.features), cpuS: cpu, wallS: Number(r.figures['plan wall s (planJob; measured under the machine\'s load)']), peakRssMb: rss, date: r.date });
      }
    } catch {
      // an older result without these figures
    }
  }
  return points.sort((a, b) => a.features - b.features);
}

/**
 * Plan at `target` features from the plan-job points: measured when a run had that size, else the
 * least-squares line (fixed + per feature) through the points of CPU s and of peak RSS.
 */
function planAtTarget(points: PlanJobPoint[], target: number): Record<string, unknown> {
  if (points.length === 0) return { plan_job_points: 'none cached: run `BENCH_PLAN_FEATURES=1000000,2000000,5000000 npm run bench -- plan-job` first' };
  const measured = points.find((p) => p.features === target);
  const [c0, c1] = fit(points.map((p) => [p.features, p.cpuS]));
  const [r0, r1] = fit(points.map((p) => [p.features, p.peakRssMb]));
  const cpuS = measured ? measured.cpuS : c0 + c1 * target;
  const rssMb = measured ? measured.peakRssMb : r0 + r1 * target;
  return {
    plan_job_points: points.map((p) => `${p.features}: ${p.cpuS.toFixed(1)} CPU s, ${p.wallS.toFixed(1)} s wall, ${Math.round(p.peakRssMb)} MB (${p.date.slice(0, 16)})`).join('; '),
    plan_job_source: 'npm run bench -- plan-job (BENCH_PLAN_FEATURES=sizes): Plan alone in its own process, the stand-ins in another; CPU s of planJob, peak RSS of the process',
    plan_job_model: measured ? `measured at ${target} features` : `least squares through ${points.length} points: CPU ${c0.toFixed(1)} s + ${(c1 * 1e6).toFixed(1)} µs a feature; RSS ${r0.toFixed(0)} MB + ${(r1 * 1e6).toFixed(0)} B a feature${points.length < 2 ? ' (one point: proportional)' : ''}`,
    plan_job_cpu_s_at_target: cpuS,
    plan_job_peak_rss_mb_at_target: rssMb,
    plan_lambda_limits: `${LAMBDA_MAX_S} s, ${LAMBDA_MAX_MB} MB (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)`,
    plan_job_fits_one_lambda: cpuS <= LAMBDA_MAX_S && rssMb <= LAMBDA_MAX_MB,
  };
}

async function main(): Promise<void> {
  const target = Number(process.env.SCALE_MODEL_FEATURES ?? 10_000_000);
  const concurrency = Number(process.env.SCALE_MODEL_CONCURRENCY ?? 1000);
  const planSizes = (process.env.SCALE_MODEL_PLAN_SIZES ?? '200000,1000000').split(',').map(Number);
  // the deployed functions' settings, from the synthesized template
  const template = await synthTemplate({});
  const fn = (prefix: string): Props['Properties'] => (Object.entries(template.Resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(prefix))?.[1] as Props | undefined)?.Properties ?? {};
  const planFn = fn('FunctionsPlan');
  const workerFn = fn('FunctionsWorker');
  const collectFn = fn('FunctionsCollect');
  // the Distributed Map's child type, from its ProcessorConfig in the state machine's definition (a string of the template)
  const childType: string | undefined = /ExecutionType\\*"\s*:\s*\\*"(STANDARD|EXPRESS)/.exec(JSON.stringify(template))?.[1];
  if (childType !== 'STANDARD' && childType !== 'EXPRESS') throw new Error('the synthesized template has no Distributed Map ProcessorConfig ExecutionType');
  const stack: StackShape = { planMemoryMb: planFn?.MemorySize ?? 3008, workerMemoryMb: workerFn?.MemorySize ?? 2048, collectMemoryMb: collectFn?.MemorySize ?? 3008, mapExecutionType: childType };

  // Plan at two sizes, each in its own process (its peak RSS is its own)
  const planRuns = planSizes.map((n) => {
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(import.meta.dirname, 'scale-model.bench.ts')], { encoding: 'utf8', env: { ...process.env, SCALE_MODEL_PLAN_CHILD: String(n) }, maxBuffer: 16 * 2 ** 20 });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    if (r.status !== 0 || !line.startsWith('{')) throw new Error(`the Plan run on ${n} features failed: ${r.stderr.slice(-2000)}`);
    return JSON.parse(line) as { features: number; batches: number; inputBytes: number; cpuS: number; wallS: number; rssBeforeMb: number; peakRssMb: number };
  });
  const [planCpu0, planCpuPerFeature] = fit(planRuns.map((r) => [r.features, r.cpuS]));
  const [planRss0, planRssPerFeature] = fit(planRuns.map((r) => [r.features, r.peakRssMb]));
  const inputBytesPerFeature = planRuns.reduce((a, r) => a + r.inputBytes / r.features, 0) / planRuns.length;

  // the sample job: Plan, every batch through the real Worker one after the other, Collect
  const raster = ensureRaster();
  const sample = ensureSample(0.316);
  const env = await startStandIns({ buckets: ['zf-in', 'zf-out', 'rasters'], table: 'jobs' });
  try {
    await env.s3.send(new PutObjectCommand({ Bucket: 'rasters', Key: 'band.tif', Body: readFileSync(raster) }));
    await env.s3.send(new PutObjectCommand({ Bucket: 'zf-in', Key: 'fields.gpkg', Body: readFileSync(sample) }));
    const counts = countRequests(env);
    const tracker = new JobStore(env.doc, 'jobs');
    const planned = await planJob({ bucket: 'zf-in', key: 'fields.gpkg' }, { s3: env.s3, tracker, outputBucket: 'zf-out', workPrefix: '_work/', defaultSpec: parseJobSpec(SPEC), allowed: ALLOWED });
    const items = (await getJson(env.s3, planned.manifest)) as BatchItem[];
    counts.clear();
    const perBatch: { features: number; cpuS: number; wallS: number }[] = [];
    for (const item of items) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const out = await runBatch(item, { s3: env.s3, tracker, outputBucket: 'zf-out', workPrefix: '_work/', allowed: ALLOWED });
      if (out.status !== 'DONE') throw new Error(`batch ${item.batchId}: ${out.status}`);
      perBatch.push({ features: item.features, cpuS: cpuSince(cpu0), wallS: (performance.now() - t0) / 1000 });
    }
    const workerCounts = new Map(counts);
    counts.clear();
    const cpuC = process.cpuUsage();
    const tC = performance.now();
    const summary = await collectJob({ jobId: planned.jobId }, { s3: env.s3, tracker, outputBucket: 'zf-out', workPrefix: '_work/' });
    const collectCpuS = cpuSince(cpuC);
    const collectWallS = (performance.now() - tC) / 1000;
    if (summary.status !== 'DONE') throw new Error(`the sample job ended ${summary.status}`);
    // batch records as stored after completion: a write costs 1 WCU per KB of the larger of the item before and after
    const recordBytes = (await tracker.listBatches(planned.jobId)).map((b) => Buffer.byteLength(JSON.stringify(b)));
    const recordKbMax = Math.max(...recordBytes) / 1024;
    const s = summary as unknown as { bytesRead: number; requests: number };

    // measured, per batch of the sample
    const batches = perBatch.length;
    const sampleFeatures = planned.features;
    const featuresPerBatch = sampleFeatures / batches;
    const workerCpuPerFeature = perBatch.reduce((a, b) => a + b.cpuS, 0) / sampleFeatures;
    const sorted = perBatch.map((b) => b.cpuS / b.features).sort((a, b) => a - b);
    const p95PerFeature = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] ?? workerCpuPerFeature;
    const rasterRequestsPerBatch = s.requests / batches;
    const rasterBytesPerBatch = s.bytesRead / batches;
    const sum = (prefix: string, names: string[]): number => names.reduce((a, n) => a + (workerCounts.get(`${prefix}${n}Command`) ?? 0), 0);
    const s3GetsAll = sum('s3:', ['GetObject', 'HeadObject']);
    const workObjectGetsPerBatch = (s3GetsAll - s.requests) / batches;
    const s3PutsPerBatch = sum('s3:', ['PutObject']) / batches;
    const ddbPerBatch = [...workerCounts].filter(([k]) => k.startsWith('ddb:') && !k.includes(' ')).reduce((a, [, v]) => a + v, 0) / batches;
    const collectCpuPerFeature = collectCpuS / sampleFeatures;
    // per-batch requests by S3 folder kind and DynamoDB partition kind (the Worker's)
    const kinds = (prefix: string): Map<string, number> => {
      const out = new Map<string, number>();
      for (const [k, v] of workerCounts) if (k.startsWith(prefix) && k.includes(' ')) out.set(k.slice(k.indexOf(' ') + 1), (out.get(k.slice(k.indexOf(' ') + 1)) ?? 0) + v / batches);
      return out;
    };
    const putsByFolder = kinds('s3:PutObjectCommand');
    const getsByFolder = new Map([...kinds('s3:GetObjectCommand')].filter(([f]) => !f.startsWith('band') && f !== ''));
    const ddbWritesByPartition = new Map<string, number>();
    for (const c of ['UpdateItemCommand', 'PutItemCommand', 'DeleteItemCommand']) for (const [p, v] of kinds(`ddb:${c}`)) ddbWritesByPartition.set(p, (ddbWritesByPartition.get(p) ?? 0) + v);
    const ddbReadsByPartition = kinds('ddb:GetItemCommand');

    // the model
    // batches fill as at the density of the smallest Plan run, the closest to the sample's 100,000 fields a tile
    // (H3 cells are packed whole: fewer than maxFeatures a batch)
    const closest = planRuns[0] ?? { features: target, batches: Math.ceil(target / SPEC.batching.maxFeatures) };
    const modelFeaturesPerBatch = closest.features / closest.batches;
    const modelBatches = Math.ceil(target / modelFeaturesPerBatch);
    const featuresPerModelBatch = modelFeaturesPerBatch;
    const s3LatencyS = 0.03; // first byte of a range GET or a small PUT, same region (WORKER_CALIBRATION)
    const rangeConcurrency = 8; // a worker's range requests in flight (WORKER_CALIBRATION)
    const workerVcpus = Math.min(6, stack.workerMemoryMb / 1769);
    // the engine runs on one thread: a worker's CPU time is at best 1 vCPU's (more only below 1)
    const batchSeconds = (workerCpuPerFeature * featuresPerModelBatch) / Math.min(1, workerVcpus) + (rasterRequestsPerBatch * s3LatencyS) / rangeConcurrency + (workObjectGetsPerBatch + s3PutsPerBatch + ddbPerBatch) * s3LatencyS;
    const batchSecondsP95 = batchSeconds - workerCpuPerFeature * featuresPerModelBatch / Math.min(1, workerVcpus) + (p95PerFeature * featuresPerModelBatch) / Math.min(1, workerVcpus);
    const waves = Math.ceil(modelBatches / concurrency);
    const rampS = 10 * Math.ceil(Math.min(concurrency, modelBatches) / 1000); // Lambda adds 1,000 concurrent executions per 10 s per function
    const mapWallS = rampS + (waves - 1) * batchSeconds + batchSecondsP95;
    // Plan alone (plan-job runs, its own process: what a Plan Lambda holds) when cached here, else the in-process fit
    const planAlone = planAtTarget(planJobPoints(), target);
    const aloneCpu = planAlone.plan_job_cpu_s_at_target;
    const aloneRss = planAlone.plan_job_peak_rss_mb_at_target;
    const planS = typeof aloneCpu === 'number' ? aloneCpu : planCpu0 + planCpuPerFeature * target;
    const planRssMb = typeof aloneRss === 'number' ? aloneRss : planRss0 + planRssPerFeature * target;
    const planInputMb = (inputBytesPerFeature * target) / 2 ** 20;
    const collectS = collectCpuPerFeature * target;
    const running = Math.min(concurrency, modelBatches);
    // 10M fields over about 100 Sentinel-2 tiles: the raster GETs spread over that many objects (prefixes)
    const rasterObjects = Math.max(1, Math.round(target / 100_000));
    // Per partition. A sharded folder / partition takes the batches of one shard: consecutive batch ids go
    // round-robin over KEY_SHARDS (keys.ts), so of the `running` batches in flight at most ceil(running / shards)
    // are in one shard; an unsharded key (spec.json, the job record) takes every batch.
    const batchesPerS = running / batchSeconds;
    const shardShare = Math.ceil(running / KEY_SHARDS) / running;
    const perPrefix = (m: Map<string, number>): { kind: string; perS: number }[] => [...m].map(([kind, perBatch]) => ({ kind, perS: batchesPerS * perBatch * (kind.includes('<ss>') ? shardShare : 1) })).sort((a, b) => b.perS - a.perS);
    const putPrefixes = perPrefix(putsByFolder);
    const getPrefixes = perPrefix(getsByFolder);
    const shardWrites = ddbWritesByPartition.get('shard') ?? 0;
    // the completion rewrites the whole record (its size after completion); start and the counter ADD are small items
    const shardWcuPerBatch = Math.max(0, shardWrites - 1) + Math.ceil(recordKbMax);
    const shardWcuPerS = batchesPerS * shardShare * shardWcuPerBatch;
    const jobItemWritesPerS = batchesPerS * (ddbWritesByPartition.get('job') ?? 0);
    const jobItemReadsPerS = batchesPerS * (ddbReadsByPartition.get('job') ?? 0);
    // consistent reads of small items (the counter item: < 4 KB): 1 RCU each
    const shardRcuPerS = batchesPerS * shardShare * (ddbReadsByPartition.get('shard') ?? 0);
    const collectMaxFeatures = LAMBDA_MAX_SECONDS / collectCpuPerFeature;
    const rates = {
      raster_gets_per_s: (running * rasterRequestsPerBatch) / batchSeconds,
      raster_gets_per_s_per_object: (running * rasterRequestsPerBatch) / batchSeconds / rasterObjects,
      // before write sharding each batch's completion updated the job record's counters: one item, one partition
      job_item_updates_per_s_unsharded: running / batchSeconds,
      output_puts_per_s: (running * s3PutsPerBatch) / batchSeconds,
      dynamodb_requests_per_s: (running * ddbPerBatch) / batchSeconds,
    };
    const est = estimateCost(
      { features: target, batches: modelBatches, rasterRequests: Math.round(rasterRequestsPerBatch * modelBatches), rasterBytes: Math.round(rasterBytesPerBatch * modelBatches), cells: 0, formats: SPEC.output.formats, timeseries: false },
      stack,
      loadPrices(),
      { plan: planS, worker: batchSeconds * modelBatches, collect: collectS },
    );
    report('scale-model', {
      // inputs (measured here)
      measured_on: 'this machine (CPU s include the in-process S3/DynamoDB stand-ins; a loaded machine inflates wall s, not CPU s)',
      plan_runs: planRuns.map((r) => `${r.features} features: ${r.cpuS.toFixed(1)} CPU s, ${r.wallS.toFixed(1)} s wall, peak RSS ${Math.round(r.peakRssMb)} MB, ${r.batches} batches`).join('; '),
      plan_cpu_s_fixed: planCpu0,
      plan_cpu_us_per_feature: planCpuPerFeature * 1e6,
      plan_rss_mb_fixed: planRss0,
      plan_rss_bytes_per_feature: planRssPerFeature * 2 ** 20,
      input_bytes_per_feature: inputBytesPerFeature,
      sample_features: sampleFeatures,
      sample_batches: batches,
      sample_features_per_batch: featuresPerBatch,
      worker_cpu_ms_per_feature: workerCpuPerFeature * 1e3,
      worker_cpu_ms_per_feature_p95_batch: p95PerFeature * 1e3,
      worker_wall_s_per_batch_here: perBatch.reduce((a, b) => a + b.wallS, 0) / batches,
      raster_requests_per_batch: rasterRequestsPerBatch,
      raster_mb_per_batch: rasterBytesPerBatch / 2 ** 20,
      work_object_gets_per_batch: workObjectGetsPerBatch,
      s3_puts_per_batch: s3PutsPerBatch,
      dynamodb_requests_per_batch: ddbPerBatch,
      collect_cpu_s_sample: collectCpuS,
      collect_wall_s_sample: collectWallS,
      collect_cpu_us_per_feature: collectCpuPerFeature * 1e6,
      // assumptions
      assumptions: [
        `a Lambda vCPU is as fast as one core here; the Worker (${stack.workerMemoryMb} MB = ${workerVcpus.toFixed(2)} vCPU) computes on one thread`,
        `S3 first byte ${s3LatencyS * 1e3} ms per request, ${rangeConcurrency} range requests in flight per worker, work-object and DynamoDB calls one after the other`,
        `the features as dense as 100,000 fields over one Sentinel-2 tile (10M = about 100 such tiles): per-batch reads as measured`,
        'Plan and Collect linear in the features (Plan: the line through the measured sizes; Collect: the sample\'s cost per feature)',
        'Lambda adds 1,000 concurrent executions per 10 s per function; the Map keeps the concurrency full; the slowest wave at the p95 batch',
        `prices ${est.prices.date} ${est.prices.region}, free tiers and data transfer not counted`,
      ].join(' | '),
      // the model
      model_features: target,
      model_concurrency: concurrency,
      model_features_per_batch: modelFeaturesPerBatch,
      model_batches: modelBatches,
      plan_s: planS,
      plan_fits_15_min: planS <= 900,
      plan_peak_rss_mb: planRssMb,
      map_execution_type: `${stack.mapExecutionType} (the synthesized Distributed Map's child executions; Step Functions priced as shared/estimate/model.ts stepFunctionsCounts)`,
      plan_memory_mb_configured: stack.planMemoryMb,
      plan_fits_configured_memory: planRssMb <= stack.planMemoryMb,
      plan_fits_10240_mb: planRssMb <= 10240,
      plan_input_mb_in_tmp: planInputMb,
      plan_tmp_mb_configured: planFn?.EphemeralStorage?.Size ?? 512,
      plan_input_fits_tmp: planInputMb <= (planFn?.EphemeralStorage?.Size ?? 512),
      // Plan alone (its own process), from the plan-job bench's runs at larger sizes
      ...planAlone,
      plan_s_source: typeof aloneCpu === 'number' ? 'plan_job_* (Plan alone)' : 'plan_runs (stand-ins in the process)',
      worker_s_per_batch: batchSeconds,
      worker_timeout_s: workerFn?.Timeout ?? 0,
      waves,
      map_wall_s: mapWallS,
      collect_s: collectS,
      collect_fits_15_min: collectS <= 900,
      total_wall_s: planS + mapWallS + collectS,
      total_wall_min: (planS + mapWallS + collectS) / 60,
      raster_gets_per_s: rates.raster_gets_per_s,
      output_puts_per_s: rates.output_puts_per_s,
      dynamodb_requests_per_s: rates.dynamodb_requests_per_s,
      raster_objects_assumed: rasterObjects,
      raster_gets_per_s_per_object: rates.raster_gets_per_s_per_object,
      // each rate next to its documented limit
      s3_put_folders_per_batch: Object.fromEntries([...putsByFolder].map(([k, v]) => [k, Math.round(v * 100) / 100])),
      s3_puts_all_under_the_job_before_sharding: vsLimit(rates.output_puts_per_s, LIMITS.s3PutPerPrefix),
      s3_puts_per_prefix_busiest: `${putPrefixes[0]?.kind ?? '-'}: ${vsLimit(putPrefixes[0]?.perS ?? 0, LIMITS.s3PutPerPrefix)}`,
      s3_work_gets_per_prefix_busiest: `${getPrefixes[0]?.kind ?? '-'}: ${vsLimit(getPrefixes[0]?.perS ?? 0, LIMITS.s3GetPerPrefix)}`,
      s3_raster_gets_per_object: vsLimit(rates.raster_gets_per_s_per_object, LIMITS.s3GetPerPrefix),
      key_shards: KEY_SHARDS,
      shard_share_of_running_batches: `ceil(${running} / ${KEY_SHARDS}) / ${running} = ${shardShare.toPrecision(3)}`,
      requests_per_batch_by_kind: Object.fromEntries([...workerCounts].filter(([k]) => !k.includes(' band') && !k.endsWith('GetObjectCommand')).map(([k, v]) => [k, Math.round((v / batches) * 100) / 100])),
      ddb_requests_per_batch_by_partition: { writes: Object.fromEntries(ddbWritesByPartition), reads: Object.fromEntries(ddbReadsByPartition) },
      ddb_batch_record_kb_max: recordKbMax,
      ddb_job_item_updates_before_sharding: vsLimit(rates.job_item_updates_per_s_unsharded, LIMITS.ddbWcuPerPartition),
      ddb_job_item_writes: vsLimit(jobItemWritesPerS, LIMITS.ddbWcuPerPartition),
      ddb_job_item_reads: vsLimit(jobItemReadsPerS, LIMITS.ddbRcuPerPartition),
      ddb_shard_partition_wcu: vsLimit(shardWcuPerS, LIMITS.ddbWcuPerPartition),
      ddb_shard_partition_rcu: vsLimit(shardRcuPerS, LIMITS.ddbRcuPerPartition),
      collect_seconds: vsLimit(collectS, LIMITS.lambdaSeconds, ' s'),
      collect_seconds_plan_checks: `${vsLimit(collectSeconds(target, modelBatches), LIMITS.lambdaSeconds, ' s')} (collect-budget.ts: 8.4 µs a row + 13.7 ms a part x 415/330 wall; Plan refuses a job over 900 s)`,
      collect_max_features_in_15_min: `${Math.round(collectMaxFeatures).toLocaleString('en-US')} at this job's ${(collectCpuPerFeature * 1e6).toFixed(1)} CPU µs a feature (Plan's limit MAX_FEATURES_PER_JOB ${DEFAULT_MAX_FEATURES_PER_JOB.toLocaleString('en-US')}; Plan refuses more than MAX_COLLECT_ROWS ${MAX_COLLECT_ROWS.toLocaleString('en-US')} rows, the collect bench's 1M x 36 run)`,
      lambda_gb_s: est.lambdaGbSeconds,
      requests: est.requests,
      cost_usd: Object.fromEntries(Object.entries(est.costUsd).map(([k, v]) => [k, Math.round(v * 100) / 100])),
      cost_usd_per_million_features: (est.costUsd.total / target) * 1e6,
      prices: `${est.prices.date} ${est.prices.region}`,
    });
  } finally {
    await env.stop();
  }
}

const child = process.env.SCALE_MODEL_PLAN_CHILD;
if (child) await planChild(Number(child));
else await main();
