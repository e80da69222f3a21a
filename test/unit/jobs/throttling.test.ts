/**
 * Throttling is retried by the SDK's own retry middleware, which
 * aws-sdk-client-mock bypasses (it stubs `send`): so these tests drive a real
 * DynamoDBClient configured as the job store's, through a request handler that
 * answers like DynamoDB does when it throttles.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createDocumentClient, createDynamoClient, DYNAMO_MAX_ATTEMPTS } from '../../../shared/jobs/client';
import { JobStore, JobStoreError } from '../../../shared/jobs/store';

interface FakeResponse { statusCode: number; reason?: string; headers: Record<string, string>; body: Readable }

function dynamoResponse(status: number, body: unknown, errorType?: string): { response: FakeResponse } {
  const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'r' };
  if (errorType) headers['x-amzn-errortype'] = errorType;
  return { response: { statusCode: status, headers, body: Readable.from([Buffer.from(JSON.stringify(body))]) } };
}

/** A request handler that throttles the first `throttles` requests, then answers GetItem with one job. */
function throttlingHandler(throttles: number, errorType: string): { handle: () => Promise<{ response: FakeResponse }>; calls: () => number } {
  let calls = 0;
  return {
    calls: () => calls,
    handle: () => {
      calls++;
      if (calls <= throttles) return Promise.resolve(dynamoResponse(400, { __type: `com.amazonaws.dynamodb.v20120810#${errorType}`, message: 'slow down' }, errorType));
      return Promise.resolve(dynamoResponse(200, { Item: { pk: { S: 'JOB#j' }, sk: { S: 'JOB' }, jobId: { S: 'j' }, status: { S: 'RUNNING' } } }));
    },
  };
}

const base = { region: 'eu-west-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } };

describe('throttling (SDK retry with the job store settings)', () => {
  it('the job store client makes up to 8 attempts', async () => {
    const client = createDynamoClient(base);
    expect(DYNAMO_MAX_ATTEMPTS).toBe(8);
    expect(await client.config.maxAttempts()).toBe(8);
    client.destroy();
  });

  for (const errorType of ['ProvisionedThroughputExceededException', 'ThrottlingException']) {
    it(`a call throttled twice with ${errorType} succeeds on the third attempt`, async () => {
      const handler = throttlingHandler(2, errorType);
      const client = createDynamoClient({ ...base, requestHandler: handler });
      expect(await new JobStore(createDocumentClient(client), 't').jobStatus('j')).toBe('RUNNING');
      expect(handler.calls()).toBe(3);
      client.destroy();
    }, 20_000);
  }

  it('when the attempts run out the error is a JobStoreError naming the throttling', async () => {
    const handler = throttlingHandler(Infinity, 'ThrottlingException');
    const client = createDynamoClient({ ...base, requestHandler: handler, maxAttempts: 2 });
    const err = await new JobStore(createDocumentClient(client), 't').jobStatus('j').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobStoreError);
    expect((err as Error).message).toMatch(/GetItem \(job\) on table t failed: ThrottlingException: slow down/);
    expect(handler.calls()).toBe(2);
    client.destroy();
  }, 20_000);
});
