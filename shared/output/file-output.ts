/**
 * An output file written piece by piece: text and bytes are buffered (1 MiB) and
 * appended to `<path>.zonalflow-<pid>.tmp`, which `close` renames into place, so
 * nothing is visible at `path` until the whole file is there (`abort` removes the
 * temporary file). A path that exists and is not a regular file (a device, a
 * pipe: `/dev/stdout`) is written directly. Errors are OutputError lines naming
 * the path.
 */
import { open, rename, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { OutputError } from '../errors';

const FLUSH_BYTES = 1024 * 1024;

/** Where a streaming sink's bytes go, in order (a FileOutput; any byte destination with the same three calls). */
export interface ByteWriter {
  write(chunk: Uint8Array): Promise<void>;
  /** Completes the output (rename into place). */
  close(): Promise<void>;
  /** Removes what was written; idempotent. */
  abort(): Promise<void>;
}

/** A file being written; see the module comment. */
export class FileOutput implements ByteWriter {
  private handle: FileHandle | null = null;
  private readonly parts: Uint8Array[] = [];
  private buffered = 0;
  private finished = false;
  private constructor(readonly path: string, private readonly temp: string | null, private readonly label: string) {}

  /** Opens `path` for writing (through a temporary file unless it is a device or pipe); `label` names it in errors (default `output <path>`). */
  static async create(path: string, label = `output ${path}`): Promise<FileOutput> {
    const direct = await stat(path).then((s) => !s.isFile(), () => false);
    const out = new FileOutput(path, direct ? null : `${resolve(path)}.zonalflow-${process.pid}.tmp`, label);
    try {
      out.handle = await open(out.temp ?? path, 'w');
    } catch (err) {
      throw new OutputError(`${label} cannot be created: ${ioReason(err)}`, { cause: err });
    }
    return out;
  }

  /** Appends bytes (kept by reference until flushed: do not reuse the buffer). */
  async write(b: Uint8Array): Promise<void> {
    if (this.finished) throw new OutputError(`${this.label}: written after close`);
    this.parts.push(b);
    this.buffered += b.length;
    if (this.buffered >= FLUSH_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.buffered === 0 || this.handle === null) return;
    const chunk = Buffer.concat(this.parts, this.buffered);
    this.parts.length = 0;
    this.buffered = 0;
    try {
      await this.handle.write(chunk, 0, chunk.length);
    } catch (err) {
      throw new OutputError(`${this.label}: writing failed: ${ioReason(err)}`, { cause: err });
    }
  }

  /** Writes what is buffered, closes the file and renames it into place. */
  async close(): Promise<void> {
    if (this.finished) throw new OutputError(`${this.label}: closed twice`);
    await this.flush();
    this.finished = true;
    const h = this.handle;
    this.handle = null;
    try {
      await h?.close();
      if (this.temp !== null) await rename(this.temp, this.path);
    } catch (err) {
      throw new OutputError(`${this.label}: writing failed: ${ioReason(err)}`, { cause: err });
    }
  }

  /** Closes and removes the temporary file (idempotent; never throws). */
  async abort(): Promise<void> {
    this.finished = true;
    this.parts.length = 0;
    this.buffered = 0;
    const h = this.handle;
    this.handle = null;
    await h?.close().catch(() => undefined);
    if (this.temp !== null) await unlink(this.temp).catch(() => undefined);
  }
}

/** A file-system error in words (`no space left on the device`), else its message. */
export function ioReason(err: unknown): string {
  const code = (err as { code?: string }).code;
  const text: Record<string, string> = { ENOENT: 'no such file or folder', ENOTDIR: 'a parent is a file, not a folder', EACCES: 'permission denied', EPERM: 'not permitted', EROFS: 'read-only file system', ENOSPC: 'no space left on the device', EISDIR: 'it is a directory', EEXIST: 'it exists' };
  return (code && text[code]) ?? (err instanceof Error ? err.message : String(err));
}
