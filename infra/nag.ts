/**
 * cdk-nag (AwsSolutions) acknowledgements, all in one place, each with its
 * reason. Findings are acknowledged one by one (cdk-nag 3 reports wildcard
 * findings individually) on the narrowest construct that produces them, so a
 * new wildcard anywhere still fails the synth.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { ZonalflowStack } from './stack';

const BASIC_EXECUTION = 'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';

/** Acknowledges one rule finding (e.g. `AwsSolutions-IAM5[Action::s3:List*]`) on a construct and its children. */
export function acknowledge(scope: IConstruct, finding: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions::${finding}`, reason });
}

function arnOf(scope: IConstruct): string {
  const stack = Stack.of(scope);
  return `<${stack.getLogicalId(scope.node.defaultChild as CfnElement)}.Arn>`;
}

/** Acknowledges the findings the stack's design accepts, with their reasons. */
export function acknowledgeStack(stack: ZonalflowStack, rasterBuckets: readonly string[], inputBuckets: readonly string[] = []): void {
  const { storage, functions, machine } = stack;
  acknowledge(storage.logs, 'AwsSolutions-S1', 'This is the access-log bucket of the input and output buckets; logging it into itself would loop.');
  acknowledge(stack, `AwsSolutions-IAM4[${BASIC_EXECUTION}]`, 'AWSLambdaBasicExecutionRole (the pipeline functions and CDK\'s bucket-notification handler) only allows writing the function\'s own CloudWatch logs.');
  const output = arnOf(storage.output);
  const input = arnOf(storage.input);
  const s3Actions = ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:Abort*'];
  const objectReason = 'grantRead/grantPut: object-level S3 actions (GetObject*, List*, GetBucket*, AbortMultipartUpload*) on the stack\'s own buckets and prefixes only; S3 has no narrower resource for them.';
  const xray = 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions (AWS documents Resource "*").';
  for (const fn of [functions.plan, functions.worker, functions.collect, functions.fail]) {
    for (const a of s3Actions) acknowledge(fn, `AwsSolutions-IAM5[Action::${a}]`, objectReason);
    acknowledge(fn, 'AwsSolutions-IAM5[Resource::*]', xray);
  }
  acknowledge(functions.plan, `AwsSolutions-IAM5[Resource::${input}/*]`, 'Plan reads any uploaded GeoPackage and its spec in the input bucket.');
  acknowledge(functions.plan, `AwsSolutions-IAM5[Resource::${output}/_work/*]`, 'Plan writes batch files, the spec and the manifest under the output bucket\'s work prefix, and reads a retried job\'s manifest there; nothing else of the output bucket.');
  for (const b of inputBuckets) acknowledge(functions.plan, `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${b}/*]`, `Plan reads GeoPackages and specs from the configured input bucket ${b} (GetObject only; zonalflow run --input s3://${b}/...).`);
  acknowledge(functions.worker, `AwsSolutions-IAM5[Resource::${output}/_work/*]`, 'The worker reads its batch file, the job spec and scenes, and writes its Parquet parts, under the work prefix (the job and batch ids are only known at run time).');
  acknowledge(functions.worker, `AwsSolutions-IAM5[Resource::${output}/*/features/*]`, 'The worker writes its batch\'s per-feature JSON Lines under <jobId>/features/ (the job id is only known at run time); nothing else outside the work prefix.');
  for (const b of rasterBuckets) acknowledge(functions.worker, `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${b}/*]`, `The worker reads rasters from the configured raster bucket ${b} (GetObject only).`);
  for (const b of rasterBuckets) acknowledge(functions.plan, `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${b}/*]`, `Plan reads the headers of the spec's rasters in the configured raster bucket ${b} (GetObject, and ListBucket so a missing key reads as not found), so a bad raster fails the job before the fan-out.`);
  acknowledge(functions.collect, `AwsSolutions-IAM5[Resource::${output}/_work/*]`, 'Collect reads the job\'s parts, spec, manifest and CRS notes under the work prefix (the job id is only known at run time).');
  acknowledge(functions.collect, `AwsSolutions-IAM5[Resource::${output}/*/summary.json]`, 'Collect reads (a repeated Collect) and writes the job\'s summary.json under <jobId>/ (the job id is only known at run time).');
  for (const name of ['results.parquet', 'results.csv']) acknowledge(functions.collect, `AwsSolutions-IAM5[Resource::${output}/*/${name}]`, `Collect writes the job's ${name} under <jobId>/ (the job id is only known at run time).`);
  acknowledge(functions.fail, `AwsSolutions-IAM5[Resource::${output}/*/summary.json]`, 'The failure handler writes the failed job\'s summary.json under <jobId>/ (the job id is only known at run time); nothing else.');
  const sm = machine.stateMachine;
  acknowledge(sm, 'AwsSolutions-IAM5[Resource::*]', 'Resource "*" holds only actions that support no resource-level permissions: the CloudWatch Logs log-delivery actions Step Functions logging needs (logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups: AWS\'s policy for it grants them on "*", https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html) and X-Ray PutTraceSegments/PutTelemetryRecords/GetSamplingRules/GetSamplingTargets (tracing).');
  acknowledge(sm, `AwsSolutions-IAM5[Resource::${output}/_work/*]`, 'The Distributed Map reads the manifest (s3:GetObject) and writes its Map Run results under the output bucket\'s work prefix only.');
  for (const fn of [functions.plan, functions.worker, functions.collect, functions.fail]) {
    acknowledge(sm, `AwsSolutions-IAM5[Resource::${arnOf(fn)}:*]`, 'Invoking the pipeline\'s own functions (any version or alias of each named function).');
  }
  const exec = '{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"' + Stack.of(sm).getLogicalId(sm.node.defaultChild as CfnElement) + '"}]}]}';
  acknowledge(sm, `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${exec}:*]`, 'The Distributed Map describes and stops its own executions.');
  acknowledge(sm, `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${exec}/Batches:*]`, 'The Distributed Map manages its own Map Run child executions.');
  acknowledge(stack.trigger.deadLetters, 'AwsSolutions-SQS3', 'This queue is itself the dead-letter queue of the upload rule.');
}
