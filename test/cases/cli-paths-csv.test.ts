/**
 * Cases csv-injection, raster-commas, out-path and same-name (test/fixtures/cases/).
 * Expected values: each case's README/expected.json (hand arithmetic: base.tif holds
 * 64 row + column, so t00 covers cells 455, 456, 519, 520: count 4, mean 487.5).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parquetReadObjects } from 'hyparquet';
import { caseCopy, csvObjects, runCli } from './run-cli';

describe('case csv-injection: formula-like ids are neutralised in CSV, kept exactly elsewhere', () => {
  const dir = caseCopy('csv-injection');
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { ids: string[]; formula_like: string[]; harmless: string[] };
  const base = ['stats', '--input', join(dir, 'hostile.gpkg'), '--raster', join(dir, 'base.tif'), '--id-column', 'name', '--stats', 'count', '--quiet'];
  it('CSV: no id of fids 1-7 starts with = + - @ TAB CR; a leading quote marks them; controls unchanged', async () => {
    const r = await runCli([...base, '--out', join(dir, 'ids.csv')]);
    expect(r.code, r.err).toBe(0);
    const rows = csvObjects(readFileSync(join(dir, 'ids.csv'), 'utf8'));
    expect(rows.length).toBe(10);
    for (const row of rows) {
      const fid = Number(row.fid);
      const original = expected.ids[fid - 1] as string;
      if (fid <= 7) {
        expect(row.id?.[0]).not.toMatch(/[=+\-@\t\r]/);
        expect(row.id).toBe(`'${original}`);
      } else {
        expect(row.id).toBe(original);
      }
    }
  });
  it('JSON and Parquet keep every id exactly', async () => {
    expect((await runCli([...base, '--out', join(dir, 'ids.json')])).code).toBe(0);
    const json = JSON.parse(readFileSync(join(dir, 'ids.json'), 'utf8')) as { id: string }[];
    expect(json.map((o) => o.id)).toEqual(expected.ids);
    expect((await runCli([...base, '--out', join(dir, 'ids.parquet')])).code).toBe(0);
    const b = readFileSync(join(dir, 'ids.parquet'));
    const objs = await parquetReadObjects({ file: new Uint8Array(b).buffer });
    expect(objs.map((o) => o.id as unknown)).toEqual(expected.ids);
  });
});

describe('case raster-commas: --raster is never split at commas', () => {
  it('a path holding a comma is one raster (t00 count 4, mean 487.5 by hand)', async () => {
    const dir = caseCopy('raster-commas');
    const r = await runCli(['stats', '--input', join(dir, 'tiles.gpkg'), '--raster', join(dir, 'a,b.tif'), '--id-column', 'name', '--stats', 'count,mean', '--out', join(dir, 'comma.csv'), '--quiet']);
    expect(r.code, r.err).toBe(0);
    const rows = csvObjects(readFileSync(join(dir, 'comma.csv'), 'utf8'));
    expect(Object.keys(rows[0] ?? {})).toEqual(['id', 'fid', 'a_b_count', 'a_b_mean', 'error']);
    expect(rows[0]).toMatchObject({ id: 't00', a_b_count: '4', a_b_mean: '487.5' });
  });
  it('--raster NAME=URI names the columns; repeated --raster gives several rasters', async () => {
    const dir = caseCopy('raster-commas');
    const r = await runCli(['stats', '--input', join(dir, 'tiles.gpkg'), '--raster', `x=${join(dir, 'a,b.tif')}`, '--raster', join(dir, 'base.tif'), '--id-column', 'name', '--stats', 'mean', '--out', join(dir, 'two.csv'), '--quiet']);
    expect(r.code, r.err).toBe(0);
    const rows = csvObjects(readFileSync(join(dir, 'two.csv'), 'utf8'));
    expect(rows[0]).toMatchObject({ id: 't00', x_mean: '487.5', base_mean: '487.5' });
  });
});

describe('case out-path: --out checked before computing, never the input', () => {
  const dir = caseCopy('out-path');
  mkdirSync(join(dir, 'isdir.csv'));
  mkdirSync(join(dir, 'plaindir'));
  symlinkSync('/dev/full', join(dir, 'full.csv'));
  writeFileSync(join(dir, 'input.json'), readFileSync(join(dir, 'tiles.gpkg')));
  writeFileSync(join(dir, 'file_not_dir'), '');
  writeFileSync(join(dir, 'spec.json'), JSON.stringify({ rasters: [{ uri: join(dir, 'base.tif') }], stats: ['count'] }));
  writeFileSync(join(dir, 'weights.csv'), 'not a raster');
  const R = ['--raster', join(dir, 'base.tif')];
  const cases: [string, string[], RegExp][] = [
    ['out is a directory', ['--input', join(dir, 'tiles.gpkg'), ...R, '--out', join(dir, 'isdir.csv')], /isdir\.csv is a directory/],
    // a folder without a suffix is named as a folder, not as an unknown output format ""
    ['out is a folder without a suffix', ['--input', join(dir, 'tiles.gpkg'), ...R, '--out', join(dir, 'plaindir')], /\[OUTPUT_INVALID\]: --out .*plaindir is a directory; give a file name/],
    ['out under /proc', ['--input', join(dir, 'tiles.gpkg'), ...R, '--out', '/proc/zonalflow-test.csv'], /\/proc\/zonalflow-test\.csv cannot be created/],
    ['parent is a file', ['--input', join(dir, 'tiles.gpkg'), ...R, '--out', join(dir, 'base.tif', 'x.csv')], /base\.tif is a file, not a folder/],
    ['out equals input', ['--input', join(dir, 'input.json'), ...R, '--out', join(dir, 'input.json')], /input\.json is the input/],
    ['input is a directory', ['--input', join(dir, 'isdir.csv'), ...R, '--out', join(dir, 'x.csv')], /isdir\.csv is a directory/],
    // Node's recursive mkdir loops forever under /proc (mkdir /proc: EEXIST, /proc/x: ENOENT, again...)
    ['missing folders under /proc', ['--input', join(dir, 'tiles.gpkg'), ...R, '--out', '/proc/zonalflow-nope/x.csv'], /cannot create the folder \/proc\/zonalflow-nope/],
    ['out equals the spec', ['--input', join(dir, 'tiles.gpkg'), '--spec', join(dir, 'spec.json'), '--out', join(dir, 'spec.json')], /spec\.json is the input/],
    ['out equals the weights raster', ['--input', join(dir, 'tiles.gpkg'), ...R, '--weights', join(dir, 'weights.csv'), '--stats', 'weighted_mean', '--out', join(dir, 'weights.csv')], /weights\.csv is the input/],
  ];
  for (const [name, args, message] of cases) {
    it(`${name}: one typed line, exit 1, no computation`, async () => {
      const r = await runCli(['stats', ...args]);
      expect([1, 2]).toContain(r.code); // the case accepts 1 (failed) or 2 (usage)
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/looks like a bug|features \(/);
      expect(r.err.trim().split('\n').length).toBe(1);
    });
  }
  it('a run that fails before writing (a missing raster) leaves no folder it made for --out; a run that writes keeps it', async () => {
    const out = join(dir, 'made', 'for', 'out.csv');
    const r = await runCli(['stats', '--input', join(dir, 'tiles.gpkg'), '--raster', join(dir, 'no-such.tif'), '--out', out, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/SOURCE_FAILED/);
    expect(existsSync(join(dir, 'made'))).toBe(false);
    const ok = await runCli(['stats', '--input', join(dir, 'tiles.gpkg'), ...R, '--out', out, '--quiet']);
    expect(ok.code).toBe(0);
    expect(existsSync(out)).toBe(true);
  });
  it('a full disk (/dev/full) is a typed write error: OUTPUT_FULL, exit 1 (the job computed; output-full.test.ts: every format)', async () => {
    const r = await runCli(['stats', '--input', join(dir, 'tiles.gpkg'), ...R, '--out', join(dir, 'full.csv'), '--quiet']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/\[OUTPUT_FULL\]: --out .*full\.csv: writing failed: no space left on its device \(ENOSPC\); free space there or write the output elsewhere/);
    expect(r.err).not.toMatch(/looks like a bug/);
  });
  it('report --out: a folder, or a parent that is a file, is one typed line (exit 2) before any work', async () => {
    const results = join(dir, 'report-src.parquet');
    expect((await runCli(['stats', '--input', join(dir, 'tiles.gpkg'), ...R, '--out', results, '--quiet'])).code).toBe(0);
    for (const [out, message] of [[join(dir, 'plaindir'), /plaindir is a directory; give a file name \(e\.g\. .*report\.html\)/], [join(dir, 'file_not_dir', 'r.html'), /file_not_dir is a file, not a folder/], [results, /is the input/]] as const) {
      const r = await runCli(['report', results, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/looks like a bug|EISDIR|ENOENT/);
      expect(r.err.trim().split('\n').length).toBe(1);
    }
    const ok = await runCli(['report', results, '--out', join(dir, 'new-folder', 'r.html')]); // a missing folder is made
    expect(ok.code).toBe(0);
    expect(existsSync(join(dir, 'new-folder', 'r.html'))).toBe(true);
  });
  it('the input stays a GeoPackage', () => {
    expect(readFileSync(join(dir, 'input.json')).subarray(0, 15).toString()).toBe('SQLite format 3');
  });
  it('local --out naming a file, or an existing non-empty folder without --overwrite, is refused before the pipeline', async () => {
    writeFileSync(join(dir, 'local.json'), JSON.stringify({ input: { idColumn: 'name' }, rasters: [{ uri: join(dir, 'base.tif') }], stats: ['count', 'mean'] }));
    const a = await runCli(['local', '--input', join(dir, 'tiles.gpkg'), '--spec', join(dir, 'local.json'), '--out', join(dir, 'file_not_dir'), '--quiet']);
    expect([1, 2]).toContain(a.code);
    expect(a.err).toMatch(/file_not_dir is a file; give a folder/);
    mkdirSync(join(dir, 'old'));
    writeFileSync(join(dir, 'old', 'notes.txt'), 'mine');
    const b = await runCli(['local', '--input', join(dir, 'tiles.gpkg'), '--spec', join(dir, 'local.json'), '--out', join(dir, 'old'), '--quiet']);
    expect([1, 2]).toContain(b.code);
    expect(b.err).toMatch(/old is not empty \(1 entry\); choose an empty folder or add --overwrite/);
    const c = await runCli(['local', '--input', join(dir, 'tiles.gpkg'), '--spec', join(dir, 'local.json'), '--out', join(dir, 'old'), '--overwrite', '--quiet']);
    expect([1, 2]).toContain(c.code);
    expect(c.err).toMatch(/holds notes\.txt, which is not a file of a previous job/);
    expect(existsSync(join(dir, 'old', 'notes.txt'))).toBe(true);
  });
});

describe('case same-name: rasters with one file name never collide in local', () => {
  it('stats and local both give a_mean 487.5 (t00) and b_mean 7; --overwrite replaces the previous job', async () => {
    const dir = caseCopy('same-name');
    const spec = { input: { idColumn: 'name' }, rasters: [{ uri: join(dir, 'a/elev.tif'), name: 'a' }, { uri: join(dir, 'b/elev.tif'), name: 'b' }], stats: ['count', 'mean'], output: { formats: ['parquet', 'csv'] } };
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    const s = await runCli(['stats', '--input', join(dir, 'tiles.gpkg'), '--spec', join(dir, 'spec.json'), '--out', join(dir, 'stats.csv'), '--quiet']);
    expect(s.code, s.err).toBe(0);
    const l = await runCli(['local', '--input', join(dir, 'tiles.gpkg'), '--spec', join(dir, 'spec.json'), '--out', join(dir, 'local'), '--quiet']);
    expect(l.code, l.err).toBe(0);
    for (const file of [join(dir, 'stats.csv'), join(dir, 'local', 'results.csv')]) {
      const rows = csvObjects(readFileSync(file, 'utf8'));
      expect(rows.length).toBe(16);
      for (const row of rows) {
        const [R, C] = [Number(row.id?.[1]), Number(row.id?.[2])];
        expect(Number(row.a_mean)).toBe(64 * (16 * R + 7.5) + 16 * C + 7.5);
        expect(Number(row.b_mean)).toBe(7);
        expect(Number(row.a_count)).toBe(4);
      }
    }
    const again = await runCli(['local', '--input', join(dir, 'tiles.gpkg'), '--spec', join(dir, 'spec.json'), '--out', join(dir, 'local'), '--overwrite', '--quiet']);
    expect(again.code, again.err).toBe(0);
    expect(readdirSync(join(dir, 'local')).sort()).toEqual(['results.csv', 'results.parquet', 'summary.json']);
  });
});
