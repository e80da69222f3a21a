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
import { getJson } from './objects';
import { parseJobSpec } from '../spec';
import type { JobSpec } from '../spec';
import { SpecError } from '../errors';

/** Everything a handler needs. */
export interface HandlerDeps {
  config: PipelineConfig;
  s3: S3Client;
  store: JobStore;
  /** The stack's default spec: inline (DEFAULT_SPEC) or read once from S3 (DEFAULT_SPEC_URI); null without one. */
  defaultSpec(): Promise<JobSpec | null>;
}

let cached: HandlerDeps | null = null;

/** The handler dependencies (cached per container). */
export function handlerDeps(env: Record<string, string | undefined> = process.env): HandlerDeps {
  if (cached) return cached;
  const config = configFromEnv(env);
  const { s3, dynamo } = awsClients();
  let spec: Promise<JobSpec | null> | null = null;
  const defaultSpec = (): Promise<JobSpec | null> => {
    if (config.defaultSpec !== null || config.defaultSpecLocation === null) return Promise.resolve(config.defaultSpec);
    const loc = config.defaultSpecLocation;
    spec ??= getJson(s3, loc).then((raw) => {
      if (raw === null) throw new SpecError(`the stack's default spec s3://${loc.bucket}/${loc.key} does not exist`);
      return parseJobSpec(raw, `default spec s3://${loc.bucket}/${loc.key}`);
    });
    spec.catch(() => (spec = null));
    return spec;
  };
  cached = { config, s3, defaultSpec, store: new JobStore(DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }), config.tableName) };
  return cached;
}

/** Forgets the cached dependencies (tests and the local runner switch environments). */
export function resetHandlerDeps(): void {
  cached = null;
}

/** The cached dependencies (null: none yet), to be kept aside: the local runner keeps one set per warm sandbox (shared/local/sandbox-deps.ts). */
export function cachedHandlerDeps(): HandlerDeps | null {
  return cached;
}

/** Makes `deps` the cached dependencies (null: the next handlerDeps() makes them from the environment). */
export function useHandlerDeps(deps: HandlerDeps | null): void {
  cached = deps;
}
