/**
 * The four Lambda functions: arm64, Node.js 24, bundled by the local esbuild
 * (never Docker), CommonJS with the SQLite WASM file copied beside the Plan
 * bundle. Least-privilege grants per function.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration, Size, Stack } from 'aws-cdk-lib';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import type { JobSpec } from '../shared/spec';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import type { Storage } from './storage';
import { projectRoot } from '../shared/project-root';
import { NODE_OPTIONS, PLAN_NODE_OPTIONS } from './node-options';

// the project root, from the sources or from the CLI's bundle in dist/
const ROOT = projectRoot(import.meta.dirname);

/** Function options (stack props). */
export interface FunctionsProps {
  storage: Storage;
  workPrefix: string;
  /** Uploaded as an S3 asset (a Lambda environment holds at most 4 KB); Plan reads it from there. */
  defaultSpec: JobSpec | null;
  rasterBuckets: string[];
  rasterHttpsHosts: string[];
  inputBuckets: string[];
  /** Largest GeoPackage Plan accepts (MiB): Plan's ephemeral storage holds it plus 1 GiB of headroom. */
  maxInputMb: number;
  /** 0: none reserved. */
  workerReservedConcurrency: number;
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
  /** The default spec as an S3 asset, when the stack has one. */
  readonly defaultSpec: Asset | null;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const { storage } = props;
    // the default spec goes to S3 as an asset: a Lambda's environment variables hold at most 4 KB in total
    // (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html)
    this.defaultSpec = null;
    if (props.defaultSpec !== null) {
      const dir = mkdtempSync(join(tmpdir(), 'zonalflow-spec-'));
      writeFileSync(join(dir, 'default-spec.json'), JSON.stringify(props.defaultSpec));
      this.defaultSpec = new Asset(this, 'DefaultSpec', { path: join(dir, 'default-spec.json') });
    }
    const environment: Record<string, string> = {
      TABLE_NAME: storage.table.tableName,
      OUTPUT_BUCKET: storage.output.bucketName,
      WORK_PREFIX: props.workPrefix,
      RASTER_BUCKETS: props.rasterBuckets.join(','),
      RASTER_HOSTS: props.rasterHttpsHosts.join(','),
      INPUT_BUCKETS: props.inputBuckets.join(','),
      MAX_INPUT_BYTES: String(props.maxInputMb * 1024 * 1024),
      NODE_OPTIONS,
      POWERTOOLS_SERVICE_NAME: 'zonalflow',
      ...(this.defaultSpec ? { DEFAULT_SPEC_URI: this.defaultSpec.s3ObjectUrl } : {}),
    };
    const make = (name: string, memoryMb: number, timeout: Duration, withSqlite = false, extra: Partial<lambda.FunctionOptions> = {}, withProj = false): NodejsFunction => {
      const copies = [
        // PROJ (gdal3.js) loads its .wasm and .data (proj.db) from the bundle's directory, and the NTv2 grids from proj-grids/
        ...(withProj
          ? [
              (i: string, o: string) => `cp "${i}/node_modules/gdal3.js/dist/package/gdal3WebAssembly.wasm" "${i}/node_modules/gdal3.js/dist/package/gdal3WebAssembly.data" "${o}/"`,
              (i: string, o: string) => `mkdir -p "${o}/proj-grids" && cp "${i}/shared/crs/grids/"*.gsb "${o}/proj-grids/"`,
            ]
          : []),
      ];
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
        ...extra,
        depsLockFilePath: join(ROOT, 'package-lock.json'),
        bundling: {
          forceDockerBundling: false,
          format: OutputFormat.CJS,
          minify: true,
          sourceMap: true,
          sourcesContent: false,
          target: 'node22', // runs on the nodejs22.x and nodejs24.x runtimes
          // lerc and @jsquash/webp (LERC/WebP rasters) locate their .wasm from import.meta.url, which a CommonJS bundle lacks
          banner: '"use strict";var __import_meta_url=require("url").pathToFileURL(__filename).href;',
          define: { 'import.meta.url': '__import_meta_url' },
          // the AWS SDK v3 is bundled: the handlers run with the SDK version the tests ran (package-lock.json),
          // not whichever version the Lambda runtime happens to ship
          externalModules: [],
          bundleAwsSDK: true,
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            // node-sqlite3-wasm, lerc and the WebP decoder (LERC/WebP-compressed rasters) load their .wasm from the bundle's directory; PROJ (see copies)
            afterBundling: (inputDir: string, outputDir: string) => [
              ...(withSqlite ? [`cp "${inputDir}/node_modules/node-sqlite3-wasm/dist/node-sqlite3-wasm.wasm" "${outputDir}/"`] : []),
              `cp "${inputDir}/node_modules/lerc/lerc-wasm.wasm" "${outputDir}/"`,
              `cp "${inputDir}/node_modules/@jsquash/webp/codec/dec/webp_dec.wasm" "${outputDir}/"`,
              ...copies.map((c) => c(inputDir, outputDir)),
            ],
          },
        },
      });
      return fn;
    };
    // Plan downloads the GeoPackage to /tmp: ephemeral storage holds the largest accepted input plus 1 GiB
    // (Lambda: 512-10,240 MB, https://docs.aws.amazon.com/lambda/latest/dg/configuration-ephemeral-storage.html)
    // Plan and Worker carry PROJ (Plan reprojects to longitude/latitude for batching, Worker to the rasters' CRSs)
    // and a larger young generation (node-options.ts PLAN_NODE_OPTIONS: a feature's batch-file string is short-lived)
    this.plan = make('Plan', props.planMemoryMb, Duration.minutes(15), true, { ephemeralStorageSize: Size.mebibytes(Math.min(10240, props.maxInputMb + 1024)), environment: { ...environment, NODE_OPTIONS: PLAN_NODE_OPTIONS } }, true);
    this.worker = make('Worker', props.workerMemoryMb, Duration.seconds(props.workerTimeoutSec), false, props.workerReservedConcurrency > 0 ? { reservedConcurrentExecutions: props.workerReservedConcurrency } : {}, true);
    // Collect spills sorted runs of rows to /tmp when a job's rows exceed its in-memory run
    this.collect = make('Collect', props.collectMemoryMb, Duration.minutes(15), false, { ephemeralStorageSize: Size.mebibytes(10240) });
    this.fail = make('Fail', 256, Duration.seconds(60));
    const work = `${props.workPrefix}*`;
    const partition = Stack.of(this).partition;
    const bucketArn = (b: string): string => `arn:${partition}:s3:::${b}`;
    // Plan: read the uploads (GeoPackage and spec), read and write the work prefix (a retried job's manifest), the job records
    storage.input.grantRead(this.plan);
    // (retry: the job's manifest) GetObject on the work prefix, ListBucket only for keys under it (a missing key reads as 404, not 403)
    this.plan.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [storage.output.arnForObjects(work)] }));
    this.plan.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [storage.output.bucketArn], conditions: { StringLike: { 's3:prefix': [work] } } }));
    storage.output.grantPut(this.plan, work);
    if (props.inputBuckets.length > 0) {
      // `zonalflow run --input s3://<bucket>/x.gpkg`: only the buckets the deployment names
      this.plan.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: props.inputBuckets.map((b) => `${bucketArn(b)}/*`) }));
    }
    if (this.defaultSpec) {
      // the default spec's own object: its key is the asset's content hash, known at synth (Asset.grantRead
      // would give the whole bootstrap assets bucket: GetObject*, GetBucket*, List*)
      this.plan.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [`${bucketArn(this.defaultSpec.s3BucketName)}/${this.defaultSpec.s3ObjectKey}`] }));
    }
    // DynamoDB: each function gets the item actions its handler's JobStore calls make, on the table only
    // (no index: only `zonalflow list` queries byCreated). Plan: claimUpload (PutItem, GetItem), uploadClaimOwner,
    // createJob (GetItem, PutItem), putBatches (UpdateItem, BatchWriteItem), setJobStatus (UpdateItem, GetItem), jobStatus
    const tableActions = (fn: NodejsFunction, actions: string[]): void => {
      iam.Grant.addToPrincipal({ grantee: fn, actions: actions.map((a) => `dynamodb:${a}`), resourceArns: [storage.table.tableArn] });
    };
    tableActions(this.plan, ['GetItem', 'PutItem', 'UpdateItem', 'BatchWriteItem']);
    // Worker: read its batch file and the job spec/scenes from the work prefix; write its parts there and the
    // per-feature JSON Lines under <job>/features/ (keys.ts workKeys().part, featuresPartKey); read the configured rasters only
    storage.output.grantRead(this.worker, work);
    storage.output.grantPut(this.worker, work);
    storage.output.grantPut(this.worker, '*/features/*');
    // startBatch (UpdateItem, GetItem), checkpointBatch, completeBatch, failBatch (UpdateItem), batchCancelled, jobStatus (GetItem)
    tableActions(this.worker, ['GetItem', 'UpdateItem']);
    if (props.rasterBuckets.length > 0) {
      // the worker reads the rasters; Plan reads each raster's header before the fan-out (a bad raster fails the job there)
      // without s3:ListBucket, S3 answers 403 for a key that does not exist: a missing raster would read as "forbidden"
      for (const fn of [this.worker, this.plan]) {
        fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: props.rasterBuckets.map((b) => `${bucketArn(b)}/*`) }));
        fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: props.rasterBuckets.map(bucketArn) }));
      }
    }
    // Collect: read the parts, spec, manifest and CRS notes (work prefix) and a finished job's summary.json (a repeated
    // Collect); write results.parquet, results.csv and summary.json under <job>/ (collect.ts)
    storage.output.grantRead(this.collect, work);
    storage.output.grantRead(this.collect, '*/summary.json');
    for (const name of ['results.parquet', 'results.csv', 'summary.json']) storage.output.grantPut(this.collect, `*/${name}`);
    // jobStatus (GetItem), setJobStatus (UpdateItem, GetItem), tally (Query of the job's batch records)
    tableActions(this.collect, ['GetItem', 'UpdateItem', 'Query']);
    // Fail: the failed job's summary.json; uploadJobOf (Query), jobStatus (GetItem), createJob when Plan failed
    // before creating it (GetItem, PutItem), setJobStatus (UpdateItem), tally (Query)
    storage.output.grantPut(this.fail, '*/summary.json');
    tableActions(this.fail, ['GetItem', 'PutItem', 'UpdateItem', 'Query']);
  }
}
