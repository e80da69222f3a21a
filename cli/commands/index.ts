/**
 * The subcommands, loaded on demand: `zonalflow --help` and each command load only
 * what they use (the AWS SDK and the CDK are never loaded by `stats` on local files).
 * The one-line summaries here are what `zonalflow --help` lists; each module's own
 * description is what `zonalflow <command> --help` shows (a test keeps them equal).
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context';
import type { Connector } from './remote';

/** Registers one module's commands on the program. */
export type Register = (program: Command, ctx: CommandContext, connector?: Connector) => void;

/** A module of subcommands: the names it registers, their summaries, how to load it. */
export interface CommandModule {
  commands: Readonly<Record<string, string>>;
  load: () => Promise<Register>;
}

export const COMMAND_MODULES: readonly CommandModule[] = [
  {
    commands: { stats: 'compute zonal statistics in this process (no pipeline) and write CSV, Parquet, JSON, GeoPackage or FlatGeobuf' },
    load: async () => (await import('./stats')).registerStats,
  },
  {
    commands: { local: 'run the AWS pipeline on this machine, nothing deployed: the state machine synthesized from the CDK stack, the handlers in-process with their roles\' IAM policies enforced, S3/DynamoDB stand-ins' },
    load: async () => (await import('./local')).registerLocal,
  },
  {
    commands: {
      run: 'start a job on the deployed stack: a local .gpkg is uploaded (the upload rule starts it), s3:// starts it directly',
      status: 'progress of a job: batches and features done/failed, ETA',
      list: 'jobs, newest first',
      results: 'download a job\'s results.parquet, summary.json and features/ into a directory',
      retry: 're-run only the failed batches of a PARTIAL, FAILED or CANCELLED job',
      cancel: 'stop a job\'s execution and mark it CANCELLED',
    },
    load: async () => (await import('./remote')).registerRemote,
  },
  {
    commands: { estimate: 'what a job will cost on AWS before it starts: features, batches, requests, PUTs, Lambda GB-s, USD' },
    load: async () => (await import('./estimate')).registerEstimate,
  },
  {
    commands: { report: 'draw a job\'s results as one self-contained HTML page: map, histogram, summary, time curves' },
    load: async () => (await import('./report')).registerReport,
  },
  {
    commands: { invoke: 'run one handler on an event file: locally against seeded stand-ins (default), or against a deployed stack (--stack)' },
    load: async () => (await import('./invoke')).registerInvoke,
  },
];

/** The subcommand `argv` names (`help X` names X), or undefined when none is given. */
export function invokedCommand(argv: readonly string[]): string | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}
