/**
 * Downloading a job's outputs: the per-feature JSON stored as JSON Lines per
 * batch part is laid out as Sentinel Hub's features/<id>.json (fid appended
 * to every name when ids repeat), kept as stored (jsonl), or skipped (none);
 * objects are fetched with bounded concurrency, never one after the other.
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { downloadJobOutputs } from '../../../shared/pipeline/outputs';

function bucket(objects: Record<string, string>, delayMs = 0): { s3: S3Client; maxInFlight: () => number } {
  const mock = mockClient(S3Client);
  let inFlight = 0;
  let max = 0;
  mock.on(ListObjectsV2Command).callsFake((input: { Prefix: string }) => ({ Contents: Object.keys(objects).filter((k) => k.startsWith(input.Prefix)).map((Key) => ({ Key })), IsTruncated: false }));
  mock.on(GetObjectCommand).callsFake(async (input: { Key: string }) => {
    inFlight++;
    max = Math.max(max, inFlight);
    await new Promise((r) => setTimeout(r, delayMs));
    inFlight--;
    const bytes = new TextEncoder().encode(objects[input.Key] ?? '');
    return { Body: { transformToByteArray: () => Promise.resolve(bytes) } } as never;
  });
  return { s3: new S3Client({ region: 'us-east-1' }), maxInFlight: () => max };
}

const doc = (id: string, fid: number): string => JSON.stringify({ id, fid, b_mean: fid * 1.5, error: null });
const job = {
  'j/results.parquet': 'PAR1',
  'j/summary.json': '{"status":"DONE"}',
  'j/features/b000001.000000.jsonl': `${doc('a/b', 1)}\n${doc('c', 2)}\n`,
  'j/features/b000002.000000.jsonl': `${doc('d', 3)}\n`,
};

describe('downloadJobOutputs', () => {
  it('per-feature: one features/<id>.json per line (ids percent-encoded), the JSON Lines files gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-dl-'));
    const files = await downloadJobOutputs(bucket(job).s3, 'out', 'j/', dir);
    expect(readdirSync(join(dir, 'features')).sort()).toEqual(['a%2Fb.json', 'c.json', 'd.json']);
    expect(JSON.parse(readFileSync(join(dir, 'features/c.json'), 'utf8'))).toEqual({ id: 'c', fid: 2, b_mean: 3, error: null });
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['features/a%2Fb.json', 'features/c.json', 'features/d.json', 'results.parquet', 'summary.json']);
  });
  it('ids that repeat: every file carries its fid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-dl-'));
    await downloadJobOutputs(bucket({ 'j/features/b1.000000.jsonl': `${doc('x', 1)}\n`, 'j/features/b2.000000.jsonl': `${doc('x', 2)}\n${doc('y', 3)}\n` }).s3, 'out', 'j/', dir);
    expect(readdirSync(join(dir, 'features')).sort()).toEqual(['x~1.json', 'x~2.json', 'y~3.json']);
  });
  it('NULL ids are no ids: never a repeat (of each other or of an id that is a fid\'s number), named _~<fid>.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-dl-'));
    const nul = (fid: number): string => JSON.stringify({ id: null, fid, b_mean: 1, error: null });
    // fid 2's id is NULL and fid 5's id is "2": two files, nothing overwritten, and no id repeats (no ~fid on the others)
    await downloadJobOutputs(bucket({ 'j/features/b1.000000.jsonl': `${nul(2)}\n${nul(3)}\n${doc('2', 5)}\n${doc('c', 6)}\n` }).s3, 'out', 'j/', dir);
    expect(readdirSync(join(dir, 'features')).sort()).toEqual(['2.json', '_~2.json', '_~3.json', 'c.json']);
    expect(JSON.parse(readFileSync(join(dir, 'features/_~2.json'), 'utf8'))).toMatchObject({ id: null, fid: 2 });
    expect(JSON.parse(readFileSync(join(dir, 'features/2.json'), 'utf8'))).toMatchObject({ id: '2', fid: 5 });
  });
  it('Sentinel Hub documents ({id: fid, identifier, response}) are named by their identifier', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-dl-'));
    const sh = (identifier: string, fid: number): string => JSON.stringify({ id: fid, identifier, response: { data: [], status: 'OK' } });
    await downloadJobOutputs(bucket({ 'j/features/b1.000000.jsonl': `${sh('north', 1)}\n${sh('south', 2)}\n` }).s3, 'out', 'j/', dir);
    expect(readdirSync(join(dir, 'features')).sort()).toEqual(['north.json', 'south.json']);
    expect(JSON.parse(readFileSync(join(dir, 'features/north.json'), 'utf8'))).toEqual({ id: 1, identifier: 'north', response: { data: [], status: 'OK' } });
  });
  it('jsonl keeps the objects as stored; none skips them', async () => {
    const a = mkdtempSync(join(tmpdir(), 'zf-dl-'));
    await downloadJobOutputs(bucket(job).s3, 'out', 'j/', a, { features: 'jsonl' });
    expect(readdirSync(join(a, 'features')).sort()).toEqual(['b000001.000000.jsonl', 'b000002.000000.jsonl']);
    const b = mkdtempSync(join(tmpdir(), 'zf-dl-'));
    const files = await downloadJobOutputs(bucket(job).s3, 'out', 'j/', b, { features: 'none' });
    expect(readdirSync(b).sort()).toEqual(['results.parquet', 'summary.json']);
    expect(files).toHaveLength(2);
  });
  it('JSON Lines parts under shard folders (features/<ss>/, as the Worker writes them) land as if flat: per-feature and jsonl', async () => {
    const sharded = { 'j/summary.json': '{}', 'j/features/01/b000001.000000.jsonl': `${doc('a', 1)}\n`, 'j/features/02/b000002.000000.jsonl': `${doc('b', 2)}\n${doc('c', 3)}\n` };
    const a = mkdtempSync(join(tmpdir(), 'zf-dl-'));
    await downloadJobOutputs(bucket(sharded).s3, 'out', 'j/', a);
    expect(readdirSync(join(a, 'features')).sort()).toEqual(['a.json', 'b.json', 'c.json']);
    const b = mkdtempSync(join(tmpdir(), 'zf-dl-'));
    await downloadJobOutputs(bucket(sharded).s3, 'out', 'j/', b, { features: 'jsonl' });
    expect(readdirSync(join(b, 'features')).sort()).toEqual(['b000001.000000.jsonl', 'b000002.000000.jsonl']);
    const c = mkdtempSync(join(tmpdir(), 'zf-dl-'));
    expect(await downloadJobOutputs(bucket(sharded).s3, 'out', 'j/', c, { features: 'none' })).toHaveLength(1);
  });
  it('fetches in parallel, at most `concurrency` at once', async () => {
    const many = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`j/part-${i}.json`, '{}']));
    const b = bucket(many, 20);
    await downloadJobOutputs(b.s3, 'out', 'j/', mkdtempSync(join(tmpdir(), 'zf-dl-')), { concurrency: 8 });
    expect(b.maxInFlight()).toBe(8);
  });
});
