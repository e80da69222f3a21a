/**
 * The state machine: Plan -> (duplicate upload? stop) -> Distributed Map over
 * the manifest in S3 (EXPRESS children running the Worker) -> Collect; any
 * failure is caught and sent to MarkFailed, then the execution fails. Every
 * Lambda call retries throttling and service errors with backoff and jitter.
 */
import { Duration } from 'aws-cdk-lib';
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

/** The errors every Lambda invocation retries (throttling, service and SDK errors). */
export const RETRYABLE_LAMBDA_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException', 'Lambda.ClientExecutionTimeoutException'];

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
    // a batch that stops before the Lambda deadline (or whose Lambda timed out) resumes from its checkpoint
    worker.addRetry({ errors: ['BatchIncompleteError', 'Sandbox.Timedout', 'States.Timeout'], interval: Duration.seconds(1), backoffRate: 1.5, maxAttempts: 3, jitterStrategy: sfn.JitterType.FULL });
    const map = new sfn.DistributedMap(this, 'Batches', {
      itemReader: new sfn.S3JsonItemReader({ bucket: storage.output, key: sfn.JsonPath.stringAt('$.manifest.key') }),
      itemSelector: { 'jobId.$': '$$.Map.Item.Value.jobId', 'batchId.$': '$$.Map.Item.Value.batchId', 'key.$': '$$.Map.Item.Value.key', 'features.$': '$$.Map.Item.Value.features' },
      mapExecutionType: sfn.StateMachineType.EXPRESS,
      maxConcurrency: props.maxConcurrency,
      toleratedFailurePercentage: props.toleratedFailurePercentage,
      resultWriterV2: new sfn.ResultWriterV2({ bucket: storage.output, prefix: `${props.workPrefix}map-results` }),
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
    // the Map reads the manifest and writes its results in the output bucket (work prefix)
    storage.output.grantRead(this.stateMachine, `${props.workPrefix}*`);
    storage.output.grantPut(this.stateMachine, `${props.workPrefix}*`);
  }
}
