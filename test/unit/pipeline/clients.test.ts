/**
 * The handlers' S3 client retries 503 SlowDown adaptively (client-side rate limiting:
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html): a prefix that
 * S3 is still partitioning slows the Workers down instead of failing their batches.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
});
