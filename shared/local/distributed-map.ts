/**
 * An adapter that gives a Distributed Map its deployed semantics on an ASL
 * interpreter that only runs inline Maps (aws-local-stepfunctions ignores
 * ItemReader, ResultWriter and tolerated failures):
 * - `<Map>.ReadItems` (Task, before the Map): reads the items the ItemReader
 *   names (a JSON array in S3) into the state;
 * - the Map runs inline over them; every item processor's failure is caught
 *   into a failure record instead of failing the Map at once;
 * - `<Map>.WriteResults` (Task, after the Map): fails with
 *   States.ExceedToleratedFailureThreshold when the failed share exceeds
 *   ToleratedFailurePercentage (or any failure when none is tolerated), writes
 *   the results where the ResultWriter says, and puts ResultWriterDetails at
 *   the Map's ResultPath — as Step Functions does.
 * The Map's Catch and Retry apply to the two added states as well.
 */
type State = Record<string, unknown>;
type Definition = { StartAt: string; States: Record<string, State> };

/** What the adapter's local tasks need. */
export interface MapAdapterIo {
  readJson(bucket: string, key: string): Promise<unknown>;
  writeJson(bucket: string, key: string, value: unknown): Promise<void>;
}

/** One adapted Distributed Map: the names of the added Task states and their local handlers. */
export interface AdaptedMap { name: string; handlers: Record<string, (input: unknown) => Promise<unknown>> }

const ITEMS = '__zfItems';
const RESULTS = '__zfResults';
const FAILED = '__zfFailed';

function getPath(obj: unknown, path: string): unknown {
  if (path === '$') return obj;
  return path.replace(/^\$\./, '').split('.').reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  if (path === '$') return value as Record<string, unknown>;
  const keys = path.replace(/^\$\./, '').split('.');
  const out: Record<string, unknown> = { ...obj };
  let cur = out;
  keys.forEach((k, i) => {
    if (i === keys.length - 1) cur[k] = value;
    else {
      cur[k] = { ...((cur[k]) ?? {}) };
      cur = cur[k] as Record<string, unknown>;
    }
  });
  return out;
}

/** Resolves `{"Key.$": "$.x"}`-style parameters against a state (values as text). */
function params(template: Record<string, unknown>, input: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(template)) {
    const value = k.endsWith('.$') && typeof v === 'string' ? getPath(input, v) : v;
    out[k.endsWith('.$') ? k.slice(0, -2) : k] = value === undefined || value === null ? undefined : typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}

/** Rewrites every DISTRIBUTED Map of a definition (top level); returns the new definition and the local handlers to install. */
export function adaptDistributedMaps(definition: Definition, io: MapAdapterIo, runId: () => string): { definition: Definition; maps: AdaptedMap[] } {
  const states: Record<string, State> = { ...definition.States };
  const maps: AdaptedMap[] = [];
  let startAt = definition.StartAt;
  for (const [name, state] of Object.entries(definition.States)) {
    const processor = state.ItemProcessor as { ProcessorConfig?: { Mode?: string }; StartAt: string; States: Record<string, State> } | undefined;
    if (state.Type !== 'Map' || processor?.ProcessorConfig?.Mode !== 'DISTRIBUTED') continue;
    const reader = state.ItemReader as { Parameters?: Record<string, unknown>; ReaderConfig?: { InputType?: string } } | undefined;
    const writer = state.ResultWriter as { Parameters?: Record<string, unknown>; Arguments?: Record<string, unknown> } | undefined;
    const tolerated = Number(state.ToleratedFailurePercentage ?? 0);
    const toleratedCount = state.ToleratedFailureCount === undefined ? undefined : Number(state.ToleratedFailureCount);
    const resultPath = (state.ResultPath as string | undefined) ?? '$';
    const readName = `${name}.ReadItems`;
    const writeName = `${name}.WriteResults`;
    const guard = { ...(state.Catch ? { Catch: state.Catch } : {}), ...(state.Retry ? { Retry: state.Retry } : {}) };
    // the item processor: every failure becomes a record
    const innerStates: Record<string, State> = {};
    const failedName = `${name}.ItemFailed`;
    for (const [n, s] of Object.entries(processor.States)) {
      innerStates[n] = s.Type === 'Task' ? { ...s, Catch: [...((s.Catch as unknown[] | undefined) ?? []), { ErrorEquals: ['States.ALL'], ResultPath: '$', Next: failedName }] } : s;
    }
    innerStates[failedName] = { Type: 'Pass', Parameters: { [FAILED]: true, 'error.$': '$' }, End: true };
    const map: State = { ...state, ItemsPath: `$.${ITEMS}`, ResultPath: `$.${RESULTS}`, Next: writeName, ItemProcessor: { ...processor, ProcessorConfig: { Mode: 'INLINE' }, States: innerStates } };
    for (const k of ['ItemReader', 'ResultWriter', 'ToleratedFailurePercentage', 'ToleratedFailureCount', 'Label', 'ItemBatcher', 'Catch', 'Retry', 'End']) delete map[k];
    states[name] = map;
    states[readName] = { Type: 'Task', Resource: 'arn:aws:states:::s3:getObject', ResultPath: `$.${ITEMS}`, Next: name, ...guard };
    const after: State = { Type: 'Task', Resource: 'arn:aws:states:::s3:putObject', ...guard };
    if (state.End === true) after.End = true;
    else after.Next = state.Next;
    states[writeName] = after;
    // whoever pointed at the Map now points at its reader
    for (const s of Object.values(states)) {
      if (s.Next === name && s !== states[readName]) s.Next = readName;
      for (const list of ['Choices', 'Catch'] as const) {
        const arr = s[list] as { Next?: string }[] | undefined;
        arr?.forEach((c) => {
          if (c.Next === name) c.Next = readName;
        });
      }
      if (s.Default === name) s.Default = readName;
    }
    if (startAt === name) startAt = readName;
    maps.push({
      name,
      handlers: {
        [readName]: async (input: unknown) => {
          const p = params(reader?.Parameters ?? {}, input);
          const items = await io.readJson(p.Bucket ?? '', p.Key ?? '');
          if (!Array.isArray(items)) throw Object.assign(new Error(`the ItemReader of ${name} did not find a JSON array at s3://${p.Bucket ?? ''}/${p.Key ?? ''}`), { name: 'States.ItemReaderFailed' });
          return items as unknown;
        },
        [writeName]: async (input: unknown) => {
          const state = input as Record<string, unknown>;
          const results = (state[RESULTS] as unknown[] | undefined) ?? [];
          const failed = results.filter((r) => r !== null && typeof r === 'object' && (r as Record<string, unknown>)[FAILED] === true);
          const total = results.length;
          const over = toleratedCount !== undefined ? failed.length > toleratedCount : total > 0 && (failed.length / total) * 100 > tolerated;
          const w = params(writer?.Parameters ?? writer?.Arguments ?? {}, input);
          const id = runId();
          let details: Record<string, unknown> | null = null;
          if (w.Bucket) {
            const prefix = `${w.Prefix ?? ''.replace(/\/?$/, '/')}${id}/`;
            await io.writeJson(w.Bucket, `${prefix}SUCCEEDED_0.json`, results.filter((r) => !failed.includes(r)));
            await io.writeJson(w.Bucket, `${prefix}FAILED_0.json`, failed);
            const manifest = { DestinationBucket: w.Bucket, MapRunArn: `arn:aws:states:local:000000000000:mapRun:${name}/${id}`, ResultFiles: { FAILED: [{ Key: `${prefix}FAILED_0.json`, Size: failed.length }], SUCCEEDED: [{ Key: `${prefix}SUCCEEDED_0.json`, Size: total - failed.length }] } };
            await io.writeJson(w.Bucket, `${prefix}manifest.json`, manifest);
            details = { Bucket: w.Bucket, Key: `${prefix}manifest.json` };
          }
          if (over) {
            throw Object.assign(new Error(`${failed.length} of ${total} items of ${name} failed, more than the tolerated ${toleratedCount !== undefined ? `${toleratedCount}` : `${tolerated}%`}: ${JSON.stringify(failed[0]).slice(0, 500)}`), { name: 'States.ExceedToleratedFailureThreshold' });
          }
          const clean: Record<string, unknown> = { ...state };
          delete clean[ITEMS];
          delete clean[RESULTS];
          const mapResult = details ? { MapRunArn: `arn:aws:states:local:000000000000:mapRun:${name}/${id}`, ResultWriterDetails: details } : results;
          return setPath(clean, resultPath, mapResult);
        },
      },
    });
  }
  return { definition: { ...definition, StartAt: startAt, States: states }, maps };
}
