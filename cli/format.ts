/**
 * Figures in the CLI's one-line messages: a count with its noun in the right number ("1 feature",
 * "2 features") and a byte count in the unit that shows it (B, kB, MB, GB; decimal, SI, as `ls --si`
 * and S3's console print them), so a small job reads "1 feature ... 12.3 kB read" rather than
 * "1 features ... 0.0 MB read".
 */

/** `n` and `noun`, in its plural (`noun` + "s" unless given: batch, batches) unless n is 1. */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

/** A byte count in B (below 1 kB), else kB, MB or GB with one decimal (1 kB = 1000 B). */
export function byteSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB'] as const;
  let v = bytes / 1000;
  let u = 0;
  while (v >= 999.95 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/**
 * How raster bytes were read, for a result line: `2 file reads` (local files), `5 requests` (HTTP, S3), or
 * both when a job read both (`5 requests and 2 file reads`). `requests`: every fetch; `fileReads`: those of them
 * that read a local file.
 */
export function readsPhrase(requests: number, fileReads: number): string {
  const remote = requests - fileReads;
  if (fileReads === 0) return count(remote, 'request');
  if (remote === 0) return count(fileReads, 'file read');
  return `${count(remote, 'request')} and ${count(fileReads, 'file read')}`;
}
