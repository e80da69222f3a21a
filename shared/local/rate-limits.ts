/**
 * The request-rate limits AWS enforces per partition, enforced by the local gates (gate.ts) so
 * that `zonalflow local` throttles where AWS would:
 * - S3: 3,500 PUT/COPY/POST/DELETE and 5,500 GET/HEAD requests per second per partitioned
 *   prefix ("Best practices design patterns: optimizing Amazon S3 performance",
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html); a prefix
 *   here is an object's folder (its key up to the last `/`), the finest partition S3 makes.
 *   Over the rate: 503 SlowDown.
 * - DynamoDB: 1,000 write and 3,000 read request units per second per partition
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/burst-adaptive-capacity.html);
 *   a partition here is one partition-key value, each request counted as one unit (an upper bound
 *   of the rate a partition key can take). Over the rate: ProvisionedThroughputExceededException.
 * Each (bucket, folder, class) and (table, pk, class) has a token bucket of `rate x scale` tokens
 * a second holding one second of them (at least one). `scale` (default 1: AWS's figures, which a local run never
 * reaches) shrinks the limits so a test can reach them with a few workers. Pure: the clock is given.
 */
import type { InjectedError } from './gate';

/** AWS's per-partition rates (requests a second). */
export const AWS_PARTITION_RATES = { s3Write: 3500, s3Read: 5500, dynamoWrite: 1000, dynamoRead: 3000 } as const;

/** One request as the gate sees it. */
export type RateRequest =
  | { service: 's3'; bucket: string; key: string; method: string }
  | { service: 'dynamodb'; table: string; pk: string | null; write: boolean };

/** Token buckets per partition; `admit` answers the error AWS would, or null. */
export class PartitionRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  /** Requests refused, by partition (`s3 write zf-out/_work/j/parts/`). */
  readonly refused = new Map<string, number>();

  constructor(
    private readonly scale = 1,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`rate-limit scale must be a positive number, got ${scale}`);
  }

  /** The partition and rate of a request (null: not limited, e.g. a bucket-level call or a request without a partition key). */
  private partition(r: RateRequest): { id: string; rate: number; error: InjectedError } | null {
    if (r.service === 's3') {
      if (r.key === '') return null;
      const write = !['GET', 'HEAD'].includes(r.method.toUpperCase());
      const folder = r.key.slice(0, r.key.lastIndexOf('/') + 1);
      return {
        id: `s3 ${write ? 'write' : 'read'} ${r.bucket}/${folder}`,
        rate: (write ? AWS_PARTITION_RATES.s3Write : AWS_PARTITION_RATES.s3Read) * this.scale,
        error: { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' },
      };
    }
    if (r.pk === null) return null;
    return {
      id: `dynamodb ${r.write ? 'write' : 'read'} ${r.table}/${r.pk}`,
      rate: (r.write ? AWS_PARTITION_RATES.dynamoWrite : AWS_PARTITION_RATES.dynamoRead) * this.scale,
      error: { status: 400, code: 'ProvisionedThroughputExceededException', message: `The level of configured provisioned throughput for the table was exceeded: partition key ${r.pk} (over ${r.write ? AWS_PARTITION_RATES.dynamoWrite : AWS_PARTITION_RATES.dynamoRead} ${r.write ? 'write' : 'read'} units a second per partition)` },
    };
  }

  /** Takes a token for the request's partition: null when there was one, else the error to answer. */
  admit(r: RateRequest): InjectedError | null {
    const p = this.partition(r);
    if (p === null) return null;
    const t = this.now();
    // a second of the rate, and at least one request (a scale that leaves under one a second still lets one through)
    const capacity = Math.max(1, p.rate);
    const b = this.buckets.get(p.id) ?? { tokens: capacity, at: t };
    b.tokens = Math.min(capacity, b.tokens + ((t - b.at) / 1000) * p.rate);
    b.at = t;
    this.buckets.set(p.id, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return null;
    }
    this.refused.set(p.id, (this.refused.get(p.id) ?? 0) + 1);
    return p.error;
  }
}
