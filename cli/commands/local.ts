/**
 * `zonalflow local`: the whole pipeline on this machine, through the same
 * state machine definition as deployed, as strict as AWS (IAM, timeouts,
 * payload limits; faults by name) — see shared/local/runner.ts.
 */
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { FAULT_NAMES, runLocal } from '../../shared/local/runner';
import type { FaultName } from '../../shared/local/runner';
import { parseFaults } from '../../shared/local/faults';
import type { CommandContext } from '../context';
import { checkInputFile, checkOutputDir } from '../out-path';
import { exitCodeOfJob } from '../../shared/jobs/outcome';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { progressBar } from '../progress';
import { commaValues, eachValue } from '../options';
import { withInterruption } from '../interrupt';
import { readableFailure, summaryLines } from '../local-report';
import { jobErrorLine } from '../job-error-line';
import { count } from '../format';
import { readSpecFile } from '../../shared/spec-file';
import { InputError } from '../../shared/errors';
import type { SummaryLike } from '../local-report';

interface LocalOptions { input: string; spec: string; out: string; trigger: 'direct' | 'event'; features: 'per-feature' | 'jsonl' | 'none' | false; quiet?: boolean; overwrite?: boolean; allowHost?: string[]; rasterHost?: string[]; rasterBucket?: string[]; includeCols?: string[]; faults?: FaultName[]; timeScale?: number }

function faultList(value: string): FaultName[] {
  try {
    return parseFaults(value);
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
}

function timeScale(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`the time scale must be a positive number (e.g. 0.1), got ${JSON.stringify(value)}`);
  return n;
}

/** Registers `local` on the program. */
export function registerLocal(program: Command, ctx: CommandContext): void {
  program
    .command('local')
    .description('run the AWS pipeline on this machine, nothing deployed: the state machine synthesized from the CDK stack, the handlers in-process with their roles\' IAM policies enforced, S3/DynamoDB stand-ins')
    .requiredOption('--input <file>', 'features: GeoPackage, GeoParquet, FlatGeobuf, GeoJSON/GeoJSONSeq or a zipped Shapefile')
    .requiredOption('--spec <job.json>', 'job spec (local raster paths are served from the S3 stand-in)')
    .requiredOption('--out <dir>', 'directory for results.parquet, summary.json, features/')
    .addOption(new Option('--trigger <how>', 'direct: start the execution; event: drop the file in the input bucket and let the stack\'s EventBridge rule start it').choices(['direct', 'event']).default('direct'))
    .option('--faults <names>', `inject AWS's at-least-once behaviour and throttling, comma-separated: ${FAULT_NAMES.join(', ')} (default: none)`, faultList)
    .option('--time-scale <factor>', 'multiply every duration (Lambda timeouts, retry waits, the EXPRESS 5 minutes) by this factor, e.g. 0.1 (default: 1, real durations); the timeouts shrink too (0.1: a Worker has 30 s, MarkFailed 6 s), and below 0.1 a busy machine can overrun a healthy invocation\'s', timeScale)
    .addOption(new Option('--features <layout>', 'per-feature JSON (when the spec asks for json): jsonl (one JSON Lines file per batch part, as stored in S3), per-feature (features/<id>.json, Sentinel Hub\'s layout: one file a feature, 200,000 files took longer than the whole computation here), none').choices(['per-feature', 'jsonl', 'none']).default('jsonl'))
    .option('--no-features', 'skip the per-feature JSON (same as --features none)')
    .option('--include-cols <a,b>', 'attributes carried to the output as leading columns, typed as the input declares them, in any letter case and named as given (overrides the spec\'s "input.include") (default: the spec\'s)', commaValues)
    .option('--quiet', 'print only the result line (no progress bar, states, warnings or failure reasons)')
    .option('--allow-host <host>', 'let the handlers read this host whatever it is: public (as a --raster-host host) or a private or loopback address (your own raster or STAC server), over https or plain http; repeatable; default: none, as strict as the deployed stack', eachValue)
    .option('--raster-host <host>', 'an https host rasters and STAC assets may be read from (e.g. sentinel-cogs.s3.us-west-2.amazonaws.com for Earth Search\'s Sentinel-2 assets): the stack\'s rasterHttpsHosts context, as cdk deploy -c rasterHttpsHosts=... sets it; repeatable, comma-separated (default: none)', commaValues)
    .option('--raster-bucket <bucket>', 'an S3 bucket rasters and STAC assets may be read from: the stack\'s rasterBuckets context; repeatable, comma-separated (default: none)', commaValues)
    .option('--overwrite', 'replace the files of a previous job in --out (an existing non-empty --out is refused otherwise)')
    .addHelpText('after', `
Exit codes: 0 every feature computed, 3 some features failed, 1 the job failed (no feature computed, or the execution failed), 2 usage error,
130 interrupted by Ctrl-C (SIGINT), 143 by SIGTERM (the run stopped, its temporary files removed),
141 cut short by a closed output pipe ("... 2>&1 | head -1") before the job had its code.

Examples:
  $ zonalflow local --input fields.gpkg --spec job.json --out results/
  $ zonalflow local --input fields.gpkg --spec job.json --out results/ --overwrite --quiet
  $ zonalflow local --input fields.gpkg --spec job.json --out results/ --faults duplicate-event,worker-crash --time-scale 0.1
  $ zonalflow local --input fields.gpkg --spec job.json --out results/ --trigger event   # as an S3 upload would start it`)
    .action(async (o: LocalOptions) => {
      checkInputFile(o.input);
      // the pipeline uploads one file: a bare .shp would arrive without its .dbf/.prj (and its spec looked up as <name>.shp.json)
      if (/\.shp$/i.test(o.input)) throw new InputError(`--input ${o.input}: zonalflow local uploads one file, as the pipeline does; zip the Shapefile with its .shx, .dbf and .prj into one .zip and give that`);
      // statistic names checked before the pipeline starts, as `stats` does: an unknown name is a usage
      // error (exit 2), not a job whose every Worker fails (exit 1 after Plan and the Map)
      const [{ parseJobSpec }, { parseStatNames }] = await Promise.all([import('../../shared/spec'), import('../../shared/stats/names')]);
      parseStatNames(parseJobSpec(readSpecFile(o.spec).value, `job spec ${o.spec}`).stats);
      const outDir = checkOutputDir(o.out, [o.input, o.spec], { overwrite: o.overwrite === true });
      const quiet = o.quiet === true;
      const bar = progressBar('zonalflow local', process.stderr, { quiet });
      // Ctrl-C / SIGTERM abort the run: the stand-ins stop, their files and the functions' /tmp are removed (cli/interrupt.ts)
      // a run stopped (or failed) before it downloaded anything leaves no folder it created for --out
      const r = await withInterruption(ctx.stderr, `the local run was stopped; the stand-ins and their temporary files removed, nothing downloaded to ${o.out}`, (signal) => runLocal({
        input: o.input,
        spec: o.includeCols ? withInclude(o.spec, o.includeCols) : o.spec,
        out: o.out,
        trigger: o.trigger,
        features: o.features === false ? 'none' : o.features,
        ...(o.faults ? { faults: o.faults } : {}),
        ...(o.timeScale ? { timeScale: o.timeScale } : {}),
        ...(o.allowHost ? { allowHosts: o.allowHost } : {}),
        ...(o.rasterHost ? { rasterHosts: o.rasterHost } : {}),
        ...(o.rasterBucket ? { rasterBuckets: o.rasterBucket } : {}),
        signal,
        // once aborted, the abandoned execution's last failures (its functions' threads stopped) are not the user's news
        onProgress: (p) => {
          if (!signal.aborted) bar.update(p.featuresDone, p.features, p.featuresFailed, `${p.batchesDone}/${p.batches} ${p.batches === 1 ? 'batch' : 'batches'}`);
        },
        log: quiet ? undefined : (l) => {
          if (signal.aborted) return;
          bar.clear(); // a log line never lands inside the bar (it is redrawn on the next update)
          ctx.stderr.write(`zonalflow local: ${readableFailure('', l)}\n`);
        },
      }).finally(() => bar.finish())).catch((err: unknown) => {
        outDir.removeIfUnused();
        throw err;
      });
      // a job that failed on its input or spec (an --include-cols column the layer lacks, a bad id column, a
      // corrupt file of any format: Plan's InputError/GeoPackageError/SpecError, the Fail state's Error) is a
      // usage error, as in `stats`; decided before the lines below (a closed stderr that cuts them short keeps it)
      ctx.exitCode = exitCodeOfJob(r.status, r.error?.code);
      const s = r.output as { features?: { total: number; done: number; failed: number } } | null;
      // the error names the input as the user gave it (Plan names its s3:// object, runLocal maps that to --input)
      ctx.stderr.write(`zonalflow local: job ${r.jobId ?? '?'} ${r.status}${s?.features ? ` (${s.features.done}/${s.features.total} ${s.features.total === 1 ? 'feature' : 'features'}, ${s.features.failed} failed)` : ''}; ${count(r.files.length, 'file')} in ${o.out}${r.error ? `: ${jobErrorLine(r.error)}` : ''}\n`);
      if (!quiet) {
        const summaryPath = join(o.out, 'summary.json');
        const summary = existsSync(summaryPath) ? (JSON.parse(readFileSync(summaryPath, 'utf8')) as SummaryLike) : null;
        for (const line of summary ? summaryLines(summary) : []) ctx.stderr.write(`zonalflow local: ${line}\n`);
      }
    });
}

/** The spec file's content with `input.include` set from --include-cols. */
function withInclude(specPath: string, include: string[]): Record<string, unknown> {
  const base = readSpecFile(specPath).value as Record<string, unknown>;
  return { ...base, input: { ...((base.input) ?? {}), include } };
}
