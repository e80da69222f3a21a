/**
 * Dependencies of the stage functions, built once per Lambda container from
 * the environment (config.ts) and the SDK's own endpoint resolution: the same
 * code talks to AWS or, with AWS_ENDPOINT_URL_S3 / _DYNAMODB set, to the
 * local stand-ins.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { JobStore } from '../jobs/store';
import { awsClients, configFromEnv } from './config';
import type { PipelineConfig } from './config';
import type { S3Client } from '@aws-sdk/client-s3';

/** Everything a handler needs. */
export interface HandlerDeps { config: PipelineConfig; s3: S3Client; store: JobStore }

let cached: HandlerDeps | null = null;

/** The handler dependencies (cached per container). */
export function handlerDeps(env: Record<string, string | undefined> = process.env): HandlerDeps {
  if (cached) return cached;
  const config = configFromEnv(env);
  const { s3, dynamo } = awsClients();
  cached = { config, s3, store: new JobStore(DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }), config.tableName) };
  return cached;
}

/** Forgets the cached dependencies (tests and the local runner switch environments). */
export function resetHandlerDeps(): void {
  cached = null;
}
