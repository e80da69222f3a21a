/**
 * The CLI tells "no region", "no credentials" and "network" apart from "no
 * such stack", with the SDK's own errors as they are raised.
 */
import { describe, expect, it } from 'vitest';
import { CloudFormationClient, CloudFormationServiceException, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { describeStackError, resolveStack } from '../../../shared/remote/stack';

describe('why the stack cannot be reached', () => {
  it('no region: the SDK\'s "Region is missing"', async () => {
    const cfn = new CloudFormationClient({ region: undefined, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const saved = { r: process.env.AWS_REGION, d: process.env.AWS_DEFAULT_REGION, p: process.env.AWS_PROFILE, c: process.env.AWS_CONFIG_FILE };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    process.env.AWS_CONFIG_FILE = '/nonexistent';
    try {
      await expect(resolveStack(cfn, 'Zonalflow')).rejects.toMatchObject({ code: 'NO_REGION', message: expect.stringMatching(/^no AWS region: set AWS_REGION/) as unknown });
    } finally {
      if (saved.r !== undefined) process.env.AWS_REGION = saved.r;
      if (saved.d !== undefined) process.env.AWS_DEFAULT_REGION = saved.d;
      if (saved.c !== undefined) process.env.AWS_CONFIG_FILE = saved.c;
      else delete process.env.AWS_CONFIG_FILE;
    }
  });
  it('no credentials, network, no stack, anything else: each its own code', () => {
    expect(describeStackError(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), 'Z').code).toBe('NO_CREDENTIALS');
    expect(describeStackError(Object.assign(new Error('getaddrinfo ENOTFOUND cloudformation.eu-west-1.amazonaws.com'), { code: 'ENOTFOUND' }), 'Z').code).toBe('NETWORK');
    expect(describeStackError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED' }), 'Z').code).toBe('NETWORK');
    const missing = new CloudFormationServiceException({ name: 'ValidationError', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Stack with id Z does not exist' });
    expect(describeStackError(missing, 'Z')).toMatchObject({ code: 'STACK_NOT_FOUND', message: 'no stack Z in this account and region (deploy it with npx cdk deploy, or pass --stack)' });
    const denied = new CloudFormationServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'not authorized to perform: cloudformation:DescribeStacks' });
    expect(describeStackError(denied, 'Z')).toMatchObject({ code: 'STACK_UNREADABLE' });
  });
  it('a stack that exists is read', async () => {
    const mock = mockClient(CloudFormationClient);
    mock.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Z', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: ['InputBucketName', 'OutputBucketName', 'TableName', 'StateMachineArn'].map((k) => ({ OutputKey: k, OutputValue: `v-${k}` })) }] });
    expect(await resolveStack(new CloudFormationClient({ region: 'eu-west-1' }), 'Z')).toMatchObject({ inputBucket: 'v-InputBucketName' });
    mock.restore();
  });
});
