/**
 * `zonalflow stats --out` over an existing file: replaced, as exactextract 0.3.1 and ogr2ogr (GDAL 3.6) replace
 * theirs, so that rerunning a command works (`npm start` twice), but only when the job ends: the sink writes a
 * temporary file beside it and renames it into place, so a job that fails leaves the old file as it was. The
 * result line says when a file was replaced.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cases/run-cli';

const root = join(import.meta.dirname, '../../..');
const input = join(root, 'examples/lux_cantons_2169.gpkg');
const raster = join(root, 'examples/elev.cog.tif');
const stats = (out: string, ...more: string[]): string[] => ['stats', '--input', input, '--raster', raster, '--id-column', 'ID_2', '--out', out, '--quiet', ...more];
const OLD = 'a previous result\n';

describe('zonalflow stats --out over an existing file', () => {
  it('a new file: the result line ends with the path alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-out-replace-'));
    const out = join(dir, 'new.csv');
    const r = await runCli(stats(out));
    expect(r.code).toBe(0);
    expect(r.err.split('\n')[0]).toMatch(new RegExp(`-> ${out.replace(/[.]/g, '\\.')}$`));
  });

  it('an existing file is replaced by the whole result, and the result line says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-out-replace-'));
    const out = join(dir, 'stats.csv');
    writeFileSync(out, OLD);
    const r = await runCli(stats(out, '--stats', 'count'));
    expect(r.code).toBe(0);
    expect(r.err.split('\n')[0]).toMatch(/^zonalflow: 12 features \(12 computed, 0 failed\) .* -> .*stats\.csv \(replaced\)$/);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('id,fid,elev_count,error');
    expect(lines).toHaveLength(1 + 12); // the header and the 12 cantons (ogrinfo: Feature Count 12), nothing of the old file
    expect(readdirSync(dir)).toEqual(['stats.csv']); // no temporary file left
  });

  it('a job that fails leaves the existing file as it was, and no temporary file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-out-replace-'));
    for (const name of ['keep.csv', 'keep.parquet', 'keep.gpkg']) {
      const out = join(dir, name);
      writeFileSync(out, OLD);
      // the raster has one band: asking for band 2 fails the job once the raster is open (exit 1)
      const r = await runCli(stats(out, '--bands', '2'));
      expect(r.code, name).toBe(1);
      expect(r.err, name).toMatch(/RASTER_INVALID.*band 2/);
      expect(readFileSync(out, 'utf8'), name).toBe(OLD);
    }
    expect(readdirSync(dir).sort()).toEqual(['keep.csv', 'keep.gpkg', 'keep.parquet']);
  });

  it('the quick start (package.json "start") run twice: both exit 0, the second replaces the first', async () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
    const args = pkg.scripts.start.split(/\s+/).slice(2); // after `node bin/zonalflow.mjs`
    const at = args.indexOf('--out');
    expect(at).toBeGreaterThan(0);
    const dir = mkdtempSync(join(tmpdir(), 'zf-out-replace-'));
    const out = join(dir, 'example.csv');
    args[at + 1] = out; // the same command, its output in a temporary folder rather than the checkout's out/
    const run = (): Promise<{ code: number; err: string }> => runCli([...args.map((a) => (a.startsWith('examples/') ? join(root, a) : a)), '--quiet']);
    const first = await run();
    expect(first.code).toBe(0);
    const firstText = readFileSync(out, 'utf8');
    const second = await run();
    expect(second.code).toBe(0);
    expect(second.err.split('\n')[0]).toMatch(/ \(replaced\)$/);
    expect(readFileSync(out, 'utf8')).toBe(firstText);
    expect(existsSync(out)).toBe(true);
  });
});
