/**
 * FlatGeobuf as a FeatureSource (npm `flatgeobuf`), streamed from the file (a web
 * ReadableStream over a Node read stream: never read whole). CRS from the header
 * (WKT, else organization + code). fid: the 0-based position, as GDAL numbers them.
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { basename } from 'node:path';
import * as flatbuffers from 'flatbuffers';
import { deserialize } from 'flatgeobuf/lib/mjs/geojson.js';
import { fromByteBuffer } from 'flatgeobuf/lib/mjs/header-meta.js';
import type { HeaderMeta } from 'flatgeobuf/lib/mjs/header-meta.js';
import type { Crs } from '../crs/crs';
import { InputError } from '../errors';
import type { Feature, Geometry } from '../geometry/types';
import { geometryFromGeoJson } from '../geometry/geojson';
import type { FeatureSource, SourceFeatureOptions } from './source';
import { checkColumns, makeFeature } from './source.memory';
import { crsFromWkt } from './crs-of';

const MAGIC = [0x66, 0x67, 0x62, 0x03];

/** Reads the header of a FlatGeobuf file (magic, then a size-prefixed flatbuffer). */
function readHeader(path: string): HeaderMeta {
  const fd = openSync(path, 'r');
  try {
    const pre = Buffer.alloc(12);
    readSync(fd, pre, 0, 12, 0);
    if (!MAGIC.every((b, i) => pre[i] === b)) throw new InputError(`${path} is not a FlatGeobuf file (bad magic bytes)`);
    const size = pre.readUInt32LE(8);
    if (size > 100 * 1024 * 1024) throw new InputError(`${path}: FlatGeobuf header of ${size} bytes is implausible`);
    const buf = Buffer.alloc(size + 4);
    readSync(fd, buf, 0, size + 4, 8);
    const bb = new flatbuffers.ByteBuffer(new Uint8Array(buf)); // size-prefixed root
    return fromByteBuffer(bb);
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
    this.layer = basename(path).replace(/\.fgb$/i, '');
    try {
      this.header = readHeader(path);
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
  async *features(opts: SourceFeatureOptions = {}): AsyncGenerator<Feature> {
    checkColumns(this.path, this.layer, this.columns, opts);
    const stream = createReadStream(this.path);
    const web = Readable.toWeb(stream) as unknown as ReadableStream;
    let index = 0;
    try {
      for await (const f of deserialize(web)) {
        let geometry: Geometry | null = null;
        let problem: string | undefined;
        try {
          geometry = geometryFromGeoJson(f.geometry);
        } catch (err) {
          problem = `unreadable geometry: ${err instanceof Error ? err.message : String(err)}`;
        }
        yield makeFeature(index, geometry, (f.properties ?? {}), opts, problem);
        index++;
      }
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw new InputError(`${this.path}: FlatGeobuf feature ${index} cannot be read: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    } finally {
      stream.destroy();
    }
  }
  close(): void {}
}
