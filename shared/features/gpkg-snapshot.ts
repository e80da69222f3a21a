/**
 * A private, read-only view of a GeoPackage (SQLite) file for node-sqlite3-wasm.
 *
 * node-sqlite3-wasm's VFS locks a database by creating a directory `<path>.lock`
 * beside it and has no shared-memory (`-shm`) support, so opened in place a file
 * (1) cannot be read when a stale `.lock` is left over or another reader holds
 * it, (2) needs write access to its folder, (3) cannot be opened at all in WAL
 * journal mode (header bytes 18-19 = 2, as QGIS leaves GeoPackages).
 *
 * `privateView` therefore never opens the input in place:
 * - a rollback-journal file is reached through a symbolic link in a fresh
 *   temporary folder, so the VFS's lock directory is private to this reader
 *   (nothing is created beside the input; the file is never copied);
 * - a WAL-mode file is copied into that folder, the committed frames of its
 *   `-wal` file (if any) are applied to the copy exactly as SQLite's checkpoint
 *   would (frames with the WAL header's salts and a valid running checksum, up
 *   to the last commit frame; https://www.sqlite.org/fileformat2.html#walformat),
 *   and the copy's header is switched to rollback mode (bytes 18-19 = 1).
 *   Neither the input nor its `-wal` is written.
 * `dispose()` removes the folder.
 */
import { closeSync, copyFileSync, existsSync, ftruncateSync, mkdtempSync, openSync, readSync, rmSync, statSync, symlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { GeoPackageError } from '../errors';

/** A private path to open and its cleanup. */
export interface PrivateView {
  /** Path to hand to SQLite (inside a private temporary folder). */
  path: string;
  /** True when the file was in WAL mode (a patched copy). */
  wal: boolean;
  /** WAL frames applied from `<input>-wal` (0 when none). */
  walFrames: number;
  /** Removes the private folder. */
  dispose(): void;
}

/** Options of `privateView`. */
export interface PrivateViewOptions {
  /** The file is this process's own (a download): a WAL-mode file may be patched in place instead of copied. */
  owned?: boolean;
}

/** Opens `path` as a private view (see the module comment). GeoPackageError on an unreadable file. */
export function privateView(path: string, head: Uint8Array, opts: PrivateViewOptions = {}): PrivateView {
  const walMode = head[18] === 2 || head[19] === 2;
  const dir = mkdtempSync(join(tmpdir(), 'zf-gpkg-'));
  const dispose = (): void => rmSync(dir, { recursive: true, force: true });
  const name = basename(path).replace(/[^A-Za-z0-9._-]/g, '_') || 'input.gpkg';
  const target = join(dir, name);
  try {
    if (!walMode) {
      try {
        symlinkSync(resolve(path), target);
      } catch {
        copyFileSync(path, target); // file systems without symbolic links
      }
      return { path: target, wal: false, walFrames: 0, dispose };
    }
    const work = opts.owned ? path : target;
    if (!opts.owned) copyFileSync(path, target);
    const walPath = `${path}-wal`;
    const walFrames = existsSync(walPath) ? applyWal(work, walPath) : 0;
    const fd = openSync(work, 'r+');
    try {
      writeSync(fd, Uint8Array.of(1, 1), 0, 2, 18);
    } finally {
      closeSync(fd);
    }
    return { path: work, wal: true, walFrames, dispose };
  } catch (err) {
    dispose();
    if (err instanceof GeoPackageError) throw err;
    throw new GeoPackageError(`${path} could not be prepared for reading: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** SQLite's WAL checksum over `data` (a multiple of 8 bytes), continuing from `s`. */
export function walChecksum(data: Uint8Array, bigEndian: boolean, s: [number, number]): [number, number] {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let s0 = s[0];
  let s1 = s[1];
  for (let i = 0; i + 8 <= data.length; i += 8) {
    s0 = (s0 + dv.getUint32(i, !bigEndian) + s1) >>> 0;
    s1 = (s1 + dv.getUint32(i + 4, !bigEndian) + s0) >>> 0;
  }
  return [s0, s1];
}

/**
 * Applies the committed frames of the WAL file `walPath` to the database file `dbPath`
 * (in place) and sets its size to the last commit's page count. Returns the frames applied.
 * A WAL file with a bad header or no valid commit changes nothing (SQLite ignores it too).
 */
export function applyWal(dbPath: string, walPath: string): number {
  const size = statSync(walPath).size;
  if (size < 32) return 0;
  const wfd = openSync(walPath, 'r');
  try {
    const hdr = new Uint8Array(32);
    readSync(wfd, hdr, 0, 32, 0);
    const hv = new DataView(hdr.buffer);
    const magic = hv.getUint32(0);
    if (magic !== 0x377f0682 && magic !== 0x377f0683) return 0;
    const bigEndian = magic === 0x377f0683;
    const pageSize = hv.getUint32(8) === 1 ? 65536 : hv.getUint32(8);
    if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return 0;
    const salt1 = hv.getUint32(16);
    const salt2 = hv.getUint32(20);
    let sum = walChecksum(hdr.subarray(0, 24), bigEndian, [0, 0]);
    if (sum[0] !== hv.getUint32(24) || sum[1] !== hv.getUint32(28)) return 0;
    // pass 1: find the valid frames up to the last commit (page -> offset of its newest committed copy)
    const frameSize = 24 + pageSize;
    const frame = new Uint8Array(frameSize);
    const fv = new DataView(frame.buffer);
    const pending = new Map<number, number>();
    const committed = new Map<number, number>();
    let dbPages = 0;
    let frames = 0;
    for (let off = 32; off + frameSize <= size; off += frameSize) {
      readSync(wfd, frame, 0, frameSize, off);
      if (fv.getUint32(8) !== salt1 || fv.getUint32(12) !== salt2) break;
      sum = walChecksum(frame.subarray(0, 8), bigEndian, sum);
      sum = walChecksum(frame.subarray(24), bigEndian, sum);
      if (sum[0] !== fv.getUint32(16) || sum[1] !== fv.getUint32(20)) break;
      const page = fv.getUint32(0);
      if (page === 0) break;
      pending.set(page, off + 24);
      const commitSize = fv.getUint32(4);
      if (commitSize > 0) {
        for (const [p, o] of pending) committed.set(p, o);
        frames += pending.size;
        pending.clear();
        dbPages = commitSize;
      }
    }
    if (committed.size === 0) return 0;
    // pass 2: write the pages, then set the file's size
    const dfd = openSync(dbPath, 'r+');
    try {
      const page = new Uint8Array(pageSize);
      for (const [p, o] of committed) {
        if (p > dbPages) continue;
        readSync(wfd, page, 0, pageSize, o);
        writeSync(dfd, page, 0, pageSize, (p - 1) * pageSize);
      }
      ftruncateSync(dfd, dbPages * pageSize);
    } finally {
      closeSync(dfd);
    }
    return frames;
  } finally {
    closeSync(wfd);
  }
}
