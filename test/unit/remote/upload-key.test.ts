/**
 * The key `zonalflow run` uploads a local file to: never shared by two files of one name, shared by the same file
 * run with the same spec (the same upload: Plan's claim recognises it), its name last.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { uploadKeyFor } from '../../../shared/remote/jobs';
import { DEFAULT_SPEC_DIGEST, specDigest } from '../../../shared/pipeline/keys';

describe('uploadKeyFor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zf-upload-key-'));
  const file = (path: string, body: Buffer | string): string => {
    const full = join(dir, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, body);
    return full;
  };
  const spec = specDigest({ rasters: [{ uri: 's3://r/elev.tif' }], stats: ['mean'] });

  it('two files of one name: two keys, each uploads/<16 hex>/<the name>', async () => {
    const a = await uploadKeyFor(file('2025/fields.gpkg', 'first file'), spec);
    const b = await uploadKeyFor(file('2026/fields.gpkg', 'second file'), spec);
    expect(a).toMatch(/^uploads\/[0-9a-f]{16}\/fields\.gpkg$/);
    expect(b).toMatch(/^uploads\/[0-9a-f]{16}\/fields\.gpkg$/);
    expect(a).not.toBe(b);
  });

  it('the same bytes and spec: the same key, wherever the file lies; another spec or the default: another key', async () => {
    // 3 MiB + 5 bytes: read in several chunks
    const body = Buffer.alloc(3 * 2 ** 20 + 5, 7);
    const here = await uploadKeyFor(file('a/fields.gpkg', body), spec);
    expect(await uploadKeyFor(file('b/fields.gpkg', body), spec)).toBe(here);
    expect(await uploadKeyFor(file('c/fields.gpkg', Buffer.concat([body.subarray(0, body.length - 1), Buffer.from([8])])), spec)).not.toBe(here);
    expect(await uploadKeyFor(file('d/fields.gpkg', body), specDigest({ rasters: [{ uri: 's3://r/elev.tif' }], stats: ['max'] }))).not.toBe(here);
    expect(await uploadKeyFor(file('e/fields.gpkg', body), DEFAULT_SPEC_DIGEST)).not.toBe(here);
  });
});
