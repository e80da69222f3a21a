/**
 * `zonalflow stats` as a user runs it (bin/zonalflow.mjs in a child process) computes on a job thread
 * with a small V8 young generation (bin/job-thread.mjs): the CSV it writes is byte for byte the one the
 * CLI's `main` writes in-process, its exit codes and error lines are main's, and --help stays on the main
 * thread. (Ctrl-C and SIGTERM through the job thread: interrupt.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { JOB_THREAD_LIMITS, runsOnJobThread } from '../../bin/job-thread.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'zonalflow.mjs');
const dir = mkdtempSync(join(tmpdir(), 'zf-job-thread-'));
const input = join(ROOT, 'examples', 'lux_cantons_2169.gpkg');
const raster = join(ROOT, 'examples', 'elev.cog.tif');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function inProcess(args: string[]): Promise<{ code: number; err: string }> {
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (b: Buffer) => (err += b.toString()));
  const code = await main(args, { stderr, stdout: new PassThrough() });
  return { code, err };
}

function command(args: string[]): { code: number | null; err: string; out: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, err: r.stderr, out: r.stdout };
}

describe('zonalflow stats on its job thread', () => {
  it('runs stats jobs there, not --help or other commands', () => {
    expect(runsOnJobThread(['stats', '--input', 'a.gpkg'])).toBe(true);
    expect(runsOnJobThread(['stats', '--help'])).toBe(false);
    expect(runsOnJobThread(['stats', '-h'])).toBe(false);
    expect(runsOnJobThread(['--help'])).toBe(false);
    expect(runsOnJobThread(['local', '--input', 'a.gpkg'])).toBe(false);
    expect(runsOnJobThread([])).toBe(false);
    expect(JOB_THREAD_LIMITS).toEqual({ maxYoungGenerationSizeMb: 8 });
  });

  it('writes the same bytes as the CLI in-process, with exit code 0', async () => {
    const args = (out: string): string[] => ['stats', '--input', input, '--raster', raster, '--id-column', 'ID_2', '--stats', 'mean,min,max,count,stdev', '--out', out, '--quiet'];
    const viaBin = join(dir, 'bin.csv');
    const viaMain = join(dir, 'main.csv');
    const r = command(args(viaBin));
    expect(r.err).toMatch(/^zonalflow: 12 features \(12 computed, 0 failed\)/);
    expect(r.code).toBe(0);
    expect((await inProcess(args(viaMain))).code).toBe(0);
    const bytes = readFileSync(viaBin);
    expect(bytes.length).toBeGreaterThan(100);
    expect(bytes.equals(readFileSync(viaMain))).toBe(true);
  });

  it('passes on the exit code and the one-line error of a failed job', async () => {
    const args = ['stats', '--input', join(dir, 'missing.gpkg'), '--raster', raster, '--out', join(dir, 'x.csv'), '--quiet'];
    const expected = await inProcess(args);
    expect(expected.code).not.toBe(0);
    const r = command(args);
    expect(r.code).toBe(expected.code);
    expect(r.err).toBe(expected.err);
  });

  it('prints stats --help on the main thread', () => {
    const r = command(['stats', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--input/);
  });
});
