/**
 * `zonalflow estimate --input F --spec job.json` (also `zonalflow run --dry-run`): features,
 * batches, expected requests and PUTs, Lambda GB-seconds and a USD cost with the dated price table
 * it used, before anything starts (shared/estimate/).
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context';
import type { EstimateResult } from '../../shared/estimate/estimate';
import { byteSize } from '../format';
import { commaValues, eachValue } from '../options';
import { exitCodeOf, jobOutcome } from '../../shared/jobs/outcome';

interface EstimateCliOptions { input: string; spec: string; workerMemory?: string; mapExecutionType?: string; json?: boolean; allowHost?: string[]; rasterHost?: string[]; rasterBucket?: string[] }

/** Registers `estimate` on the program. */
export function registerEstimate(program: Command, ctx: CommandContext): void {
  program
    .command('estimate')
    .description('what a job will cost on AWS before it starts: features, batches, requests, PUTs, Lambda GB-s, USD')
    .requiredOption('--input <features>', 'the input features')
    .requiredOption('--spec <job.json>', 'the job spec')
    .option('--worker-memory <MB>', 'the stack\'s workerMemoryMb (default: 2048)')
    .option('--map-execution-type <type>', 'the stack\'s mapExecutionType, the Distributed Map\'s child executions: STANDARD or EXPRESS (default: STANDARD, as deployed by default)')
    .option('--allow-host <host>', 'read this host whatever it is, as stats and local take it: public (as a --raster-host host) or a private or loopback address (your own raster or STAC server), over https or plain http; repeatable (default: none)', eachValue)
    .option('--raster-host <host>', 'an https host rasters and STAC assets may be read from besides the hosts the spec and options name, as stats and local take it (the stack\'s rasterHttpsHosts); repeatable, comma-separated (default: none)', commaValues)
    .option('--raster-bucket <bucket>', 'an S3 bucket rasters and STAC assets may be read from besides the buckets the spec and options name (the stack\'s rasterBuckets); repeatable, comma-separated (default: none)', commaValues)
    .option('--json', 'print the estimate as JSON, with the warnings stats would give in its "warnings" (default: a table, the warnings on stderr)')
    .addHelpText('after', `
Exit codes: 0 estimated (nothing started), 1 failed (a raster that cannot be opened or read, a refused URL; a time series whose
assets cannot be opened so that every feature would fail, estimated), 2 usage error (bad option, invalid spec, a missing input,
spec or local raster), 3 estimated, but some features would fail (a time series' asset that cannot be opened), as stats exits.

Examples:
  $ zonalflow estimate --input fields.gpkg --spec job.json
  $ zonalflow estimate --input fields.gpkg --spec job.json --worker-memory 4096 --json
  $ zonalflow estimate --input fields.gpkg --spec ndvi-series.json --raster-host sentinel-cogs.s3.us-west-2.amazonaws.com   # a time series: searches the STAC API as Plan does`)
    .action(async (o: EstimateCliOptions) => {
      await runEstimate(o, ctx);
    });
}

/** Computes and prints the estimate (shared by `estimate` and `run --dry-run`). */
export async function runEstimate(o: EstimateCliOptions, ctx: CommandContext): Promise<EstimateResult> {
  const { estimateJob } = await import('../../shared/estimate/estimate');
  const { readSpecFile } = await import('../../shared/spec-file');
  const { parseJobSpec, specRasterUris } = await import('../../shared/spec');
  const { allowedFromUris, withRasterSources } = await import('../../shared/io/uri');
  const { SpecError } = await import('../../shared/errors');
  const spec = parseJobSpec(readSpecFile(o.spec).value, `job spec ${o.spec}`);
  const workerMemoryMb = o.workerMemory === undefined ? undefined : Number(o.workerMemory);
  if (workerMemoryMb !== undefined && !(Number.isInteger(workerMemoryMb) && workerMemoryMb >= 128 && workerMemoryMb <= 10240)) throw new SpecError(`--worker-memory ${o.workerMemory}: an integer number of MB from 128 to 10240`);
  const childType = o.mapExecutionType?.toUpperCase();
  const mapExecutionType: 'STANDARD' | 'EXPRESS' | undefined = childType === 'STANDARD' || childType === 'EXPRESS' ? childType : undefined;
  if (childType !== undefined && mapExecutionType === undefined) throw new SpecError(`--map-execution-type ${o.mapExecutionType}: STANDARD or EXPRESS (the stack's context mapExecutionType)`);
  const stack = { ...(workerMemoryMb === undefined ? {} : { workerMemoryMb }), ...(mapExecutionType === undefined ? {} : { mapExecutionType }) };
  // what stats allows: the rasters and the weights raster, the STAC API (its `next` links and redirects, and its
  // items' asset hrefs, pass the same list: stac.ts), --raster-host/--raster-bucket; private and loopback addresses
  // only for --allow-host
  const allowed = withRasterSources(allowedFromUris([...specRasterUris(spec), ...(spec.stac ? [spec.stac.api] : [])], o.allowHost ?? []), { httpsHosts: o.rasterHost ?? [], s3Buckets: o.rasterBucket ?? [] });
  // an S3 client (SDK imported) only when an s3:// raster or weights raster, or a STAC search whose assets may be
  // s3://, is asked for, as stats makes it (AWS_ENDPOINT_URL_S3: a stand-in); without one no s3:// raster is read
  const s3Client = spec.stac !== undefined || specRasterUris(spec).some((u) => /^s3:\/\//i.test(u)) ? await (await import('../../shared/io/s3-client')).defaultS3Client(process.env) : undefined;
  let r: EstimateResult;
  try {
    r = await estimateJob({ input: o.input, spec, allowed, stack, s3Client });
  } finally {
    s3Client?.destroy();
  }
  ctx.stdout.write(o.json ? `${JSON.stringify(r, null, 2)}\n` : renderEstimate(r, o.input));
  // the warnings stats would give (estimate.ts), one line each as stats prints them; in the JSON, its `warnings`
  if (o.json !== true) for (const w of r.warnings) ctx.stderr.write(`zonalflow: warning: ${w}\n`);
  // a time series whose assets cannot be opened: the features that need them fail, and the estimate exits as stats
  // and the job would end (jobs/outcome.ts: 3 some features fail, 1 every one does), the features counted as a Worker counts them
  if (r.timeseries !== undefined && r.timeseries.assetsFailed > 0) ctx.exitCode = exitCodeOf(jobOutcome(r.estimate.features, r.timeseries.featuresFailed));
  return r;
}

const n = (v: number): string => Math.round(v).toLocaleString('en-US');
const usd = (v: number): string => `$${v < 0.01 ? v.toFixed(4) : v.toFixed(2)}`;

/** The estimate as a table for people. */
export function renderEstimate(r: EstimateResult, input: string): string {
  const e = r.estimate;
  const lines: [string, string][] = [
    ['features', n(e.features)],
    ['batches (worker invocations)', n(e.batches)],
    // a time series: the scenes Plan's STAC search finds, whose headers and tiles the requests count
    ...(r.timeseries ? [['scenes (STAC items)', `${n(r.timeseries.scenes)} in ${n(r.timeseries.acquisitions)} acquisitions`] as [string, string]] : []),
    ['raster range requests', `${n(e.requests.rasterGets)} (${byteSize(Math.round(e.rasterBytes))} of tiles)`],
    ['raster cells visited', n(r.shape.cells)],
    ['S3 PUTs', n(e.requests.s3Puts)],
    ['S3 GETs (work objects)', n(e.requests.s3Gets)],
    ['DynamoDB writes / reads', `${n(e.requests.dynamodbWrites)} / ${n(e.requests.dynamodbReads)}`],
    ['Step Functions', `${n(e.requests.standardTransitions)} state transitions${e.requests.expressExecutions > 0 ? `, ${n(e.requests.expressExecutions)} EXPRESS child executions` : ''} (${e.mapExecutionType} children)`],
    ['Lambda GB-s', `plan ${e.lambdaGbSeconds.plan.toFixed(1)}, worker ${e.lambdaGbSeconds.worker.toFixed(1)}, collect ${e.lambdaGbSeconds.collect.toFixed(1)}`],
    ...Object.entries(e.costUsd).filter(([k]) => k !== 'total').map(([k, v]): [string, string] => [`cost: ${k}`, usd(v)]),
    ['cost: total', usd(e.costUsd.total)],
  ];
  const w = Math.max(...lines.map(([k]) => k.length));
  return [
    `zonalflow estimate of ${input} (nothing was started)`,
    ...lines.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`),
    `  prices: ${e.prices.region}, ${e.prices.date} (shared/estimate/prices.${e.prices.date}.json); free tiers not deducted`,
    ...r.notes.map((x) => `  note: ${x}`),
    '',
  ].join('\n');
}
