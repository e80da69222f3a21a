/**
 * The stack, synthesized without bundling (the bundle itself is covered by
 * `npm run synth` and the bench): specific properties of the state machine,
 * functions, rule, buckets, table and IAM; cdk-nag clean; the definition
 * valid ASL.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Template, Match } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { buildApp } from '../../infra/app';
import { placeholderRefs, renderDefinition, resolveCfn, resourcesOfType } from '../../infra/definition';
import { LAMBDA_TIMEOUT_ERRORS, RETRYABLE_LAMBDA_ERRORS } from '../../infra/state-machine';

const require = createRequire(import.meta.url);
const aslValidator = require('asl-validator') as (d: unknown, o?: unknown) => { isValid: boolean; errors: unknown[] };
const flags = (JSON.parse(readFileSync(join(import.meta.dirname, '../../cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;

function synth(context: Record<string, unknown> = {}): { template: Template; json: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> } } {
  const { app, stack } = buildApp({ ...flags, 'aws:cdk:bundling-stacks': [], rasterBuckets: 'sentinel-cogs,my-dems', rasterHttpsHosts: 'data.example.org', maxConcurrency: 50, toleratedFailurePercentage: 5, ...context });
  app.synth(); // runs the cdk-nag validation plugin: throws on any unacknowledged finding
  const template = Template.fromStack(stack);
  return { template, json: template.toJSON() as never };
}

const { template, json } = synth();
const asl = renderDefinition(json, placeholderRefs(json)) as { StartAt: string; States: Record<string, Record<string, unknown>> };

describe('state machine', () => {
  it('Plan -> duplicate check -> Distributed Map over the manifest -> Collect; failures caught', () => {
    expect(asl.StartAt).toBe('Plan');
    const map = asl.States.Batches as Record<string, unknown> & { ItemProcessor: { ProcessorConfig: Record<string, string>; StartAt: string; States: Record<string, Record<string, unknown>> } };
    expect(map.Type).toBe('Map');
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' });
    expect(map.ItemReader).toMatchObject({ Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { 'Key.$': '$.manifest.key' } });
    expect(map.ResultWriter).toMatchObject({ Resource: 'arn:aws:states:::s3:putObject' });
    expect(map.MaxConcurrency).toBe(50);
    expect(map.ToleratedFailurePercentage).toBe(5);
    expect(map.ResultPath).toBe('$.mapResult');
    for (const name of ['Plan', 'Collect', 'Batches']) {
      expect(asl.States[name]?.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'MarkFailed' }]);
    }
    expect(asl.States.MarkFailed?.Next).toBe('JobFailed');
    expect(asl.States.IsDuplicate?.Type).toBe('Choice');
  });
  it('every Lambda call retries throttling and service errors with backoff and full jitter', () => {
    const map = asl.States.Batches as { ItemProcessor: { States: Record<string, Record<string, unknown>> } };
    const tasks = { ...asl.States, ...map.ItemProcessor.States };
    for (const name of ['Plan', 'Worker', 'Collect', 'MarkFailed']) {
      const retry = tasks[name]?.Retry as Record<string, unknown>[];
      expect(retry[0]).toMatchObject({ ErrorEquals: RETRYABLE_LAMBDA_ERRORS, IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 6, JitterStrategy: 'FULL' });
    }
    const workerRetry = tasks.Worker?.Retry as Record<string, unknown>[];
    expect(workerRetry[1]).toMatchObject({ ErrorEquals: ['BatchIncompleteError'], MaxAttempts: 3 });
    // a Lambda that timed out is retried twice
    expect(workerRetry[2]).toMatchObject({ ErrorEquals: LAMBDA_TIMEOUT_ERRORS, MaxAttempts: 2, JitterStrategy: 'FULL' });
    expect(LAMBDA_TIMEOUT_ERRORS).toEqual(['Sandbox.Timedout', 'States.Timeout']);
    for (const name of ['Plan', 'Collect', 'MarkFailed']) expect(tasks[name]?.Retry).toHaveLength(1);
  });
  it('Plan and Worker receive the state input as is (no Parameters), MarkFailed the failed state and the execution input', () => {
    const map = asl.States.Batches as { ItemProcessor: { States: Record<string, Record<string, unknown>> } };
    expect(asl.States.Plan?.Parameters).toBeUndefined();
    expect(map.ItemProcessor.States.Worker?.Parameters).toBeUndefined();
    expect(asl.States.MarkFailed?.Parameters).toEqual({ 'state.$': '$', 'execution.$': '$$.Execution.Input' });
  });
  it('is valid ASL (asl-validator)', () => {
    const r = aslValidator(asl, { checkPaths: true, checkArn: true });
    expect(r.errors).toEqual([]);
    expect(r.isValid).toBe(true);
  });
  it('is STANDARD with logging and tracing on', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineType: 'STANDARD', LoggingConfiguration: Match.objectLike({ Level: 'ALL' }), TracingConfiguration: { Enabled: true } });
  });
});

describe('functions', () => {
  it('arm64, Node.js 24, memory/timeout from props, configuration in the environment', () => {
    const fns = resourcesOfType(json, 'AWS::Lambda::Function').filter(([id]) => id.startsWith('Functions'));
    expect(fns).toHaveLength(4);
    for (const [, p] of fns) {
      expect(p.Architectures).toEqual(['arm64']);
      expect(p.Runtime).toBe('nodejs24.x');
      expect((p.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({ RASTER_BUCKETS: 'sentinel-cogs,my-dems', RASTER_HOSTS: 'data.example.org', WORK_PREFIX: '_work/' });
    }
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler', MemorySize: 2048, Timeout: 300, Architectures: ['arm64'] });
  });
  it('the worker reads exactly the configured raster buckets, nothing on *', () => {
    const policies = resourcesOfType(json, 'AWS::IAM::Policy').filter(([id]) => id.startsWith('FunctionsWorker'));
    const statements = policies.flatMap(([, p]) => (p.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement);
    const raster = statements.filter((s) => JSON.stringify(s.Resource).includes('sentinel-cogs'));
    expect(raster).toEqual([
      { Action: 's3:GetObject', Effect: 'Allow', Resource: expect.arrayContaining(['arn:aws:s3:::sentinel-cogs/*', 'arn:aws:s3:::my-dems/*']) as unknown },
      // a missing key reads as 404, not 403
      { Action: 's3:ListBucket', Effect: 'Allow', Resource: expect.arrayContaining(['arn:aws:s3:::sentinel-cogs', 'arn:aws:s3:::my-dems']) as unknown },
    ]);
    expect((raster[0]?.Resource as string[]).length).toBe(2);
    const s3Star = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:')) && JSON.stringify(s.Resource) === '"*"');
    expect(s3Star).toEqual([]);
  });
  it('the state machine touches S3 only under the output bucket\'s work prefix (manifest, Map Run results)', () => {
    const statements = resourcesOfType(json, 'AWS::IAM::Policy')
      .filter(([id]) => id.startsWith('Pipeline'))
      .flatMap(([, p]) => (p.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement);
    const s3 = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:')));
    expect(s3.length).toBeGreaterThan(0);
    const outputId = resourcesOfType(json, 'AWS::S3::Bucket').find(([id]) => id.startsWith('StorageOutput'))?.[0] ?? '';
    for (const st of s3) {
      const resources = [st.Resource].flat();
      for (const r of resources) expect(r).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [outputId, 'Arn'] }, '/_work/*']] });
    }
    const actions = new Set(s3.flatMap((st) => [st.Action].flat()));
    expect([...actions].sort()).toEqual(['s3:AbortMultipartUpload', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:PutObject']);
  });
  it('memory, timeout and Map limits follow the context', () => {
    const { json: j } = synth({ workerMemoryMb: 3008, workerTimeoutSec: 600, planMemoryMb: 1024, collectMemoryMb: 1536, maxConcurrency: 7, toleratedFailurePercentage: 25 });
    const fns = Object.fromEntries(resourcesOfType(j, 'AWS::Lambda::Function').filter(([id]) => id.startsWith('Functions')).map(([id, p]) => [id.replace(/^Functions([A-Za-z]+?)[0-9A-F]{8}$/, '$1'), p]));
    expect(fns.Worker).toMatchObject({ MemorySize: 3008, Timeout: 600 });
    expect(fns.Plan).toMatchObject({ MemorySize: 1024 });
    expect(fns.Collect).toMatchObject({ MemorySize: 1536 });
    const def = renderDefinition(j) as { States: Record<string, Record<string, unknown>> };
    expect(def.States.Batches).toMatchObject({ MaxConcurrency: 7, ToleratedFailurePercentage: 25 });
  });
  it('a malformed number in the context is refused by name', () => {
    expect(() => buildApp({ ...flags, 'aws:cdk:bundling-stacks': [], workerMemoryMb: 'lots' })).toThrow(/context workerMemoryMb must be a non-negative number, got "lots"/);
  });
  it('with no raster buckets configured, the worker gets no raster read at all', () => {
    const { json: j } = synth({ rasterBuckets: '' });
    const statements = resourcesOfType(j, 'AWS::IAM::Policy').filter(([id]) => id.startsWith('FunctionsWorker')).flatMap(([, p]) => (p.PolicyDocument as { Statement: { Resource: unknown }[] }).Statement);
    expect(statements.some((s) => JSON.stringify(s.Resource).includes('arn:aws:s3:::'))).toBe(false);
  });
});

describe('storage and trigger', () => {
  it('buckets: private, TLS only, encrypted, logged; the work prefix expires', () => {
    const buckets = resourcesOfType(json, 'AWS::S3::Bucket');
    expect(buckets).toHaveLength(3);
    for (const [, p] of buckets) {
      expect(p.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      expect(p.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    }
    template.hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Prefix: '_work/', ExpirationInDays: 7, Status: 'Enabled' })]) } });
    template.hasResourceProperties('Custom::S3BucketNotifications', { NotificationConfiguration: { EventBridgeConfiguration: {} } });
    const policies = resourcesOfType(json, 'AWS::S3::BucketPolicy');
    expect(policies.length).toBeGreaterThanOrEqual(3);
    for (const [, p] of policies) {
      expect(JSON.stringify(p.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
  });
  it('table: on demand, point-in-time recovery, TTL, encrypted', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      SSESpecification: { SSEEnabled: true },
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'byCreated', KeySchema: [{ AttributeName: 'gsi1pk', KeyType: 'HASH' }, { AttributeName: 'gsi1sk', KeyType: 'RANGE' }] })],
    });
  });
  it('rule: Object Created in the input bucket with suffix .gpkg starts the state machine with bucket, key, etag', () => {
    const [[, rule]] = resourcesOfType(json, 'AWS::Events::Rule') as [[string, { EventPattern: { source: string[]; 'detail-type': string[]; detail: { object: { key: unknown[] }; bucket: { name: unknown[] } } }; Targets: { InputTransformer: { InputPathsMap: Record<string, string> }; DeadLetterConfig: unknown; RetryPolicy: unknown }[] }]];
    expect(rule.EventPattern.source).toEqual(['aws.s3']);
    expect(rule.EventPattern['detail-type']).toEqual(['Object Created']);
    expect(rule.EventPattern.detail.object.key).toEqual([{ suffix: '.gpkg' }]);
    expect(JSON.stringify(rule.EventPattern.detail.bucket.name)).toContain('StorageInput');
    const target = rule.Targets[0];
    expect(Object.values(target?.InputTransformer.InputPathsMap ?? {}).sort()).toEqual(['$.detail.bucket.name', '$.detail.object.etag', '$.detail.object.key']);
    expect(target?.DeadLetterConfig).toBeDefined();
    expect(target?.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 7200, MaximumRetryAttempts: 8 });
  });
  it('outputs: buckets, table, state machine', () => {
    for (const name of ['InputBucketName', 'OutputBucketName', 'TableName', 'StateMachineArn']) template.hasOutput(name, { Export: { Name: `Zonalflow-${name}` } });
  });
});

describe('cdk-nag', () => {
  it('AwsSolutions reports no violation (errors or warnings); every acknowledged finding carries its reason', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'zonalflow-nag-'));
    const { app } = buildApp({ ...flags, 'aws:cdk:bundling-stacks': [], rasterBuckets: 'sentinel-cogs' }, { outdir });
    app.synth();
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: { pluginName: string; conclusion: string; violations: unknown[]; suppressedViolations: { ruleName: string; reason?: string }[] }[] };
    const nag = report.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
    expect(nag?.violations).toEqual([]);
    expect(nag?.conclusion).toBe('success');
    for (const s of nag?.suppressedViolations ?? []) expect(s.reason?.length ?? 0, s.ruleName).toBeGreaterThan(20);
  });
  it('an unacknowledged finding fails the synth (control: a bucket without logging or TLS policy)', () => {
    const { app, stack } = buildApp({ ...flags, 'aws:cdk:bundling-stacks': [] }, { outdir: mkdtempSync(join(tmpdir(), 'zonalflow-nag-')) });
    new s3.Bucket(stack, 'Naked');
    expect(() => app.synth()).toThrow(/Zonalflow\/Naked\/Resource[\s\S]*AwsSolutions-S1/);
  });
});

describe('definition rendering', () => {
  it('resolves Ref, Fn::GetAtt, Fn::Join, Fn::Select/Fn::Split and Fn::Sub, and names what it cannot resolve', () => {
    const refs = { Fn1: 'fn-1', 'Fn1.Arn': 'arn:aws:lambda:eu-west-1:111122223333:function:fn-1' };
    expect(resolveCfn({ 'Fn::Join': ['', ['a-', { Ref: 'Fn1' }, '-', { Ref: 'AWS::Region' }]] }, refs)).toBe('a-fn-1-us-east-1');
    expect(resolveCfn({ 'Fn::Select': [3, { 'Fn::Split': [':', { 'Fn::GetAtt': ['Fn1', 'Arn'] }] }] }, refs)).toBe('eu-west-1');
    expect(resolveCfn({ 'Fn::Sub': 'x:${AWS::AccountId}:${Fn1}:${Fn1.Arn}' }, refs, { 'AWS::AccountId': '42' })).toBe('x:42:fn-1:arn:aws:lambda:eu-west-1:111122223333:function:fn-1');
    expect(() => resolveCfn({ Ref: 'Missing' }, refs)).toThrow('no value for Ref Missing');
    expect(() => resolveCfn({ 'Fn::GetAtt': ['Missing', 'Arn'] }, refs)).toThrow('no value for Fn::GetAtt Missing.Arn');
  });
  it('puts the given ARNs where the template references the functions and the output bucket', () => {
    const fnIds = resourcesOfType(json, 'AWS::Lambda::Function').filter(([id]) => id.startsWith('Functions')).map(([id]) => id);
    const outputId = resourcesOfType(json, 'AWS::S3::Bucket').find(([id]) => id.startsWith('StorageOutput'))?.[0] ?? '';
    const refs = { ...placeholderRefs(json), [outputId]: 'my-output', ...Object.fromEntries(fnIds.map((id) => [`${id}.Arn`, `arn:aws:lambda:eu-west-1:111122223333:function:${id}`])) };
    const def = renderDefinition(json, refs) as { States: Record<string, { Resource?: string; ItemReader?: { Parameters: Record<string, string> }; ResultWriter?: { Parameters: Record<string, string> } }> };
    const planId = fnIds.find((id) => id.startsWith('FunctionsPlan')) ?? '';
    // payloadResponseOnly: the Task's Resource is the function's ARN itself
    expect(def.States.Plan?.Resource).toBe(`arn:aws:lambda:eu-west-1:111122223333:function:${planId}`);
    expect(def.States.Batches?.ItemReader?.Parameters.Bucket).toBe('my-output');
    expect(def.States.Batches?.ResultWriter?.Parameters).toEqual({ Bucket: 'my-output', 'Prefix.$': '$.mapPrefix' });
  });
});

describe('configuration', () => {
  it('cdk.json carries every currently recommended feature flag (incl. the Distributed Map ResultWriterV2)', () => {
    for (const [k, v] of Object.entries(cxapi.CURRENTLY_RECOMMENDED_FLAGS)) expect(flags[k], k).toEqual(v);
    expect(flags['@aws-cdk/aws-stepfunctions:useDistributedMapResultWriterV2']).toBe(true);
  });
  it('an invalid default spec fails the synth with the spec\'s own message', () => {
    expect(() => buildApp({ ...flags, 'aws:cdk:bundling-stacks': [], defaultSpec: '{"rasters": []}' })).toThrow(/default spec of the stack:\n {2}- rasters: at least one raster is needed/);
  });
});
