/**
 * What Plan's integration tests start: the S3 and DynamoDB stand-ins on 127.0.0.1 (buckets zf-in, zf-out,
 * zf-rasters; table jobs), the example elevation COG as s3://zf-rasters/elev.cog.tif, Plan's dependencies on
 * them, and a temporary folder; `stop` stops the stand-ins and removes the folder.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startStandIns } from '../../shared/local/stand-ins';
import type { StandIns } from '../../shared/local/stand-ins';
import { JobStore } from '../../shared/jobs/store';
import type { PlanDeps } from '../../shared/pipeline/plan';

export interface PlanStandIns { env: StandIns; deps: PlanDeps; dir: string; stop(): Promise<void> }

/** Starts them; `prefix` names the temporary folder. */
export async function startPlanStandIns(prefix: string): Promise<PlanStandIns> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const env = await startStandIns({ buckets: ['zf-in', 'zf-out', 'zf-rasters'], table: 'jobs' });
  const deps: PlanDeps = { s3: env.s3, tracker: new JobStore(env.doc, 'jobs'), outputBucket: 'zf-out', workPrefix: '_work/', defaultSpec: null, allowed: { schemes: ['s3'], s3Buckets: ['zf-rasters'], httpsHosts: [] } };
  await env.s3.send(new PutObjectCommand({ Bucket: 'zf-rasters', Key: 'elev.cog.tif', Body: readFileSync(join(import.meta.dirname, '../../examples/elev.cog.tif')) }));
  return {
    env,
    deps,
    dir,
    stop: async () => {
      await env.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
