/**
 * The stack, synthesized without bundling (the bundle itself is covered by
 * `npm run synth` and the bench): specific properties of the state machine,
 * functions, rule, buckets, table and IAM; cdk-nag clean; the definition
 * valid ASL.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_OPTIONS, PLAN_NODE_OPTIONS } from '../../infra/node-options';
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Template, Match } from 'aws-cdk-lib/assertions';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { buildApp } from '../../infra/app';
import { placeholderRefs, renderDefinition, resolveCfn, resourcesOfType } from '../../infra/definition';
import { COLLECT_RETRIERS, EXPRESS_LIMIT_SEC, LAMBDA_TIMEOUT_ERRORS, RETRYABLE_LAMBDA_ERRORS, batchBudget } from '../../infra/state-machine';
import { MAX_COLLECT_ROWS } from '../../shared/pipeline/collect-budget';
import { DEFAULT_MAX_FEATURES_PER_JOB } from '../../shared/pipeline/config';

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
    expect(map.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
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
    for (const name of ['Worker', 'MarkFailed']) {
      const retry = tasks[name]?.Retry as Record<string, unknown>[];
      expect(retry[0]).toMatchObject({ ErrorEquals: RETRYABLE_LAMBDA_ERRORS, IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 6, JitterStrategy: 'FULL' });
    }
    // Plan and Collect: the same list without Lambda.Unknown (a timeout or out-of-memory), which has its own single retry
    expect((tasks.Plan?.Retry as Record<string, unknown>[])[0]).toMatchObject({ ErrorEquals: RETRYABLE_LAMBDA_ERRORS.filter((e) => e !== 'Lambda.Unknown'), IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 6, JitterStrategy: 'FULL' });
    expect((tasks.Collect?.Retry as Record<string, unknown>[])[0]).toMatchObject({ ErrorEquals: RETRYABLE_LAMBDA_ERRORS.filter((e) => e !== 'Lambda.Unknown'), IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 6, JitterStrategy: 'FULL' });
    const workerRetry = tasks.Worker?.Retry as Record<string, unknown>[];
    expect(workerRetry[1]).toMatchObject({ ErrorEquals: ['BatchIncompleteError'], MaxAttempts: 3 });
    // a Lambda that timed out is retried twice
    expect(workerRetry[2]).toMatchObject({ ErrorEquals: LAMBDA_TIMEOUT_ERRORS, MaxAttempts: 2, JitterStrategy: 'FULL' });
    expect(LAMBDA_TIMEOUT_ERRORS).toEqual(['Sandbox.Timedout', 'States.Timeout']);
    expect(tasks.MarkFailed?.Retry).toHaveLength(2);
    for (const name of ['Plan', 'Collect']) expect(tasks[name]?.Retry).toHaveLength(2);
  });
  it('a MarkFailed that timed out (perhaps after marking the job, before its summary.json) runs again; one that still fails ends the execution with the job\'s error', () => {
    // the handler writes the summary.json a FAILED job's record still owes (summaryPending: test/unit/handlers)
    expect((asl.States.MarkFailed?.Retry as Record<string, unknown>[])[1]).toMatchObject({ ErrorEquals: LAMBDA_TIMEOUT_ERRORS, MaxAttempts: 2, JitterStrategy: 'FULL' });
    // caught into JobFailed, which reads the job's error at $.error: MarkFailed's own error goes elsewhere
    expect(asl.States.MarkFailed?.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.markFailedError', Next: 'JobFailed' }]);
    expect(asl.States.JobFailed).toMatchObject({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
  });
  it('a Plan or Collect that overran its 15 minutes is never retried (no checkpoint: each retry would overrun again); Lambda.Unknown at most once', () => {
    for (const name of ['Plan', 'Collect']) {
      const stageRetry = asl.States[name]?.Retry as { ErrorEquals: string[]; MaxAttempts: number }[];
      const stageErrors = stageRetry.flatMap((r) => r.ErrorEquals);
      for (const e of ['Sandbox.Timedout', 'States.Timeout', 'States.ALL', 'States.TaskFailed']) expect(stageErrors, name).not.toContain(e);
      // Step Functions reports function timeouts and out-of-memory as Lambda.Unknown: one more run at most, never six
      const unknown = stageRetry.filter((r) => r.ErrorEquals.includes('Lambda.Unknown'));
      expect(unknown.reduce((a, r) => a + r.MaxAttempts, 0), name).toBe(1);
    }
    const retry = asl.States.Collect?.Retry as { ErrorEquals: string[]; MaxAttempts: number }[];
    const errors = retry.flatMap((r) => r.ErrorEquals);
    expect(COLLECT_RETRIERS.flatMap((r) => r.errors)).toEqual(errors);
    // a timed-out Collect goes straight to MarkFailed
    expect(asl.States.Collect?.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'MarkFailed' }]);
    // the jobs Plan accepts fit what Collect is measured to merge in 15 minutes (one row a feature without dates)
    const plan = resourcesOfType(json, 'AWS::Lambda::Function').find(([id]) => id.startsWith('FunctionsPlan'))?.[1] as { Environment: { Variables: Record<string, string> } };
    expect(Number(plan.Environment.Variables.MAX_FEATURES_PER_JOB ?? DEFAULT_MAX_FEATURES_PER_JOB)).toBeLessThanOrEqual(MAX_COLLECT_ROWS);
  });
  it('Plan receives the state input and the execution id, Worker the item as is, MarkFailed the failed state, the execution input and id (its claim names the job)', () => {
    const map = asl.States.Batches as { ItemProcessor: { States: Record<string, Record<string, unknown>> } };
    expect(asl.States.Plan?.Parameters).toEqual({ 'input.$': '$', 'executionId.$': '$$.Execution.Id' });
    expect(map.ItemProcessor.States.Worker?.Parameters).toBeUndefined();
    expect(asl.States.MarkFailed?.Parameters).toEqual({ 'state.$': '$', 'execution.$': '$$.Execution.Input', 'executionId.$': '$$.Execution.Id' });
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
    const raster = statements.filter((s) => JSON.stringify(s.Resource).includes('sentinel-cogs')).map((s) => ({ ...s, Resource: [s.Resource].flat().map(arnText) }));
    // the stack's partition (aws, aws-cn, aws-us-gov), never a literal arn:aws:
    expect(raster).toEqual([
      { Action: 's3:GetObject', Effect: 'Allow', Resource: expect.arrayContaining(['arn:${AWS::Partition}:s3:::sentinel-cogs/*', 'arn:${AWS::Partition}:s3:::my-dems/*']) as unknown },
      // a missing key reads as 404, not 403
      { Action: 's3:ListBucket', Effect: 'Allow', Resource: expect.arrayContaining(['arn:${AWS::Partition}:s3:::sentinel-cogs', 'arn:${AWS::Partition}:s3:::my-dems']) as unknown },
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
    expect(() => buildApp({ ...flags, 'aws:cdk:bundling-stacks': [], workerMemoryMb: 'lots' })).toThrow(/context workerMemoryMb must be an integer from 128 to 10240, got "lots"/);
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
    // Collect's multipart uploads (results.parquet/.csv) left unfinished by a timeout are aborted anywhere in the bucket
    template.hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'abort-incomplete-uploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled', Prefix: Match.absent() })]) } });
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
  it('rule: Object Created in the input bucket with an input suffix (.gpkg .parquet .fgb .geojson .geojsonl .geojsons .zip) starts the state machine with bucket, key, etag', () => {
    const [[, rule]] = resourcesOfType(json, 'AWS::Events::Rule') as [[string, { EventPattern: { source: string[]; 'detail-type': string[]; detail: { object: { key: unknown[] }; bucket: { name: unknown[] } } }; Targets: { InputTransformer: { InputPathsMap: Record<string, string> }; DeadLetterConfig: unknown; RetryPolicy: unknown }[] }]];
    expect(rule.EventPattern.source).toEqual(['aws.s3']);
    expect(rule.EventPattern['detail-type']).toEqual(['Object Created']);
    expect(rule.EventPattern.detail.object.key).toEqual(['.geojsonseq', '.geojsonl', '.geojsons', '.geojson', '.parquet', '.gpkg', '.fgb', '.zip'].map((suffix) => ({ suffix })));
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
    expect(() => buildApp({ ...flags, 'aws:cdk:bundling-stacks': [], defaultSpec: '{"rasters": []}' })).toThrow(/^invalid default spec of the stack: rasters: at least one raster is needed/);
  });
});

/** IAM statements of the policies whose logical id starts with `prefix`. */
/** A policy resource as text: a string as it is, an Fn::Join with its Refs and GetAtts written ${Name} / ${Id.Attr}. */
function arnText(r: unknown): string {
  if (typeof r === 'string') return r;
  const o = r as { Ref?: string; 'Fn::GetAtt'?: [string, string]; 'Fn::Sub'?: unknown; 'Fn::Join'?: [string, unknown[]] };
  if (o.Ref !== undefined) return `\${${o.Ref}}`;
  if (o['Fn::GetAtt']) return `\${${o['Fn::GetAtt'][0].replace(/[0-9A-F]{8}$/, '')}.${o['Fn::GetAtt'][1]}}`;
  if (typeof o['Fn::Sub'] === 'string') return o['Fn::Sub'];
  if (o['Fn::Join']) return o['Fn::Join'][1].map(arnText).join(o['Fn::Join'][0]);
  return JSON.stringify(r);
}

/** Each function's IAM statements as "action resource" lines (resources as arnText). */
function grantsOf(j: typeof json, prefix: string): string[] {
  return statementsOf(j, prefix).flatMap((s) => [s.Action].flat().flatMap((a) => [s.Resource].flat().map((r) => `${a} ${arnText(r)}`))).sort();
}

function statementsOf(j: typeof json, prefix: string): { Action: string | string[]; Resource: unknown; Effect: string }[] {
  return resourcesOfType(j, 'AWS::IAM::Policy')
    .filter(([id]) => id.startsWith(prefix))
    .flatMap(([, p]) => (p.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown; Effect: string }[] }).Statement);
}
const outputId = resourcesOfType(json, 'AWS::S3::Bucket').find(([id]) => id.startsWith('StorageOutput'))?.[0] ?? '';
const workObjects = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [outputId, 'Arn'] }, '/_work/*']] };

describe('issue 14: what AWS enforces, fixed in the template', () => {
  it('zonalflow retry: Plan reads a retried job\'s manifest, so it may s3:GetObject the output bucket\'s _work/ prefix, and nothing else of that bucket', () => {
    const st = statementsOf(json, 'FunctionsPlan') as { Action: string | string[]; Resource: unknown; Condition?: unknown }[];
    // every (read action, resource) pair on the output bucket
    const reads = st.flatMap((s) => [s.Action].flat().filter((a) => a.startsWith('s3:Get') || a.startsWith('s3:List')).flatMap((a) => [s.Resource].flat().filter((r) => JSON.stringify(r).includes(outputId)).map((r) => ({ a, r, c: s.Condition }))));
    expect(reads).toEqual([
      { a: 's3:GetObject', r: workObjects, c: undefined },
      { a: 's3:ListBucket', r: { 'Fn::GetAtt': [outputId, 'Arn'] }, c: { StringLike: { 's3:prefix': ['_work/*'] } } },
    ]);
  });
  it('run --input s3://<other bucket>: Plan reads exactly the configured input buckets (GetObject only), none without the context value', () => {
    const { json: j } = synth({ inputBuckets: 'field-uploads,partner-drop' });
    // (action, bucket ARN) pairs other than the configured raster buckets' (Plan also opens each raster's header before
    // the fan-out, and CDK merges statements of the same action into one)
    const foreign = (st: { Action: string | string[]; Resource: unknown }[]): string[] =>
      st.flatMap((s) => [s.Action].flat().flatMap((a) => [s.Resource].flat().map(arnText).filter((r) => r.startsWith('arn:${AWS::Partition}:s3:::') && !/sentinel-cogs|my-dems|cdk-hnb659fds/.test(r)).map((r) => `${a} ${r}`))).sort();
    expect(foreign(statementsOf(j, 'FunctionsPlan') as { Action: string | string[]; Resource: unknown }[])).toEqual(['s3:GetObject arn:${AWS::Partition}:s3:::field-uploads/*', 's3:GetObject arn:${AWS::Partition}:s3:::partner-drop/*']);
    expect(foreign(statementsOf(json, 'FunctionsPlan') as { Action: string | string[]; Resource: unknown }[])).toEqual([]);
    const plan = resourcesOfType(j, 'AWS::Lambda::Function').find(([id]) => id.startsWith('FunctionsPlan'))?.[1] as { Environment: { Variables: Record<string, unknown> } };
    expect(plan.Environment.Variables.INPUT_BUCKETS).toBe('field-uploads,partner-drop');
    expect(() => synth({ inputBuckets: 'Not_A_Bucket' })).toThrow(/context inputBuckets: "Not_A_Bucket" is not a valid S3 bucket name/);
  });
  it('the Map\'s children are STANDARD (a checkpointed batch may outlive 5 minutes); EXPRESS is refused at synth unless every attempt and backoff fits in 300 s', () => {
    // worst case of the Worker's retriers: 1 + 6 + 3 + 2 attempts; backoff 2+4+8+16+32+60 (capped) + 1+1.5+2.25 + 1+2
    expect(batchBudget(300)).toEqual({ attempts: 12, runSec: 3600, backoffSec: 129.75, totalSec: 3729.75 });
    expect(EXPRESS_LIMIT_SEC).toBe(300);
    expect(() => synth({ mapExecutionType: 'EXPRESS' })).toThrow('mapExecutionType EXPRESS cannot hold a batch: 12 attempts x 300 s (workerTimeoutSec) + 129.8 s of retry backoff = 3729.8 s > 300 s');
    // 12 x 14 + 129.75 = 297.75 <= 300
    const { json: j } = synth({ mapExecutionType: 'EXPRESS', workerTimeoutSec: 14 });
    const def = renderDefinition(j) as { States: { Batches: { ItemProcessor: { ProcessorConfig: Record<string, string> } } } };
    expect(def.States.Batches.ItemProcessor.ProcessorConfig.ExecutionType).toBe('EXPRESS');
    expect(() => synth({ mapExecutionType: 'EXPRESS', workerTimeoutSec: 15 })).toThrow(/12 attempts x 15 s .* = 309.8 s > 300 s/);
  });
  it('transient worker errors (TransientError: S3 5xx, DynamoDB throttling), Lambda.Unknown and timeouts are retried', () => {
    const map = asl.States.Batches as { ItemProcessor: { States: Record<string, { Retry: { ErrorEquals: string[] }[] }> } };
    const errors = map.ItemProcessor.States.Worker?.Retry.flatMap((r) => r.ErrorEquals) ?? [];
    for (const e of ['TransientError', 'Lambda.Unknown', 'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException', 'States.Timeout', 'Sandbox.Timedout', 'BatchIncompleteError']) expect(errors).toContain(e);
    for (const name of ['Plan', 'Collect', 'MarkFailed']) {
      const r = (asl.States[name] as { Retry: { ErrorEquals: string[] }[] }).Retry.flatMap((x) => x.ErrorEquals);
      expect(r).toContain('TransientError');
      expect(r).toContain('Lambda.Unknown');
    }
  });
  it('Plan\'s /tmp holds the largest accepted GeoPackage (ephemeral storage = limit + 1 GiB), and the limit it enforces is the same number', () => {
    const fns = Object.fromEntries(resourcesOfType(json, 'AWS::Lambda::Function').filter(([id]) => id.startsWith('Functions')).map(([id, p]) => [id.replace(/^Functions([A-Za-z]+?)[0-9A-F]{8}$/, '$1'), p])) as Record<string, { EphemeralStorage?: { Size: number }; Environment: { Variables: Record<string, string> } }>;
    const limit = Number(fns.Plan?.Environment.Variables.MAX_INPUT_BYTES);
    expect(limit).toBe(5 * 1024 ** 3);
    expect(fns.Plan?.EphemeralStorage?.Size).toBe(5120 + 1024);
    expect((fns.Plan?.EphemeralStorage?.Size ?? 0) * 1024 * 1024).toBeGreaterThan(limit);
    const { json: j } = synth({ maxInputMb: 8000 });
    template.hasResourceProperties('AWS::Lambda::Function', { EphemeralStorage: { Size: 6144 } });
    Template.fromJSON(j).hasResourceProperties('AWS::Lambda::Function', { EphemeralStorage: { Size: 9024 }, Environment: { Variables: Match.objectLike({ MAX_INPUT_BYTES: String(8000 * 1024 * 1024) }) } });
    expect(() => synth({ maxInputMb: 9999 })).toThrow(/context maxInputMb must be an integer from 1 to 9216, got 9999/);
  });
  it('Plan starts with a larger young generation (infra/node-options.ts), every other function with the common options', () => {
    const fns = Object.fromEntries(resourcesOfType(json, 'AWS::Lambda::Function').filter(([id]) => id.startsWith('Functions')).map(([id, p]) => [id.replace(/^Functions([A-Za-z]+?)[0-9A-F]{8}$/, '$1'), p])) as Record<string, { Environment: { Variables: Record<string, string> } }>;
    expect(fns.Plan?.Environment.Variables.NODE_OPTIONS).toBe(PLAN_NODE_OPTIONS);
    expect(PLAN_NODE_OPTIONS).toMatch(/--max-semi-space-size=64\b/);
    for (const name of ['Worker', 'Collect', 'Fail']) expect(fns[name]?.Environment.Variables.NODE_OPTIONS).toBe(NODE_OPTIONS);
    // the rest of Plan's environment is every function's
    expect(fns.Plan?.Environment.Variables.TABLE_NAME).toEqual(fns.Worker?.Environment.Variables.TABLE_NAME);
  });
  it('the byCreated index projects keys only: the counter updates of every worker never write to its single partition', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'byCreated', Projection: { ProjectionType: 'KEYS_ONLY' } })] });
  });
  it('every Lambda Task carries TimeoutSeconds = the function\'s timeout + 60 s (ASL has no default on AWS; interpreters default to 60 s)', () => {
    const map = asl.States.Batches as { ItemProcessor: { States: Record<string, { TimeoutSeconds?: number }> } };
    expect(map.ItemProcessor.States.Worker?.TimeoutSeconds).toBe(300 + 60);
    for (const name of ['Plan', 'Collect']) expect((asl.States[name] as { TimeoutSeconds?: number }).TimeoutSeconds).toBe(900 + 60);
    expect((asl.States.MarkFailed as { TimeoutSeconds?: number }).TimeoutSeconds).toBe(60 + 60);
  });
  it('the state machine logs to a group under /aws/vendedlogs/states/', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: Match.stringLikeRegexp('^/aws/vendedlogs/states/') });
  });
  it('the Worker has reserved concurrency (default: the Map\'s MaxConcurrency; a context value; 0 for none)', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 2048, Timeout: 300, ReservedConcurrentExecutions: 50 });
    Template.fromJSON(synth({ workerReservedConcurrency: 120 }).json).hasResourceProperties('AWS::Lambda::Function', { Timeout: 300, ReservedConcurrentExecutions: 120 });
    const none = resourcesOfType(synth({ workerReservedConcurrency: 0 }).json, 'AWS::Lambda::Function').filter(([, p]) => p.ReservedConcurrentExecutions !== undefined);
    expect(none).toEqual([]);
  });
  it('context values are validated at synth: integers in range, with the name and the range in the message', () => {
    const build = (c: Record<string, unknown>): unknown => buildApp({ ...flags, 'aws:cdk:bundling-stacks': [], ...c });
    expect(() => build({ workerTimeoutSec: 901 })).toThrow('context workerTimeoutSec must be an integer from 1 to 900, got 901');
    expect(() => build({ maxConcurrency: 2.5 })).toThrow('context maxConcurrency must be an integer from 1 to 10000, got "2.5"');
    expect(() => build({ toleratedFailurePercentage: 101 })).toThrow('context toleratedFailurePercentage must be an integer from 0 to 100, got 101');
    expect(() => build({ workerMemoryMb: 64 })).toThrow('context workerMemoryMb must be an integer from 128 to 10240, got 64');
    expect(() => build({ mapExecutionType: 'fast' })).toThrow('context mapExecutionType must be STANDARD or EXPRESS, got "FAST"');
  });
  it('every invalid context value is reported at once, one line each; `cdk synth` prints them without a stack trace', () => {
    const bad = { maxConcurrency: 'abc', rasterBuckets: 'Bad_Bucket', removalPolicy: 'x', mapExecutionType: 'EXPRESS', workerTimeoutSec: 200, defaultSpec: '{"rasters": []}' };
    const lines = [
      'invalid default spec of the stack: rasters: at least one raster is needed (or a "stac" search)',
      'context rasterBuckets: "Bad_Bucket" is not a valid S3 bucket name',
      'context removalPolicy must be retain or destroy, got "x"',
      'context maxConcurrency must be an integer from 1 to 10000, got "abc"',
      `mapExecutionType EXPRESS cannot hold a batch: 12 attempts x 200 s (workerTimeoutSec) + ${batchBudget(200).backoffSec.toFixed(1)} s of retry backoff = ${batchBudget(200).totalSec.toFixed(1)} s > 300 s, an EXPRESS execution's limit; use STANDARD children (the default) or a shorter workerTimeoutSec`,
    ];
    let message = '';
    try {
      buildApp({ ...flags, 'aws:cdk:bundling-stacks': [], ...bad });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.split('\n')).toEqual(lines);
    // the app as `cdk synth` runs it (cdk.json: tsx infra/app.ts; the context in CDK_CONTEXT_JSON)
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../../infra/app.ts')], {
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(bad), CDK_OUTDIR: mkdtempSync(join(tmpdir(), 'zonalflow-bad-')) },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(lines.map((l) => `zonalflow synth: error [INFRA_CONFIG]: ${l}\n`).join(''));
  });
  it('the default spec is not in the 4 KB environment: it is an S3 asset Plan may read (a large spec synthesizes)', () => {
    const big = { rasters: Array.from({ length: 60 }, (_, i) => ({ name: `band_${i}`, uri: `s3://sentinel-cogs/sentinel-s2-l2a-cogs/31/U/FQ/2024/6/S2B_31UFQ_20240601_0_L2A/B${String(i).padStart(2, '0')}.tif` })) };
    expect(JSON.stringify(big).length).toBeGreaterThan(4096);
    const { json: j } = synth({ defaultSpec: JSON.stringify(big) });
    const fns = resourcesOfType(j, 'AWS::Lambda::Function').filter(([id]) => id.startsWith('Functions'));
    for (const [, p] of fns) {
      const vars = (p.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(vars.DEFAULT_SPEC).toBeUndefined();
      expect(JSON.stringify(vars).length).toBeLessThan(4096);
      expect(JSON.stringify(vars.DEFAULT_SPEC_URI)).toMatch(/s3:\/\//);
    }
    const reads = statementsOf(j, 'FunctionsPlan').filter((s) => JSON.stringify(s.Resource).includes('cdk-hnb659fds-assets'));
    expect(reads.length).toBe(1);
  });
});

describe('least privilege per function (from what each handler calls)', () => {
  const out = '${StorageOutput.Arn}';
  const table = '${StorageJobs.Arn}';
  it('S3 writes: each function only the keys it writes (Worker: parts and features/, Collect: results and summary, Fail: summary)', () => {
    const puts = (fn: string): string[] => grantsOf(json, `Functions${fn}`).filter((g) => g.startsWith('s3:PutObject ')).map((g) => g.slice('s3:PutObject '.length));
    expect(puts('Plan')).toEqual([`${out}/_work/*`]);
    expect(puts('Worker')).toEqual([`${out}/*/features/*`, `${out}/_work/*`]);
    expect(puts('Collect')).toEqual([`${out}/*/results.csv`, `${out}/*/results.parquet`, `${out}/*/summary.json`]);
    expect(puts('Fail')).toEqual([`${out}/*/summary.json`]);
    // no function may write (or tag, hold, retain) every key of the output bucket
    for (const fn of ['Plan', 'Worker', 'Collect', 'Fail']) expect(grantsOf(json, `Functions${fn}`).filter((g) => g.endsWith(`${out}/*`)), fn).toEqual([]);
  });
  it('DynamoDB: each function only the item actions its JobStore calls use, on the table alone (no index, no DeleteItem, no Scan)', () => {
    const ddb = (fn: string): string[] => grantsOf(json, `Functions${fn}`).filter((g) => g.startsWith('dynamodb:'));
    expect(ddb('Plan')).toEqual(['BatchWriteItem', 'GetItem', 'PutItem', 'UpdateItem'].map((a) => `dynamodb:${a} ${table}`));
    expect(ddb('Worker')).toEqual(['GetItem', 'UpdateItem'].map((a) => `dynamodb:${a} ${table}`));
    expect(ddb('Collect')).toEqual(['GetItem', 'Query', 'UpdateItem'].map((a) => `dynamodb:${a} ${table}`));
    // Fail records a job Plan failed before creating (createJob: PutItem)
    expect(ddb('Fail')).toEqual(['GetItem', 'PutItem', 'Query', 'UpdateItem'].map((a) => `dynamodb:${a} ${table}`));
  });
  it('with a default spec, Plan reads that one asset object (its content-hash key), not the bootstrap assets bucket', () => {
    const { json: j } = synth({ defaultSpec: JSON.stringify({ rasters: [{ uri: 's3://sentinel-cogs/a.tif' }] }) });
    const assets = grantsOf(j, 'FunctionsPlan').filter((g) => g.includes('cdk-hnb659fds-assets'));
    expect(assets).toHaveLength(1);
    expect(assets[0]).toMatch(/^s3:GetObject arn:\$\{AWS::Partition\}:s3:::cdk-hnb659fds-assets-\$\{AWS::AccountId\}-\$\{AWS::Region\}\/[0-9a-f]{64}\.json$/);
  });
  it('a "*" resource holds only actions that support no resource-level permissions (X-Ray; the state machine\'s log delivery)', () => {
    const noResourceLevel = new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets', 'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery', 'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups']);
    const star = resourcesOfType(json, 'AWS::IAM::Policy').flatMap(([, p]) => (p.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement)
      .filter((s) => [s.Resource].flat().includes('*')).flatMap((s) => [s.Action].flat());
    expect(star.length).toBeGreaterThan(0);
    expect(star.filter((a) => !noResourceLevel.has(a))).toEqual([]);
  });
});
