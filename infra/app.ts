/**
 * The CDK app. Context (cdk.json or -c) sets the stack's props:
 * stackName, rasterBuckets / rasterHttpsHosts (comma lists or JSON arrays),
 * workerMemoryMb, workerTimeoutSec, planMemoryMb, collectMemoryMb,
 * maxConcurrency, toleratedFailurePercentage, workExpirationDays, defaultSpec
 * (JSON text or a path to a JSON file), removalPolicy (retain|destroy).
 * cdk-nag AwsSolutions checks run on synth.
 */
import { readFileSync, existsSync } from 'node:fs';
import { App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ZonalflowError } from '../shared/errors';
import { ZonalflowStack } from './stack';

/** A context value of the CDK app is invalid. */
function configError(message: string, cause?: unknown): ZonalflowError {
  return new ZonalflowError('INFRA_CONFIG', message, cause === undefined ? {} : { cause });
}

/** Builds the app (also used by `zonalflow local` and the tests). */
export function buildApp(context: Record<string, unknown> = {}, opts: { nag?: boolean; outdir?: string } = {}): { app: App; stack: ZonalflowStack } {
  const app = new App({ context, ...(opts.outdir ? { outdir: opts.outdir } : {}) });
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
  const num = (k: string): number | undefined => {
    const text = ctx(k);
    if (text === undefined || text === '') return undefined;
    const n = Number(text);
    if (!Number.isFinite(n) || n < 0) throw configError(`context ${k} must be a non-negative number, got ${JSON.stringify(text)}`);
    return n;
  };
  const specText = ctx('defaultSpec');
  let defaultSpec: unknown;
  if (specText !== undefined && specText !== '') {
    const fromFile = existsSync(specText);
    try {
      defaultSpec = JSON.parse(fromFile ? readFileSync(specText, 'utf8') : specText) as unknown;
    } catch (e) {
      throw configError(`context defaultSpec (${fromFile ? `file ${specText}` : 'inline JSON'}) is not valid JSON: ${(e as Error).message}`, e);
    }
  }
  const removal = ctx('removalPolicy')?.toLowerCase();
  if (removal !== undefined && removal !== 'destroy' && removal !== 'retain') throw configError(`context removalPolicy must be retain or destroy, got ${JSON.stringify(removal)}`);
  const stack = new ZonalflowStack(app, ctx('stackName') ?? 'Zonalflow', {
    rasterBuckets: list('rasterBuckets'),
    rasterHttpsHosts: list('rasterHttpsHosts'),
    workerMemoryMb: num('workerMemoryMb'),
    workerTimeoutSec: num('workerTimeoutSec'),
    planMemoryMb: num('planMemoryMb'),
    collectMemoryMb: num('collectMemoryMb'),
    maxConcurrency: num('maxConcurrency'),
    toleratedFailurePercentage: num('toleratedFailurePercentage'),
    workExpirationDays: num('workExpirationDays'),
    defaultSpec,
    ...(removal === undefined ? {} : { removalPolicy: removal === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN }),
  });
  if (opts.nag !== false) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}

if (process.argv[1] && /infra[/\\]app\.ts$/.test(process.argv[1])) {
  buildApp().app.synth();
}
