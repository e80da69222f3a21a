/**
 * The output file of every streaming writer (CSV, JSON, Parquet, Sentinel Hub JSON, the frac
 * spool): bytes are buffered (1 MiB, copied, so a caller may reuse a chunk once its write
 * resolves) and appended to a temporary file beside the target,
 * `<path>.zonalflow-<pid>-<random>.tmp`, which `close` renames into place, so nothing is
 * visible at `path` until the whole file is there (`abort` closes and removes the temporary
 * file; it is safe after a failed write or close). A path that exists and is not a regular
 * file (a device, a pipe: `/dev/stdout`) is written directly. Errors are OutputError lines
 * naming the output (`label`, default `output <path>`); a full device or quota while writing is an
 * OutputSpaceError ({@link writeFailure}).
 */
import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { OutputError, OutputSpaceError, ZonalflowError } from '../errors';
import { trackTemp, untrackTemp } from './live-temps';
import type { ByteTarget } from './byte-target';

const FLUSH_BYTES = 1024 * 1024;

/** A file being written; see the module comment. */
export class FileOutput implements ByteTarget {
  private opening: Promise<FileHandle> | null = null;
  private handle: FileHandle | null = null;
  private temp: string | null = null;
  private buffer: Buffer | null = null;
  private buffered = 0;
  private finished = false;
  private constructor(readonly path: string, private readonly label: string) {}

  /** Opens `path` now (through a temporary file unless it is a device or pipe): an OutputError at once if it cannot be created. */
  static async create(path: string, label = `output ${path}`): Promise<FileOutput> {
    const out = new FileOutput(path, label);
    await out.opened();
    return out;
  }

  /** The same, opened at its first write or close (for synchronous constructors: parquetSink). */
  static deferred(path: string, label = `output ${path}`): FileOutput {
    return new FileOutput(path, label);
  }

  private opened(): Promise<FileHandle> {
    this.opening ??= (async () => {
      const direct = await stat(this.path).then((s) => !s.isFile(), () => false);
      this.temp = direct ? null : `${resolve(this.path)}.zonalflow-${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
      // known before it exists: a second Ctrl-C removes it at once (cli/interrupt.ts)
      if (this.temp !== null) trackTemp(this.temp);
      try {
        this.handle = await open(this.temp ?? this.path, 'w');
        return this.handle;
      } catch (err) {
        throw new OutputError(`${this.label} cannot be created: ${ioReason(err)}`, { cause: err });
      }
    })();
    return this.opening;
  }

  /** Appends bytes (copied into the buffer; chunks of 1 MiB or more are written through). */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.finished) throw new OutputError(`${this.label}: written after close`);
    if (this.buffered + chunk.length > FLUSH_BYTES) await this.flush();
    if (chunk.length >= FLUSH_BYTES) return this.writeOut(chunk);
    this.buffer ??= Buffer.allocUnsafe(FLUSH_BYTES);
    this.buffer.set(chunk, this.buffered);
    this.buffered += chunk.length;
  }

  private async flush(): Promise<void> {
    if (this.buffered === 0 || this.buffer === null) return;
    await this.writeOut(this.buffer.subarray(0, this.buffered));
    this.buffered = 0;
  }

  private async writeOut(bytes: Uint8Array): Promise<void> {
    const h = await this.opened();
    try {
      for (let at = 0; at < bytes.length; ) at += (await h.write(bytes, at, bytes.length - at)).bytesWritten;
    } catch (err) {
      throw writeFailure(this.label, err);
    }
  }

  /** Writes what is buffered, closes the file and renames it into place (an empty output is an empty file). */
  async close(): Promise<void> {
    if (this.finished) throw new OutputError(`${this.label}: closed twice`);
    await this.opened();
    await this.flush();
    this.finished = true;
    const h = this.handle;
    this.handle = null;
    try {
      await h?.close();
      if (this.temp !== null) {
        await rename(this.temp, this.path);
        untrackTemp(this.temp);
      }
    } catch (err) {
      throw writeFailure(this.label, err);
    }
  }

  /** Closes and removes the temporary file (idempotent; never throws). */
  async abort(): Promise<void> {
    this.finished = true;
    this.buffered = 0;
    this.buffer = null;
    await this.opening?.catch(() => undefined);
    const h = this.handle;
    this.handle = null;
    await h?.close().catch(() => undefined);
    if (this.temp !== null) {
      await unlink(this.temp).catch(() => undefined);
      untrackTemp(this.temp);
    }
  }
}

/** A file-system error in words (`no space left on the device`), else its message. */
export function ioReason(err: unknown): string {
  const code = (err as { code?: string }).code;
  const text: Record<string, string> = { ENOENT: 'no such file or folder', ENOTDIR: 'a parent is a file, not a folder', EACCES: 'permission denied', EPERM: 'not permitted', EROFS: 'read-only file system', ENOSPC: 'no space left on the device', EISDIR: 'it is a directory', EEXIST: 'it exists' };
  return (code && text[code]) ?? (err instanceof Error ? err.message : String(err));
}

/** What a full device or quota is called in an error line (the output's here, $TMPDIR's in engine/temp-space.ts). */
const FULL: Record<string, string> = { ENOSPC: 'no space left on its device', EDQUOT: 'the disk quota is exceeded' };

/** The errno and its words when `err` is an untyped full device or quota (ENOSPC, EDQUOT), else null. */
export function deviceFull(err: unknown): { code: string; reason: string } | null {
  if (err instanceof ZonalflowError) return null;
  const code = (err as { code?: unknown } | null)?.code;
  const reason = typeof code === 'string' ? FULL[code] : undefined;
  return reason === undefined ? null : { code: code as string, reason };
}

/** Whether `err` is a full device or quota (ENOSPC, EDQUOT) that is not already a typed error. */
export function isDeviceFull(err: unknown): boolean {
  return deviceFull(err) !== null;
}

/**
 * The error of a failed write of the output named `label` (`--out x.csv`): a typed error passes as it is; ENOSPC or
 * EDQUOT is an OutputSpaceError (`OUTPUT_FULL`, exit 1: the job computed, its result could not be stored) naming
 * the output and what to do; anything else an OutputError (`<label>: writing failed: <reason>`, or `otherwise`'s words).
 */
export function writeFailure(label: string, err: unknown, otherwise: (reason: string) => string = (reason) => `writing failed: ${reason}`): ZonalflowError {
  if (err instanceof ZonalflowError) return err;
  const full = deviceFull(err);
  if (full !== null) {
    return new OutputSpaceError(`${label}: writing failed: ${full.reason} (${full.code}); free space there or write the output elsewhere`, { cause: err, context: { errno: full.code } });
  }
  return new OutputError(`${label}: ${otherwise(ioReason(err))}`, { cause: err });
}
