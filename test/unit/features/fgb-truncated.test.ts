/**
 * A FlatGeobuf file cut short (an interrupted copy or download) is refused, never read as a smaller layer: a
 * newcomer's copies of a 200-feature file cut at 3,000 / 20,000 / 30,000 bytes gave 0, 52 and 106 features and
 * results, and a file short of a few bytes of its last feature read that feature's geometry short, without a word
 * from flatgeobuf's reader (GDAL: "Unexpected I/O failure: reading feature"). The fixture is GDAL's (test/fixtures/formats/make.sh: the 12 cantons of Luxembourg); its header
 * states 12 features, as `ogrinfo -so` reports.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../shared/errors';
import { openFeatureSource } from '../../../shared/features/open';

const FIXTURE = join(import.meta.dirname, '../../fixtures/formats/lux_cantons_2169.fgb');
const dir = mkdtempSync(join(tmpdir(), 'zf-fgb-cut-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function readAll(path: string): Promise<number> {
  const src = await openFeatureSource(path);
  let n = 0;
  try {
    for await (const f of src.features()) if (f.fid >= 0) n++;
  } finally {
    src.close();
  }
  return n;
}

describe('a truncated FlatGeobuf', () => {
  const bytes = readFileSync(FIXTURE);
  // the header: 8 magic bytes, its length (u32), then the header itself; the spatial index and the features follow
  const headerEnd = 12 + bytes.readUInt32LE(8);

  it('control: the whole file reads its 12 features', async () => {
    expect(await readAll(FIXTURE)).toBe(12);
  });

  it.each([
    ['just after the header', headerEnd + 16],
    ['in the middle', Math.floor(bytes.length / 2)],
    ['short of its last feature', bytes.length - 5000],
    ['one byte short', bytes.length - 1],
  ])('cut %s: refused, naming the file and what its header states', async (_where, keep) => {
    const path = join(dir, `cut_${keep}.fgb`);
    writeFileSync(path, bytes.subarray(0, keep));
    const err = await readAll(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(: FlatGeobuf feature \\d+ of the 12 its header states cannot be read: the file is truncated or corrupt \\(.*\\)| is truncated: its header states 12 features and the file ends (after \\d+|inside feature \\d+|inside their spatial index \\(\\d+ bytes\\)))$`));
  });
});
