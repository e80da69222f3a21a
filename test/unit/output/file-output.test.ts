/**
 * FileOutput, the one local-file ByteTarget of every streaming writer: a temporary file beside
 * the target until close renames it into place, abort removes it, devices are written directly,
 * a chunk's memory is the caller's again once its write resolves, and errors name the output.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileOutput } from '../../../shared/output/file-output';

const dir = (): string => mkdtempSync(join(tmpdir(), 'zf-file-output-'));

describe('FileOutput', () => {
  it('writes beside the target and renames into place on close; the caller may reuse a chunk once written', async () => {
    const d = dir();
    const path = join(d, 'out.csv');
    const out = await FileOutput.create(path);
    const chunk = Buffer.from('abc\n');
    await out.write(chunk);
    chunk.write('XYZ\n'); // reused after the write resolved
    await out.write(chunk);
    await out.write(Buffer.alloc(2 * 1024 * 1024, 0x2e)); // written through, past the 1 MiB buffer
    expect(existsSync(path)).toBe(false);
    const names = readdirSync(d);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^out\.csv\.zonalflow-\d+-[0-9a-f]{8}\.tmp$/);
    await out.close();
    expect(readdirSync(d)).toEqual(['out.csv']);
    const text = readFileSync(path, 'latin1');
    expect(text.slice(0, 8)).toBe('abc\nXYZ\n');
    expect(text.length).toBe(8 + 2 * 1024 * 1024);
    await expect(out.write(Buffer.from('x'))).rejects.toThrow(/output .*out\.csv: written after close/);
    await expect(out.close()).rejects.toThrow(/closed twice/);
  });

  it('abort removes the temporary file and leaves an existing target alone; idempotent', async () => {
    const d = dir();
    const out = await FileOutput.create(join(d, 'out.json'));
    await out.write(Buffer.from('[1,'));
    await out.abort();
    await out.abort();
    expect(readdirSync(d)).toEqual([]);
  });

  it('deferred: nothing is created before the first write or close; an empty output is an empty file', async () => {
    const d = dir();
    const path = join(d, 'empty.parquet');
    const out = FileOutput.deferred(path);
    expect(readdirSync(d)).toEqual([]);
    await out.close();
    expect(readFileSync(path).length).toBe(0);
    const bad = FileOutput.deferred(join(d, 'missing', 'x.parquet'), '--out x.parquet');
    await bad.write(Buffer.from('x')); // buffered: the file is opened when the bytes are written out
    await expect(bad.close()).rejects.toThrow(/^--out x\.parquet cannot be created: no such file or folder$/);
    await bad.abort();
    expect(readdirSync(d)).toEqual(['empty.parquet']);
  });

  it('a device is written directly (no temporary file beside it, never removed)', async () => {
    const out = await FileOutput.create('/dev/null');
    await out.write(Buffer.from('x'));
    await out.close();
    const aborted = await FileOutput.create('/dev/null');
    await aborted.abort();
    expect(existsSync('/dev/null')).toBe(true);
  });
});
