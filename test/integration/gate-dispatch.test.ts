/**
 * The S3 gate hands requests to s3rver's own listener in this process (GateOptions.handler) instead of a second
 * HTTP connection: the answers are the same as through the forwarding gate. A GET of a missing key is 404
 * NoSuchKey for a caller with s3:ListBucket and 403 AccessDenied for one without (S3's documented behaviour),
 * with nothing of s3rver's 404 (status, headers, body) leaking into the 403; objects, ranges, HEAD and PUT
 * pass unchanged; a denied action is refused before the stand-in sees it. The DynamoDB gate, which reads each
 * body to find the action's resource, hands the request with its body again to dynalite's listener, with the
 * answers of the forwarding gate (items written and read back, a failed condition, a denied action).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { startStandIns } from '../../shared/local/stand-ins';
import type { StandIns } from '../../shared/local/stand-ins';
import { startGate } from '../../shared/local/gate';
import type { Gate } from '../../shared/local/gate';
import { LocalAuthority } from '../../shared/local/authority';
import type { LocalRole } from '../../shared/local/iam-template';

const require = createRequire(import.meta.url);
const account = (require('s3rver/lib/models/account') as { DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void } }).DUMMY_ACCOUNT;

const role = (name: string, actions: string[]): LocalRole => ({
  logicalId: name, name, arn: `arn:aws:iam::000000000000:role/${name}`,
  policies: [{ Statement: [{ Effect: 'Allow', Action: actions, Resource: ['arn:aws:s3:::bucket-a', 'arn:aws:s3:::bucket-a/*'] }] }],
});
const lister = role('Lister', ['s3:GetObject', 's3:PutObject', 's3:ListBucket']);
const reader = role('Reader', ['s3:GetObject']);
const tableRole = (name: string, actions: string[]): LocalRole => ({
  logicalId: name, name, arn: `arn:aws:iam::000000000000:role/${name}`,
  policies: [{ Statement: [{ Effect: 'Allow', Action: actions, Resource: ['arn:aws:dynamodb:us-east-1:000000000000:table/table-a'] }] }],
});
const writer = tableRole('Writer', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
const getter = tableRole('Getter', ['dynamodb:GetItem']);

let env: StandIns;
const gates: Gate[] = [];
const clients: S3Client[] = [];
const docs: DynamoDBDocumentClient[] = [];
let authority: LocalAuthority;

beforeAll(async () => {
  env = await startStandIns({ buckets: ['bucket-a'], table: 'table-a' });
  authority = new LocalAuthority({ roles: new Map([[lister.arn, lister], [reader.arn, reader], [writer.arn, writer], [getter.arn, getter]]), functionRoles: {}, stateMachineRole: null, eventsRoles: [], bucketPolicies: {} });
  authority.onNewKey = (id, secret) => account.createKeyPair(id, secret);
  await env.s3.send(new PutObjectCommand({ Bucket: 'bucket-a', Key: 'dir/obj.bin', Body: Buffer.from('0123456789abcdef'), ContentType: 'application/x-test' }));
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  for (const c of docs) c.destroy();
  for (const g of gates) await g.close();
  await env.stop();
});

async function client(roleArn: string, inProcess: boolean): Promise<S3Client> {
  const gate = await startGate({ service: 's3', target: env.s3Endpoint, ...(inProcess ? { handler: env.s3Handler } : {}), authority, region: env.region });
  gates.push(gate);
  const s = authority.newSession(roleArn, 'Test');
  const c = new S3Client({ endpoint: gate.endpoint, region: env.region, credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey }, forcePathStyle: true, maxAttempts: 1 });
  clients.push(c);
  return c;
}

/** What a call answers: status, error name and message, or the body and the headers that matter. */
async function outcome(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    const out = (await p) as { Body?: { transformToString(): Promise<string> }; ContentType?: string; ContentRange?: string; ETag?: string; ContentLength?: number };
    return { ok: true, body: out.Body ? await out.Body.transformToString() : null, type: out.ContentType, range: out.ContentRange, etag: out.ETag, length: out.ContentLength };
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { ok: false, status: e.$metadata?.httpStatusCode, name: e.name, message: e.message };
  }
}

describe('the S3 gate in the stand-in\'s process', () => {
  it('answers as the forwarding gate: objects, ranges, HEAD, a PUT read back, a missing key (404 or 403), a denied PUT', async () => {
    const results: Record<string, unknown>[][] = [];
    for (const inProcess of [false, true]) {
      const l = await client(lister.arn, inProcess);
      const r = await client(reader.arn, inProcess);
      const key = `put-${String(inProcess)}.txt`;
      results.push([
        await outcome(l.send(new GetObjectCommand({ Bucket: 'bucket-a', Key: 'dir/obj.bin' }))),
        await outcome(l.send(new GetObjectCommand({ Bucket: 'bucket-a', Key: 'dir/obj.bin', Range: 'bytes=4-9' }))),
        await outcome(r.send(new HeadObjectCommand({ Bucket: 'bucket-a', Key: 'dir/obj.bin' }))),
        await outcome(l.send(new PutObjectCommand({ Bucket: 'bucket-a', Key: key, Body: 'written' })).then(() => l.send(new GetObjectCommand({ Bucket: 'bucket-a', Key: key })))),
        await outcome(l.send(new GetObjectCommand({ Bucket: 'bucket-a', Key: 'missing.bin' }))),
        await outcome(r.send(new GetObjectCommand({ Bucket: 'bucket-a', Key: 'missing.bin' }))),
        await outcome(r.send(new HeadObjectCommand({ Bucket: 'bucket-a', Key: 'missing.bin' }))),
        await outcome(r.send(new PutObjectCommand({ Bucket: 'bucket-a', Key: 'denied.txt', Body: 'x' }))),
      ]);
    }
    const [forwarded, inProcess] = results as [Record<string, unknown>[], Record<string, unknown>[]];
    expect(inProcess).toEqual(forwarded);
    expect(inProcess[0]).toMatchObject({ ok: true, body: '0123456789abcdef', type: 'application/x-test' });
    expect(inProcess[1]).toMatchObject({ ok: true, body: '456789', range: 'bytes 4-9/16' });
    expect(inProcess[2]).toMatchObject({ ok: true, body: null, length: 16 });
    expect(inProcess[3]).toMatchObject({ ok: true, body: 'written' });
    expect(inProcess[4]).toMatchObject({ ok: false, status: 404, name: 'NoSuchKey' });
    expect(inProcess[5]).toMatchObject({ ok: false, status: 403, name: 'AccessDenied' });
    expect(String(inProcess[5]?.message)).toContain('s3:ListBucket');
    expect(inProcess[6]).toMatchObject({ ok: false, status: 403 });
    expect(inProcess[7]).toMatchObject({ ok: false, status: 403, name: 'AccessDenied' });
    expect(String(inProcess[7]?.message)).toContain('s3:PutObject');
  });
});

async function tableClient(roleArn: string, inProcess: boolean): Promise<DynamoDBDocumentClient> {
  const gate = await startGate({ service: 'dynamodb', target: env.dynamoEndpoint, ...(inProcess ? { handler: env.dynamoHandler } : {}), authority, region: env.region });
  gates.push(gate);
  const s = authority.newSession(roleArn, 'Test');
  const c = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: gate.endpoint, region: env.region, credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey }, maxAttempts: 1 }));
  docs.push(c);
  return c;
}

describe('the DynamoDB gate in the stand-in\'s process', () => {
  it('answers as the forwarding gate: an item put, updated and read back, a failed condition, a denied write', async () => {
    const results: Record<string, unknown>[][] = [];
    for (const inProcess of [false, true]) {
      const w = await tableClient(writer.arn, inProcess);
      const g = await tableClient(getter.arn, inProcess);
      const key = { pk: `JOB#${String(inProcess)}`, sk: 'BATCH#1' };
      const call = async (p: Promise<unknown>): Promise<Record<string, unknown>> => {
        try {
          const out = (await p) as { Item?: unknown; Attributes?: unknown };
          return { ok: true, item: out.Item ?? null, attributes: out.Attributes ?? null };
        } catch (err) {
          const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
          return { ok: false, status: e.$metadata?.httpStatusCode, name: e.name, message: e.message.replace(/JOB#(true|false)/, 'JOB#') };
        }
      };
      const strip = (r: Record<string, unknown>): Record<string, unknown> => JSON.parse(JSON.stringify(r).replace(/JOB#(true|false)/g, 'JOB#')) as Record<string, unknown>;
      results.push([
        await call(w.send(new PutCommand({ TableName: 'table-a', Item: { ...key, status: 'PENDING', attempts: 0 } }))),
        await call(w.send(new UpdateCommand({ TableName: 'table-a', Key: key, UpdateExpression: 'SET #s = :r ADD attempts :one', ConditionExpression: '#s <> :done', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':r': 'RUNNING', ':done': 'DONE', ':one': 1 }, ReturnValues: 'ALL_NEW' }))),
        await call(g.send(new GetCommand({ TableName: 'table-a', Key: key, ConsistentRead: true }))),
        await call(w.send(new UpdateCommand({ TableName: 'table-a', Key: key, UpdateExpression: 'SET #s = :d', ConditionExpression: '#s = :p', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':d': 'DONE', ':p': 'PENDING' } }))),
        await call(g.send(new PutCommand({ TableName: 'table-a', Item: { ...key, status: 'X' } }))),
      ].map(strip));
    }
    const [forwarded, inProcess] = results as [Record<string, unknown>[], Record<string, unknown>[]];
    expect(inProcess).toEqual(forwarded);
    expect(inProcess[1]).toMatchObject({ ok: true, attributes: { pk: 'JOB#', sk: 'BATCH#1', status: 'RUNNING', attempts: 1 } });
    expect(inProcess[2]).toMatchObject({ ok: true, item: { pk: 'JOB#', sk: 'BATCH#1', status: 'RUNNING', attempts: 1 } });
    expect(inProcess[3]).toMatchObject({ ok: false, status: 400, name: 'ConditionalCheckFailedException' });
    expect(inProcess[4]).toMatchObject({ ok: false, status: 400, name: 'AccessDeniedException' });
    expect(String(inProcess[4]?.message)).toContain('dynamodb:PutItem');
  });
});
