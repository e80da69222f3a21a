/**
 * What the full-device tests share (tmpdir-full.test.ts, output-full.test.ts): whether a small tmpfs can be
 * mounted here (a private mount namespace, `unshare -m`, as root), and a plain GeoJSON of square fields over
 * examples/elev.cog.tif written by hand (not by zonalflow).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seeded } from '../../bench/synthetic';

/** True when a tmpfs can be mounted in a private mount namespace here. */
export function canMountTmpfs(): boolean {
  const probe = mkdtempSync(join(tmpdir(), 'zf-tmpfs-probe-'));
  try {
    return spawnSync('unshare', ['-m', 'sh', '-c', `mount -t tmpfs -o size=64k tmpfs '${probe}'`], { stdio: 'ignore' }).status === 0;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/** Writes `n` seeded square fields (0.005-0.025 degrees, `field_id` F0, F1...) inside 5.75-6.5 E, 49.48-50.18 N as a FeatureCollection at `path`. */
export function writeSquareFields(path: string, n: number, seed: number): void {
  const rnd = seeded(seed);
  const features = [];
  for (let i = 0; i < n; i++) {
    const z = 0.005 + rnd() * 0.02;
    const x = 5.75 + rnd() * 0.75;
    const y = 50.18 - rnd() * 0.7;
    features.push({ type: 'Feature', properties: { field_id: `F${i}` }, geometry: { type: 'Polygon', coordinates: [[[x, y], [x + z, y], [x + z, y - z], [x, y - z], [x, y]]] } });
  }
  writeFileSync(path, JSON.stringify({ type: 'FeatureCollection', features }));
}
