/**
 * Commands against a deployed stack: run, status, list, results, retry,
 * cancel. The stack is found by its CloudFormation outputs (--stack, default
 * "Zonalflow"); each command is a thin wrapper over shared/remote.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { connect } from '../../shared/remote/stack';
import type { RemoteDeps } from '../../shared/remote/stack';
import { cancelJob, downloadResults, inputNameOf, jobListEntry, jobView, retryJob, runJob, waitForJob } from '../../shared/remote/jobs';
import type { JobView } from '../../shared/remote/jobs';
import type { CommandContext } from '../context';
import { SpecError } from '../../shared/errors';
import { exitCodeOfJob } from '../../shared/jobs/outcome';
import { formatSeconds } from '../progress';
import { count } from '../format';
import { jobErrorLine } from '../job-error-line';
import { commaValues, eachValue } from '../options';

/** How the commands reach the stack (tests inject their own). */
export type Connector = (stackName: string) => Promise<RemoteDeps>;

/** One progress line of a job: its input as the user named it, a bar with batches and features done/failed and an ETA. */
export function renderView(v: JobView): string {
  const width = 24;
  const frac = v.features.total > 0 ? (v.features.done + v.features.failed) / v.features.total : v.status === 'DONE' ? 1 : 0;
  const filled = Math.round(Math.min(1, frac) * width);
  const eta = v.etaSeconds !== null ? ` ~${formatSeconds(v.etaSeconds)} left` : '';
  return `${v.jobId} (${v.inputName}) ${v.status.padEnd(10)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] batches ${v.batches.done}/${v.batches.total}${v.batches.failed ? ` (${v.batches.failed} failed)` : ''}, features ${v.features.done}/${v.features.total}${v.features.failed ? ` (${v.features.failed} failed)` : ''}${eta}${v.mapRun ? `; map run ${v.mapRun.succeeded} succeeded, ${v.mapRun.running} running, ${v.mapRun.pending} pending, ${v.mapRun.failed} failed` : ''}${v.error ? ` - ${jobErrorLine(v.error)}` : ''}`;
}

/** Registers the remote commands. */
export function registerRemote(program: Command, ctx: CommandContext, connector: Connector = connect): void {
  const stackOpt = (c: Command): Command => c.option('--stack <name>', 'the deployed stack (CloudFormation name)', 'Zonalflow');
  stackOpt(program.command('run'))
    .description('start a job on the deployed stack: a local .gpkg is uploaded (the upload rule starts it), s3:// starts it directly')
    .requiredOption('--input <gpkg>', 'local .gpkg or s3://bucket/key.gpkg')
    .option('--spec <job.json>', 'job spec (default: the stack\'s default spec)')
    .option('--key <key>', 'object key for an uploaded file (default uploads/<digest of the file and spec>/<name>.gpkg)')
    .option('--wait', 'follow the job until it ends')
    .option('--dry-run', 'start nothing: read the input and spec, check every raster and print the estimate (as zonalflow estimate)')
    // the allow-list of the estimate's reads, as estimate, stats and local take it: the job on the stack reads what
    // the stack allows (its rasterHttpsHosts and rasterBuckets context), so only --dry-run takes them
    .option('--allow-host <host>', 'with --dry-run: read this host whatever it is, as estimate takes it: public (as a --raster-host host) or a private or loopback address (your own raster or STAC server), over https or plain http; repeatable (default: none)', eachValue)
    .option('--raster-host <host>', 'with --dry-run: an https host rasters and STAC assets may be read from besides the hosts the spec names, as estimate takes it (the stack\'s rasterHttpsHosts); repeatable, comma-separated (default: none)', commaValues)
    .option('--raster-bucket <bucket>', 'with --dry-run: an S3 bucket rasters and STAC assets may be read from besides the buckets the spec names, as estimate takes it (the stack\'s rasterBuckets); repeatable, comma-separated (default: none)', commaValues)
    .action(async (o: { input: string; spec?: string; key?: string; wait?: boolean; dryRun?: boolean; stack: string; allowHost?: string[]; rasterHost?: string[]; rasterBucket?: string[] }) => {
      if (o.dryRun) {
        if (!o.spec) throw new SpecError('--dry-run needs --spec (the stack\'s default spec is not read without a stack)');
        const { runEstimate } = await import('./estimate');
        await runEstimate({ input: o.input, spec: o.spec, ...(o.allowHost ? { allowHost: o.allowHost } : {}), ...(o.rasterHost ? { rasterHost: o.rasterHost } : {}), ...(o.rasterBucket ? { rasterBucket: o.rasterBucket } : {}) }, ctx);
        return;
      }
      // a job on the stack reads what the stack allows: an allow-list option here would be silently ignored
      const given = [['--allow-host', o.allowHost], ['--raster-host', o.rasterHost], ['--raster-bucket', o.rasterBucket]].find(([, v]) => v !== undefined);
      if (given) throw new SpecError(`${String(given[0])} applies to run --dry-run only: a job on the stack reads the hosts and buckets the stack allows (cdk deploy -c rasterHttpsHosts=... / rasterBuckets=...)`);
      const deps = await connector(o.stack);
      const r = await runJob(deps, o);
      ctx.stdout.write(`${r.jobId}\n`);
      ctx.stderr.write(`zonalflow: job ${r.jobId} (${r.inputName}) ${r.startedBy === 'rule' ? `uploaded to s3://${r.bucket}/${r.key}; the upload rule starts it` : 'started'}\n`);
      if (o.wait) {
        const v = await waitForJob(deps, r.jobId, { onView: (view) => view && ctx.stderr.write(`${renderView(view)}\n`) });
        // as in `stats` and `local`: a job failed by its spec or input (the error Step Functions caught,
        // recorded as the job's error.code: SpecError, InputError, GeoPackageError) is a usage error (2)
        ctx.exitCode = exitCodeOfJob(v.status, v.error?.code);
      }
    });
  stackOpt(program.command('status'))
    .description('progress of a job: batches and features done/failed, ETA')
    .argument('<job>', 'job id')
    .option('--watch', 'refresh until the job ends')
    .option('--json', 'print the job as JSON: inputName (the input as given to zonalflow run), input (the object it reads), status, counts')
    .action(async (job: string, o: { stack: string; watch?: boolean; json?: boolean }) => {
      const deps = await connector(o.stack);
      const v = o.watch ? await waitForJob(deps, job, { onView: (view) => view && ctx.stderr.write(`${renderView(view)}\n`) }) : await jobView(deps, job);
      ctx.stdout.write(o.json ? `${JSON.stringify(v)}\n` : `${renderView(v)}\n`);
    });
  stackOpt(program.command('list'))
    .description('jobs, newest first')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print a JSON array: each job\'s inputName (the input as given to zonalflow run), input (the object it reads), status, times and counts')
    .action(async (o: { stack: string; limit: string; json?: boolean }) => {
      const deps = await connector(o.stack);
      const jobs = await deps.store.listJobs({ limit: Number(o.limit) });
      if (o.json) {
        ctx.stdout.write(`${JSON.stringify(jobs.map(jobListEntry))}\n`);
        return;
      }
      // one line a job, tab-separated; the input as the user named it last (its control characters percent-encoded)
      for (const j of jobs) {
        ctx.stdout.write(`${j.jobId}\t${j.status}\t${j.createdAt}\t${j.counts.featuresDone + j.counts.featuresFailed}/${j.counts.features} ${j.counts.features === 1 ? 'feature' : 'features'}\t${inputNameOf(j)}\n`);
      }
    });
  stackOpt(program.command('results'))
    .description('download a job\'s results.parquet, summary.json and features/ into a directory')
    .argument('<job>', 'job id')
    .requiredOption('--out <dir>', 'destination directory')
    .addOption(new Option('--features <layout>', 'per-feature JSON: per-feature (features/<id>.json, Sentinel Hub\'s layout), jsonl (one file per batch part, as stored), none').choices(['per-feature', 'jsonl', 'none']).default('per-feature'))
    .option('--no-features', 'skip the per-feature JSON (same as --features none)')
    .action(async (job: string, o: { stack: string; out: string; features: 'per-feature' | 'jsonl' | 'none' | false }) => {
      const files = await downloadResults(await connector(o.stack), job, o.out, { features: o.features === false ? 'none' : o.features });
      ctx.stderr.write(`zonalflow: ${count(files.length, 'file')} -> ${o.out}\n`);
    });
  stackOpt(program.command('retry'))
    .description('re-run only the failed batches of a PARTIAL, FAILED or CANCELLED job')
    .argument('<job>', 'job id')
    .action(async (job: string, o: { stack: string }) => {
      const r = await retryJob(await connector(o.stack), job);
      ctx.stderr.write(`zonalflow: job ${job}: ${count(r.batches.length, 'batch', 'batches')} to re-run\n`);
    });
  stackOpt(program.command('cancel'))
    .description('stop a job\'s execution and mark it CANCELLED')
    .argument('<job>', 'job id')
    .action(async (job: string, o: { stack: string }) => {
      const r = await cancelJob(await connector(o.stack), job);
      ctx.stderr.write(`zonalflow: job ${job} cancelled (${r.stopped.length} execution${r.stopped.length === 1 ? '' : 's'} stopped)\n`);
    });
}
