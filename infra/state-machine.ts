/**
 * The state machine: Plan -> (duplicate upload? stop) -> Distributed Map over
 * the manifest in S3 (STANDARD children running the Worker: a batch that
 * checkpoints and resumes may take longer than an EXPRESS child's 5 minutes)
 * -> Collect; any failure is caught and sent to MarkFailed, then the
 * execution fails. Every Lambda call retries throttling, service and
 * transient errors with backoff and jitter.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { ZonalflowError } from '../shared/errors';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
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
  /** Child executions of the Map (STANDARD: no 5-minute limit). */
  mapExecutionType: 'STANDARD' | 'EXPRESS';
  /** The Worker's timeout (seconds), for the EXPRESS budget check. */
  workerTimeoutSec: number;
}

/**
 * The errors every Lambda invocation retries: Lambda's own throttling, service
 * and SDK errors, `Lambda.Unknown` (the function crashed or ran out of memory)
 * ("Unhandled errors in Lambda are reported as Lambda.Unknown"; every stage is
 * idempotent, so a crashed invocation is run again)
 * and `TransientError`, what the handlers raise for S3 5xx/SlowDown and
 * DynamoDB throttling (shared/pipeline/transient.ts). Step Functions'
 * recommended Lambda retry list:
 * https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html
 */
export const RETRYABLE_LAMBDA_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException', 'Lambda.ClientExecutionTimeoutException', 'Lambda.Unknown', 'TransientError'];

/**
 * Collect's retriers. Collect keeps no checkpoint, so a run that overran its 15 minutes (or its
 * memory) would overrun again: with `Lambda.Unknown` in the 6-attempt list (how Step Functions
 * reports "out-of-memory errors and function timeouts", bp-lambda-serviceexception above) that was
 * up to 7 doomed runs, 1 h 45 min, before the job failed. Now Lambda's service errors and
 * `TransientError` are retried as everywhere; `Lambda.Unknown` once (a crashed container; a timeout
 * reported that way costs one more run, never six); `Sandbox.Timedout` and `States.Timeout` never.
 * And Plan refuses a job whose rows Collect cannot merge within the 15 minutes
 * (shared/pipeline/collect-budget.ts MAX_COLLECT_ROWS, checked at synth against the feature limit).
 */
export const COLLECT_RETRIERS: Retrier[] = [
  { errors: RETRYABLE_LAMBDA_ERRORS.filter((e) => e !== 'Lambda.Unknown'), intervalSec: 2, backoffRate: 2, maxAttempts: 6, maxDelaySec: 60 },
  { errors: ['Lambda.Unknown'], intervalSec: 2, backoffRate: 2, maxAttempts: 1 },
];

/**
 * Plan's retriers: Collect's, for the same reason. Plan keeps no checkpoint either (a retry plans
 * the upload again from its first feature), so a Plan that overran its 15 minutes or its memory
 * would overrun on each of 6 retries; a crashed container gets one more run.
 */
export const PLAN_RETRIERS: Retrier[] = COLLECT_RETRIERS;

/** The errors a Lambda that ran out of time raises (retried twice: the worker resumes from its checkpoint). */
export const LAMBDA_TIMEOUT_ERRORS = ['Sandbox.Timedout', 'States.Timeout'];

/** One retrier of the Worker task. */
export interface Retrier { errors: string[]; intervalSec: number; backoffRate: number; maxAttempts: number; maxDelaySec?: number }

/** The Worker's retriers (each counts its own attempts). */
export const WORKER_RETRIERS: Retrier[] = [
  { errors: RETRYABLE_LAMBDA_ERRORS, intervalSec: 2, backoffRate: 2, maxAttempts: 6, maxDelaySec: 60 },
  // a batch that stops before the Lambda deadline resumes from its checkpoint
  { errors: ['BatchIncompleteError'], intervalSec: 1, backoffRate: 1.5, maxAttempts: 3 },
  // a Lambda that timed out is retried twice (it resumes from its last checkpoint)
  { errors: LAMBDA_TIMEOUT_ERRORS, intervalSec: 1, backoffRate: 2, maxAttempts: 2 },
];

/** An EXPRESS execution runs at most 5 minutes, all attempts and backoff waits included (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html). */
export const EXPRESS_LIMIT_SEC = 300;

/**
 * The worst case of one batch under these retriers: every attempt (the first
 * plus each retrier's MaxAttempts, counted separately as Step Functions does)
 * runs to the Lambda timeout, and every retry waits its full backoff
 * (interval x rate^k, capped by MaxDelaySeconds; full jitter only shortens it).
 */
export function batchBudget(workerTimeoutSec: number, retriers: readonly Retrier[] = WORKER_RETRIERS): { attempts: number; runSec: number; backoffSec: number; totalSec: number } {
  let attempts = 1;
  let backoffSec = 0;
  for (const r of retriers) {
    attempts += r.maxAttempts;
    for (let k = 0; k < r.maxAttempts; k++) backoffSec += Math.min(r.intervalSec * r.backoffRate ** k, r.maxDelaySec ?? Infinity);
  }
  const runSec = attempts * workerTimeoutSec;
  return { attempts, runSec, backoffSec, totalSec: runSec + backoffSec };
}

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

/**
 * A Lambda call whose output is the function's result; without `payload` the function gets the state's input as is.
 * Its TimeoutSeconds is the function's timeout plus a minute: the Lambda's own timeout (Sandbox.Timedout) fires
 * first, the Task's is the backstop ASL leaves to the author (no default on AWS:
 * https://docs.aws.amazon.com/step-functions/latest/dg/sfn-stuck-execution.html).
 */
function invoke(scope: Construct, id: string, fn: lambda.Function, payload?: sfn.TaskInput, extra: Partial<tasks.LambdaInvokeProps> = {}, retriers: readonly Retrier[] = [WORKER_RETRIERS[0] as Retrier]): tasks.LambdaInvoke {
  const seconds = (fn.timeout?.toSeconds() ?? 900) + 60;
  const task = new tasks.LambdaInvoke(scope, id, { lambdaFunction: fn, ...(payload ? { payload } : {}), payloadResponseOnly: true, retryOnServiceExceptions: false, taskTimeout: sfn.Timeout.duration(Duration.seconds(seconds)), ...extra });
  for (const r of retriers) task.addRetry({ errors: r.errors, interval: Duration.seconds(r.intervalSec), backoffRate: r.backoffRate, maxAttempts: r.maxAttempts, ...(r.maxDelaySec === undefined ? {} : { maxDelay: Duration.seconds(r.maxDelaySec) }), jitterStrategy: sfn.JitterType.FULL });
  return task;
}

/** The pipeline's state machine. */
export class PipelineMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: PipelineMachineProps) {
    super(scope, id);
    const { storage, functions } = props;
    const markFailed = invoke(this, 'MarkFailed', functions.fail, sfn.TaskInput.fromObject({ 'state.$': '$', 'execution.$': '$$.Execution.Input', 'executionId.$': '$$.Execution.Id' }), { resultPath: sfn.JsonPath.DISCARD });
    const failed = new sfn.Fail(this, 'JobFailed', { errorPath: '$.error.Error', causePath: '$.error.Cause' });
    // a MarkFailed that timed out (perhaps after marking the job, before its summary.json) runs again: the handler is
    // idempotent and writes the summary the record still owes (shared/pipeline/fail.ts summaryPending)
    markFailed.addRetry({ errors: LAMBDA_TIMEOUT_ERRORS, interval: Duration.seconds(1), backoffRate: 2, maxAttempts: 2, jitterStrategy: sfn.JitterType.FULL });
    // ... and one that still fails ends the execution with the job's own error ($.error), not MarkFailed's (in $.markFailedError)
    markFailed.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.markFailedError' });
    markFailed.next(failed);
    // Plan gets the execution's id: a retried Plan of this execution may re-plan, a second execution of the same upload may not
    const plan = invoke(this, 'Plan', functions.plan, sfn.TaskInput.fromObject({ 'input.$': '$', 'executionId.$': '$$.Execution.Id' }), {}, PLAN_RETRIERS);
    const worker = invoke(this, 'Worker', functions.worker);
    // the first retrier (RETRYABLE_LAMBDA_ERRORS) is invoke()'s own
    for (const r of WORKER_RETRIERS.slice(1)) worker.addRetry({ errors: r.errors, interval: Duration.seconds(r.intervalSec), backoffRate: r.backoffRate, maxAttempts: r.maxAttempts, jitterStrategy: sfn.JitterType.FULL });
    if (props.mapExecutionType === 'EXPRESS') {
      const b = batchBudget(props.workerTimeoutSec);
      if (b.totalSec > EXPRESS_LIMIT_SEC) {
        throw new ZonalflowError(
          'INFRA_CONFIG',
          `mapExecutionType EXPRESS cannot hold a batch: ${b.attempts} attempts x ${props.workerTimeoutSec} s (workerTimeoutSec) + ${b.backoffSec.toFixed(1)} s of retry backoff = ${b.totalSec.toFixed(1)} s > ${EXPRESS_LIMIT_SEC} s, an EXPRESS execution's limit; use STANDARD children (the default) or a shorter workerTimeoutSec`,
        );
      }
    }
    const workObjects = storage.output.arnForObjects(`${props.workPrefix}*`);
    const map = new sfn.DistributedMap(this, 'Batches', {
      itemReader: new WorkPrefixJsonReader({ bucket: storage.output, key: sfn.JsonPath.stringAt('$.manifest.key') }, workObjects),
      itemSelector: { 'jobId.$': '$$.Map.Item.Value.jobId', 'batchId.$': '$$.Map.Item.Value.batchId', 'key.$': '$$.Map.Item.Value.key', 'features.$': '$$.Map.Item.Value.features' },
      mapExecutionType: props.mapExecutionType === 'EXPRESS' ? sfn.StateMachineType.EXPRESS : sfn.StateMachineType.STANDARD,
      maxConcurrency: props.maxConcurrency,
      toleratedFailurePercentage: props.toleratedFailurePercentage,
      // one prefix per job (Plan's output: _work/<jobId>/map/); AWS adds <MapRunId>/ under it
      resultWriterV2: new WorkPrefixResultWriter({ bucket: storage.output, prefix: sfn.JsonPath.stringAt('$.mapPrefix') }, workObjects),
      resultPath: '$.mapResult',
      label: 'Batches',
    });
    map.itemProcessor(worker);
    const collect = invoke(this, 'Collect', functions.collect, sfn.TaskInput.fromObject({ 'jobId.$': '$.jobId', 'mapResult.$': '$.mapResult' }), {}, COLLECT_RETRIERS);
    const done = new sfn.Succeed(this, 'JobDone');
    const duplicate = new sfn.Succeed(this, 'DuplicateUpload', { comment: 'the same object and ETag already started a job (duplicateReason: "duplicate upload"), or another execution is planning it ("already running")' });
    for (const s of [plan, map, collect]) s.addCatch(markFailed, { errors: ['States.ALL'], resultPath: '$.error' });
    const definition = plan.next(new sfn.Choice(this, 'IsDuplicate').when(sfn.Condition.booleanEquals('$.duplicate', true), duplicate).otherwise(map.next(collect).next(done)));
    // vended logs of Step Functions go to a group under /aws/vendedlogs/ (its resource policy size limit;
    // https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html)
    const logGroup = new logs.LogGroup(this, 'Logs', { logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-pipeline`, retention: logs.RetentionDays.ONE_MONTH });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
  }
}
