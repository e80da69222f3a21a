/**
 * The last step of `npm run build` (bin/build.mjs imports the compiled dist/local-template.mjs): synthesizes the
 * template `zonalflow local` runs, with the CLI's context, into the build's template cache (template-cache.ts),
 * so that the first local run after a build does not load the CDK either.
 */
import { LOCAL, synthTemplate } from './runner';

/** Synthesizes the CLI's template into dist/local-template/. */
export async function synthLocalTemplate(): Promise<void> {
  await synthTemplate({ rasterBuckets: LOCAL.rasters });
}
