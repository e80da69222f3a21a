/**
 * `zonalflow local`: the whole pipeline on this machine, through the same
 * state machine definition as deployed (see shared/local/runner.ts).
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { runLocal } from '../../shared/local/runner';
import type { CommandContext } from '../context';
import { checkInputFile, checkOutputDir } from '../out-path';
import { exitCodeOf } from '../../shared/jobs/outcome';

interface LocalOptions { input: string; spec: string; out: string; trigger: 'direct' | 'event'; quiet?: boolean; overwrite?: boolean }

/** Registers `local` on the program. */
export function registerLocal(program: Command, ctx: CommandContext): void {
  program
    .command('local')
    .description('run the deployed pipeline on this machine: the synthesized state machine, the handlers in-process, S3/DynamoDB stand-ins')
    .requiredOption('--input <gpkg>', 'GeoPackage with the features')
    .requiredOption('--spec <job.json>', 'job spec (local raster paths are served from the S3 stand-in)')
    .requiredOption('--out <dir>', 'directory for results.parquet, summary.json, features/')
    .addOption(new Option('--trigger <how>', 'direct: start the execution; event: drop the file in the input bucket and let the stack\'s EventBridge rule start it').choices(['direct', 'event']).default('direct'))
    .option('--quiet', 'no progress lines')
    .option('--overwrite', 'replace the files of a previous job in --out (an existing non-empty --out is refused otherwise)')
    .action(async (o: LocalOptions) => {
      checkInputFile(o.input);
      checkOutputDir(o.out, [o.input, o.spec], { overwrite: o.overwrite === true });
      const r = await runLocal({ input: o.input, spec: o.spec, out: o.out, trigger: o.trigger, log: o.quiet ? undefined : (l) => ctx.stderr.write(`zonalflow local: ${l}\n`) });
      const s = r.output as { features?: { total: number; done: number; failed: number } } | null;
      ctx.stderr.write(`zonalflow local: job ${r.jobId ?? '?'} ${r.status}${s?.features ? ` (${s.features.done}/${s.features.total} features, ${s.features.failed} failed)` : ''}; ${r.files.length} files in ${o.out}\n`);
      if (r.error) ctx.stderr.write(`zonalflow local: error [${r.error.code}]: ${r.error.message}\n`);
      ctx.exitCode = exitCodeOf(r.status);
    });
}
