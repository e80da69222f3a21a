/**
 * The MD5 the S3 stand-in gives the runner's uploads, remembered across runs for large files
 * (md5-cache.ts): the value is md5sum's; a remembered entry is used only for the same file
 * unchanged (a rewritten file of the same size is hashed again); small files are never remembered.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import { fileMd5, md5CacheFile, MD5_CACHE_MIN_BYTES } from '../../../shared/local/md5-cache';

const md5sum = (path: string): string => execFileSync('md5sum', [path], { encoding: 'utf8' }).split(' ')[0] ?? '';

describe('fileMd5', () => {
  it("a large file's MD5 is md5sum's, remembered for the same file, hashed again once rewritten", () => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-md5-'));
    const file = join(dir, 'raster.tif');
    const cache = join(dir, 'cache', 'md5.json');
    const bytes = Buffer.alloc(MD5_CACHE_MIN_BYTES + 3, 7);
    writeFileSync(file, bytes);
    const first = md5sum(file);
    expect(fileMd5(file, cache)).toBe(first);
    // the entry is what a second call answers: planted, it is returned without hashing
    const entries = JSON.parse(readFileSync(cache, 'utf8')) as { md5: string }[];
    expect(entries.map((e) => e.md5)).toEqual([first]);
    writeFileSync(cache, JSON.stringify(entries.map((e) => ({ ...e, md5: 'f'.repeat(32) }))));
    expect(fileMd5(file, cache)).toBe('f'.repeat(32));
    // the same size, other bytes, a later modification time: hashed again
    bytes[5] = 9;
    writeFileSync(file, bytes);
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const second = md5sum(file);
    expect(second).not.toBe(first);
    expect(fileMd5(file, cache)).toBe(second);
    // no cache, or one that cannot be written: hashed, no error
    expect(fileMd5(file, null)).toBe(second);
    expect(fileMd5(file, join(file, 'not-a-folder', 'md5.json'))).toBe(second);
  });

  it('a small file is hashed every time, never remembered', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-md5-'));
    const file = join(dir, 'spec.json');
    writeFileSync(file, '{"a":1}\n');
    const cache = join(dir, 'md5.json');
    expect(fileMd5(file, cache)).toBe(md5sum(file));
    expect(existsSync(cache)).toBe(false);
  });

  it('the compiled code keeps the entries in node_modules/.cache (a build empties dist/), none from the sources', () => {
    const root = join(import.meta.dirname, '..', '..', '..');
    expect(md5CacheFile(pathToFileURL(join(root, 'dist', 'chunks', 'chunk-X.mjs')).href)).toBe(join(root, 'node_modules', '.cache', 'zonalflow', 'local-md5.json'));
    expect(md5CacheFile(pathToFileURL(join(root, 'shared', 'local', 'md5-cache.ts')).href)).toBeNull();
  });
});
