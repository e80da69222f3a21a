/**
 * The `zonalflow` command. Each subcommand is a thin adapter over a pipeline
 * function in `shared/`; this file only wires them and turns errors into one
 * clear line (the stack only with `--debug`).
 */
import { Command, CommanderError } from 'commander';
import { InterruptedError, ZonalflowError } from '../shared/errors';
import { exitCodeOfError, USAGE_EXIT_CODE } from '../shared/jobs/outcome';
import pkg from '../package.json' with { type: 'json' };
import { COMMAND_MODULES, invokedCommand } from './commands/index';
import type { Connector } from './commands/remote';
import type { CommandContext } from './context';
import { refuseRepeatedOptions } from './options';

/**
 * Runs the CLI with `argv` (without node and script). Returns the exit code. `io.decided` hears the exit code as
 * soon as it is decided, before the lines that go with it are written (an error's line, a job's result line):
 * a closed pipe that cuts those lines short then ends the process with that code (bin/output-errors.mjs).
 */
export async function main(argv: string[], io: { stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream; connector?: Connector; decided?: (code: number) => void } = {}): Promise<number> {
  const stderr = io.stderr ?? process.stderr;
  const decide = (code: number): number => {
    io.decided?.(code);
    return code;
  };
  const program = new Command('zonalflow')
    .description('Exact zonal statistics over Cloud-Optimized GeoTIFFs, on one machine or as an AWS fan-out')
    .version(pkg.version, '-V, --version', 'print the version')
    .option('--debug', 'print stack traces of errors')
    .addHelpText('after', `
Exit codes (stats, local, run --wait): 0 every feature computed, 3 some features failed,
1 the job failed, 2 usage error (bad option, invalid spec, unusable input or output path),
130 interrupted by Ctrl-C (SIGINT), 143 by SIGTERM (the job stopped, its temporary files removed),
141 cut short by a closed output pipe before the command had its code (else that code: never 0).

Examples:
  $ zonalflow stats --input fields.gpkg --raster dem.tif --out stats.csv
  $ zonalflow local --input fields.gpkg --spec job.json --out results/
  $ zonalflow run --input fields.gpkg --spec job.json --wait
  $ zonalflow <command> --help      # each command's options and defaults`)
    .exitOverride()
    // a missing required option and a stray argument are written in the catch below, with every missing and unknown option and stray argument
    .configureOutput({ writeErr: (s) => stderr.write(s), outputError: (s, write) => (s.startsWith('error: required option') || s.startsWith('error: too many arguments') ? undefined : (decide(USAGE_EXIT_CODE), write(`zonalflow: ${usageLine(s, invoked)}\n`))), writeOut: (s) => (io.stdout ?? process.stdout).write(s) });
  // a command sets its exit code before writing its result lines (stats, local, run --wait)
  let exitCode = 0;
  const ctx: CommandContext = {
    get exitCode() {
      return exitCode;
    },
    set exitCode(code: number) {
      exitCode = decide(code);
    },
    stdout: io.stdout ?? process.stdout,
    stderr,
  };
  // only the invoked command's module is loaded; the others are listed by their summaries
  const invoked = invokedCommand(argv);
  for (const m of COMMAND_MODULES) {
    if (invoked !== undefined && invoked in m.commands) (await m.load())(program, ctx, io.connector);
    else for (const [name, summary] of Object.entries(m.commands)) program.command(name).description(summary).allowUnknownOption().helpOption(false);
  }
  // an option of one value given twice is a usage error naming it (commander keeps the last): cli/options.ts
  refuseRepeatedOptions(program);
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      const code = decide(err.exitCode === 0 ? 0 : USAGE_EXIT_CODE);
      if (err.code === 'commander.missingMandatoryOptionValue' || err.code === 'commander.excessArguments') {
        const { nearestNames } = await import('../shared/nearest');
        stderr.write(`zonalflow: ${usageProblems(program.commands.find((c) => c.name() === invoked) ?? program, err.message, nearestNames)}\n`);
      }
      return code;
    }
    // Ctrl-C or SIGTERM: one line saying what was stopped and cleaned up, exit 130 or 143 (cli/interrupt.ts)
    if (err instanceof InterruptedError) {
      decide(err.exitCode);
      stderr.write(`zonalflow: ${err.message}\n`);
      return err.exitCode;
    }
    const code = decide(exitCodeOfError(err) === USAGE_EXIT_CODE ? USAGE_EXIT_CODE : 1);
    stderr.write(`zonalflow: ${errorLine(err)}\n`);
    if (code === USAGE_EXIT_CODE) return code;
    if (debug && err instanceof Error && err.stack) stderr.write(`${err.stack}\n`);
    if (!debug && !(err instanceof ZonalflowError)) stderr.write('zonalflow: this looks like a bug; run again with --debug for the stack trace\n');
    return 1;
  }
}

/**
 * One line for a command whose required options are missing or that was given arguments it does not take: every
 * missing required option, every unknown option and every stray argument given, with the near option when there
 * is one (commander reports only the first missing one, unknown options not at all then, and a stray argument
 * only as "too many arguments ... Expected 0 arguments but got 1"). `fallback`: commander's own message, when none
 * is found; `nearestNames`: the did-you-mean rule (shared/nearest.ts, loaded only for this line).
 */
export function usageProblems(cmd: Command, fallback: string, nearestNames: (name: string, candidates: readonly string[]) => string[] = () => []): string {
  const missing = cmd.options.filter((o) => o.mandatory && cmd.getOptionValue(o.attributeName()) === undefined).map((o) => `'${o.flags}'`);
  // the arguments commander did not take: first the operands (up to the first unknown option), then the unknown
  // options with whatever followed them (commander's cmd.args), each unknown option with commander's suggestion
  // when one of the command's options is near (`--inptu` (Did you mean --input?))
  const longs = cmd.options.map((o) => o.long).filter((l): l is string => l !== undefined);
  const isOption = (a: string): boolean => a.startsWith('-') && a !== '-' && a !== '--';
  const first = cmd.args.findIndex(isOption);
  const operands = first < 0 ? cmd.args : cmd.args.slice(0, first);
  const variadic = cmd.registeredArguments.at(-1)?.variadic === true;
  // a stray word that is an option's name without its dashes (`input`) gets the option
  const stray = (variadic ? [] : operands.slice(cmd.registeredArguments.length)).map((a) => {
    const near = nearestNames(a, longs.map((l) => l.slice(2)));
    return `'${a}'${near.length > 0 ? ` (Did you mean ${near.map((n) => `--${n}`).join(' or ')}?)` : ''}`;
  });
  const unknown = cmd.args.slice(operands.length).filter(isOption).map((a) => {
    const flag = a.replace(/=.*$/s, '');
    const near = nearestNames(flag, longs);
    return `'${flag}'${near.length > 0 ? ` (Did you mean ${near.join(' or ')}?)` : ''}`;
  });
  if (missing.length === 0 && stray.length === 0) return fallback.replace(/^\s+|\s+$/g, '');
  const parts = [
    ...(missing.length > 0 ? [`required option${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not specified`] : []),
    ...(unknown.length > 0 && missing.length > 0 ? [`unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`] : []),
    ...(stray.length > 0 ? [`unexpected argument${stray.length > 1 ? 's' : ''} ${stray.join(', ')}${strayNote(cmd)}`] : []),
  ];
  return `error: ${parts.join('; ')}`;
}

/** What `cmd` takes in place of stray arguments: options only (each value after its option), or its arguments. */
function strayNote(cmd: Command): string {
  const args = cmd.registeredArguments.map((a) => a.name());
  return args.length === 0 ? ` (\`zonalflow ${cmd.name()}\` takes options only, each value after its option)` : ` (\`zonalflow ${cmd.name()}\` takes ${args.length === 1 ? 'one argument' : `${args.length} arguments`}: ${args.join(', ')})`;
}

/**
 * Commander's usage error `message` as one line: its suggestion on the same line (`error: unknown command 'stat'
 * (Did you mean stats?)`), and an unknown option or command without one pointed at the help that lists them.
 */
export function usageLine(message: string, command: string | undefined): string {
  const line = message.trim().replace(/\s*\n\s*/g, ' ');
  if (/Did you mean/.test(line)) return line;
  if (line.startsWith('error: unknown option')) return `${line}; \`zonalflow ${command === undefined ? '' : `${command} `}--help\` lists the options`;
  if (line.startsWith('error: unknown command')) return `${line}; \`zonalflow --help\` lists the commands`;
  return line;
}

/** `error [CODE]: message` for typed errors, `error: message` otherwise. */
export function errorLine(err: unknown): string {
  if (err instanceof ZonalflowError) return `error [${err.code}]: ${err.message}`;
  if (err instanceof Error) return `error: ${err.message}`;
  return `error: ${String(err)}`;
}
