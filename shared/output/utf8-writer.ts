/**
 * Text encoded as UTF-8 straight into reused buffers of a fixed size, for a writer that formats many short
 * pieces (CSV cells): no string per line or per batch, no Buffer per write. Pieces are appended
 * synchronously; a buffer that fills is set aside whole (a piece that does not fit straddles into the next
 * buffer), `drain` writes the full ones to the ByteTarget, exactly `bufferBytes` each, and takes them back
 * for reuse; `flush` writes the rest. The bytes are those of `Buffer.from(text, 'utf8')` for the whole text
 * (a lone surrogate as U+FFFD, EF BF BD) as long as no piece ends in half of a surrogate pair.
 */
import type { ByteTarget } from './byte-target';

/** Bytes of a buffer by default: FileOutput's own (file-output.ts), so a full one is written through, not copied. */
export const UTF8_BUFFER_BYTES = 1024 * 1024;

/** UTF-8 text appended into reused buffers and written to a ByteTarget; see the module comment. */
export class Utf8Writer {
  private buf: Buffer;
  private used = 0;
  /** Buffers filled and not yet written, in order. */
  private readonly full: Buffer[] = [];
  private readonly spare: Buffer[] = [];

  /** `bufferBytes`: bytes of each buffer (and of each write but the last), at least 1. */
  constructor(private readonly out: ByteTarget, private readonly bufferBytes = UTF8_BUFFER_BYTES) {
    this.buf = Buffer.allocUnsafe(bufferBytes);
  }

  /** Appends `text` as UTF-8. */
  text(text: string): void {
    const n = text.length;
    // at most 3 bytes per UTF-16 unit (a surrogate pair: 4 for 2)
    if (this.used + 3 * n > this.bufferBytes) return this.straddle(Buffer.from(text, 'utf8'));
    const buf = this.buf;
    let at = this.used;
    for (let k = 0; k < n; k++) {
      const c = text.charCodeAt(k);
      if (c >= 0x80) {
        at += buf.write(text.slice(k), at, 'utf8');
        break;
      }
      buf[at++] = c;
    }
    this.used = at;
  }

  /** Appends one ASCII character by its code (0-127). */
  ascii(code: number): void {
    if (this.used === this.bufferBytes) this.next();
    this.buf[this.used++] = code;
  }

  /**
   * Appends an integer's decimal digits, as `String(n)` writes them (`-` before a negative, `0` for -0);
   * any other number as `String(n)`.
   */
  integer(n: number): void {
    if (!Number.isSafeInteger(n)) return this.text(String(n));
    let digits = 1;
    for (let m = n < 0 ? -n : n; m >= 10; m = Math.floor(m / 10)) digits++;
    if (this.used + digits + 1 > this.bufferBytes) return this.text(String(n));
    const buf = this.buf;
    if (n < 0) buf[this.used++] = 0x2d;
    let m = n < 0 ? -n : n;
    for (let at = this.used + digits - 1; at >= this.used; at--) {
      const q = Math.floor(m / 10);
      buf[at] = 0x30 + (m - 10 * q);
      m = q;
    }
    this.used += digits;
  }

  /** Writes the buffers that are full (each exactly `bufferBytes`) and keeps them for reuse. */
  async drain(): Promise<void> {
    while (this.full.length > 0) {
      const b = this.full.shift() as Buffer;
      await this.out.write(b);
      this.spare.push(b);
    }
  }

  /** Writes everything appended so far (the full buffers, then the one being filled). */
  async flush(): Promise<void> {
    await this.drain();
    if (this.used === 0) return;
    await this.out.write(this.buf.subarray(0, this.used));
    this.used = 0;
  }

  /** Copies encoded bytes in, filling the buffer to its end and going on in the next. */
  private straddle(bytes: Buffer): void {
    for (let at = 0; at < bytes.length; ) {
      if (this.used === this.bufferBytes) this.next();
      const n = Math.min(bytes.length - at, this.bufferBytes - this.used);
      bytes.copy(this.buf, this.used, at, at + n);
      this.used += n;
      at += n;
    }
  }

  private next(): void {
    this.full.push(this.buf);
    this.buf = this.spare.pop() ?? Buffer.allocUnsafe(this.bufferBytes);
    this.used = 0;
  }
}
