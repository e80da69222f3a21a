/**
 * The local stand-ins of S3 and DynamoDB: s3rver and dynalite, in this
 * process, on 127.0.0.1 at free ports (listen on port 0, then read the bound
 * port), s3rver on a temporary directory that is removed on stop, dynalite in
 * memory. `zonalflow local` and the integration tests use them; handlers reach
 * them through AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_DYNAMODB (`env`).
 *
 * Quirks (measured, covered by test/integration/jobs/s3-stand-in.test.ts):
 * - s3rver's ListObjectsV2 continuation tokens use DES, absent from Node 17+'s
 *   OpenSSL 3 without --openssl-legacy-provider; s3rver.pagination.ts replaces
 *   them in-process, so no NODE_OPTIONS are needed.
 * - s3rver reads `bytes=-N` as `bytes=0-N` and `bytes=0-0` as the whole
 *   object; s3rver.ranges.ts fixes both in-process.
 * - s3rver ignores `If-Match` on GetObject/HeadObject; s3rver.conditions.ts answers 412 as S3 does.
 * - s3rver stores any amount of user-defined metadata; s3rver.conditions.ts refuses more than S3's 2 KB (MetadataTooLarge).
 * - dynalite has no transactions (TransactWriteItems): the job store uses none.
 * - s3rver's file store makes some ten asynchronous file calls a request; s3rver.sync-store.ts makes
 *   the same reads and writes synchronously (the stand-ins' largest CPU cost in `zonalflow local`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import type { AttributeDefinition, GlobalSecondaryIndex } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, DYNAMO_MAX_ATTEMPTS } from '../jobs/client';
import { JOBS_INDEX_NAME } from '../jobs/records';
import { installListV2Pagination } from './s3rver.pagination';
import type { KoaAppLike } from './s3rver.pagination';
import { installRangeFixes } from './s3rver.ranges';
import { installIfMatch, installMetadataLimit } from './s3rver.conditions';
import { copyObjectToFile, installSyncStore, putFileObject } from './s3rver.sync-store';

const require = createRequire(import.meta.url);

interface S3rverInstance extends KoaAppLike { store: unknown; httpServer?: Server; run(): Promise<AddressInfo>; close(): Promise<void> }
type S3rverCtor = new (opts: Record<string, unknown>) => S3rverInstance;
type Dynalite = (opts: Record<string, unknown>) => Server;

/** Static credentials for the stand-ins (they accept any). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
/** The region the stand-ins pretend to be. */
export const LOCAL_REGION = 'us-east-1';

/** Options of `startStandIns`. */
export interface StandInsOptions {
  /** s3rver's storage directory; kept on stop. Default: a new temporary directory, removed on stop. */
  dir?: string;
  /** Buckets to create. */
  buckets?: string[];
  /** A zonalflow table to create (pk, sk, TTL on `ttl`). */
  table?: string;
  /** More zonalflow tables to create. */
  tables?: string[];
  /** Also create the `byCreated` GSI (gsi1pk, gsi1sk) on the tables. */
  jobsIndex?: boolean;
}

/** Running stand-ins. */
export interface StandIns {
  s3Endpoint: string;
  dynamoEndpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** s3rver's storage directory. */
  dir: string;
  /** A shared S3 client (path style), destroyed on stop. */
  s3: S3Client;
  /** A shared DynamoDB client, destroyed on stop. */
  dynamo: DynamoDBClient;
  /** A document client over `dynamo`, as the JobStore expects. */
  doc: DynamoDBDocumentClient;
  /** A new S3 client for these stand-ins (the caller destroys it). */
  s3Client(): S3Client;
  /** A new DynamoDB client for these stand-ins (the caller destroys it). */
  ddbClient(): DynamoDBClient;
  /** s3rver's request listener (its HTTP server's): a gate in this process hands requests to it directly (gate.ts). */
  s3Handler: (req: IncomingMessage, res: ServerResponse) => unknown;
  /** dynalite's request listener, likewise (a gate hands it requests directly: gate.ts). */
  dynamoHandler: (req: IncomingMessage, res: ServerResponse) => unknown;
  /** Stores a local file as an object, as a PUT of its bytes (and `metadata`, the SDK's Metadata map) would, without the HTTP round trip (s3rver.sync-store.ts). */
  putFile(bucket: string, key: string, path: string, metadata?: Record<string, string>): Promise<void>;
  /** Copies an object to a local file, as a GET of it would give its bytes, without the HTTP round trip; false when it does not exist. */
  copyFile(bucket: string, key: string, dest: string): Promise<boolean>;
  /** Environment for handlers running against these stand-ins. */
  env: Record<string, string>;
  /** Stops both servers and removes the temporary directory. */
  stop(): Promise<void>;
}

/**
 * Removes s3rver's request log (koa-logger, its first middleware), which formats a line per request (colours, sizes,
 * times) for a console transport that `silent` mutes: ~0.1 ms of this thread's CPU per request for nothing. Its
 * logger (app.logger: warnings) stays. Before `run()`, which composes the middleware.
 */
function dropRequestLog(s3rver: KoaAppLike): void {
  const i = s3rver.middleware.findIndex((m) => m.name === 'logger');
  if (i >= 0) s3rver.middleware.splice(i, 1);
}

/** Starts s3rver and dynalite on 127.0.0.1 (free ports), creates the buckets and tables. */
export async function startStandIns(opts: StandInsOptions = {}): Promise<StandIns> {
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'zonalflow-s3-'));
  const cleanups: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    const errors: unknown[] = [];
    for (const c of cleanups.reverse()) await c().catch((err: unknown) => errors.push(err));
    cleanups.length = 0;
    if (ownDir) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    if (errors.length) throw new AggregateError(errors, 'stopping the local stand-ins failed');
  };
  try {
    const S3rver = require('s3rver') as S3rverCtor;
    // not resetOnClose: s3rver would empty the folder in its server's 'close' event, where a request still
    // writing a part makes the removal throw as an uncaught exception (ENOTEMPTY); stopAll removes it
    const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, resetOnClose: false });
    dropRequestLog(s3rver);
    installListV2Pagination(s3rver);
    installRangeFixes(s3rver);
    installIfMatch(s3rver);
    installMetadataLimit(s3rver);
    installSyncStore(s3rver);
    const s3Address = await s3rver.run();
    cleanups.push(() => {
      // a stand-in stops at once: connections still open (a request in flight, an idle keep-alive socket
      // of a client never destroyed) are cut instead of waited for
      const closed = s3rver.close();
      s3rver.httpServer?.closeAllConnections();
      return closed;
    });
    const s3Handler = s3rver.httpServer?.listeners('request')[0] as ((req: IncomingMessage, res: ServerResponse) => unknown) | undefined;
    if (!s3Handler) throw new Error('s3rver started without a request listener');

    const dynalite = (require('dynalite') as Dynalite)({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve, reject) => {
      dynalite.once('error', reject);
      dynalite.listen(0, '127.0.0.1', () => {
        dynalite.off('error', reject);
        resolve();
      });
    });
    cleanups.push(() => {
      const closed = new Promise<void>((resolve, reject) => dynalite.close((err) => (err ? reject(err) : resolve())));
      dynalite.closeAllConnections();
      return closed;
    });
    const dynamoHandler = dynalite.listeners('request')[0] as ((req: IncomingMessage, res: ServerResponse) => unknown) | undefined;
    if (!dynamoHandler) throw new Error('dynalite started without a request listener');

    const s3Endpoint = `http://127.0.0.1:${s3Address.port}`;
    const dynamoEndpoint = `http://127.0.0.1:${(dynalite.address() as AddressInfo).port}`;
    const credentials = { ...LOCAL_CREDENTIALS };
    const s3Client = (): S3Client => new S3Client({ endpoint: s3Endpoint, region: LOCAL_REGION, credentials, forcePathStyle: true });
    const ddbClient = (): DynamoDBClient => new DynamoDBClient({ endpoint: dynamoEndpoint, region: LOCAL_REGION, credentials, maxAttempts: DYNAMO_MAX_ATTEMPTS });
    const s3 = s3Client();
    const dynamo = ddbClient();
    cleanups.push(() => {
      s3.destroy();
      dynamo.destroy();
      return Promise.resolve();
    });
    for (const b of opts.buckets ?? []) await s3.send(new CreateBucketCommand({ Bucket: b }));
    const tables = [...(opts.table === undefined ? [] : [opts.table]), ...(opts.tables ?? [])];
    for (const t of tables) await createTable(dynamo, t, { jobsIndex: opts.jobsIndex ?? false });
    return {
      s3Endpoint,
      dynamoEndpoint,
      region: LOCAL_REGION,
      credentials,
      dir,
      s3,
      dynamo,
      doc: createDocumentClient(dynamo),
      s3Client,
      ddbClient,
      s3Handler,
      dynamoHandler,
      putFile: (bucket, key, path, metadata) => putFileObject(s3rver, bucket, key, path, metadata),
      copyFile: (bucket, key, dest) => Promise.resolve(copyObjectToFile(s3rver, bucket, key, dest)),
      env: {
        AWS_ENDPOINT_URL_S3: s3Endpoint,
        AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
        AWS_REGION: LOCAL_REGION,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }
}

/**
 * Creates the zonalflow table as the stack defines it: keys pk (S), sk (S),
 * on-demand, TTL on `ttl`; with `jobsIndex`, also the GSI `byCreated`
 * (gsi1pk S, gsi1sk S, all attributes) used by `JobStore` option `jobsIndex`.
 */
export async function createTable(client: DynamoDBClient, name: string, opts: { jobsIndex?: boolean } = {}): Promise<void> {
  const attributes: AttributeDefinition[] = [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }];
  const indexes: GlobalSecondaryIndex[] = [];
  if (opts.jobsIndex) {
    attributes.push({ AttributeName: 'gsi1pk', AttributeType: 'S' }, { AttributeName: 'gsi1sk', AttributeType: 'S' });
    indexes.push({
      IndexName: JOBS_INDEX_NAME,
      KeySchema: [{ AttributeName: 'gsi1pk', KeyType: 'HASH' }, { AttributeName: 'gsi1sk', KeyType: 'RANGE' }],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    });
  }
  await client.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: attributes,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      BillingMode: 'PAY_PER_REQUEST',
      ...(indexes.length ? { GlobalSecondaryIndexes: indexes } : {}),
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: name });
  await client.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true } })).catch((err: unknown) => {
    // dynalite does not implement UpdateTimeToLive (records then simply never expire locally)
    if ((err as { name?: string }).name !== 'UnknownOperationException') throw err;
  });
}

/** Same as `createTable` (earlier name). */
export const createJobTable = createTable;
