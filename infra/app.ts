/**
 * The CDK app. Context (cdk.json or -c) sets the stack's props:
 * stackName, rasterBuckets / rasterHttpsHosts / inputBuckets (comma lists or
 * JSON arrays), workerMemoryMb, workerTimeoutSec, workerReservedConcurrency,
 * planMemoryMb, collectMemoryMb, maxConcurrency, toleratedFailurePercentage,
 * workExpirationDays, maxInputMb, mapExecutionType (STANDARD|EXPRESS),
 * defaultSpec (JSON text or a path to a JSON file), removalPolicy
 * (retain|destroy). Every number is checked at synth (integer, range).
 * cdk-nag AwsSolutions checks run on synth.
 */
import { readFileSync, existsSync } from 'node:fs';
import { App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ZonalflowError } from '../shared/errors';
import { parseJobSpec } from '../shared/spec';
import { ZonalflowStack } from './stack';

/** A context value of the CDK app is invalid. */
function configError(message: string, cause?: unknown): ZonalflowError {
  return new ZonalflowError('INFRA_CONFIG', message, cause === undefined ? {} : { cause });
}

/** Builds the app (also used by `zonalflow local` and the tests). */
export function buildApp(context: Record<string, unknown> = {}, opts: { nag?: boolean; outdir?: string } = {}): { app: App; stack: ZonalflowStack } {
  const app = new App({ context, ...(opts.outdir ? { outdir: opts.outdir } : {}) });
  // every invalid context value is named, one line each, all at once (a bad bucket never hides a bad number)
  const problems: string[] = [];
  const ctx = (k: string): string | undefined => {
    const v = app.node.tryGetContext(k) as unknown;
    if (v === undefined || v === null) return undefined;
    return typeof v === 'string' ? v : JSON.stringify(v);
  };
  const list = (k: string): string[] => {
    const v = app.node.tryGetContext(k) as unknown;
    const items = Array.isArray(v) ? v.map(String) : (ctx(k) ?? '').split(',');
    return items.map((s) => s.trim()).filter(Boolean);
  };
  /** An integer context value in [min, max] (a problem naming the value and the range otherwise). */
  const int = (k: string, min: number, max: number): number | undefined => {
    const text = ctx(k);
    if (text === undefined || text === '') return undefined;
    const n = Number(text);
    if (!Number.isInteger(n)) problems.push(`context ${k} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
    else if (n < min || n > max) problems.push(`context ${k} must be an integer from ${min} to ${max}, got ${n}`);
    else return n;
    return undefined;
  };
  const specText = ctx('defaultSpec');
  let defaultSpec: unknown;
  if (specText !== undefined && specText !== '') {
    const fromFile = existsSync(specText);
    try {
      defaultSpec = JSON.parse(fromFile ? readFileSync(specText, 'utf8') : specText) as unknown;
    } catch (e) {
      problems.push(`context defaultSpec (${fromFile ? `file ${specText}` : 'inline JSON'}) is not valid JSON: ${(e as Error).message}`);
    }
    if (defaultSpec !== undefined) {
      try {
        parseJobSpec(defaultSpec, 'default spec of the stack');
      } catch (e) {
        if (!(e instanceof ZonalflowError)) throw e;
        problems.push(...e.message.split('\n').filter((l) => l.trim() !== ''));
        defaultSpec = undefined;
      }
    }
  }
  const childType = ctx('mapExecutionType')?.toUpperCase();
  let mapExecutionType: 'STANDARD' | 'EXPRESS' | undefined;
  if (childType === 'STANDARD' || childType === 'EXPRESS') mapExecutionType = childType;
  else if (childType !== undefined) problems.push(`context mapExecutionType must be STANDARD or EXPRESS, got ${JSON.stringify(childType)}`);
  const buckets = (k: string): string[] => list(k).filter((b) => {
    // S3 bucket naming rules: 3-63 characters of a-z 0-9 . -
    if (/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(b)) return true;
    problems.push(`context ${k}: ${JSON.stringify(b)} is not a valid S3 bucket name`);
    return false;
  });
  const rasterBuckets = buckets('rasterBuckets');
  const inputBuckets = buckets('inputBuckets');
  const removal = ctx('removalPolicy')?.toLowerCase();
  if (removal !== undefined && removal !== 'destroy' && removal !== 'retain') problems.push(`context removalPolicy must be retain or destroy, got ${JSON.stringify(removal)}`);
  const props = {
    rasterBuckets,
    rasterHttpsHosts: list('rasterHttpsHosts'),
    inputBuckets,
    // Lambda: memory 128-10240 MB, timeout 1-900 s; Distributed Map: MaxConcurrency up to 10,000, ToleratedFailurePercentage 0-100
    workerMemoryMb: int('workerMemoryMb', 128, 10240),
    workerTimeoutSec: int('workerTimeoutSec', 1, 900),
    workerReservedConcurrency: int('workerReservedConcurrency', 0, 10000),
    planMemoryMb: int('planMemoryMb', 128, 10240),
    collectMemoryMb: int('collectMemoryMb', 128, 10240),
    maxConcurrency: int('maxConcurrency', 1, 10000),
    toleratedFailurePercentage: int('toleratedFailurePercentage', 0, 100),
    workExpirationDays: int('workExpirationDays', 1, 3650),
    // Plan's /tmp holds the downloaded GeoPackage: Lambda's ephemeral storage is at most 10,240 MB
    maxInputMb: int('maxInputMb', 1, 9216),
    ...(mapExecutionType === undefined ? {} : { mapExecutionType }),
    defaultSpec,
    ...(removal === 'destroy' || removal === 'retain' ? { removalPolicy: removal === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN } : {}),
  };
  // the stack is built with the valid values, so that its own checks (EXPRESS children's 5 minutes) are reported with the rest
  let stack: ZonalflowStack | undefined;
  // nothing is bundled for a synth that fails anyway
  if (problems.length > 0) app.node.setContext('aws:cdk:bundling-stacks', []);
  try {
    stack = new ZonalflowStack(app, ctx('stackName') ?? 'Zonalflow', props);
  } catch (e) {
    if (!(e instanceof ZonalflowError) || e.code !== 'INFRA_CONFIG') throw e;
    problems.push(e.message);
  }
  if (problems.length > 0 || stack === undefined) throw configError(problems.join('\n'));
  if (opts.nag !== false) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}

if (process.argv[1] && /infra[/\\]app\.ts$/.test(process.argv[1])) {
  try {
    buildApp().app.synth();
  } catch (e) {
    // a configuration problem is the user's to fix: one line each, no Node stack trace
    if (!(e instanceof ZonalflowError) || e.code !== 'INFRA_CONFIG') throw e;
    for (const line of e.message.split('\n')) process.stderr.write(`zonalflow synth: error [INFRA_CONFIG]: ${line}\n`);
    process.exitCode = 1;
  }
}
