/**
 * The CDK app. Context (cdk.json or -c) sets the stack's props:
 * stackName, rasterBuckets / rasterHttpsHosts (comma lists), workerMemoryMb,
 * workerTimeoutSec, maxConcurrency, toleratedFailurePercentage, defaultSpec
 * (JSON text or a path to a JSON file). cdk-nag AwsSolutions checks run on synth.
 */
import { readFileSync, existsSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ZonalflowStack } from './stack';

/** Builds the app (also used by `zonalflow local` and the tests). */
export function buildApp(context: Record<string, unknown> = {}, opts: { nag?: boolean; outdir?: string } = {}): { app: App; stack: ZonalflowStack } {
  const app = new App({ context, ...(opts.outdir ? { outdir: opts.outdir } : {}) });
  const ctx = (k: string): string | undefined => {
    const v = app.node.tryGetContext(k) as unknown;
    if (v === undefined || v === null) return undefined;
    return typeof v === 'string' ? v : JSON.stringify(v);
  };
  const list = (k: string): string[] => (ctx(k) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const num = (k: string): number | undefined => (ctx(k) === undefined ? undefined : Number(ctx(k)));
  const specText = ctx('defaultSpec');
  const defaultSpec = specText === undefined ? undefined : (JSON.parse(existsSync(specText) ? readFileSync(specText, 'utf8') : specText) as unknown);
  const stack = new ZonalflowStack(app, ctx('stackName') ?? 'Zonalflow', {
    rasterBuckets: list('rasterBuckets'),
    rasterHttpsHosts: list('rasterHttpsHosts'),
    workerMemoryMb: num('workerMemoryMb'),
    workerTimeoutSec: num('workerTimeoutSec'),
    maxConcurrency: num('maxConcurrency'),
    toleratedFailurePercentage: num('toleratedFailurePercentage'),
    defaultSpec,
  });
  if (opts.nag !== false) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}

if (process.argv[1] && /infra[/\\]app\.ts$/.test(process.argv[1])) {
  buildApp().app.synth();
}
