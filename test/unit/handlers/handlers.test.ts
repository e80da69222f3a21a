/**
 * Each handler with the AWS SDK mocked (aws-sdk-client-mock): the calls it
 * makes and what it returns, without any server.
 */
import { Readable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { readBatchFile } from '../../../shared/pipeline/batch-file';
import { resetHandlerDeps } from '../../../shared/pipeline/deps';
import { specDigest } from '../../../shared/pipeline/keys';
import { handler as plan } from '../../../lambdas/plan';
import { handler as worker } from '../../../lambdas/worker';
import { handler as collect } from '../../../lambdas/collect';
import { handler as fail } from '../../../lambdas/fail';
import { toParquet } from '../../../shared/output/parquet';

const EX = join(import.meta.dirname, '../../../examples');
const saved = { ...process.env };
const s3 = mockClient(S3Client);
const ddb = mockClient(DynamoDBDocumentClient);
mockClient(DynamoDBClient);
const body = (data: Uint8Array | string): never => Object.assign(Readable.from([Buffer.from(data)]), { transformToByteArray: () => Promise.resolve(typeof data === 'string' ? new TextEncoder().encode(data) : data) }) as never;
const spec = { input: { idColumn: 'ID_2' }, rasters: [{ name: 'elev', uri: 's3://rasters-bkt/elev.cog.tif' }], stats: ['mean'], batching: { grid: 'h3', maxFeatures: 6 }, output: { formats: ['parquet'] } };

beforeEach(() => {
  s3.reset();
  ddb.reset();
  Object.assign(process.env, { TABLE_NAME: 'jobs', OUTPUT_BUCKET: 'out-bkt', WORK_PREFIX: '_work/', RASTER_BUCKETS: 'rasters-bkt', AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' });
  resetHandlerDeps();
});
afterEach(() => {
  process.env = { ...saved };
  resetHandlerDeps();
});

describe('plan handler', () => {
  it('plans the example: batch files, spec and manifest written; job and batches registered', async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: 1000, ETag: '"abc"' });
    s3.on(GetObjectCommand, { Bucket: 'in-bkt', Key: 'lux.json' }).resolves({ Body: body(JSON.stringify(spec)) });
    s3.on(GetObjectCommand, { Bucket: 'in-bkt', Key: 'lux.gpkg' }).resolves({ Body: body(readFileSync(join(EX, 'lux_cantons_2169.gpkg'))) });
    // Plan opens the raster's header before the fan-out: ranged reads of the COG
    const cog = new Uint8Array(readFileSync(join(EX, 'elev.cog.tif')));
    s3.on(GetObjectCommand, { Bucket: 'rasters-bkt', Key: 'elev.cog.tif' }).callsFake((input: { Range?: string }) => {
      const [a = 0, b = cog.length - 1] = (/bytes=(\d+)-(\d+)/.exec(input.Range ?? '') ?? []).slice(1).map(Number);
      const end = Math.min(b, cog.length - 1);
      return { Body: body(cog.slice(a, end + 1)), ContentRange: `bytes ${a}-${end}/${cog.length}` };
    });
    s3.on(PutObjectCommand).resolves({});
    ddb.on(PutCommand).resolves({});
    ddb.on(BatchWriteCommand).resolves({});
    ddb.on(UpdateCommand).resolves({});
    const out = await plan({ bucket: 'in-bkt', key: 'lux.gpkg' });
    expect(out).toMatchObject({ duplicate: false, features: 12, outputBucket: 'out-bkt', manifest: { bucket: 'out-bkt' } });
    expect(out.batches).toBeGreaterThanOrEqual(2);
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key ?? '');
    expect(puts.filter((k) => k.includes('/batches/'))).toHaveLength(out.batches);
    expect(puts.every((k) => k.startsWith(`_work/${out.jobId}/`))).toBe(true);
    const manifest = JSON.parse(s3.commandCalls(PutObjectCommand).find((c) => c.args[0].input.Key?.endsWith('manifest.json'))?.args[0].input.Body as string) as { features: number }[];
    expect(manifest.reduce((a, b) => a + b.features, 0)).toBe(12);
    // the upload's claim is per spec: the ETag and the spec's digest (keys.ts specDigest)
    expect(ddb.commandCalls(PutCommand).map((c) => (c.args[0].input.Item as { sk: string }).sk)).toEqual([`ETAG#abc#${specDigest(spec)}`, 'JOB']);
    // every batch file carries the job's spec as spec.json holds it (the worker's one GET a batch)
    const written = JSON.parse(s3.commandCalls(PutObjectCommand).find((c) => c.args[0].input.Key?.endsWith('/spec.json'))?.args[0].input.Body as string) as unknown;
    const batchFiles = s3.commandCalls(PutObjectCommand).filter((c) => c.args[0].input.Key?.includes('/batches/')).map((c) => readBatchFile(c.args[0].input.Body as Uint8Array, c.args[0].input.Key ?? '').batch);
    expect(batchFiles).toHaveLength(out.batches);
    for (const b of batchFiles) expect(b.spec).toEqual(written);
  });
  it('a re-delivered upload (same object, ETag and spec) is a duplicate: only the spec read, the input never downloaded', async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: 1000, ETag: '"abc"' });
    s3.on(GetObjectCommand, { Bucket: 'in-bkt', Key: 'lux.json' }).resolves({ Body: body(JSON.stringify(spec)) });
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    ddb.on(GetCommand).callsFake((input: { Key: { sk: string } }) => (input.Key.sk === 'JOB' ? { Item: { jobId: 'lux-first', status: 'RUNNING' } } : { Item: { jobId: 'lux-first' } }));
    const out = await plan({ bucket: 'in-bkt', key: 'lux.gpkg', etag: 'abc' });
    expect(out.duplicate).toBe(true);
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key)).toEqual(['lux.json']);
  });
  it('no spec beside the upload and no default: a clear error naming the expected file', async () => {
    s3.on(HeadObjectCommand).resolves({ ContentLength: 1000, ETag: '"e"' });
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }));
    ddb.on(PutCommand).resolves({});
    await expect(plan({ bucket: 'in-bkt', key: 'x/fields.gpkg' })).rejects.toThrow(/no job spec: put x\/fields.json beside the input/);
  });
});

describe('worker handler', () => {
  it('an already completed batch is skipped (a retry never counts twice)', async () => {
    ddb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'done', $metadata: {} }));
    ddb.on(GetCommand).resolves({ Item: { status: 'DONE', attempts: 1, batchId: 'b000001' } });
    const out = await worker({ jobId: 'j', batchId: 'b000001', key: '_work/j/batches/b000001.json', features: 3 });
    expect(out.status).toBe('SKIPPED');
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });
  it('reads the spec from the batch file, and spec.json only for a batch file without one (an older Plan\'s)', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { attempts: 1 } });
    ddb.on(GetCommand).resolves({ Item: { jobId: 'j', status: 'RUNNING' } });
    const crs = { name: 'EPSG:4326', def: '+proj=longlat +datum=WGS84 +no_defs', epsg: 4326 };
    const outside = { ...spec, rasters: [{ uri: 's3://someone-elses/dem.tif' }] };
    // the batch's spec names a raster outside the allowed buckets, spec.json an allowed one: the failure shows which was read
    s3.on(GetObjectCommand, { Key: '_work/j/spec.json' }).resolves({ Body: body(JSON.stringify(spec)) });
    s3.on(GetObjectCommand, { Key: '_work/j/batches/b1.json' }).resolves({ Body: body(JSON.stringify({ jobId: 'j', batchId: 'b1', crs, spec: outside, features: [] })) });
    await expect(worker({ jobId: 'j', batchId: 'b1', key: '_work/j/batches/b1.json', features: 0 })).rejects.toThrow(/bucket "someone-elses"/);
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key)).toEqual(['_work/j/batches/b1.json']);
    s3.reset();
    s3.on(GetObjectCommand, { Key: '_work/j/spec.json' }).resolves({ Body: body(JSON.stringify(outside)) });
    s3.on(GetObjectCommand, { Key: '_work/j/batches/b2.json' }).resolves({ Body: body(JSON.stringify({ jobId: 'j', batchId: 'b2', crs, features: [] })) });
    await expect(worker({ jobId: 'j', batchId: 'b2', key: '_work/j/batches/b2.json', features: 0 })).rejects.toThrow(/bucket "someone-elses"/);
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key)).toEqual(['_work/j/batches/b2.json', '_work/j/spec.json']);
  });
  it('a raster outside the allowed buckets fails the batch with the reason recorded', async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { attempts: 1 } });
    ddb.on(GetCommand).resolves({ Item: { jobId: 'j', status: 'RUNNING' } }); // the job's status: not cancelled
    s3.on(GetObjectCommand, { Key: '_work/j/spec.json' }).resolves({ Body: body(JSON.stringify({ ...spec, rasters: [{ uri: 's3://someone-elses/dem.tif' }] })) });
    s3.on(GetObjectCommand, { Key: '_work/j/batches/b1.json' }).resolves({ Body: body(JSON.stringify({ jobId: 'j', batchId: 'b1', crs: { name: 'EPSG:4326', def: '+proj=longlat +datum=WGS84 +no_defs', epsg: 4326 }, features: [] })) });
    await expect(worker({ jobId: 'j', batchId: 'b1', key: '_work/j/batches/b1.json', features: 0 })).rejects.toThrow(/bucket "someone-elses" is not among the raster buckets/);
    const failed = ddb.commandCalls(UpdateCommand).find((c) => c.args[0].input.ExpressionAttributeValues?.[':failed'] === 'FAILED');
    expect(String(failed?.args[0].input.ExpressionAttributeValues?.[':err'])).toMatch(/^URI_NOT_ALLOWED/);
  });
});

describe('collect handler', () => {
  it('merges parts, writes results and summary, sets PARTIAL when a feature failed', async () => {
    const part = toParquet([{ name: 'elev_mean', kind: 'number' }], [{ id: 'a', fid: 2, values: [1.5], error: null }, { id: 'b', fid: 1, values: [null], error: 'GEOMETRY_EMPTY: x' }]);
    ddb.on(UpdateCommand).resolves({});
    ddb.on(GetCommand).resolves({ Item: { jobId: 'j', status: 'RUNNING' } }); // not finished yet
    ddb.on(QueryCommand).resolves({ Items: [{ batchId: 'b1', status: 'DONE', featuresDone: 1, featuresFailed: 1, parts: ['_work/j/parts/b1.000000.parquet'] }] });
    s3.on(GetObjectCommand, { Key: '_work/j/spec.json' }).resolves({ Body: body(JSON.stringify(spec)) });
    s3.on(GetObjectCommand, { Key: '_work/j/manifest.json' }).resolves({ Body: body(JSON.stringify([{ features: 2 }])) });
    s3.on(GetObjectCommand, { Key: '_work/j/parts/b1.000000.parquet' }).resolves({ Body: body(part) });
    // the part's CRS note (<part>.crs.json) was not written: S3 answers NoSuchKey, Collect goes on without it
    s3.on(GetObjectCommand, { Key: '_work/j/parts/b1.000000.crs.json' }).rejects(Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }));
    s3.on(PutObjectCommand).resolves({});
    const out = await collect({ jobId: 'j' });
    expect(out.status).toBe('PARTIAL');
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key)).toEqual(['j/results.parquet', 'j/summary.json']);
    const summary = JSON.parse(s3.commandCalls(PutObjectCommand)[1]?.args[0].input.Body as string) as { features: unknown; failures: unknown[] };
    expect(summary.features).toEqual({ total: 2, done: 1, failed: 1, missing: 0 });
    expect(summary.failures).toEqual([{ fid: 1, id: 'b', reason: 'GEOMETRY_EMPTY: x' }]);
  });
});

describe('collect handler: CRS notes', () => {
  const setUp = (parts: Record<string, Uint8Array>): void => {
    ddb.on(UpdateCommand).resolves({});
    ddb.on(GetCommand).resolves({ Item: { jobId: 'j', status: 'RUNNING' } });
    ddb.on(QueryCommand).resolves({ Items: Object.keys(parts).map((key, i) => ({ batchId: `b${i}`, status: 'DONE', featuresDone: 2, featuresFailed: 0, parts: [key] })) });
    s3.on(GetObjectCommand, { Key: '_work/j/spec.json' }).resolves({ Body: body(JSON.stringify(spec)) });
    s3.on(GetObjectCommand, { Key: '_work/j/manifest.json' }).resolves({ Body: body(JSON.stringify(Object.keys(parts).map(() => ({ features: 2 })))) });
    for (const [key, bytes] of Object.entries(parts)) s3.on(GetObjectCommand, { Key: key }).resolves({ Body: body(bytes) });
    s3.on(PutObjectCommand).resolves({});
  };
  const rows = (fid: number): { id: string; fid: number; values: number[]; error: null }[] => [{ id: `a${fid}`, fid, values: [1], error: null }, { id: `b${fid}`, fid: fid + 1, values: [2], error: null }];
  const crs = [{ raster: 'elev', features: 'EPSG:4326 (WGS 84)', crs: 'EPSG:2169', transformation: 'Inverse of Luxembourg 1930 / Gauss' }];
  const summaryOf = (): { crs: unknown; warnings: string[] } => JSON.parse(s3.commandCalls(PutObjectCommand).find((c) => c.args[0].input.Key === 'j/summary.json')?.args[0].input.Body as string) as { crs: unknown; warnings: string[] };

  it('reads each part\'s note from its Parquet metadata, with no request for a note object', async () => {
    // both features of each part outside every raster: 4 of 4 in the job, over the share that warns
    const note = JSON.stringify({ features: 2, outside: 2, crs, warnings: [] });
    setUp({
      '_work/j/parts/b0.000000.parquet': toParquet([{ name: 'elev_mean', kind: 'number' }], rows(1), { keyColumn: true, metadata: { zonalflow_crs_note: note } }),
      '_work/j/parts/b1.000000.parquet': toParquet([{ name: 'elev_mean', kind: 'number' }], rows(3), { keyColumn: true, metadata: { zonalflow_crs_note: note } }),
    });
    await collect({ jobId: 'j' });
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key).filter((k) => k?.endsWith('.crs.json'))).toEqual([]);
    const summary = summaryOf();
    expect(summary.crs).toEqual(crs);
    expect(summary.warnings).toEqual(["4 of 4 features (100 %) do not intersect any raster: the layer's CRS (EPSG:4326 (WGS 84)) may be wrong"]);
  });

  it('reads the note object beside a part without one in its metadata (a part of an older Worker)', async () => {
    setUp({
      '_work/j/parts/b0.000000.parquet': toParquet([{ name: 'elev_mean', kind: 'number' }], rows(1), { keyColumn: true, metadata: { zonalflow_crs_note: JSON.stringify({ features: 2, outside: 0, crs, warnings: [] }) } }),
      '_work/j/parts/b1.000000.parquet': toParquet([{ name: 'elev_mean', kind: 'number' }], rows(3), { keyColumn: true }),
    });
    s3.on(GetObjectCommand, { Key: '_work/j/parts/b1.000000.crs.json' }).resolves({ Body: body(JSON.stringify({ features: 2, outside: 2, crs: [], warnings: ['the layer has no CRS'] })) });
    await collect({ jobId: 'j' });
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key).filter((k) => k?.endsWith('.crs.json'))).toEqual(['_work/j/parts/b1.000000.crs.json']);
    // 2 of 4 outside: half, the share that warns
    expect(summaryOf().warnings).toEqual(['the layer has no CRS', "2 of 4 features (50.0 %) do not intersect any raster: the layer's CRS (EPSG:4326 (WGS 84)) may be wrong"]);
  });
});

describe('fail handler', () => {
  it('marks the job FAILED with the Lambda error message', async () => {
    ddb.on(UpdateCommand).resolves({});
    ddb.on(GetCommand).resolves({ Item: { jobId: 'j', status: 'RUNNING' } }); // not finished: MarkFailed may fail it
    s3.on(PutObjectCommand).resolves({});
    const out = await fail({ state: { jobId: 'j', error: { Error: 'RasterError', Cause: '{"errorType":"RasterError","errorMessage":"s3://b/x.tif is not a TIFF"}' } } });
    expect(out.error).toEqual({ code: 'RasterError', message: 's3://b/x.tif is not a TIFF' });
    const update = ddb.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(update?.ExpressionAttributeValues?.[':s']).toBe('FAILED');
  });

  // Plan failed before creating the job; MarkFailed's PutItem is denied (the missing IAM action that this once hid)
  const denied = Object.assign(new Error('User: arn:aws:sts::123456789012:assumed-role/fail-role/fn is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:eu-west-1:123456789012:table/jobs'), { name: 'AccessDeniedException' });
  const planFailed = { execution: { bucket: 'in-bkt', key: 'x.gpkg', etag: 'e1' }, state: { bucket: 'in-bkt', key: 'x.gpkg', error: { Error: 'SpecError', Cause: '{"errorType":"SpecError","errorMessage":"no job spec: put x.json beside the GeoPackage"}' } } };
  const summaryPut = (): Record<string, unknown> => {
    const b = s3.commandCalls(PutObjectCommand).find((c) => c.args[0].input.Key?.endsWith('/summary.json'))?.args[0].input.Body;
    return JSON.parse(typeof b === 'string' ? b : Buffer.from(b as Uint8Array).toString('utf8')) as Record<string, unknown>;
  };

  it('a job record it cannot create: with no record to mark, it fails naming the denied action; summary.json says why the job failed', async () => {
    ddb.on(GetCommand).resolves({}); // no job record, before and after
    ddb.on(PutCommand).rejects(denied);
    ddb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    s3.on(PutObjectCommand).resolves({});
    const err = await fail(planFailed).then(() => null, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/^job x-[0-9a-f]+ could not be marked FAILED \(SpecError: no job spec: put x\.json beside the GeoPackage\): the job record could not be created: DynamoDB PutItem \(job\) on table jobs failed: AccessDeniedException: User: .* is not authorized to perform: dynamodb:PutItem on resource: .*table\/jobs$/);
    expect(err?.name).not.toBe('TransientError'); // a denied action is not retried
    expect(summaryPut()).toMatchObject({ status: 'FAILED', error: { code: 'SpecError', message: 'no job spec: put x.json beside the GeoPackage' }, recordError: expect.stringMatching(/^the job record could not be created: .*AccessDeniedException: .*dynamodb:PutItem/) as unknown });
  });

  it('a job record it cannot create, the status still set: the handler returns the creation error and summary.json carries it', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(PutCommand).rejects(denied);
    ddb.on(UpdateCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [] });
    s3.on(PutObjectCommand).resolves({});
    const out = await fail(planFailed);
    expect(out.recordError).toMatch(/^the job record could not be created: DynamoDB PutItem \(job\) on table jobs failed: AccessDeniedException: /);
    expect(summaryPut().recordError).toBe(out.recordError);
  });

  it('marks FAILED with summaryPending, cleared once summary.json is written (a retry after a timeout between the two knows)', async () => {
    const events: string[] = [];
    ddb.on(UpdateCommand).callsFake((input: { UpdateExpression?: string }) => {
      events.push(input.UpdateExpression === 'REMOVE summaryPending' ? 'clear' : 'mark');
      return {};
    });
    ddb.on(GetCommand).resolves({ Item: { jobId: 'j', status: 'RUNNING' } });
    ddb.on(QueryCommand).resolves({ Items: [] });
    s3.on(PutObjectCommand).callsFake(() => {
      events.push('summary');
      return {};
    });
    await fail({ state: { jobId: 'j', error: { Error: 'RasterError', Cause: 'x' } } });
    expect(events).toEqual(['mark', 'summary', 'clear']);
    const mark = ddb.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(mark?.ExpressionAttributeValues).toMatchObject({ ':s': 'FAILED' });
    const at = Object.entries(mark?.ExpressionAttributeNames ?? {}).find(([, v]) => v === 'summaryPending')?.[0].replace('#', ':');
    expect(mark?.ExpressionAttributeValues?.[at ?? '']).toBe(true);
  });

  it('a retried MarkFailed (it timed out after marking the job FAILED): writes the summary.json the record still owes, with the recorded error, then clears summaryPending', async () => {
    ddb.on(GetCommand).resolves({ Item: { jobId: 'j', status: 'FAILED', summaryPending: true, error: { code: 'RasterError', message: 's3://b/x.tif is not a TIFF' } } });
    ddb.on(UpdateCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [] });
    s3.on(PutObjectCommand).resolves({});
    const out = await fail({ state: { jobId: 'j', error: { Error: 'RasterError', Cause: '{"errorType":"RasterError","errorMessage":"s3://b/x.tif is not a TIFF"}' } } });
    expect(out.unchanged).toBe('FAILED');
    expect(summaryPut()).toMatchObject({ jobId: 'j', status: 'FAILED', error: { code: 'RasterError', message: 's3://b/x.tif is not a TIFF' } });
    const updates = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(updates.map((u) => u.UpdateExpression)).toEqual(['REMOVE summaryPending']); // the status itself is not rewritten
  });

  it('a FAILED job that owes no summary (written, or failed by Collect) is left as it is: nothing written', async () => {
    ddb.on(GetCommand).resolves({ Item: { jobId: 'j', status: 'FAILED', error: { code: 'E', message: 'm' } } });
    s3.on(PutObjectCommand).resolves({});
    const out = await fail({ state: { jobId: 'j', error: { Error: 'RasterError', Cause: 'x' } } });
    expect(out.unchanged).toBe('FAILED');
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('a record that appeared meanwhile (PutItem\'s condition) is no error: nothing recorded', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    ddb.on(UpdateCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [] });
    s3.on(PutObjectCommand).resolves({});
    const out = await fail(planFailed);
    expect(out.recordError).toBeUndefined();
    expect(summaryPut()).not.toHaveProperty('recordError');
  });
});
