/**
 * `zonalflow local`'s --out folder (cli/out-path.ts checkOutputDir): the folders the check creates for a
 * missing --out are removed again when the run stops before it writes anything (an interrupted `local` left
 * an empty --out behind, a newcomer found); a folder that existed, or that holds anything by then, stays.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkOutputDir } from '../../../cli/out-path';

const dir = mkdtempSync(join(tmpdir(), 'zf-out-dir-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('an output folder checked for a run', () => {
  it('created with its missing parents: all of them removed while empty', () => {
    const out = join(dir, 'a', 'b', 'results');
    const d = checkOutputDir(out, []);
    expect(d.created).toEqual([join(dir, 'a'), join(dir, 'a', 'b'), out]);
    expect(existsSync(out)).toBe(true);
    d.removeIfUnused();
    expect(existsSync(join(dir, 'a'))).toBe(false);
    expect(existsSync(dir)).toBe(true);
  });

  it('a folder that existed stays, empty or not', () => {
    const out = join(dir, 'existing');
    mkdirSync(out);
    const d = checkOutputDir(out, []);
    expect(d.created).toEqual([]);
    d.removeIfUnused();
    expect(existsSync(out)).toBe(true);
  });

  it('a created folder that holds something by then stays, and so do its created parents', () => {
    const out = join(dir, 'c', 'results');
    const d = checkOutputDir(out, []);
    writeFileSync(join(out, 'summary.json'), '{}');
    d.removeIfUnused();
    expect(existsSync(join(out, 'summary.json'))).toBe(true);
    expect(existsSync(join(dir, 'c'))).toBe(true);
  });

  it('a folder that holds something is refused, its entries counted in the right number ("1 entry", was "1 entries")', () => {
    const one = join(dir, 'one');
    mkdirSync(one);
    writeFileSync(join(one, 'a.txt'), 'a');
    expect(() => checkOutputDir(one, [])).toThrow(`--out ${one} is not empty (1 entry); choose an empty folder or add --overwrite`);
    writeFileSync(join(one, 'b.txt'), 'b');
    expect(() => checkOutputDir(one, [])).toThrow(`--out ${one} is not empty (2 entries); `);
  });
});
