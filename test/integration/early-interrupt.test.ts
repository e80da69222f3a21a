/**
 * Ctrl-C before a `zonalflow stats` job has started (its handlers not yet set on the job thread): the job thread
 * ends with the signal's exit code and, as for a job stopped later, one line says so (README: exit 130/143, "one
 * line says so"); nothing is written at --out and the run's temporary folder is removed. The job thread is held
 * back 2 s by a preload (test/helpers/slow-job-thread.mjs), so the signal, sent after 0.8 s, always arrives first.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'zf-early-interrupt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function interruptEarly(signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string; out: string[]; tmp: string[] }> {
  const run = mkdtempSync(join(dir, 'run-'));
  const tmp = join(run, 'tmp');
  const out = join(run, 'out');
  mkdirSync(tmp);
  mkdirSync(out);
  const child = spawn(process.execPath, ['--import', join(ROOT, 'test', 'helpers', 'slow-job-thread.mjs'), join(ROOT, 'bin', 'zonalflow.mjs'), 'stats', '--input', join(ROOT, 'examples', 'lux_cantons_2169.gpkg'), '--raster', join(ROOT, 'examples', 'elev.cog.tif'), '--id-column', 'ID_2', '--out', join(out, 'x.csv')], {
    cwd: ROOT,
    env: { ...process.env, TMPDIR: tmp },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => (stderr += s));
  const timer = setTimeout(() => child.kill(signal), 800);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return { code, stderr, out: readdirSync(out), tmp: readdirSync(tmp).filter((e) => /^(zonalflow|zf-)/.test(e)) };
}

describe('zonalflow stats interrupted before its job starts', () => {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal}: exit ${code}, one line saying so, nothing at --out, no temporary folder`, async () => {
      const r = await interruptEarly(signal);
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr).toBe(`zonalflow: interrupted (${signal}) before the job started: nothing written, temporary files removed\n`);
      expect(r.out).toEqual([]);
      expect(r.tmp).toEqual([]);
    }, 60_000);
  }
});
