/** The zonalflow stack: storage, functions, state machine, upload trigger, outputs. */
import { CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { parseJobSpec } from '../shared/spec';
import { Storage } from './storage';
import { Functions } from './functions';
import { PipelineMachine } from './state-machine';
import { UploadTrigger } from './trigger';
import { acknowledgeStack } from './nag';

/** What a deployment can tune. */
export interface ZonalflowStackProps extends StackProps {
  /** Buckets the worker may read rasters from. */
  rasterBuckets?: string[];
  /** https hosts the worker may read rasters from. */
  rasterHttpsHosts?: string[];
  /** Buckets besides the stack's input bucket that Plan may read GeoPackages and specs from (`zonalflow run --input s3://<bucket>/...`). */
  inputBuckets?: string[];
  workerMemoryMb?: number;
  workerTimeoutSec?: number;
  /** Reserved concurrency of the Worker (default: maxConcurrency; 0: none reserved). */
  workerReservedConcurrency?: number;
  /** Largest GeoPackage Plan accepts, in MiB (default 5120); Plan's /tmp is sized to hold it. */
  maxInputMb?: number;
  /** Child executions of the Distributed Map: STANDARD (default) or EXPRESS (checked at synth: every attempt and backoff of a batch must fit in 5 minutes). */
  mapExecutionType?: 'STANDARD' | 'EXPRESS';
  planMemoryMb?: number;
  collectMemoryMb?: number;
  maxConcurrency?: number;
  toleratedFailurePercentage?: number;
  /** The spec used when no `X.json` lies beside an uploaded `X.gpkg` (validated at synth time). */
  defaultSpec?: unknown;
  /** Days before the work prefix expires. */
  workExpirationDays?: number;
  /** RETAIN (default) or DESTROY for buckets and table. */
  removalPolicy?: RemovalPolicy;
}

/** The prefix of intermediate objects in the output bucket. */
export const WORK_PREFIX = '_work/';

/** The deployable stack. */
export class ZonalflowStack extends Stack {
  readonly storage: Storage;
  readonly functions: Functions;
  readonly machine: PipelineMachine;
  readonly trigger: UploadTrigger;

  constructor(scope: Construct, id: string, props: ZonalflowStackProps = {}) {
    super(scope, id, props);
    const defaultSpec = props.defaultSpec === undefined ? null : parseJobSpec(props.defaultSpec, 'default spec of the stack');
    const maxConcurrency = props.maxConcurrency ?? 200;
    this.storage = new Storage(this, 'Storage', { workPrefix: WORK_PREFIX, workExpirationDays: props.workExpirationDays ?? 7, removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN });
    this.functions = new Functions(this, 'Functions', {
      storage: this.storage,
      workPrefix: WORK_PREFIX,
      defaultSpec,
      rasterBuckets: props.rasterBuckets ?? [],
      rasterHttpsHosts: props.rasterHttpsHosts ?? [],
      inputBuckets: props.inputBuckets ?? [],
      maxInputMb: props.maxInputMb ?? 5120,
      workerReservedConcurrency: props.workerReservedConcurrency ?? maxConcurrency,
      planMemoryMb: props.planMemoryMb ?? 3008,
      workerMemoryMb: props.workerMemoryMb ?? 2048,
      workerTimeoutSec: props.workerTimeoutSec ?? 300,
      collectMemoryMb: props.collectMemoryMb ?? 3008,
    });
    this.machine = new PipelineMachine(this, 'Pipeline', { storage: this.storage, functions: this.functions, workPrefix: WORK_PREFIX, maxConcurrency, toleratedFailurePercentage: props.toleratedFailurePercentage ?? 10, mapExecutionType: props.mapExecutionType ?? 'STANDARD', workerTimeoutSec: props.workerTimeoutSec ?? 300 });
    this.trigger = new UploadTrigger(this, 'Trigger', { input: this.storage.input, stateMachine: this.machine.stateMachine });
    acknowledgeStack(this, props.rasterBuckets ?? [], props.inputBuckets ?? []);
    const out = (name: string, value: string): CfnOutput => new CfnOutput(this, name, { value, exportName: `${this.stackName}-${name}` });
    out('InputBucketName', this.storage.input.bucketName);
    out('OutputBucketName', this.storage.output.bucketName);
    out('TableName', this.storage.table.tableName);
    out('StateMachineArn', this.machine.stateMachine.stateMachineArn);
  }
}
