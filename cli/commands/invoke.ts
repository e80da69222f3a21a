/** `zonalflow invoke <handler> --event file.json`: one Lambda handler, in this process. */
import type { Command } from 'commander';
import { Argument } from 'commander';
import { checkEvent, HANDLERS, invokeLocal, invokeRemote, readEvent } from '../../shared/local/invoke';
import type { HandlerName } from '../../shared/local/invoke';
import { resolveStack } from '../../shared/remote/stack';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { CommandContext } from '../context';

/** Registers `invoke`. */
export function registerInvoke(program: Command, ctx: CommandContext): void {
  program
    .command('invoke')
    .description('run one handler on an event file: locally against seeded stand-ins (default), or against a deployed stack (--stack)')
    .addArgument(new Argument('<handler>', 'which handler').choices(HANDLERS))
    .requiredOption('--event <file>', 'the event (see events/)')
    .option('--stack <name>', 'run against this deployed stack instead of local stand-ins')
    .option('--raster-buckets <list>', 'with --stack: buckets the worker may read rasters from')
    .action(async (name: HandlerName, o: { event: string; stack?: string; rasterBuckets?: string }) => {
      const event = readEvent(o.event);
      checkEvent(name, event, o.event);
      const out = o.stack
        ? await invokeRemote(name, event, await resolveStack(new CloudFormationClient({}), o.stack), o.rasterBuckets ? { RASTER_BUCKETS: o.rasterBuckets } : {})
        : await invokeLocal(name, event, (l) => ctx.stderr.write(`zonalflow invoke: ${l}\n`));
      ctx.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    });
}
