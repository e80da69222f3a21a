/**
 * FlatGeobuf output (`--out x.fgb`), a RowSink built on the `flatgeobuf` package's FlatBuffers
 * tables and geometry encoder: the header (layer named after the file, the CRS as its
 * authority code and WKT1, the fields of geo-fields.ts, the feature count, the extent, the
 * geometry type when every feature has the same one, else Unknown) and one feature per row
 * (no geometry for a row without one). No spatial index (index_node_size 0: read sequentially,
 * as GDAL writes with SPATIAL_INDEX=NO). Features are encoded as rows come and appended to a
 * temporary body file; `close` writes the header, now that the count and extent are known,
 * followed by the body through FileOutput (file-output.ts: beside the path, renamed into place). Memory: the first
 * 10,000 rows (they decide the fid field's type), then one write's features.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import * as flatbuffers from 'flatbuffers';
import { Header } from 'flatgeobuf/lib/mjs/flat-geobuf/header.js';
import { Column } from 'flatgeobuf/lib/mjs/flat-geobuf/column.js';
import { Crs } from 'flatgeobuf/lib/mjs/flat-geobuf/crs.js';
import { Feature } from 'flatgeobuf/lib/mjs/flat-geobuf/feature.js';
import { ColumnType } from 'flatgeobuf/lib/mjs/flat-geobuf/column-type.js';
import { GeometryType } from 'flatgeobuf/lib/mjs/flat-geobuf/geometry-type.js';
import { buildGeometry } from 'flatgeobuf/lib/mjs/generic/geometry.js';
import { parseGC, parseGeometry } from 'flatgeobuf/lib/mjs/geojson/geometry.js';
import { OutputError } from '../errors';
import type { Geometry } from '../geometry/types';
import { geometryBBox } from '../geometry/bbox';
import { FileOutput, writeFailure } from './file-output';
import type { RowSink, SinkOptions } from './sink';
import type { ResultRow } from './table';
import type { GeoField, GeoFieldType, GeoSrs } from './geo-fields';
import { geoFields, geoSrs } from './geo-fields';

const MAGIC = Uint8Array.of(0x66, 0x67, 0x62, 0x03, 0x66, 0x67, 0x62, 0x00);
const FIRST_ROWS = 10_000;
const FLUSH_BYTES = 1 << 20;
const COLUMN_TYPE: Record<GeoFieldType, ColumnType> = { text: ColumnType.String, integer: ColumnType.Long, real: ColumnType.Double, boolean: ColumnType.Bool, datetime: ColumnType.DateTime };
const GEOMETRY_TYPE: Record<Geometry['type'], GeometryType> = { Point: GeometryType.Point, LineString: GeometryType.LineString, Polygon: GeometryType.Polygon, MultiPoint: GeometryType.MultiPoint, MultiLineString: GeometryType.MultiLineString, MultiPolygon: GeometryType.MultiPolygon, GeometryCollection: GeometryType.GeometryCollection };
const encoder = new TextEncoder();

/** A RowSink writing a FlatGeobuf file at `path`; `label` names it in errors (default `output <path>`; the CLI's `--out <path>`). PROJ must be loaded when a CRS is given. */
export function fgbSink(path: string, opts: SinkOptions, label = `output ${path}`): RowSink {
  return new FgbSink(path, opts, label);
}

/** The properties buffer of one row: (u16 column index, value) for each non-null field (FlatGeobuf's encoding). */
function encodeProperties(fields: readonly GeoField[], row: ResultRow): Uint8Array {
  const parts: Uint8Array[] = [];
  let size = 0;
  const push = (b: Uint8Array): void => {
    parts.push(b);
    size += b.length;
  };
  fields.forEach((f, i) => {
    const v = f.value(row);
    if (v === null) return;
    const head = new Uint8Array(2);
    new DataView(head.buffer).setUint16(0, i, true);
    push(head);
    if (f.type === 'boolean') push(Uint8Array.of(v === true ? 1 : 0));
    else if (f.type === 'integer') {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigInt64(0, BigInt(v), true);
      push(b);
    } else if (f.type === 'real') {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, v as number, true);
      push(b);
    } else {
      const text = encoder.encode(String(v));
      const len = new Uint8Array(4);
      new DataView(len.buffer).setUint32(0, text.length, true);
      push(len);
      push(text);
    }
  });
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** One size-prefixed Feature table (built in `builder`, cleared first; the bytes are copied out). */
function encodeFeature(builder: flatbuffers.Builder, fields: readonly GeoField[], row: ResultRow): Uint8Array {
  builder.clear();
  // every feature a multiple of 8 bytes long, so the doubles of the next one stay 8-byte aligned in
  // the file (readers such as the flatgeobuf package view coordinates as Float64Arrays in place)
  builder.prep(8, 0);
  const props = encodeProperties(fields, row);
  const propsOffset = props.length > 0 ? Feature.createPropertiesVector(builder, props) : 0;
  const g = row.geometry ?? null;
  const geomOffset = g === null ? 0 : buildGeometry(builder, g.type === 'GeometryCollection' ? parseGC(g) : parseGeometry(g));
  Feature.startFeature(builder);
  if (geomOffset) Feature.addGeometry(builder, geomOffset);
  if (propsOffset) Feature.addProperties(builder, propsOffset);
  builder.finishSizePrefixed(Feature.endFeature(builder));
  return builder.asUint8Array().slice();
}

/** The size-prefixed Header table. */
function encodeHeader(name: string, fields: readonly GeoField[], srs: GeoSrs | null, count: number, extent: [number, number, number, number] | null, type: GeometryType): Uint8Array {
  const builder = new flatbuffers.Builder(1024);
  builder.prep(8, 0); // the first feature starts 8-byte aligned (see encodeFeature)
  const columns = Header.createColumnsVector(builder, fields.map((f) => {
    const n = builder.createString(f.name);
    Column.startColumn(builder);
    Column.addName(builder, n);
    Column.addType(builder, COLUMN_TYPE[f.type]);
    Column.addNullable(builder, true);
    return Column.endColumn(builder);
  }));
  const nameOffset = builder.createString(name);
  let crsOffset = 0;
  if (srs !== null) {
    const org = srs.org ? builder.createString(srs.org) : 0;
    const crsName = builder.createString(srs.name);
    const wkt = srs.wkt ? builder.createString(srs.wkt) : 0;
    Crs.startCrs(builder);
    if (org) Crs.addOrg(builder, org);
    if (srs.org) Crs.addCode(builder, srs.code);
    Crs.addName(builder, crsName);
    if (wkt) Crs.addWkt(builder, wkt);
    crsOffset = Crs.endCrs(builder);
  }
  const envelope = extent ? Header.createEnvelopeVector(builder, extent) : 0;
  Header.startHeader(builder);
  Header.addName(builder, nameOffset);
  if (envelope) Header.addEnvelope(builder, envelope);
  Header.addGeometryType(builder, type);
  Header.addColumns(builder, columns);
  Header.addFeaturesCount(builder, BigInt(count));
  Header.addIndexNodeSize(builder, 0);
  if (crsOffset) Header.addCrs(builder, crsOffset);
  builder.finishSizePrefixed(Header.endHeader(builder));
  return builder.asUint8Array();
}

class FgbSink implements RowSink {
  private readonly body: string;
  private out: FileOutput | null = null;
  private readonly layer: string;
  private fh: FileHandle | null = null;
  private fields: GeoField[] | null = null;
  private srs: GeoSrs | null = null;
  private pending: ResultRow[] = [];
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private count = 0;
  private readonly types = new Set<GeometryType>();
  private extent: [number, number, number, number] | null = null;
  private state: 'open' | 'closed' | 'aborted' = 'open';
  private readonly builder = new flatbuffers.Builder(1024);

  constructor(private readonly path: string, private readonly opts: SinkOptions, private readonly label: string) {
    const tag = randomBytes(4).toString('hex');
    this.body = join(dirname(path), `.${basename(path)}.${tag}.body`);
    this.layer = basename(path, extname(path)) || 'results';
  }

  async write(rows: readonly ResultRow[]): Promise<void> {
    if (this.state !== 'open') throw new OutputError(`${this.path}: write after ${this.state}`);
    try {
      if (this.fields === null) {
        for (const r of rows) this.pending.push(r);
        if (this.pending.length < FIRST_ROWS) return;
        await this.start();
        rows = this.pending.splice(0);
      }
      await this.append(rows);
    } catch (err) {
      // the body file beside the output: a full device is the output's (OUTPUT_FULL), never an untyped error
      throw writeFailure(this.label, err, (reason) => `cannot write the FlatGeobuf file: ${reason}`);
    }
  }

  async close(): Promise<void> {
    if (this.state !== 'open') throw new OutputError(`${this.path}: close after ${this.state}`);
    this.state = 'closed';
    try {
      if (this.fields === null) {
        await this.start();
        await this.append(this.pending.splice(0));
      }
      await this.flush();
      await this.fh?.close();
      this.fh = null;
      const type = this.types.size === 1 ? ([...this.types][0] ?? GeometryType.Unknown) : GeometryType.Unknown;
      const header = encodeHeader(this.layer, this.fields ?? [], this.srs, this.count, this.extent, type);
      // the file itself through FileOutput (beside the path, renamed into place; aborted on failure)
      const out = await FileOutput.create(this.path, this.label);
      this.out = out;
      await out.write(MAGIC);
      await out.write(header);
      for await (const chunk of createReadStream(this.body)) await out.write(chunk as Buffer);
      await out.close();
      this.out = null;
      await rm(this.body, { force: true });
    } catch (err) {
      await this.abort();
      throw writeFailure(this.label, err, (reason) => `cannot write the FlatGeobuf file: ${reason}`);
    }
  }

  async abort(): Promise<void> {
    if (this.state === 'open') this.state = 'aborted';
    this.pending = [];
    this.chunks = [];
    const h = this.fh;
    this.fh = null;
    await h?.close().catch(() => undefined);
    await rm(this.body, { force: true });
    const out = this.out;
    this.out = null;
    await out?.abort();
  }

  private async start(): Promise<void> {
    this.fields = geoFields(this.opts, this.pending);
    this.srs = geoSrs(this.opts.geometry?.crs ?? null);
    try {
      this.fh = await open(this.body, 'w');
    } catch (err) {
      throw new OutputError(`${this.path}: cannot be created: ${(err as { code?: string }).code ?? String(err)}`, { cause: err });
    }
  }

  private async append(rows: readonly ResultRow[]): Promise<void> {
    const fields = this.fields;
    if (fields === null) throw new OutputError(`${this.path}: the FlatGeobuf file is not open`);
    for (const r of rows) {
      const g = r.geometry ?? null;
      if (g !== null) {
        this.types.add(GEOMETRY_TYPE[g.type]);
        const b = geometryBBox(g);
        if (b) this.extent = this.extent === null ? [b.xmin, b.ymin, b.xmax, b.ymax] : [Math.min(this.extent[0], b.xmin), Math.min(this.extent[1], b.ymin), Math.max(this.extent[2], b.xmax), Math.max(this.extent[3], b.ymax)];
      }
      const f = encodeFeature(this.builder, fields, r);
      this.chunks.push(f);
      this.buffered += f.length;
      this.count++;
    }
    if (this.buffered >= FLUSH_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.buffered === 0 || this.fh === null) return;
    const chunk = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [];
    this.buffered = 0;
    await this.fh.write(chunk);
  }
}
