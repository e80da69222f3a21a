/**
 * The key layout spreads a job's per-batch objects over S3 prefixes: S3
 * supports 3,500 PUT and 5,500 GET requests per second per partitioned prefix
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html),
 * and 1,000 concurrent workers PUT ~7,300/s under one job (scale-model).
 */
import { describe, expect, it } from 'vitest';
import { KEY_SHARDS, featuresPartKey, keyShard, shardFolder, workKeys } from '../../../shared/pipeline/keys';
import { batchId } from '../../../shared/batching/plan';
import { crsNoteKey } from '../../../shared/engine/crs-check';

/** The folder of a key: what S3 partitions on. */
const prefixOf = (key: string): string => key.slice(0, key.lastIndexOf('/') + 1);

describe('per-batch keys are sharded over prefixes', () => {
  const keys = workKeys('_work/', 'job-1');
  const ids = Array.from({ length: 4000 }, (_, i) => batchId(i));

  it('every per-batch object of a batch (batch file, part, CRS note, JSON Lines) is under its shard folder', () => {
    const id = 'b000037';
    const s = shardFolder(id);
    expect(s).toBe((37 % KEY_SHARDS).toString(16).padStart(2, '0'));
    expect(keys.batch(id)).toBe(`_work/job-1/batches/${s}/b000037.batch`);
    expect(keys.part(id, 500)).toBe(`_work/job-1/parts/${s}/b000037.000500.json`);
    expect(crsNoteKey(keys.part(id, 500).replace(/\.json$/, '.parquet'))).toBe(`_work/job-1/parts/${s}/b000037.000500.crs.json`);
    expect(featuresPartKey('job-1', id, 0)).toBe(`job-1/features/${s}/b000037.000000.jsonl`);
  });

  it(`the parts of 4,000 batches use ${KEY_SHARDS} prefixes, and any 1,000 consecutive batches put at most ceil(1000/${KEY_SHARDS}) on one`, () => {
    const prefixes = new Map<string, number>();
    for (const id of ids) {
      const p = prefixOf(keys.part(id, 0));
      prefixes.set(p, (prefixes.get(p) ?? 0) + 1);
    }
    expect(prefixes.size).toBe(KEY_SHARDS);
    for (let from = 0; from + 1000 <= ids.length; from += 137) {
      const window = new Map<number, number>();
      for (const id of ids.slice(from, from + 1000)) window.set(keyShard(id), (window.get(keyShard(id)) ?? 0) + 1);
      expect(Math.max(...window.values())).toBeLessThanOrEqual(Math.ceil(1000 / KEY_SHARDS));
    }
    // 7,300 PUT/s (1,000 workers, scale-model) over the shards: under S3's 3,500 per prefix with room to spare
    expect((7300 * Math.ceil(1000 / KEY_SHARDS)) / 1000).toBeLessThan(3500 / 4);
  });

  it('one batch keeps one shard (its parts stay in cursor order when sorted), and ids without a number are hashed into range', () => {
    const parts = [keys.part('b000002', 1000), keys.part('b000002', 0), keys.part('b000002', 500)].sort();
    expect(parts.map((p) => p.slice(-11))).toEqual(['000000.json', '000500.json', '001000.json']);
    for (const id of ['alpha', 'x-y_z', 'B', 'b000001a']) {
      const s = keyShard(id);
      expect(Number.isInteger(s) && s >= 0 && s < KEY_SHARDS).toBe(true);
      expect(keyShard(id)).toBe(s);
    }
    expect(new Set(['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'].map((id) => keyShard(id))).size).toBeGreaterThan(3);
  });
});
