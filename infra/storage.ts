/** Buckets and the job table: private, TLS-only, encrypted, logged; the work prefix expires. */
import type { RemovalPolicy } from 'aws-cdk-lib';
import { Duration } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/** Storage options. */
export interface StorageProps { workPrefix: string; workExpirationDays: number; removalPolicy: RemovalPolicy }

/** The input and output buckets, their access-log bucket, the DynamoDB table. */
export class Storage extends Construct {
  readonly logs: s3.Bucket;
  readonly input: s3.Bucket;
  readonly output: s3.Bucket;
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    const secure = { blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL, enforceSSL: true, encryption: s3.BucketEncryption.S3_MANAGED, removalPolicy: props.removalPolicy, objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED };
    this.logs = new s3.Bucket(this, 'AccessLogs', { ...secure, objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED, lifecycleRules: [{ expiration: Duration.days(90) }] });
    this.input = new s3.Bucket(this, 'Input', { ...secure, eventBridgeEnabled: true, serverAccessLogsBucket: this.logs, serverAccessLogsPrefix: 'input/' });
    this.output = new s3.Bucket(this, 'Output', {
      ...secure,
      serverAccessLogsBucket: this.logs,
      serverAccessLogsPrefix: 'output/',
      // Collect writes results.parquet/.csv as multipart uploads outside the work prefix: a Collect stopped by its
      // timeout leaves an unfinished upload, whose parts S3 bills until it is aborted
      lifecycleRules: [
        { id: 'expire-work-prefix', prefix: props.workPrefix, expiration: Duration.days(props.workExpirationDays), abortIncompleteMultipartUploadAfter: Duration.days(1) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    this.table = new dynamodb.Table(this, 'Jobs', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'ttl',
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy,
    });
    // newest-first job listing for `zonalflow list` (job records only carry gsi1pk/gsi1sk). Keys only: the
    // index's one partition (gsi1pk = JOBS) is written when a job record is created, never by the counter
    // updates of 1,000 concurrent workers ("if a table write does not affect a projected attribute, no write
    // occurs to the index": https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes);
    // `zonalflow list` reads the records themselves with BatchGetItem.
    this.table.addGlobalSecondaryIndex({ indexName: 'byCreated', partitionKey: { name: 'gsi1pk', type: dynamodb.AttributeType.STRING }, sortKey: { name: 'gsi1sk', type: dynamodb.AttributeType.STRING }, projectionType: dynamodb.ProjectionType.KEYS_ONLY });
  }
}
