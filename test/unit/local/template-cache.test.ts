import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readCachedTemplate, templateCacheFile, writeCachedTemplate } from '../../../shared/local/template-cache';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A compiled project: package.json, cdk.json, dist/chunks with one chunk, the real node_modules. */
function project(): { root: string; chunkUrl: string } {
  const root = mkdtempSync(join(tmpdir(), 'zonalflow-template-cache-'));
  dirs.push(root);
  writeFileSync(join(root, 'package.json'), '{"name":"p"}');
  writeFileSync(join(root, 'cdk.json'), '{"context":{}}');
  mkdirSync(join(root, 'dist', 'chunks'), { recursive: true });
  writeFileSync(join(root, 'dist', 'chunks', 'runner-AAAA.mjs'), '');
  symlinkSync(resolve('node_modules'), join(root, 'node_modules'));
  return { root, chunkUrl: pathToFileURL(join(root, 'dist', 'chunks', 'runner-AAAA.mjs')).href };
}

describe('the local template cache', () => {
  it('has no file when the code runs from its TypeScript sources', () => {
    expect(templateCacheFile({ rasterBuckets: 'b' }, pathToFileURL(resolve('shared/local/template-cache.ts')).href)).toBeNull();
  });

  it('keys the file by the compiled chunks, cdk.json and the context, under dist/', () => {
    const { root, chunkUrl } = project();
    const a = templateCacheFile({ rasterBuckets: 'b' }, chunkUrl);
    expect(a).not.toBeNull();
    expect(a?.startsWith(join(root, 'dist', 'local-template') + '/')).toBe(true);
    expect(templateCacheFile({ rasterBuckets: 'b' }, chunkUrl)).toBe(a);
    expect(templateCacheFile({ rasterBuckets: 'c' }, chunkUrl)).not.toBe(a);
    // any change of the code renames a chunk (esbuild's content hash)
    renameSync(join(root, 'dist', 'chunks', 'runner-AAAA.mjs'), join(root, 'dist', 'chunks', 'runner-BBBB.mjs'));
    const b = templateCacheFile({ rasterBuckets: 'b' }, pathToFileURL(join(root, 'dist', 'chunks', 'runner-BBBB.mjs')).href);
    expect(b).not.toBe(a);
    writeFileSync(join(root, 'cdk.json'), '{"context":{"flag":true}}');
    expect(templateCacheFile({ rasterBuckets: 'b' }, pathToFileURL(join(root, 'dist', 'chunks', 'runner-BBBB.mjs')).href)).not.toBe(b);
  });

  it('reads back what it wrote, and nothing for a missing or broken file', () => {
    const { chunkUrl } = project();
    const file = templateCacheFile({}, chunkUrl);
    expect(readCachedTemplate(file)).toBeNull();
    const template = { Resources: { A: { Type: 'AWS::S3::Bucket' } } };
    writeCachedTemplate(file, template);
    expect(readCachedTemplate(file)).toEqual(template);
    writeFileSync(file ?? '', '{"Resources":');
    expect(readCachedTemplate(file)).toBeNull();
    expect(readCachedTemplate(null)).toBeNull();
    // a cache that cannot be written is no error (its folder would be under a file)
    expect(() => writeCachedTemplate(join(file ?? '', 'sub', 't.json'), template)).not.toThrow();
  });
});
