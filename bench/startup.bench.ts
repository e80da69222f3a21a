/**
 * Start-up of the `zonalflow` command as a user runs it (bin/zonalflow.mjs, compiled dist/ when
 * current): median wall time of `zonalflow --help` and `zonalflow stats --help` over 9 runs each,
 * next to `node -e 0` (Node's own start-up on this machine). Goal (issue 17): <= 0.3 s.
 * Run: npm run bench -- startup (it builds dist/ first, as `npm ci` does).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { report } from './report';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin', 'zonalflow.mjs');

function median(cmd: string[], runs = 9): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, cmd, { cwd: root, stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${cmd.join(' ')} exited ${r.status}`);
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? NaN;
}

spawnSync(process.execPath, [join(root, 'bin', 'build.mjs')], { cwd: root, stdio: 'inherit' });
const compiled = existsSync(join(root, 'dist', 'build.json'));
const figures = {
  compiled,
  nodeSeconds: median(['-e', '0']),
  helpSeconds: median([bin, '--help']),
  statsHelpSeconds: median([bin, 'stats', '--help']),
};
report('startup', figures);
