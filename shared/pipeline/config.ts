/**
 * The deployed configuration of the handlers, read once from the environment
 * the stack sets (and that `zonalflow local` sets the same way). zod names
 * every missing or malformed variable.
 */
import * as z from 'zod';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SpecError } from '../errors';
import { parseJobSpec } from '../spec';
import type { JobSpec } from '../spec';
import type { AllowedSources } from '../io/uri';

const csv = z
  .string()
  .optional()
  .transform((s) => (s ?? '').split(',').map((x) => x.trim()).filter(Boolean));

/** Plan's feature limit per job when MAX_FEATURES_PER_JOB is not set (at most MAX_COLLECT_ROWS: collect-budget.ts). */
export const DEFAULT_MAX_FEATURES_PER_JOB = 10_000_000;

const EnvSchema = z.object({
  TABLE_NAME: z.string().min(1),
  OUTPUT_BUCKET: z.string().min(1),
  WORK_PREFIX: z.string().default('_work/'),
  /** The default spec inline (local runs, tests); the stack puts it in S3 instead (DEFAULT_SPEC_URI): an environment holds 4 KB. */
  DEFAULT_SPEC: z.string().optional(),
  /** s3://bucket/key of the stack's default spec (an S3 asset). */
  DEFAULT_SPEC_URI: z.string().regex(/^s3:\/\/[^/]+\/.+/, 'expected s3://bucket/key').optional(),
  INPUT_BUCKETS: csv,
  RASTER_BUCKETS: csv,
  RASTER_HOSTS: csv,
  /** Local runs only: lets the worker read local paths and the loopback S3 stand-in. */
  ZONALFLOW_ALLOW_LOCAL_FILES: z.enum(['0', '1']).default('0'),
  /** Local runs only: lets the worker read http(s) on 127.0.0.1 (a local STAC API or file server). */
  ZONALFLOW_ALLOW_LOOPBACK: z.enum(['0', '1']).default('0'),
  /**
   * Hosts the user explicitly allows to be private or loopback addresses and to be read over plain http
   * (`zonalflow local --allow-host HOST`); empty (strict) unless set. The stack never sets it.
   */
  ZONALFLOW_ALLOW_HOSTS: csv,
  /** Limits (bytes of a GeoPackage, features per job). */
  MAX_INPUT_BYTES: z.coerce.number().int().positive().default(5 * 1024 ** 3),
  MAX_FEATURES_PER_JOB: z.coerce.number().int().positive().default(DEFAULT_MAX_FEATURES_PER_JOB),
});

/** What every handler needs. */
export interface PipelineConfig {
  tableName: string;
  outputBucket: string;
  workPrefix: string;
  defaultSpec: JobSpec | null;
  /** Where the default spec lives when it is not inline. */
  defaultSpecLocation: { bucket: string; key: string } | null;
  /** Buckets besides the stack's input bucket that GeoPackages may come from. */
  inputBuckets: string[];
  allowed: AllowedSources;
  limits: { maxInputBytes: number; maxFeatures: number };
}

/** Reads and validates the configuration from an environment (process.env in the handlers). */
export function configFromEnv(env: Record<string, string | undefined>): PipelineConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`);
    throw new SpecError(`the handler's environment is incomplete:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  let defaultSpec: JobSpec | null = null;
  if (e.DEFAULT_SPEC !== undefined && e.DEFAULT_SPEC.trim() !== '') {
    let raw: unknown;
    try {
      raw = JSON.parse(e.DEFAULT_SPEC);
    } catch (err) {
      throw new SpecError(`DEFAULT_SPEC is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    defaultSpec = parseJobSpec(raw, 'default spec (DEFAULT_SPEC)');
  }
  const workPrefix = e.WORK_PREFIX.endsWith('/') ? e.WORK_PREFIX : `${e.WORK_PREFIX}/`;
  return {
    tableName: e.TABLE_NAME,
    outputBucket: e.OUTPUT_BUCKET,
    workPrefix,
    defaultSpec,
    defaultSpecLocation: e.DEFAULT_SPEC_URI === undefined ? null : (() => { const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(e.DEFAULT_SPEC_URI) as RegExpExecArray; return { bucket: m[1] ?? '', key: m[2] ?? '' }; })(),
    inputBuckets: e.INPUT_BUCKETS,
    limits: { maxInputBytes: e.MAX_INPUT_BYTES, maxFeatures: e.MAX_FEATURES_PER_JOB },
    allowed: {
      schemes: [...(['s3', 'https'] as const), ...(e.ZONALFLOW_ALLOW_LOCAL_FILES === '1' ? (['file'] as const) : []), ...(e.ZONALFLOW_ALLOW_LOOPBACK === '1' || e.ZONALFLOW_ALLOW_HOSTS.length > 0 ? (['http'] as const) : [])],
      s3Buckets: e.RASTER_BUCKETS,
      httpsHosts: e.RASTER_HOSTS,
      allowLoopback: e.ZONALFLOW_ALLOW_LOOPBACK === '1',
      internalHosts: e.ZONALFLOW_ALLOW_HOSTS,
    },
  };
}

/** Sockets the handlers' clients keep open per host (the SDK's own default for Node.js). */
export const MAX_SOCKETS_PER_HOST = 50;

let agents: { httpAgent: HttpAgent; httpsAgent: HttpsAgent } | null = null;

/**
 * The keep-alive connection pools of every client `awsClients` makes in this process (the SDK's defaults:
 * keep-alive, 50 sockets a host). Clients are made again when the environment changes (the tests'
 * resetHandlerDeps; `zonalflow local` runs several sandboxes in one thread, each with its own credentials:
 * shared/local/sandbox-deps.ts); the connections need not be: a request's credentials are in its signature,
 * not in its socket. Each new client's own pool opened new connections and left the old ones open until the
 * server closed them.
 */
function sharedAgents(): { httpAgent: HttpAgent; httpsAgent: HttpsAgent } {
  agents ??= { httpAgent: new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST }), httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST }) };
  return agents;
}

/** AWS clients for the handlers: endpoints come from AWS_ENDPOINT_URL_S3 / _DYNAMODB (local stand-ins) via the SDK itself. */
export function awsClients(): { s3: S3Client; dynamo: DynamoDBClient } {
  const local = process.env.AWS_ENDPOINT_URL_S3 !== undefined;
  return {
    // stalled reads are cut after 30 s; adaptive retries (client-side rate limiting when S3 answers 503 SlowDown:
    // https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html); each byte source retries on top (bounded)
    s3: new S3Client({ forcePathStyle: local, maxAttempts: 6, retryMode: 'adaptive', requestHandler: { requestTimeout: 30_000, connectionTimeout: 5_000, ...sharedAgents() } }),
    dynamo: new DynamoDBClient({ maxAttempts: 8, retryMode: 'adaptive', requestHandler: { ...sharedAgents() } }),
  };
}
