/**
 * Which failures the state machine retries (TransientError) and which it
 * does not: S3 5xx/SlowDown and DynamoDB throttling (as the SDK raises them,
 * and wrapped in zonalflow's own errors) are transient; 403, 404, a bad spec
 * are not. The handlers' JSON log lines carry the job and batch ids.
 */
import { describe, expect, it, vi } from 'vitest';
import { S3ServiceException } from '@aws-sdk/client-s3';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { SourceError, SpecError } from '../../../shared/errors';
import { JobStoreError } from '../../../shared/jobs/error';
import { TransientError, classifyTransient, isTransient } from '../../../shared/pipeline/transient';
import { RETRYABLE_LAMBDA_ERRORS } from '../../../infra/state-machine';
import { eventKeys, stageLogger } from '../../../shared/pipeline/log';

const s3Error = (name: string, status: number): S3ServiceException => new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });

describe('transient failures', () => {
  it('S3 503 SlowDown / 500, DynamoDB throttling, network resets: transient, also inside SourceError/JobStoreError', () => {
    expect(isTransient(s3Error('SlowDown', 503))).toBe(true);
    expect(isTransient(s3Error('InternalError', 500))).toBe(true);
    const throttle = new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
    expect(isTransient(throttle)).toBe(true);
    expect(isTransient(new JobStoreError('DynamoDB UpdateItem failed', { cause: throttle }))).toBe(true);
    expect(isTransient(new SourceError('cannot write s3://b/k: SlowDown', { cause: s3Error('SlowDown', 503), status: 503 }))).toBe(true);
    expect(isTransient(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
  });
  it('403, 404, a bad spec, a plain bug: not transient (retrying cannot help)', () => {
    expect(isTransient(s3Error('AccessDenied', 403))).toBe(false);
    expect(isTransient(s3Error('NoSuchKey', 404))).toBe(false);
    expect(isTransient(new SourceError('s3://b/k does not exist', { status: 404 }))).toBe(false);
    expect(isTransient(new SpecError('no rasters'))).toBe(false);
    expect(isTransient(new TypeError('x is undefined'))).toBe(false);
  });
  it('a stage\'s transient failure leaves as TransientError, the name the state machine retries; others pass unchanged', async () => {
    const err = await classifyTransient('Worker', () => Promise.reject(new JobStoreError('DynamoDB UpdateItem failed', { cause: new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} }) }))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).name).toBe('TransientError');
    expect((err as Error).message).toMatch(/^Worker: transient failure, retried by the state machine: DynamoDB UpdateItem failed/);
    expect(RETRYABLE_LAMBDA_ERRORS).toContain((err as Error).name);
    const spec = new SpecError('bad');
    await expect(classifyTransient('Plan', () => Promise.reject(spec))).rejects.toBe(spec);
    await expect(classifyTransient('Plan', () => Promise.resolve(7))).resolves.toBe(7);
  });
});

describe('structured logs', () => {
  it('one JSON object per line with the stage, jobId and batchId', () => {
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const info = vi.spyOn(console, 'info').mockImplementation((...a: unknown[]) => void lines.push(a.map(String).join(' ')));
    try {
      stageLogger('worker', eventKeys({ jobId: 'job-1', batchId: 'b000007', key: 'k', features: 3 })).info('batch finished', { featuresDone: 3 });
    } finally {
      spy.mockRestore();
      info.mockRestore();
      vi.unstubAllEnvs();
    }
    const entry = JSON.parse(lines.join('').trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'INFO', message: 'batch finished', service: 'zonalflow', stage: 'worker', jobId: 'job-1', batchId: 'b000007', featuresDone: 3 });
  });
  it('SILENT writes nothing (zonalflow local --quiet)', () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (lines.push(String(c)), true));
    const info = vi.spyOn(console, 'info').mockImplementation((...a: unknown[]) => void lines.push(a.map(String).join(' ')));
    try {
      stageLogger('plan', { jobId: 'j' }).info('planned');
    } finally {
      spy.mockRestore();
      info.mockRestore();
    }
    expect(lines).toEqual([]);
  });
});
