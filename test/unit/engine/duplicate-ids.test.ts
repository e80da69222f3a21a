/**
 * Repeated ids, counted and named (shared/engine/duplicate-ids.ts): the warning names the first repeated
 * ids (in the order their first repeat came) with their features' counts, and how many ids repeat in all;
 * the names are exact among many unique ids (the Bloom filter keeps a candidate's text, never decides);
 * a missing id (NULL id column, or a NULL fid standing for the id) is never a repeat. Through the CLI a
 * user runs: `zonalflow stats` warns with the names, and NULL ids are reported as such, not as repeats.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DuplicateIds, duplicateIdWarning, missingId } from '../../../shared/engine/duplicate-ids';
import { main } from '../../../cli/main';
import { writeGeoPackage } from '../../helpers/gpkg-writer';
import { writeCog } from '../../helpers/cog-writer';
import type { Position } from '../../../shared/geometry/types';

describe('DuplicateIds', () => {
  it('counts features repeating an earlier id, and names the first repeated ids with their counts', () => {
    const d = new DuplicateIds(4);
    for (const id of ['a', 'b', 'x', 'c', 'x', 'y', 'x', 'y', 'd']) d.add(id);
    expect(d.report()).toEqual({ duplicates: 3, repeatedIds: 2, named: [{ id: 'x', features: 3 }, { id: 'y', features: 2 }] });
    expect(duplicateIdWarning(d.report(), 'code')).toBe('3 features have the id of an earlier feature: 2 ids repeat (column "code"), "x" (3 features), "y" (2 features); rows are in input order, and the fid column tells them apart where the fids are unique');
    expect(duplicateIdWarning(new DuplicateIds().report())).toBeNull();
  });
  it('names at most five, and says how many more ids repeat', () => {
    const d = new DuplicateIds();
    for (let k = 0; k < 8; k++) for (let rep = 0; rep < 2; rep++) d.add(`id-${k}`);
    const r = d.report();
    expect(r).toMatchObject({ duplicates: 8, repeatedIds: 8 });
    expect(r.named.map((n) => n.id)).toEqual(['id-0', 'id-1', 'id-2', 'id-3', 'id-4']);
    expect(duplicateIdWarning(r)).toBe('8 features have the id of an earlier feature: 8 ids repeat, "id-0" (2 features), "id-1" (2 features), "id-2" (2 features), "id-3" (2 features), "id-4" (2 features), ... and 3 more; rows are in input order, and the fid column tells them apart where the fids are unique');
  });
  it('exact among 300,000 unique ids (the array and the filter grown from 16): the three repeated ones, in order', () => {
    const d = new DuplicateIds(16);
    for (let i = 0; i < 300_000; i++) {
      d.add(`f${i}`);
      if (i === 1000 || i === 150_000 || i === 299_999) d.add(`f${i - 7}`);
    }
    const r = d.report();
    expect(r).toEqual({ duplicates: 3, repeatedIds: 3, named: [{ id: 'f993', features: 2 }, { id: 'f149993', features: 2 }, { id: 'f299992', features: 2 }] });
  });
  it('the same report with few candidates (their hashes counted by a scan) and many (every hash sorted): the counts of a Map of the ids', () => {
    for (const repeats of [3, 16, 17, 200]) {
      const ids: string[] = [];
      for (let i = 0; i < 20_000; i++) {
        ids.push(`u${i}`);
        // every 50th of the first repeats*50 ids comes back 1-3 times later on
        if (i % 50 === 0 && i / 50 < repeats) for (let k = 0; k <= (i / 50) % 3; k++) ids.push(`u${i}`);
      }
      const d = new DuplicateIds(64);
      for (const id of ids) d.add(id);
      const counts = new Map<string, number>();
      for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
      const repeated = [...counts].filter(([, n]) => n > 1);
      expect(d.report()).toEqual({
        duplicates: ids.length - counts.size,
        repeatedIds: repeated.length,
        named: repeated.slice(0, 5).map(([id, features]) => ({ id, features })),
      });
    }
  });
  it('the rule for a missing id: a NULL id column, or no id column and a NULL fid', () => {
    expect(missingId({ id: '', idNull: true })).toBe(true);
    expect(missingId({ id: '', fidText: null })).toBe(true);
    expect(missingId({ id: '7', fidText: null })).toBe(false); // an id column's value, the fid NULL
    expect(missingId({ id: '' })).toBe(false); // an empty text is a value
    expect(missingId({ id: '3' })).toBe(false);
  });
});

describe('zonalflow stats: the warning names the repeated ids; NULL ids are no repeats', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zf-dup-ids-'));
  const raster = join(dir, 'r.tif');
  writeCog(raster, { width: 20, height: 20, dtype: 'int32', tileSize: 16, epsg: 4326, transform: [0, 20, 1, 1], value: (r, c) => r * 20 + c });
  const square = (i: number): Position[][] => {
    const x = 1 + (i % 8) * 2;
    const y = 1 + Math.floor(i / 8) * 2;
    return [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]];
  };
  const run = async (codes: (string | null)[]): Promise<{ code: number; warnings: string[] }> => {
    const input = join(dir, `${Math.random()}.gpkg`);
    writeGeoPackage(input, [{ name: 'fields', srsId: 4326, geometryType: 'POLYGON', columns: { code: 'TEXT' }, features: codes.map((code, i) => ({ geometry: { type: 'Polygon' as const, coordinates: square(i) }, properties: { code } })) }]);
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (b: Buffer) => (err += b.toString()));
    const code = await main(['stats', '--input', input, '--raster', raster, '--id-column', 'code', '--out', join(dir, `${Math.random()}.csv`), '--quiet', '--threads', '1'], { stderr, stdout: new PassThrough() });
    return { code, warnings: err.split('\n').filter((l) => l.startsWith('zonalflow: warning: ')) };
  };
  it('two ids repeated among NULL ids: named with their counts; the NULL ids reported by their fids', async () => {
    const r = await run(['a', null, 'X', 'b', 'X', null, 'Y', 'X', 'Y', 'c']);
    expect(r.code).toBe(0);
    expect(r.warnings).toEqual([
      'zonalflow: warning: 2 features have a NULL id (column "code"): fid 2, 6; written empty (null), never replaced by the fid',
      'zonalflow: warning: 3 features have the id of an earlier feature: 2 ids repeat (column "code"), "X" (3 features), "Y" (2 features); rows are in input order, and the fid column tells them apart where the fids are unique',
    ]);
  });
  it('only NULL ids beside unique ones: no repeat', async () => {
    const r = await run(['a', null, 'b', null, null]);
    expect(r.warnings).toEqual(['zonalflow: warning: 3 features have a NULL id (column "code"): fid 2, 4, 5; written empty (null), never replaced by the fid']);
  });
});
