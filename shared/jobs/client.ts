/**
 * DynamoDB clients for the job store. Throttling
 * (ProvisionedThroughputExceededException, ThrottlingException,
 * RequestLimitExceeded) and 5xx errors are retried by the SDK's standard retry
 * strategy (exponential backoff with jitter); we only raise `maxAttempts`.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Attempts per DynamoDB call (1 + 7 retries) used by the job store's clients. */
export const DYNAMO_MAX_ATTEMPTS = 8;

/** A DynamoDB client with the job store's retry settings (anything in `config` wins). */
export function createDynamoClient(config: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({ maxAttempts: DYNAMO_MAX_ATTEMPTS, retryMode: 'standard', ...config });
}

/** The document client the JobStore expects (undefined attributes dropped, not an error). */
export function createDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
