/**
 * The four Lambda functions: arm64, Node.js 24, bundled by the local esbuild
 * (never Docker), CommonJS with the SQLite WASM file copied beside the Plan
 * bundle. Least-privilege grants per function.
 */
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import type { Storage } from './storage';

const ROOT = join(import.meta.dirname, '..');

/** Function options (stack props). */
export interface FunctionsProps {
  storage: Storage;
  workPrefix: string;
  defaultSpec: string;
  rasterBuckets: string[];
  rasterHttpsHosts: string[];
  planMemoryMb: number;
  workerMemoryMb: number;
  workerTimeoutSec: number;
  collectMemoryMb: number;
}

/** Plan, Worker, Collect, Fail. */
export class Functions extends Construct {
  readonly plan: NodejsFunction;
  readonly worker: NodejsFunction;
  readonly collect: NodejsFunction;
  readonly fail: NodejsFunction;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const { storage } = props;
    const environment = {
      TABLE_NAME: storage.table.tableName,
      OUTPUT_BUCKET: storage.output.bucketName,
      WORK_PREFIX: props.workPrefix,
      DEFAULT_SPEC: props.defaultSpec,
      RASTER_BUCKETS: props.rasterBuckets.join(','),
      RASTER_HOSTS: props.rasterHttpsHosts.join(','),
      NODE_OPTIONS: '--enable-source-maps',
    };
    const make = (name: string, memoryMb: number, timeout: Duration, withSqlite = false): NodejsFunction => {
      const logGroup = new logs.LogGroup(this, `${name}Logs`, { retention: logs.RetentionDays.ONE_MONTH });
      const fn = new NodejsFunction(this, name, {
        entry: join(ROOT, 'lambdas', `${name.toLowerCase()}.ts`),
        handler: 'handler',
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: memoryMb,
        timeout,
        environment,
        logGroup,
        tracing: lambda.Tracing.ACTIVE,
        projectRoot: ROOT,
        depsLockFilePath: join(ROOT, 'package-lock.json'),
        bundling: {
          forceDockerBundling: false,
          format: OutputFormat.CJS,
          minify: true,
          sourceMap: true,
          sourcesContent: false,
          target: 'node22', // runs on the nodejs22.x and nodejs24.x runtimes
          // the AWS SDK v3 is part of the Node.js runtime
          externalModules: ['@aws-sdk/*'],
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            // node-sqlite3-wasm and lerc (LERC-compressed rasters) load their .wasm from the bundle's directory
            afterBundling: (inputDir: string, outputDir: string) => [
              ...(withSqlite ? [`cp "${inputDir}/node_modules/node-sqlite3-wasm/dist/node-sqlite3-wasm.wasm" "${outputDir}/"`] : []),
              `cp "${inputDir}/node_modules/lerc/lerc-wasm.wasm" "${outputDir}/"`,
            ],
          },
        },
      });
      return fn;
    };
    this.plan = make('Plan', props.planMemoryMb, Duration.minutes(15), true);
    this.worker = make('Worker', props.workerMemoryMb, Duration.seconds(props.workerTimeoutSec));
    this.collect = make('Collect', props.collectMemoryMb, Duration.minutes(15));
    this.fail = make('Fail', 256, Duration.seconds(60));
    const work = `${props.workPrefix}*`;
    // Plan: read the uploads (GeoPackage and spec), write the work prefix, the job records
    storage.input.grantRead(this.plan);
    storage.output.grantPut(this.plan, work);
    storage.table.grantReadWriteData(this.plan);
    // Worker: read the work prefix, write parts and per-feature JSON, read the configured rasters only
    storage.output.grantRead(this.worker, work);
    storage.output.grantPut(this.worker);
    storage.table.grantReadWriteData(this.worker);
    if (props.rasterBuckets.length > 0) {
      this.worker.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: props.rasterBuckets.map((b) => `arn:aws:s3:::${b}/*`) }));
      // without s3:ListBucket, S3 answers 403 for a key that does not exist: a missing raster would read as "forbidden"
      this.worker.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: props.rasterBuckets.map((b) => `arn:aws:s3:::${b}`) }));
    }
    // Collect: read parts and spec, write results and summary
    storage.output.grantRead(this.collect);
    storage.output.grantPut(this.collect);
    storage.table.grantReadWriteData(this.collect);
    // Fail: the job record and its summary
    storage.output.grantPut(this.fail);
    storage.table.grantReadWriteData(this.fail);
  }
}
