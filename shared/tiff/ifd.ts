/**
 * TIFF and BigTIFF structure: header, the IFD chain, tag values. Reads go
 * through a `fetch(offset, length)` function; the first `headerBytes` are read
 * once and every IFD or tag array inside them costs nothing more. What lies
 * beyond is read exactly (one request per missing piece).
 */
import { RasterError } from '../errors';

/** Reads bytes of the file. */
export type Fetch = (offset: number, length: number) => Promise<Uint8Array>;

/** Tags we use. */
export const Tag = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  Photometric: 262,
  StripOffsets: 273,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
  PlanarConfiguration: 284,
  Predictor: 317,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  ExtraSamples: 338,
  SampleFormat: 339,
  JpegTables: 347,
  ModelPixelScale: 33550,
  ModelTiepoint: 33922,
  ModelTransformation: 34264,
  GeoKeyDirectory: 34735,
  GeoDoubleParams: 34736,
  GeoAsciiParams: 34737,
  GdalMetadata: 42112,
  GdalNodata: 42113,
  LercParameters: 50674,
} as const;

const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 16: 8, 17: 8, 18: 8 };

/** One IFD entry; the value is loaded on demand. */
interface Entry { tag: number; type: number; count: number; valueOffset: number; inline: Uint8Array | null; loaded?: Uint8Array }

function entrySize(e: Entry): number {
  return (TYPE_SIZE[e.type] ?? 1) * e.count;
}

/** Byte-order aware reading of a buffer. */
class View {
  readonly dv: DataView;
  constructor(readonly bytes: Uint8Array, readonly le: boolean) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u16(o: number): number { return this.dv.getUint16(o, this.le); }
  u32(o: number): number { return this.dv.getUint32(o, this.le); }
  u64(o: number): number {
    const v = this.dv.getBigUint64(o, this.le);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RasterError('BigTIFF offset beyond 2^53');
    return Number(v);
  }
}

/** A parsed IFD: its entries, and typed access to tag values. */
export class Ifd {
  constructor(private readonly file: TiffFile, readonly offset: number, private readonly entries: Map<number, Entry>) {}

  /** True when the tag is present. */
  has(tag: number): boolean {
    return this.entries.has(tag);
  }

  /** The tags present, ascending. */
  tags(): number[] {
    return [...this.entries.keys()].sort((a, b) => a - b);
  }

  /**
   * Loads the values of `tags` that lie outside the bytes already read, in ONE
   * ranged request spanning them (TileOffsets and TileByteCounts are written
   * side by side), so that later `numbers()` calls cost nothing.
   */
  async load(tags: readonly number[]): Promise<void> {
    const missing: Entry[] = [];
    for (const t of tags) {
      const e = this.entries.get(t);
      if (e && !e.inline && !e.loaded && !this.file.inHead(e.valueOffset, entrySize(e))) missing.push(e);
    }
    if (missing.length === 0) return;
    const start = Math.min(...missing.map((e) => e.valueOffset));
    const end = Math.max(...missing.map((e) => e.valueOffset + entrySize(e)));
    const span = await this.file.bytes(start, end - start);
    for (const e of missing) e.loaded = span.subarray(e.valueOffset - start, e.valueOffset - start + entrySize(e));
  }

  /** Numeric values of a tag (loads them if needed); undefined when absent. */
  async numbers(tag: number): Promise<number[] | undefined> {
    const e = this.entries.get(tag);
    if (!e) return undefined;
    const bytes = await this.file.entryBytes(e);
    return decodeNumbers(new View(bytes, this.file.littleEndian), e.type, e.count);
  }

  /** The first numeric value of a tag, or `fallback`. */
  async number(tag: number, fallback: number): Promise<number> {
    return (await this.numbers(tag))?.[0] ?? fallback;
  }

  /** The raw value bytes of a tag (e.g. JPEGTables); undefined when absent. */
  async bytes(tag: number): Promise<Uint8Array | undefined> {
    const e = this.entries.get(tag);
    if (!e) return undefined;
    return this.file.entryBytes(e);
  }

  /** ASCII value of a tag (trailing NULs removed). */
  async ascii(tag: number): Promise<string | undefined> {
    const e = this.entries.get(tag);
    if (!e) return undefined;
    const bytes = await this.file.entryBytes(e);
    return new TextDecoder('latin1').decode(bytes).replace(/\0+$/, '');
  }
}

function decodeNumbers(v: View, type: number, count: number): number[] {
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    switch (type) {
      case 1: case 2: case 7: out[i] = v.bytes[i] ?? 0; break;
      case 6: out[i] = v.dv.getInt8(i); break;
      case 3: out[i] = v.u16(i * 2); break;
      case 8: out[i] = v.dv.getInt16(i * 2, v.le); break;
      case 4: case 13: out[i] = v.u32(i * 4); break;
      case 9: out[i] = v.dv.getInt32(i * 4, v.le); break;
      case 5: out[i] = v.u32(i * 8) / v.u32(i * 8 + 4); break;
      case 10: out[i] = v.dv.getInt32(i * 8, v.le) / v.dv.getInt32(i * 8 + 4, v.le); break;
      case 11: out[i] = v.dv.getFloat32(i * 4, v.le); break;
      case 12: out[i] = v.dv.getFloat64(i * 8, v.le); break;
      case 16: case 18: out[i] = v.u64(i * 8); break;
      case 17: out[i] = Number(v.dv.getBigInt64(i * 8, v.le)); break;
      default: throw new RasterError(`unknown TIFF field type ${type}`);
    }
  }
  return out;
}

/** A TIFF or BigTIFF file: byte order, IFD chain. */
export class TiffFile {
  private constructor(
    readonly uri: string,
    private readonly fetchBytes: Fetch,
    private readonly head: Uint8Array,
    readonly littleEndian: boolean,
    readonly bigTiff: boolean,
    private readonly firstIfd: number,
  ) {}

  /** Reads the header (one request of `headerBytes`) and validates the magic numbers. */
  static async open(uri: string, fetchBytes: Fetch, headerBytes = 16384): Promise<TiffFile> {
    const head = await fetchBytes(0, headerBytes);
    if (head.length < 8) throw new RasterError(`${uri} is not a TIFF (${head.length} bytes)`);
    const bo = String.fromCharCode(head[0] ?? 0, head[1] ?? 0);
    if (bo !== 'II' && bo !== 'MM') throw new RasterError(`${uri} is not a TIFF (no II/MM byte-order mark)`);
    const v = new View(head, bo === 'II');
    const magic = v.u16(2);
    if (magic === 42) return new TiffFile(uri, fetchBytes, head, bo === 'II', false, v.u32(4));
    if (magic === 43) {
      if (head.length < 16) throw new RasterError(`${uri}: truncated BigTIFF header`);
      return new TiffFile(uri, fetchBytes, head, bo === 'II', true, v.u64(8));
    }
    throw new RasterError(`${uri} is not a TIFF (magic ${magic})`);
  }

  /** True when [offset, offset+length) lies inside the bytes of the first read. */
  inHead(offset: number, length: number): boolean {
    return offset + length <= this.head.length;
  }

  /** Bytes at [offset, offset+length): from the header buffer when inside it, else only the missing part is fetched. */
  async bytes(offset: number, length: number): Promise<Uint8Array> {
    if (offset + length <= this.head.length) return this.head.subarray(offset, offset + length);
    const from = Math.max(offset, this.head.length);
    const b = await this.fetchBytes(from, offset + length - from);
    if (b.length < offset + length - from) throw new RasterError(`${this.uri} is truncated: needed ${length} bytes at offset ${offset}, got ${b.length + from - offset}`);
    if (from === offset) return b;
    const out = new Uint8Array(length);
    out.set(this.head.subarray(offset), 0);
    out.set(b, from - offset);
    return out;
  }

  /** Value bytes of an entry (fetched once, then kept). */
  async entryBytes(e: Entry): Promise<Uint8Array> {
    if (e.inline) return e.inline;
    if (e.loaded) return e.loaded;
    const b = await this.bytes(e.valueOffset, entrySize(e));
    if (!this.inHead(e.valueOffset, entrySize(e))) e.loaded = b;
    return b;
  }

  /** Every IFD of the chain (bounded: 1000 IFDs, no loops). */
  async ifds(): Promise<Ifd[]> {
    const out: Ifd[] = [];
    const seen = new Set<number>();
    let offset = this.firstIfd;
    while (offset !== 0 && out.length < 1000) {
      if (seen.has(offset)) throw new RasterError(`${this.uri}: IFD chain loops at offset ${offset}`);
      seen.add(offset);
      const { ifd, next } = await this.readIfd(offset);
      out.push(ifd);
      offset = next;
    }
    if (out.length === 0) throw new RasterError(`${this.uri}: no image (empty IFD chain)`);
    return out;
  }

  private async readIfd(offset: number): Promise<{ ifd: Ifd; next: number }> {
    const countSize = this.bigTiff ? 8 : 2;
    const entrySize = this.bigTiff ? 20 : 12;
    const ptrSize = this.bigTiff ? 8 : 4;
    const cv = new View(await this.bytes(offset, countSize), this.littleEndian);
    const n = this.bigTiff ? cv.u64(0) : cv.u16(0);
    if (n > 4096) throw new RasterError(`${this.uri}: implausible IFD with ${n} entries at offset ${offset}`);
    const body = await this.bytes(offset + countSize, n * entrySize + ptrSize);
    const v = new View(body, this.littleEndian);
    const entries = new Map<number, Entry>();
    for (let i = 0; i < n; i++) {
      const o = i * entrySize;
      const tag = v.u16(o);
      const type = v.u16(o + 2);
      const count = this.bigTiff ? v.u64(o + 4) : v.u32(o + 4);
      const size = (TYPE_SIZE[type] ?? 0) * count;
      const valueAt = o + (this.bigTiff ? 12 : 8);
      if (size <= ptrSize) entries.set(tag, { tag, type, count, valueOffset: 0, inline: body.subarray(valueAt, valueAt + size) });
      else entries.set(tag, { tag, type, count, valueOffset: this.bigTiff ? v.u64(valueAt) : v.u32(valueAt), inline: null });
    }
    const next = this.bigTiff ? v.u64(n * entrySize) : v.u32(n * entrySize);
    return { ifd: new Ifd(this, offset, entries), next };
  }
}
