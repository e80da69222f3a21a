/**
 * The state machine: Plan -> (duplicate upload? stop) -> Distributed Map over
 * the manifest in S3 (EXPRESS children running the Worker) -> Collect; any
 * failure is caught and sent to MarkFailed, then the execution fails. Every
 * Lambda call retries throttling and service errors with backoff and jitter.
 */
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { Storage } from './storage';
import type { Functions } from './functions';

/** Map options (stack props). */
export interface PipelineMachineProps {
  storage: Storage;
  functions: Functions;
  workPrefix: string;
  maxConcurrency: number;
  toleratedFailurePercentage: number;
}

/**
 * The errors every Lambda invocation retries (throttling, service and SDK errors, and
 * Lambda.Unknown: a runtime that died, e.g. killed or out of memory — "Unhandled errors in
 * Lambda are reported as Lambda.Unknown", https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html;
 * every stage is idempotent, so a crashed invocation is run again).
 */
export const RETRYABLE_LAMBDA_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException', 'Lambda.ClientExecutionTimeoutException', 'Lambda.Unknown'];

/** The errors a Lambda that ran out of time raises (retried twice: the worker resumes from its checkpoint). */
export const LAMBDA_TIMEOUT_ERRORS = ['Sandbox.Timedout', 'States.Timeout'];

/** The manifest reader, allowed s3:GetObject on the work prefix only (CDK's own reader is granted every object of the bucket). */
class WorkPrefixJsonReader extends sfn.S3JsonItemReader {
  private readonly objects: string;
  constructor(props: sfn.S3FileItemReaderProps, objects: string) {
    super(props);
    this.objects = objects;
  }
  /** s3:GetObject on the work prefix. */
  override providePolicyStatements(): iam.PolicyStatement[] {
    return [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.objects] })];
  }
}

/** The Map Run result writer, allowed to write the work prefix only (CDK's own writer is granted every object of the bucket). */
class WorkPrefixResultWriter extends sfn.ResultWriterV2 {
  private readonly objects: string;
  constructor(props: sfn.ResultWriterV2Props, objects: string) {
    super(props);
    this.objects = objects;
  }
  /** The actions Step Functions needs to write Map Run results (multipart), on the work prefix. */
  override providePolicyStatements(): iam.PolicyStatement[] {
    return [new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'], resources: [this.objects] })];
  }
}

/** A Lambda call whose output is the function's result; without `payload` the function gets the state's input as is. */
function invoke(scope: Construct, id: string, fn: IFunction, payload?: sfn.TaskInput, extra: Partial<tasks.LambdaInvokeProps> = {}): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(scope, id, { lambdaFunction: fn, ...(payload ? { payload } : {}), payloadResponseOnly: true, retryOnServiceExceptions: false, ...extra });
  task.addRetry({ errors: RETRYABLE_LAMBDA_ERRORS, interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 6, maxDelay: Duration.seconds(60), jitterStrategy: sfn.JitterType.FULL });
  return task;
}

/** The pipeline's state machine. */
export class PipelineMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: PipelineMachineProps) {
    super(scope, id);
    const { storage, functions } = props;
    const markFailed = invoke(this, 'MarkFailed', functions.fail, sfn.TaskInput.fromObject({ 'state.$': '$', 'execution.$': '$$.Execution.Input' }), { resultPath: sfn.JsonPath.DISCARD });
    const failed = new sfn.Fail(this, 'JobFailed', { errorPath: '$.error.Error', causePath: '$.error.Cause' });
    markFailed.next(failed);
    const plan = invoke(this, 'Plan', functions.plan);
    const worker = invoke(this, 'Worker', functions.worker);
    // a batch that stops before the Lambda deadline resumes from its checkpoint; a Lambda that timed out is retried twice
    worker.addRetry({ errors: ['BatchIncompleteError'], interval: Duration.seconds(1), backoffRate: 1.5, maxAttempts: 3, jitterStrategy: sfn.JitterType.FULL });
    worker.addRetry({ errors: LAMBDA_TIMEOUT_ERRORS, interval: Duration.seconds(1), backoffRate: 2, maxAttempts: 2, jitterStrategy: sfn.JitterType.FULL });
    const workObjects = storage.output.arnForObjects(`${props.workPrefix}*`);
    const map = new sfn.DistributedMap(this, 'Batches', {
      itemReader: new WorkPrefixJsonReader({ bucket: storage.output, key: sfn.JsonPath.stringAt('$.manifest.key') }, workObjects),
      itemSelector: { 'jobId.$': '$$.Map.Item.Value.jobId', 'batchId.$': '$$.Map.Item.Value.batchId', 'key.$': '$$.Map.Item.Value.key', 'features.$': '$$.Map.Item.Value.features' },
      mapExecutionType: sfn.StateMachineType.EXPRESS,
      maxConcurrency: props.maxConcurrency,
      toleratedFailurePercentage: props.toleratedFailurePercentage,
      // one prefix per job (Plan's output: _work/<jobId>/map/); AWS adds <MapRunId>/ under it
      resultWriterV2: new WorkPrefixResultWriter({ bucket: storage.output, prefix: sfn.JsonPath.stringAt('$.mapPrefix') }, workObjects),
      resultPath: '$.mapResult',
      label: 'Batches',
    });
    map.itemProcessor(worker);
    const collect = invoke(this, 'Collect', functions.collect, sfn.TaskInput.fromObject({ 'jobId.$': '$.jobId', 'mapResult.$': '$.mapResult' }));
    const done = new sfn.Succeed(this, 'JobDone');
    const duplicate = new sfn.Succeed(this, 'DuplicateUpload', { comment: 'the same object and ETag already started a job' });
    for (const s of [plan, map, collect]) s.addCatch(markFailed, { errors: ['States.ALL'], resultPath: '$.error' });
    const definition = plan.next(new sfn.Choice(this, 'IsDuplicate').when(sfn.Condition.booleanEquals('$.duplicate', true), duplicate).otherwise(map.next(collect).next(done)));
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
  }
}
