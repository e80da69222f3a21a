/**
 * A node child process under `/usr/bin/time`, run asynchronously so that the stand-ins this process
 * serves (S3, DynamoDB) keep answering it from this event loop: its stdout, the tail of its stderr,
 * and GNU time's figures (wall, user and system seconds, peak RSS). Used by the benches that measure
 * one stage alone in its own process (plan-job, collect).
 */
import { spawn } from 'node:child_process';

/** A finished child: `stdout` whole, `stderr` its last 8,000 characters; `timed` false (figures NaN) when time printed none. */
export interface TimedChild { status: number | null; stdout: string; stderr: string; timed: boolean; wallS: number; cpuS: number; peakRssMb: number }

/** Runs `node ...args` under /usr/bin/time with `env`; rejects when the child cannot start. */
export function runTimedNode(args: readonly string[], env: NodeJS.ProcessEnv): Promise<TimedChild> {
  return new Promise((resolve, reject) => {
    const p = spawn('/usr/bin/time', ['-f', 'TIME %e %U %S %M', process.execPath, ...args], { env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8000)));
    p.on('error', reject);
    p.on('close', (status) => {
      const t = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
      resolve({ status, stdout, stderr, timed: t !== null, wallS: Number(t?.[1] ?? NaN), cpuS: Number(t?.[2] ?? NaN) + Number(t?.[3] ?? NaN), peakRssMb: Number(t?.[4] ?? NaN) / 1024 });
    });
  });
}
