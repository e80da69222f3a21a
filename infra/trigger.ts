/** The EventBridge rule: an object created in the input bucket with an input suffix (.gpkg .parquet .fgb .geojson .geojsonl .geojsons .shp.zip .zip) starts the state machine with its bucket, key and ETag. */
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { INPUT_SUFFIXES } from '../shared/features/suffix';

/** Upload trigger. */
export class UploadTrigger extends Construct {
  readonly rule: events.Rule;
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: { input: IBucket; stateMachine: IStateMachine }) {
    super(scope, id);
    this.deadLetters = new sqs.Queue(this, 'DeadLetters', { enforceSSL: true, encryption: sqs.QueueEncryption.SQS_MANAGED, retentionPeriod: Duration.days(14) });
    this.rule = new events.Rule(this, 'GpkgUploaded', {
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [props.input.bucketName] }, object: { key: INPUT_SUFFIXES.filter((x) => x !== '.shp.zip').map((suffix) => ({ suffix })) } },
      },
    });
    this.rule.addTarget(
      new targets.SfnStateMachine(props.stateMachine, {
        input: events.RuleTargetInput.fromObject({ bucket: events.EventField.fromPath('$.detail.bucket.name'), key: events.EventField.fromPath('$.detail.object.key'), etag: events.EventField.fromPath('$.detail.object.etag') }),
        deadLetterQueue: this.deadLetters,
        retryAttempts: 8,
        maxEventAge: Duration.hours(2),
      }),
    );
  }
}
