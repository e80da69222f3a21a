/**
 * The handlers' S3 client retries 503 SlowDown adaptively (client-side rate limiting:
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html): a prefix that
 * S3 is still partitioning slows the Workers down instead of failing their batches.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { awsClients } from '../../../shared/pipeline/config';

describe('handler clients', () => {
  let region: string | undefined;
  beforeEach(() => {
    region = process.env.AWS_REGION;
    process.env.AWS_REGION = 'us-east-1';
  });
  afterEach(() => {
    if (region === undefined) delete process.env.AWS_REGION;
    else process.env.AWS_REGION = region;
  });
  it('S3: adaptive retry strategy, 6 attempts; DynamoDB: 8 attempts', async () => {
    const { s3, dynamo } = awsClients();
    const strategy = (await s3.config.retryStrategy()) as { mode?: string };
    expect(strategy.mode).toBe('adaptive');
    expect(s3.config.retryMode).toBe('adaptive');
    expect(await s3.config.maxAttempts()).toBe(6);
    expect(await dynamo.config.maxAttempts()).toBe(8);
    s3.destroy();
    dynamo.destroy();
  });

  it('clients made again (each local invocation has its own credentials) reuse the kept-alive connections of the ones before', async () => {
    let connections = 0;
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult><Buckets></Buckets></ListAllMyBucketsResult>');
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const saved = { endpoint: process.env.AWS_ENDPOINT_URL_S3, key: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ENDPOINT_URL_S3 = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const key of ['FIRSTSESSION', 'SECONDSESSION', 'THIRDSESSION']) {
        process.env.AWS_ACCESS_KEY_ID = key;
        process.env.AWS_SECRET_ACCESS_KEY = 'secret';
        const { s3 } = awsClients();
        await s3.send(new ListBucketsCommand({}));
      }
      expect(connections).toBe(1);
    } finally {
      for (const [k, v] of [['AWS_ENDPOINT_URL_S3', saved.endpoint], ['AWS_ACCESS_KEY_ID', saved.key], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
        if (v === undefined) Reflect.deleteProperty(process.env, k);
        else process.env[k] = v;
      }
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
