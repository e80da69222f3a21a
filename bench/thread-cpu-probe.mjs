// Preloaded (`node --import ./bench/thread-cpu-probe.mjs bin/zonalflow.mjs stats ...`): the CPU seconds of every
// thread of the process (utime + stime of /proc/self/task/<tid>/stat, Linux only), sampled every 50 ms so that
// threads which end before the process (zonal workers, the prepare thread) are counted, printed to stderr at
// exit in thread-creation order: `threads: <tid>:<cpu s> ...`. With zonalflow stats --threads 2 the order is the
// main thread, V8's platform threads (GC and compiler helpers), then the prepare thread and the zonal workers.
// Unlike --cpu-prof (wall-clock samples, inflated when the machine is loaded), these are CPU seconds.
import { readdirSync, readFileSync } from 'node:fs';
import process from 'node:process';
import { setInterval } from 'node:timers';
import { isMainThread } from 'node:worker_threads';

const TICKS_PER_S = 100; // USER_HZ on Linux

if (isMainThread && process.platform === 'linux') {
  const seen = new Map();
  const sample = () => {
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        seen.set(Number(tid), (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S); // utime, stime
      } catch {
        // the thread ended between the listing and the read: its last sample stands
      }
    }
  };
  setInterval(sample, 50).unref();
  process.on('exit', () => {
    sample();
    const rows = [...seen].sort((a, b) => a[0] - b[0]).filter(([, s]) => s >= 0.02);
    process.stderr.write(`threads: ${rows.map(([tid, s]) => `${tid}:${s.toFixed(2)}`).join(' ')}\n`);
  });
}
