/**
 * A byte source over a local file: each read opens the file, reads its range positionally and
 * closes it, so no handle outlives a read (a source that is never closed leaks nothing; an open
 * costs microseconds next to a range read of tiles).
 */
import { open, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { SourceError } from '../errors';
import type { ByteSource } from './source';

/** Reads a local file. */
export class FileSource implements ByteSource {
  constructor(readonly uri: string, private readonly path: string = uri) {}

  private fail(err: NodeJS.ErrnoException): SourceError {
    const status = err.code === 'ENOENT' ? 404 : err.code === 'EACCES' ? 403 : undefined;
    // a relative path (a spec's "examples/elev.cog.tif" run from another folder) names where it was looked for
    const where = err.code === 'ENOENT' && !isAbsolute(this.path) ? ` (relative paths are read from the current folder: ${resolve(this.path)})` : '';
    return new SourceError(`cannot open ${this.uri}: ${err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.message}${where}`, { cause: err, ...(status ? { status } : {}), ...(err.code === 'ENOENT' ? { context: { missingLocalFile: this.path } } : {}) });
  }

  async size(): Promise<number> {
    try {
      return (await stat(this.path)).size;
    } catch (err) {
      throw this.fail(err as NodeJS.ErrnoException);
    }
  }

  async fetch(offset: number, length: number): Promise<Uint8Array> {
    let fh;
    try {
      fh = await open(this.path, 'r');
    } catch (err) {
      throw this.fail(err as NodeJS.ErrnoException);
    }
    try {
      const buf = new Uint8Array(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === length ? buf : buf.subarray(0, got);
    } finally {
      await fh.close();
    }
  }

  /** Nothing to release: no handle is kept between reads. */
  async close(): Promise<void> {
    // kept for the ByteSource interface
  }
}
