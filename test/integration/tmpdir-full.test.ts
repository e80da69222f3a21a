/**
 * A full $TMPDIR while `zonalflow stats` spools a GeoJSON input (its sort runs): one typed line naming the
 * folder and what to do, exit 1 (the job failed; README's exit codes), nothing at --out and nothing left in
 * the folder. A real full disk: a 200 KB tmpfs mounted in a private mount namespace (`unshare -m`, as root;
 * the test is skipped where that cannot be done).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
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
  dir = mkdtempSync(join(tmpdir(), 'zf-tmpdir-full-'));
  // a plain FeatureCollection (~6 MB; its sort runs exceed 200 KB)
  writeSquareFields(join(dir, 'fields.geojson'), 20_000, 11);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('zonalflow stats with a full $TMPDIR', () => {
  it.skipIf(!mountable)('ENOSPC in the job\'s temporary files: one typed line naming $TMPDIR and what to do, exit 1, nothing left', () => {
    const tiny = join(dir, 'tiny');
    const out = join(dir, 'out');
    const script = `mkdir -p '${tiny}' '${out}' && mount -t tmpfs -o size=200k tmpfs '${tiny}' && TMPDIR='${tiny}' "$0" '${BIN}' stats --input '${join(dir, 'fields.geojson')}' --raster '${RASTER}' --id-column field_id --stats count,mean,median --quiet --out '${join(out, 'stats.csv')}'; code=$?; echo "left: $(ls -A '${tiny}' | grep -E '^(zonalflow|zf-)' | tr '\\n' ' ')"; exit $code`;
    const r = spawnSync('unshare', ['-m', 'sh', '-c', script, process.execPath], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toContain(`zonalflow: error [TMPDIR_FULL]: the temporary folder ${tiny} ($TMPDIR) is full: no space left on its device (ENOSPC) for the job's temporary files; free space there or set TMPDIR to a folder with more room`);
    expect(r.stderr).not.toMatch(/bug/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.status).toBe(1);
    expect(r.stdout.trim()).toBe('left:');
    expect(readdirSync(out)).toEqual([]);
  }, 180_000);
});
