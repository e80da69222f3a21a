/**
 * The Node.js options each Lambda function starts with (its NODE_OPTIONS environment variable,
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html), apart from the CDK so that
 * the benchmarks run a stage with the options the deployed function has (bench/plan-job.bench.ts).
 */

/** Every function: stack traces through the bundles' source maps. */
export const NODE_OPTIONS = '--enable-source-maps';

/**
 * Plan: also a young generation of up to 64 MiB per semi-space (V8's default is 16 MiB on 64-bit). Plan
 * turns every feature into a short-lived batch-file string (1M features: ~250 MB of strings made and
 * dropped), and with 16 MiB semi-spaces V8's scavenger ran so often that collecting took 7.7 of Plan's
 * 1M-feature seconds on the main thread (`--cpu-prof` of `npm run bench -- plan-job`), 2.4 s with 64 MiB;
 * the young generation costs at most 3 x 64 MiB more of the function's memory (peak RSS 583 -> 631 MB).
 */
export const PLAN_NODE_OPTIONS = `${NODE_OPTIONS} --max-semi-space-size=64`;
