/**
 * A full device under --out: `zonalflow stats` in every output format, and `zonalflow local --out DIR`,
 * end with one typed line `error [OUTPUT_FULL]: --out <path>: writing failed: no space left on its
 * device ...; free space there or write the output elsewhere`, exit 1 (the job computed; its result could
 * not be stored: README's exit codes), nothing left on that device, and no "looks like a bug". A real full
 * disk: a small tmpfs mounted in a private mount namespace (`unshare -m`, as root; skipped where that cannot
 * be done), $TMPDIR elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canMountTmpfs, writeSquareFields } from '../helpers/full-device';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'zonalflow.mjs');
const RASTER = join(ROOT, 'examples', 'elev.cog.tif'); // EPSG:4326, 5.74-6.53 E, 49.44-50.19 N
let dir = '';

const mountable = canMountTmpfs();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'zf-output-full-'));
  // 5,000 rows make every output format larger than the 64 KiB device
  writeSquareFields(join(dir, 'fields.geojson'), 5_000, 12);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs `command` (a zonalflow command line writing under `full`) with a `kib` KiB tmpfs mounted at `full`; its stderr, exit code and what is left there. */
function onFullDevice(full: string, kib: number, args: string[]): { stderr: string; status: number | null; left: string } {
  const quoted = args.map((a) => `'${a}'`).join(' ');
  const script = `mkdir -p '${full}' && mount -t tmpfs -o size=${kib}k tmpfs '${full}' && "$0" '${BIN}' ${quoted}; code=$?; echo "left: $(ls -A '${full}' | tr '\\n' ' ')"; exit $code`;
  const r = spawnSync('unshare', ['-m', 'sh', '-c', script, process.execPath], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { stderr: r.stderr, status: r.status, left: r.stdout.trim() };
}

describe('a full device under --out', () => {
  for (const format of ['csv', 'json', 'parquet', 'gpkg', 'fgb']) {
    it.skipIf(!mountable)(`stats --out x.${format}: one OUTPUT_FULL line naming --out, exit 1, nothing left`, () => {
      const full = join(dir, `full-${format}`);
      const out = join(full, `stats.${format}`);
      const r = onFullDevice(full, 64, ['stats', '--input', join(dir, 'fields.geojson'), '--raster', RASTER, '--id-column', 'field_id', '--stats', 'count,mean,median', '--quiet', '--out', out]);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^zonalflow: error \\[OUTPUT_FULL\\]: --out ${out.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: writing failed: no space left on its device \\((ENOSPC|SQLite: [^)]*bytes free there)\\); free space there or write the output elsewhere$`));
      expect(r.stderr).not.toMatch(/bug/);
      expect(r.status).toBe(1);
      expect(r.left).toBe('left:');
    }, 180_000);
  }

  it.skipIf(!mountable)('report --out x.html: one OUTPUT_FULL line, exit 1, no half-written page', () => {
    const results = join(dir, 'results.parquet');
    const made = spawnSync(process.execPath, [BIN, 'stats', '--input', join(dir, 'fields.geojson'), '--raster', RASTER, '--id-column', 'field_id', '--quiet', '--out', results], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(made.status).toBe(0);
    const full = join(dir, 'full-report');
    const out = join(full, 'report.html');
    const r = onFullDevice(full, 64, ['report', results, '--out', out]);
    expect(r.stderr.trim()).toBe(`zonalflow: error [OUTPUT_FULL]: --out ${out}: writing failed: no space left on its device (ENOSPC); free space there or write the output elsewhere`);
    expect(r.status).toBe(1);
    expect(r.left).toBe('left:');
  }, 180_000);

  it.skipIf(!mountable)('local --out DIR: one OUTPUT_FULL line, exit 1, no half-copied outputs left', () => {
    const full = join(dir, 'full-local');
    const out = join(full, 'out');
    const r = onFullDevice(full, 8, ['local', '--input', join(ROOT, 'examples', 'lux_cantons_2169.gpkg'), '--spec', join(ROOT, 'examples', 'job.json'), '--quiet', '--out', out]);
    const lines = r.stderr.trim().split('\n');
    expect(lines.at(-1)).toBe(`zonalflow: error [OUTPUT_FULL]: --out ${out}: writing failed: no space left on its device (ENOSPC); free space there or write the output elsewhere`);
    expect(r.stderr).not.toMatch(/bug/);
    expect(r.status).toBe(1);
    expect(r.left).toBe('left:');
  }, 180_000);
});
