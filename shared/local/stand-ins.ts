/**
 * The local stand-ins of S3 and DynamoDB: s3rver and dynalite, in this
 * process, on 127.0.0.1 at free ports, with a temporary directory that is
 * removed on stop. `zonalflow local` and the integration tests use them; the
 * handlers reach them through AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_DYNAMODB.
 * (s3rver's ListObjectsV2 pagination needs node --openssl-legacy-provider:
 * its continuation tokens are DES-encrypted.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const require = createRequire(import.meta.url);

interface S3rverInstance { run(): Promise<AddressInfo>; close(): Promise<void> }
type S3rverCtor = new (opts: Record<string, unknown>) => S3rverInstance;
type Dynalite = (opts: Record<string, unknown>) => Server;

/** Static credentials for the stand-ins (they accept any). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
/** The region the stand-ins pretend to be. */
export const LOCAL_REGION = 'us-east-1';

/** Running stand-ins. */
export interface StandIns {
  s3Endpoint: string;
  dynamoEndpoint: string;
  region: string;
  s3: S3Client;
  dynamo: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  /** Environment for handlers running against these stand-ins. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Starts s3rver and dynalite; creates the buckets and (optionally) the zonalflow table. */
export async function startStandIns(opts: { buckets?: string[]; table?: string } = {}): Promise<StandIns> {
  const dir = mkdtempSync(join(tmpdir(), 'zonalflow-s3-'));
  const S3rver = require('s3rver') as S3rverCtor;
  const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, resetOnClose: true });
  const s3Address = await s3rver.run();
  const dynalite = (require('dynalite') as Dynalite)({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    dynalite.once('error', reject);
    dynalite.listen(0, '127.0.0.1', () => resolve());
  });
  const s3Endpoint = `http://127.0.0.1:${s3Address.port}`;
  const dynamoEndpoint = `http://127.0.0.1:${(dynalite.address() as AddressInfo).port}`;
  const s3 = new S3Client({ endpoint: s3Endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
  const dynamo = new DynamoDBClient({ endpoint: dynamoEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  for (const b of opts.buckets ?? []) await s3.send(new CreateBucketCommand({ Bucket: b }));
  if (opts.table) await createJobTable(dynamo, opts.table);
  return {
    s3Endpoint,
    dynamoEndpoint,
    region: LOCAL_REGION,
    s3,
    dynamo,
    doc: DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
    env: {
      AWS_ENDPOINT_URL_S3: s3Endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    },
    async stop() {
      s3.destroy();
      dynamo.destroy();
      await s3rver.close();
      await new Promise<void>((r) => dynalite.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates the zonalflow table (pk, sk; TTL on `ttl`) as the stack defines it. */
export async function createJobTable(dynamo: DynamoDBClient, table: string): Promise<void> {
  await dynamo.send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await waitUntilTableExists({ client: dynamo, maxWaitTime: 30 }, { TableName: table });
  await dynamo.send(new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true } })).catch(() => undefined);
}
