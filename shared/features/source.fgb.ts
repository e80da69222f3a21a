/**
 * FlatGeobuf as a FeatureSource (npm `flatgeobuf`), streamed from the file (a web
 * ReadableStream over a Node read stream: never read whole). CRS from the header
 * (WKT, else organization + code). fid: the 0-based position, as GDAL numbers them.
 */
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import * as flatbuffers from 'flatbuffers';
import { ColumnType, deserialize } from 'flatgeobuf/lib/mjs/generic.js';
import { fromFeature as geojsonFeature } from 'flatgeobuf/lib/mjs/geojson/feature.js';
import type { Feature as FgbFeature } from 'flatgeobuf/lib/mjs/flat-geobuf/feature.js';
import { fromByteBuffer } from 'flatgeobuf/lib/mjs/header-meta.js';
import { Header } from 'flatgeobuf/lib/mjs/flat-geobuf/header.js';
import { calcTreeSize } from 'flatgeobuf/lib/mjs/packedrtree.js';
import type { HeaderMeta } from 'flatgeobuf/lib/mjs/header-meta.js';
import type { Crs } from '../crs/crs';
import { InputError } from '../errors';
import type { Feature, Geometry } from '../geometry/types';
import { geometryFromGeoJson } from '../geometry/geojson';
import type { AttributeKind, FeatureSource, SourceFeatureOptions } from './source';
import { checkColumns, makeFeature } from './source.memory';
import { crsFromWkt } from './crs-of';
import { fileStem } from './missing-name';

const MAGIC = [0x66, 0x67, 0x62, 0x03];

/**
 * Reads the header of a FlatGeobuf file (magic, then a size-prefixed flatbuffer), and its layer's name as GDAL
 * gives it: the header's `name` (ogr2ogr writes the layer's), else the file stem (a header with none, or an empty
 * one: GDAL 3.6 then names the layer "", which no --layer can ask for).
 */
function readHeader(path: string): { meta: HeaderMeta; name: string } {
  const fd = openSync(path, 'r');
  try {
    const pre = Buffer.alloc(12);
    const got = readSync(fd, pre, 0, 12, 0);
    if (!MAGIC.every((b, i) => pre[i] === b)) throw new InputError(`${path} is not a FlatGeobuf file (bad magic bytes)`);
    // bounded by the file's size before the header is parsed: a header cut short is said so, not as the flatbuffer
    // reader trips on it ("Column name unexpectedly missing"), whether a spatial index follows or not
    if (got < 12) throw new InputError(`${path} is truncated: the file ends after ${got} bytes, inside the FlatGeobuf header's size`);
    const size = pre.readUInt32LE(8);
    if (size > 100 * 1024 * 1024) throw new InputError(`${path}: FlatGeobuf header of ${size} bytes is implausible`);
    const fileSize = fstatSync(fd).size;
    if (12 + size > fileSize) throw new InputError(`${path} is truncated: its header states ${size} bytes and the file ends ${fileSize - 12} bytes into it`);
    const buf = Buffer.alloc(size + 4);
    readSync(fd, buf, 0, size + 4, 8);
    const bb = new flatbuffers.ByteBuffer(new Uint8Array(buf)); // size-prefixed root
    const meta = fromByteBuffer(bb);
    bb.setPosition(0);
    const name = Header.getSizePrefixedRootAsHeader(bb).name();
    return { meta, name: name !== null && name !== '' ? name : fileStem(path) };
  } finally {
    closeSync(fd);
  }
}

/** Bytes read at a time by {@link checkFeatureSizes}. */
const SCAN_BLOCK = 1 << 20;

/**
 * Walks the size prefixes of a FlatGeobuf file's features (each a u32 length, then that many bytes, after the
 * header and the spatial index: calcTreeSize of the header's count and node size) and refuses a file in which
 * the features it states do not fit: a file cut short, where flatgeobuf's reader reads the cut feature short
 * without a word (GDAL reports "Unexpected I/O failure: reading feature"). Reads the file once, in blocks, skipping
 * the bytes of features larger than a block.
 */
function checkFeatureSizes(path: string, header: HeaderMeta): void {
  const count = header.featuresCount;
  if (!(count > 0)) return;
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(4);
    readSync(fd, head, 0, 4, 8);
    const index = header.indexNodeSize > 0 ? calcTreeSize(count, header.indexNodeSize) : 0;
    let at = 12 + head.readUInt32LE(0) + index;
    if (at > size) throw new InputError(`${path} is truncated: its header states ${count} feature${count === 1 ? '' : 's'} and the file ends inside their spatial index (${index} bytes)`);
    const block = Buffer.alloc(SCAN_BLOCK);
    let from = 0;
    let got = 0;
    for (let k = 0; k < count; k++) {
      if (at + 4 > size) throw new InputError(`${path} is truncated: its header states ${count} feature${count === 1 ? '' : 's'} and the file ends after ${k}`);
      if (at < from || at + 4 > from + got) {
        from = at;
        got = readSync(fd, block, 0, SCAN_BLOCK, at);
      }
      at += 4 + block.readUInt32LE(at - from);
      if (at > size) throw new InputError(`${path} is truncated: its header states ${count} feature${count === 1 ? '' : 's'} and the file ends inside feature ${k}`);
    }
  } finally {
    closeSync(fd);
  }
}

/** A FlatGeobuf file. */
export class FgbSource implements FeatureSource {
  readonly format = 'FlatGeobuf' as const;
  readonly layer: string;
  readonly crs: Crs;
  readonly columns: readonly string[];
  private readonly header: HeaderMeta;
  constructor(readonly path: string) {
    try {
      ({ meta: this.header, name: this.layer } = readHeader(path));
      checkFeatureSizes(path, this.header);
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw new InputError(`${path} is not a readable FlatGeobuf file: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const c = this.header.crs;
    this.crs = crsFromWkt(c?.wkt ?? null, c && c.code > 0 ? { org: c.org ?? 'EPSG', code: c.code } : null, path);
    this.columns = (this.header.columns ?? []).map((col) => col.name);
  }
  count(): Promise<number | null> {
    return Promise.resolve(this.header.featuresCount > 0 ? this.header.featuresCount : null);
  }
  /** From the header's column type (FlatGeobuf ColumnType: Byte..ULong integers, Float/Double, Bool, DateTime, String/Json/Binary). */
  columnKind(name: string): AttributeKind {
    switch ((this.header.columns ?? []).find((c) => c.name === name)?.type) {
      case ColumnType.Bool: return 'boolean';
      case ColumnType.Byte: case ColumnType.UByte: case ColumnType.Short: case ColumnType.UShort:
      case ColumnType.Int: case ColumnType.UInt: case ColumnType.Long: case ColumnType.ULong: return 'integer';
      case ColumnType.Float: case ColumnType.Double: return 'number';
      case ColumnType.DateTime: return 'timestamp';
      default: return 'text';
    }
  }
  async *features(opts: SourceFeatureOptions = {}): AsyncGenerator<Feature> {
    const read = checkColumns(this.path, this.layer, this.columns, opts);
    const stream = createReadStream(this.path);
    const web = Readable.toWeb(stream) as unknown as ReadableStream;
    let index = 0;
    try {
      for await (const raw of deserialize(web, { fromFeature: (id: number, feature: FgbFeature, header: HeaderMeta) => ({ ...geojsonFeature(id, feature, header), int64: int64Properties(feature, header) }) })) {
        const f = raw as ReturnType<typeof geojsonFeature> & { int64: Record<string, bigint | number> | null };
        if (f.int64) f.properties = { ...(f.properties ?? {}), ...f.int64 };
        let geometry: Geometry | null = null;
        let problem: string | undefined;
        try {
          geometry = geometryFromGeoJson(f.geometry);
        } catch (err) {
          problem = `unreadable geometry: ${err instanceof Error ? err.message : String(err)}`;
        }
        yield makeFeature(index, geometry, (f.properties ?? {}), read, problem);
        index++;
      }
    } catch (err) {
      if (err instanceof InputError) throw err;
      const of = this.header.featuresCount > 0 ? ` of the ${this.header.featuresCount} its header states` : '';
      throw new InputError(`${this.path}: FlatGeobuf feature ${index}${of} cannot be read: the file is truncated or corrupt (${err instanceof Error ? err.message : String(err)})`, { cause: err });
    } finally {
      stream.destroy();
    }
    // a file cut short (an interrupted copy or download) ends early without an error from the reader: what was read
    // is not the layer, and no result may be written as if it were
    if (this.header.featuresCount > 0 && index < this.header.featuresCount) {
      throw new InputError(`${this.path} is truncated: its header states ${this.header.featuresCount} feature${this.header.featuresCount === 1 ? '' : 's'} and the file holds ${index}`);
    }
  }
  close(): void {}
}

/** Bytes of a fixed-size FlatGeobuf property value; null for the variable-size types (u32 length + bytes). */
function fixedSize(t: ColumnType): number | null {
  switch (t) {
    case ColumnType.Byte: case ColumnType.UByte: case ColumnType.Bool: return 1;
    case ColumnType.Short: case ColumnType.UShort: return 2;
    case ColumnType.Int: case ColumnType.UInt: case ColumnType.Float: return 4;
    case ColumnType.Long: case ColumnType.ULong: case ColumnType.Double: return 8;
    default: return null;
  }
}

/**
 * The Long / ULong properties of a feature, exact: bigints beyond 2^53 (the flatgeobuf package reads
 * them as doubles, which rounds them), numbers otherwise; null when the layer has no such column. Walks the
 * property buffer as the FlatGeobuf spec lays it out: u16 column index, then the value.
 */
function int64Properties(feature: FgbFeature, header: HeaderMeta): Record<string, bigint | number> | null {
  const columns = header.columns ?? [];
  if (!columns.some((c) => c.type === ColumnType.Long || c.type === ColumnType.ULong)) return null;
  const bytes = feature.propertiesArray();
  if (!bytes) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Record<string, bigint | number> = {};
  let at = 0;
  while (at + 2 <= bytes.byteLength) {
    const col = columns[view.getUint16(at, true)];
    at += 2;
    if (!col) break;
    const big = col.type === ColumnType.Long ? view.getBigInt64(at, true) : col.type === ColumnType.ULong ? view.getBigUint64(at, true) : null;
    if (big !== null) out[col.name] = Number.isSafeInteger(Number(big)) ? Number(big) : big; // numbers where exact, as before
    at += fixedSize(col.type) ?? 4 + view.getUint32(at, true);
  }
  return out;
}
