/**
 * Result rows as compact bytes, for the trip back into input order (input-order.ts): each row a
 * record `[u32 input position][u32 body length][body]`, little-endian, back to back in one buffer.
 * Exact: every value comes back as it went in (float64 bits, so NaN, -0 and ±Infinity too; text as
 * UTF-8; histograms, lists and fracs as float64 runs; the row's geometry in job-order.ts's encoding).
 * Why not V8's serializer: one object graph per row costs the main thread serializing, deserializing
 * and the garbage of both (100k case: ~0.3 s and most of the main heap's growth); these bytes are
 * written once, never compressed, and read with no intermediate objects.
 *
 * Body: fid (f64), flags (u8: 1 idNull, 2 fidText text, 4 fidText NULL, 8 error, 16 geometry,
 * 32 geometry null), id (text), [fidText (text)], value count (u32) and each value as a tag (u8)
 * and its payload, [error (text)], [geometry: count (u32), then f64s]. Text: byte length (u32) and
 * UTF-8. Value tags: 0 null, 1 number (f64), 2 text, 3 false, 4 true, 5 histogram (bins then counts,
 * each a count and f64s), 6 list (count, f64s), 7 frac (values then fracs).
 */
import type { CellValue, ResultRow } from '../output/table';
import { decodeGeometry, encodeGeometry } from './job-order';

const ID_NULL = 1;
const FID_TEXT = 2;
const FID_NULL = 4;
const ERROR = 8;
const GEOMETRY = 16;
const GEOMETRY_NULL = 32;

const NULL = 0;
const NUMBER = 1;
const TEXT = 2;
const FALSE = 3;
const TRUE = 4;
const HISTOGRAM = 5;
const LIST = 6;
const FRAC = 7;

/** Bytes of a record's head: input position and body length. */
export const RECORD_HEAD = 8;

/** Appends rows as records to one growing buffer; {@link take} hands the bytes over. */
export class RowEncoder {
  private buf: Buffer;
  private view: DataView;
  private pos = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(64, initialBytes));
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** Bytes written since the last {@link take}. */
  get length(): number {
    return this.pos;
  }

  /** Appends `row` as the record of input position `i` (0 <= i < 2^32). */
  write(i: number, row: ResultRow): void {
    if (!(Number.isInteger(i) && i >= 0 && i <= 0xffffffff)) throw new RangeError(`row codec: input position ${i} is not a u32`);
    const start = this.pos;
    this.ensure(RECORD_HEAD + 9 + 4);
    this.view.setUint32(start, i, true);
    this.pos = start + RECORD_HEAD;
    this.view.setFloat64(this.pos, row.fid, true);
    this.pos += 8;
    let flags = 0;
    if (row.idNull === true) flags |= ID_NULL;
    if (row.fidText !== undefined) flags |= row.fidText === null ? FID_NULL : FID_TEXT;
    if (row.error !== null) flags |= ERROR;
    if (row.geometry !== undefined) flags |= row.geometry === null ? GEOMETRY_NULL : GEOMETRY;
    this.buf[this.pos++] = flags;
    this.text(row.id);
    if (typeof row.fidText === 'string') this.text(row.fidText);
    this.u32(row.values.length);
    for (const v of row.values) this.value(v);
    if (row.error !== null) this.text(row.error);
    if (row.geometry) this.floats(encodeGeometry(row.geometry) ?? []);
    this.view.setUint32(start + 4, this.pos - start - RECORD_HEAD, true);
  }

  /** The records written since the last take (a copy sized to them); the encoder starts empty again. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }

  private value(v: CellValue | undefined): void {
    if (v === null || v === undefined) {
      this.ensure(1);
      this.buf[this.pos++] = NULL;
    } else if (typeof v === 'number') {
      this.ensure(9);
      this.buf[this.pos++] = NUMBER;
      this.view.setFloat64(this.pos, v, true);
      this.pos += 8;
    } else if (typeof v === 'string') {
      this.ensure(1);
      this.buf[this.pos++] = TEXT;
      this.text(v);
    } else if (typeof v === 'boolean') {
      this.ensure(1);
      this.buf[this.pos++] = v ? TRUE : FALSE;
    } else if (Array.isArray(v)) {
      this.ensure(1);
      this.buf[this.pos++] = LIST;
      this.floats(v);
    } else if ('bins' in v) {
      this.ensure(1);
      this.buf[this.pos++] = HISTOGRAM;
      this.floats(v.bins);
      this.floats(v.counts);
    } else {
      this.ensure(1);
      this.buf[this.pos++] = FRAC;
      this.floats(v.values);
      this.floats(v.fracs);
    }
  }

  private u32(n: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, n, true);
    this.pos += 4;
  }

  private floats(a: readonly number[]): void {
    this.ensure(4 + 8 * a.length);
    this.view.setUint32(this.pos, a.length, true);
    this.pos += 4;
    for (const x of a) {
      this.view.setFloat64(this.pos, x, true);
      this.pos += 8;
    }
  }

  private text(s: string): void {
    // at most 3 UTF-8 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units)
    this.ensure(4 + 3 * s.length);
    const at = this.pos + 4;
    let n = 0;
    // ASCII byte by byte (ids, most errors); anything else through Buffer's UTF-8 writer
    for (; n < s.length; n++) {
      const c = s.charCodeAt(n);
      if (c >= 0x80) break;
      this.buf[at + n] = c;
    }
    if (n < s.length) n = this.buf.write(s, at, 'utf8');
    this.view.setUint32(this.pos, n, true);
    this.pos = at + n;
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
  }
}

/** The input position of the record at byte `at` of `buf`. */
export function recordPosition(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at);
}

/** The byte just past the record at byte `at` of `buf`. */
export function recordEnd(buf: Buffer, at: number): number {
  return at + RECORD_HEAD + buf.readUInt32LE(at + 4);
}

/** The decoder of the records of `buf`: the row of the record at a byte (InputOrderSpool.sorted's reader). */
export function rowReader(buf: Buffer): (at: number) => ResultRow {
  const decoder = new RowDecoder(buf);
  return (at) => decoder.rowAt(at);
}

/** Reads records from one buffer (a view on it; the buffer must outlive the reader's use). */
export class RowDecoder {
  private readonly view: DataView;
  private pos = 0;

  constructor(private readonly buf: Buffer) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** The row of the record at byte `at`. */
  rowAt(at: number): ResultRow {
    const end = recordEnd(this.buf, at);
    if (end > this.buf.length) throw new RangeError(`row codec: record at byte ${at} runs past the buffer (${this.buf.length} bytes)`);
    this.pos = at + RECORD_HEAD;
    const fid = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    const flags = this.buf[this.pos++] as number;
    const id = this.text();
    const fidText = flags & FID_TEXT ? this.text() : flags & FID_NULL ? null : undefined;
    const count = this.u32();
    const values = new Array<CellValue>(count);
    for (let k = 0; k < count; k++) values[k] = this.value();
    const error = flags & ERROR ? this.text() : null;
    const row: ResultRow = { id, fid, values, error };
    if (flags & ID_NULL) row.idNull = true;
    if (fidText !== undefined) row.fidText = fidText;
    if (flags & GEOMETRY) row.geometry = decodeGeometry(this.floats());
    else if (flags & GEOMETRY_NULL) row.geometry = null;
    if (this.pos !== end) throw new RangeError(`row codec: record at byte ${at} is ${end - at - RECORD_HEAD} bytes long, its row ${this.pos - at - RECORD_HEAD}`);
    return row;
  }

  private value(): CellValue {
    const tag = this.buf[this.pos++];
    switch (tag) {
      case NULL: return null;
      case NUMBER: {
        const v = this.view.getFloat64(this.pos, true);
        this.pos += 8;
        return v;
      }
      case TEXT: return this.text();
      case FALSE: return false;
      case TRUE: return true;
      case LIST: return this.floats();
      case HISTOGRAM: {
        const bins = this.floats();
        return { bins, counts: this.floats() };
      }
      case FRAC: {
        const values = this.floats();
        return { values, fracs: this.floats() };
      }
      default: throw new RangeError(`row codec: unknown value tag ${String(tag)} at byte ${this.pos - 1}`);
    }
  }

  private u32(): number {
    const n = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return n;
  }

  private floats(): number[] {
    const n = this.u32();
    const out = new Array<number>(n);
    for (let k = 0; k < n; k++, this.pos += 8) out[k] = this.view.getFloat64(this.pos, true);
    return out;
  }

  private text(): string {
    const n = this.u32();
    const at = this.pos;
    this.pos += n;
    return this.buf.toString('utf8', at, at + n);
  }
}
