// Preloaded (`node --import ./bench/rss-probe.mjs`) into a command measured by stats-memory.bench.ts:
// at exit, writes the process's peak resident set size (KB, every thread included: getrusage) and
// CPU seconds to the file named by ZONALFLOW_RSS_FILE. Nothing else changes in the measured process.
import { writeFileSync } from 'node:fs';
import process from 'node:process';

const file = process.env.ZONALFLOW_RSS_FILE;
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ maxRssKb: u.maxRSS, cpuS: (u.userCPUTime + u.systemCPUTime) / 1e6 }));
  });
}
