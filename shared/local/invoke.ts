/**
 * `zonalflow invoke`: one handler, in this process, on an event file.
 * Locally (default) against fresh stand-ins seeded with the bundled example
 * (Plan runs first when the event needs an existing job, and the workers before
 * Collect); with a stack name,
 * against the deployed stack's buckets and table with the caller's credentials.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { InputError } from '../errors';
import { projectRoot } from '../project-root';
import { resetHandlerDeps } from '../pipeline/deps';
import { startStandIns } from './stand-ins';
import { LOCAL } from './runner';
import { HANDLERS, loadHandler } from './handlers';
import type { HandlerName } from './handlers';

export { HANDLERS };
export type { HandlerName };
import { getJson } from '../pipeline/objects';
import { CollectInputSchema, FailInputSchema, parsePlanEvent, WorkerInputSchema } from '../pipeline/events';
import * as z from 'zod';
import type { StackRefs } from '../remote/stack';

const ROOT = projectRoot(import.meta.dirname);

/** Runs `name` on `event` against local stand-ins seeded with the example. */
export async function invokeLocal(name: HandlerName, event: unknown, log: (l: string) => void = () => undefined): Promise<unknown> {
  const env = await startStandIns({ buckets: [LOCAL.input, LOCAL.output, LOCAL.rasters], table: LOCAL.table, jobsIndex: true });
  const saved = { ...process.env };
  try {
    await env.s3.send(new PutObjectCommand({ Bucket: LOCAL.rasters, Key: 'elev.cog.tif', Body: readFileSync(join(ROOT, 'examples/elev.cog.tif')) }));
    await env.s3.send(new PutObjectCommand({ Bucket: LOCAL.input, Key: 'lux_cantons_2169.gpkg', Body: readFileSync(join(ROOT, 'examples/lux_cantons_2169.gpkg')) }));
    const spec = JSON.parse(readFileSync(join(ROOT, 'examples/job.json'), 'utf8')) as Record<string, unknown>;
    await env.s3.send(new PutObjectCommand({ Bucket: LOCAL.input, Key: 'lux_cantons_2169.json', Body: JSON.stringify({ ...spec, rasters: [{ name: 'elev', uri: `s3://${LOCAL.rasters}/elev.cog.tif` }] }) }));
    Object.assign(process.env, env.env, { TABLE_NAME: LOCAL.table, OUTPUT_BUCKET: LOCAL.output, WORK_PREFIX: '_work/', RASTER_BUCKETS: LOCAL.rasters });
    resetHandlerDeps();
    if (name !== 'plan') {
      const planEvent = JSON.parse(readFileSync(join(ROOT, 'events/plan.json'), 'utf8')) as unknown;
      const planned = (await (await loadHandler('plan'))(planEvent)) as { manifest: { bucket: string; key: string } };
      log(`plan (to create the job): ${JSON.stringify(planned)}`);
      if (name === 'collect') {
        // Collect merges what the workers wrote: run them first
        const items = (await getJson(env.s3, planned.manifest)) as unknown[];
        for (const item of items) log(`worker: ${JSON.stringify(await (await loadHandler('worker'))(item, { getRemainingTimeInMillis: () => 300_000 }))}`);
      }
    }
    return await (await loadHandler(name))(event, { getRemainingTimeInMillis: () => 300_000 });
  } finally {
    process.env = saved;
    resetHandlerDeps();
    await env.stop();
  }
}

/** Runs `name` on `event` against a deployed stack (its buckets and table; the caller's credentials). */
export async function invokeRemote(name: HandlerName, event: unknown, refs: StackRefs, extraEnv: Record<string, string> = {}): Promise<unknown> {
  const saved = { ...process.env };
  try {
    Object.assign(process.env, { TABLE_NAME: refs.table, OUTPUT_BUCKET: refs.outputBucket, WORK_PREFIX: '_work/' }, extraEnv);
    resetHandlerDeps();
    return await (await loadHandler(name))(event, { getRemainingTimeInMillis: () => 300_000 });
  } finally {
    process.env = saved;
    resetHandlerDeps();
  }
}

/**
 * Checks that `event` (read from `path`) has the shape `name`'s handler takes, with the handler's own schema
 * (pipeline/events.ts), before the stand-ins start or Plan runs: an event of another handler (`invoke worker
 * --event events/plan.json`) is an InputError (exit 2) in one line naming each problem, not the ZodError's JSON.
 */
export function checkEvent(name: HandlerName, event: unknown, path: string): void {
  const parse: Record<HandlerName, (e: unknown) => unknown> = {
    plan: parsePlanEvent,
    worker: (e) => WorkerInputSchema.parse(e),
    collect: (e) => CollectInputSchema.parse(e),
    fail: (e) => FailInputSchema.parse(e),
  };
  try {
    parse[name](event);
  } catch (err) {
    if (!(err instanceof z.ZodError)) throw err;
    throw new InputError(`the event ${path} is not a ${name} event: ${eventProblems(err)} (sample: events/${name}.json)`, { cause: err });
  }
}

/** A ZodError's issues in one line: `jobId: required; batchId: required; unexpected keys bucket, etag`. */
export function eventProblems(err: z.ZodError): string {
  return err.issues.map((i) => {
    const at = i.path.length > 0 ? i.path.map(String).join('.') : 'the event';
    if (i.code === 'unrecognized_keys') return `unexpected key${i.keys.length > 1 ? 's' : ''} ${i.path.length > 0 ? `in ${at}: ` : ''}${i.keys.join(', ')}`;
    if (i.code === 'invalid_type' && /received undefined$/.test(i.message)) return `${at}: required`;
    return `${at}: ${i.message.replace(/^Invalid input: /, '')}`;
  }).join('; ');
}

/** Reads an event file. */
export function readEvent(path: string): unknown {
  if (!existsSync(path)) throw new InputError(`the event ${path} does not exist (sample events: events/*.json)`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read the event ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new InputError(`the event ${path} is not JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
