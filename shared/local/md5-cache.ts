/**
 * The MD5 of a local file (the ETag the S3 stand-in gives the runner's uploads: putFileObject in
 * s3rver.sync-store.ts), remembered across runs for large files: `zonalflow local` uploads the same
 * raster run after run, and hashing it took ~0.32 CPU s of each run on the 100k case (187 MB). An entry
 * holds the file's device, inode, size and modification time (nanoseconds) as the stat gives them, as
 * `make` and git's index do: a file rewritten (another size or time) or replaced (another inode) is hashed
 * again. An MD5 depends on the file's bytes alone, not on this code, so the entries outlive a build: they live in
 * one JSON file in the project's node_modules/.cache/zonalflow/ (where tools keep caches; dist/ beside the
 * compiled build when there is no node_modules folder, an installed package), where they lived in dist/, which every
 * build empties, and the first local run after each build hashed the 187 MB raster again (0.3 s of its "synth"
 * phase). When the code runs from its TypeScript sources (the tests) there is no such file and every file is hashed.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../project-root';

/** Files smaller than this are hashed every time (cheap), never remembered. */
export const MD5_CACHE_MIN_BYTES = 16 * 2 ** 20;
/** Entries kept (the most recent). */
const MAX_ENTRIES = 32;
/** Bytes read at once while hashing. */
const READ_BYTES = 4 * 2 ** 20;

interface Entry { path: string; dev: string; ino: string; size: string; mtimeNs: string; md5: string }

/**
 * The cache file: node_modules/.cache/zonalflow/local-md5.json in the project (dist/local-md5.json when it has no
 * node_modules folder), or null when this code runs from its sources.
 */
export function md5CacheFile(moduleUrl: string = import.meta.url): string | null {
  const here = fileURLToPath(moduleUrl);
  if (here.endsWith('.ts')) return null;
  try {
    const root = projectRoot(join(here, '..'));
    const modules = join(root, 'node_modules');
    if (existsSync(modules)) return join(modules, '.cache', 'zonalflow', 'local-md5.json');
    const dist = join(root, 'dist');
    return existsSync(dist) ? join(dist, 'local-md5.json') : null;
  } catch {
    return null;
  }
}

/** The MD5 of the bytes of `path` (hex). */
export function hashFile(path: string): string {
  const hash = createHash('md5');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(READ_BYTES);
    for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null)) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/**
 * The MD5 of the bytes of `path` (hex): remembered in `cacheFile` (default md5CacheFile(); null: none) when the
 * file holds MD5_CACHE_MIN_BYTES or more. A cache file that cannot be read or written is no error.
 */
export function fileMd5(path: string, cacheFile: string | null = md5CacheFile()): string {
  const st = statSync(path, { bigint: true });
  if (cacheFile === null || st.size < BigInt(MD5_CACHE_MIN_BYTES)) return hashFile(path);
  const me = { path: resolve(path), dev: String(st.dev), ino: String(st.ino), size: String(st.size), mtimeNs: String(st.mtimeNs) };
  const entries = readEntries(cacheFile);
  const same = (e: Entry): boolean => e.path === me.path && e.dev === me.dev && e.ino === me.ino && e.size === me.size && e.mtimeNs === me.mtimeNs;
  const hit = entries.find(same);
  if (hit) return hit.md5;
  const md5 = hashFile(path);
  // the file changed while it was read: not remembered
  const after = statSync(path, { bigint: true });
  if (after.size !== st.size || after.mtimeNs !== st.mtimeNs || after.ino !== st.ino) return md5;
  writeEntries(cacheFile, [...entries.filter((e) => e.path !== me.path), { ...me, md5 }].slice(-MAX_ENTRIES));
  return md5;
}

function readEntries(file: string): Entry[] {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return Array.isArray(parsed) ? (parsed as Entry[]).filter((e) => typeof e === 'object' && e !== null && typeof e.md5 === 'string' && /^[0-9a-f]{32}$/.test(e.md5)) : [];
  } catch {
    return [];
  }
}

/** Whole or not at all (a temporary file renamed): runs at the same time each leave a valid file. */
function writeEntries(file: string, entries: Entry[]): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, JSON.stringify(entries));
    renameSync(tmp, file);
  } catch {
    // not writable (an installed package): the next run hashes again
  }
}
