/**
 * A deployed stack, found by its CloudFormation outputs, and the clients the
 * CLI drives it with. Endpoints come from the SDK's own configuration
 * (AWS_ENDPOINT_URL_*), so the same code reaches AWS or local stand-ins.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ZonalflowError } from '../errors';
import { JobStore } from '../jobs/store';
import { JOBS_INDEX_NAME } from '../jobs/records';

/** The stack's resources. */
export interface StackRefs { stackName: string; inputBucket: string; outputBucket: string; table: string; stateMachineArn: string }

/** Clients for a stack. */
export interface RemoteDeps { refs: StackRefs; s3: S3Client; sfn: SFNClient; store: JobStore }

/** Reads the stack's outputs (InputBucketName, OutputBucketName, TableName, StateMachineArn). */
export async function resolveStack(cfn: CloudFormationClient, stackName: string): Promise<StackRefs> {
  let outputs: { OutputKey?: string; OutputValue?: string }[] | undefined;
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = out.Stacks?.[0]?.Outputs;
  } catch (err) {
    throw describeStackError(err, stackName);
  }
  const get = (k: string): string => {
    const v = outputs?.find((o) => o.OutputKey === k)?.OutputValue;
    if (!v) throw new ZonalflowError('STACK_NOT_FOUND', `the stack ${stackName} has no output ${k}: is it a zonalflow stack?`);
    return v;
  };
  return { stackName, inputBucket: get('InputBucketName'), outputBucket: get('OutputBucketName'), table: get('TableName'), stateMachineArn: get('StateMachineArn') };
}

/**
 * What went wrong reaching the stack, told apart: no region configured
 * (NO_REGION), no credentials (NO_CREDENTIALS), the network (NETWORK: DNS,
 * refused, timed out), or the stack itself missing (STACK_NOT_FOUND).
 */
export function describeStackError(err: unknown, stackName: string): ZonalflowError {
  const e = err as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } } | null;
  const name = e?.name ?? '';
  const message = e?.message ?? String(err);
  const code = e?.code ?? (e as { cause?: { code?: string } } | null)?.cause?.code ?? '';
  if (/region is missing/i.test(message) || name === 'RegionMissingError') {
    return new ZonalflowError('NO_REGION', `no AWS region: set AWS_REGION (or a region in ~/.aws/config / AWS_PROFILE) to reach the stack ${stackName}`, { cause: err });
  }
  if (name === 'CredentialsProviderError' || /could not load credentials|credential.*not.*(found|loaded)/i.test(message)) {
    return new ZonalflowError('NO_CREDENTIALS', `no AWS credentials: configure them (aws configure, AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) to reach the stack ${stackName}`, { cause: err });
  }
  if (['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENETUNREACH', 'EHOSTUNREACH'].includes(code) || name === 'TimeoutError' || /getaddrinfo|socket hang up|connect ECONN/i.test(message)) {
    return new ZonalflowError('NETWORK', `cannot reach AWS CloudFormation (${code || name}: ${message}): check the network, a proxy or AWS_ENDPOINT_URL`, { cause: err });
  }
  if (name === 'ValidationError' && /does not exist/i.test(message)) {
    return new ZonalflowError('STACK_NOT_FOUND', `no stack ${stackName} in this account and region (deploy it with npx cdk deploy, or pass --stack)`, { cause: err });
  }
  return new ZonalflowError('STACK_UNREADABLE', `cannot read the stack ${stackName}: ${name ? `${name}: ` : ''}${message}`, { cause: err });
}

/** Clients for the stack named `stackName` (default region and credentials chain). */
export async function connect(stackName: string): Promise<RemoteDeps> {
  const refs = await resolveStack(new CloudFormationClient({}), stackName);
  const local = process.env.AWS_ENDPOINT_URL_S3 !== undefined;
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 8 }), { marshallOptions: { removeUndefinedValues: true } });
  return { refs, s3: new S3Client({ forcePathStyle: local }), sfn: new SFNClient({}), store: new JobStore(doc, refs.table, { jobsIndex: JOBS_INDEX_NAME }) };
}
