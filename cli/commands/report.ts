/**
 * `zonalflow report DIR|FILE.parquet|JOB --out report.html`: one self-contained HTML page with a map of
 * the features coloured by a statistic (failed features marked), its histogram, the summary figures
 * and, for time series, each feature's curve over time. A JOB id is downloaded from the stack first.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { InputError } from '../../shared/errors';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from '../context';
import type { Connector } from './remote';
import { checkOutputFile } from '../out-path';
import { count } from '../format';

interface ReportOptions { out: string; stat?: string; input?: string; layer?: string; stack: string }

/** Registers `report` on the program. */
export function registerReport(program: Command, ctx: CommandContext, connector?: Connector): void {
  program
    .command('report')
    .description('draw a job\'s results as one self-contained HTML page: map, histogram, summary, time curves')
    .argument('<results>', 'a results folder (zonalflow local --out), a results .parquet, or a job id of the deployed stack')
    .requiredOption('--out <report.html>', 'the HTML file to write')
    .option('--stat <column>', 'the statistic to colour by (default: the first *_mean column)')
    .option('--input <features>', 'the input features (any format zonalflow reads), for the map when the results carry no geometry')
    .option('--layer <name>', 'layer of --input')
    .option('--stack <name>', 'the deployed stack, for a job id', 'Zonalflow')
    .addHelpText('after', `
Exit codes: 0 written, 1 failed, 2 usage error (a path that does not exist, a file that is not zonalflow's Parquet).

Examples:
  $ zonalflow report out/local --input examples/lux_cantons_2169.gpkg --out report.html
  $ zonalflow report results.parquet --stat elev_mean --out report.html   # results written with --geometry carry their map
  $ zonalflow report <jobId> --out report.html                           # a job of the deployed stack`)
    .action(async (results: string, o: ReportOptions) => {
      // --out checked before any work: a folder, a parent that is a file or cannot be made, an input
      checkOutputFile(o.out, [results, ...(o.input === undefined ? [] : [o.input])], 'report.html');
      const { writeReport } = await import('../../shared/report/build');
      let dir = results;
      if (!existsSync(results)) {
        // a job id is [A-Za-z0-9_-]{1,64}; anything else is a path that does not exist
        if (!/^[A-Za-z0-9_-]{1,64}$/.test(results)) throw new InputError(`${results} does not exist: give a results folder (zonalflow local --out), a results .parquet, or a job id`);
        const { connect } = await import('../../shared/remote/stack');
        const { downloadResults } = await import('../../shared/remote/jobs');
        dir = mkdtempSync(join(tmpdir(), 'zonalflow-report-'));
        await downloadResults(await (connector ?? connect)(o.stack), results, dir);
      }
      const m = await writeReport({ results: dir, out: o.out, stat: o.stat, input: o.input, layer: o.layer, title: `zonalflow report: ${results}` });
      for (const w of m.warnings) ctx.stderr.write(`zonalflow: warning: ${w}\n`);
      if (m.map.length === 0 && m.summary.features !== 0) ctx.stderr.write('zonalflow: warning: the results carry no geometry, so the report has no map; give --input (the input features)\n');
      ctx.stderr.write(`zonalflow: report of ${count(Number(m.summary.features), 'feature')} (${m.failuresTotal} failed${m.series.length ? `, ${count(m.series.length, 'time curve')}` : ''}) coloured by ${m.stat} -> ${o.out}\n`);
    });
}
