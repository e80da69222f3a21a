/** A byte source over a local file: positional reads on one file handle. */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { SourceError } from '../errors';
import type { ByteSource } from './source';

/** Reads a local file. The handle opens on first use and closes with `close()`. */
export class FileSource implements ByteSource {
  private handle: Promise<FileHandle> | null = null;
  constructor(readonly uri: string, private readonly path: string = uri) {}

  private fh(): Promise<FileHandle> {
    this.handle ??= open(this.path, 'r').catch((err: NodeJS.ErrnoException) => {
      this.handle = null;
      const status = err.code === 'ENOENT' ? 404 : err.code === 'EACCES' ? 403 : undefined;
      throw new SourceError(`cannot open ${this.uri}: ${err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.message}`, { cause: err, ...(status ? { status } : {}) });
    });
    return this.handle;
  }

  async size(): Promise<number> {
    return (await (await this.fh()).stat()).size;
  }

  async fetch(offset: number, length: number): Promise<Uint8Array> {
    const fh = await this.fh();
    const buf = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got === length ? buf : buf.subarray(0, got);
  }

  /** Closes the file handle. */
  async close(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    if (h) await (await h).close();
  }
}
