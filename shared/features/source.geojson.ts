/**
 * GeoJSON (RFC 7946 and the 2008 `crs` member) and GeoJSONSeq (one feature per line,
 * RFC 8142 record separators allowed) as FeatureSources, stream-parsed: a 5 GB
 * FeatureCollection is never held whole (@streamparser/json emits one feature at a time).
 * CRS: the top-level `crs` member (`urn:ogc:def:crs:EPSG::2169`, as ogr2ogr writes for
 * non-WGS84 layers; crs-of.ts crsFromGeoJsonMember), else OGC:CRS84 (lon/lat); layer name: the top-level `name`,
 * else the file stem. Both wherever they are in the object, after `features` too (geojson-top.ts, a pass before
 * any feature is read). fid and the `id` field: the `id` member as
 * GDAL reads it (geojson-ids.ts): an integer member is the fid, a string one the field `id`.
 * Columns: GDAL's fields of the layer, established as GDAL does by a first pass over every feature (the union of
 * their `properties` and the `id` field, typed over all values, in GDAL's order: geojson-schema.ts). The pass reads
 * the whole file without building geometries (geojson-scan.ts) and runs only when the columns are asked for
 * (`columns`, `columnKind`, `features()` with an id column or attributes); when the opener says they will be
 * (`fields`: a job with an id column or attributes), in the pass that reads the top-level members (scanCollection),
 * so the file is read twice, not three times. A feature without a property reads NULL
 * there; values are converted to their field's type as GDAL converts them (geojson-values.ts).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { TokenParser } from '@streamparser/json';
import type { Crs } from '../crs/crs';
import { crsFromEpsg } from '../crs/epsg';
import { InputError, oneLine } from '../errors';
import type { Feature, Geometry } from '../geometry/types';
import { geometryFromGeoJson } from '../geometry/geojson';
import type { AttributeKind, FeatureSource, SourceFeatureOptions } from './source';
import { checkColumns, makeFeature } from './source.memory';
import type { ResolvedColumns } from './source.memory';
import { crsFromGeoJsonMember } from './crs-of';
import { CollectionMembersScanner, collectionMembersOf, readCollectionMembers, writeFileFrom } from './geojson-top';
import type { CollectionMembers } from './geojson-top';
import { fileStem } from './missing-name';
import { GeoJsonIds } from './geojson-ids';
import { fieldKind, GeoJsonSchema } from './geojson-schema';
import type { OgrField } from './geojson-schema';
import { fieldValue } from './geojson-values';
import { NOT_FIELDS, propertiesFromMembers, scanGeoJsonFeatures } from './geojson-scan';
import { ExactTokenizer, parseJsonExact } from './json-exact';

/** RFC 8142 record separator. */
const RS = String.fromCharCode(0x1e);

interface RawFeature { type?: unknown; id?: unknown; geometry?: unknown; properties?: unknown }


/** A FeatureCollection's top-level `"name"` member (GDAL's layer name) in `text` wherever it is, when a string; else null. */
export function collectionName(text: string): string | null {
  const { name } = collectionMembersOf(text);
  return typeof name === 'string' ? name : null;
}

/**
 * A feature's properties as GDAL reads them: `properties` when an object; when it is absent, the other top-level
 * members (not `type`, `geometry`, `bbox`...; the `id` member is left to GeoJsonIds); else none.
 */
function ownProperties(raw: Record<string, unknown>): Record<string, unknown> {
  if (!Object.prototype.hasOwnProperty.call(raw, 'properties')) {
    const own: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) if (!NOT_FIELDS.has(k) && k !== 'id') own[k] = v;
    return own;
  }
  return raw.properties !== null && typeof raw.properties === 'object' && !propertiesFromMembers(raw) ? (raw.properties as Record<string, unknown>) : {};
}

function toFeature(raw: RawFeature, opts: ResolvedColumns, fields: ReadonlyMap<string, OgrField> | null, ids: GeoJsonIds): Feature {
  const whole = raw as Record<string, unknown>;
  const own = ownProperties(whole);
  const { fid, fidText, props: read, memberId } = ids.read(whole, own);
  let props = read;
  // without `properties`, the `id` member is also an ordinary member: GDAL's field `id` holds it whatever the fid
  if (!Object.prototype.hasOwnProperty.call(whole, 'properties') && whole.id !== undefined && whole.id !== null && !Object.prototype.hasOwnProperty.call(props, 'id')) props = { ...props, id: whole.id };
  // the asked-for columns as GDAL reads them: converted to their field's type, NULL where the feature lacks them
  const values: Record<string, unknown> = {};
  if (fields !== null) {
    for (const c of [...(opts.idColumn === undefined ? [] : [opts.idColumn]), ...(opts.columns ?? [])]) {
      const f = fields.get(c);
      values[c] = f === undefined ? (props[c] ?? null) : fieldValue(props[c], f);
    }
  }
  let geometry: Geometry | null = null;
  let problem: string | undefined;
  try {
    geometry = geometryFromGeoJson(raw.geometry);
  } catch (err) {
    problem = `unreadable geometry: ${err instanceof Error ? err.message : String(err)}`;
  }
  const f = makeFeature(fid, geometry, values, opts, problem);
  // an FID beyond 2^53: its digits, as the GeoPackage reader gives a rowid beyond 2^53 (f.fid is a stand-in key)
  if (fidText !== undefined) {
    f.fidText = fidText;
    if (opts.idColumn === undefined) f.id = fidText;
  }
  // the default id: the feature's own id (a string member), else the fid
  if (opts.idColumn === undefined && memberId !== undefined) f.id = memberId;
  return f;
}

/** The fields of a GeoJSON layer as GDAL establishes them: a pass over every feature's `properties` and `id`. */
function scanFields(path: string, layout: 'collection' | 'seq'): Map<string, OgrField> {
  const schema = new GeoJsonSchema();
  scanGeoJsonFeatures(path, layout, (f) => schema.add(f.properties, f.id, f.members));
  return new Map(schema.result().map((f) => [f.name, f]));
}

/** The fields a pass established, or the error that pass met (thrown when the fields are asked for, as scanFields throws it). */
type ScannedFields = { fields: Map<string, OgrField> } | { error: unknown };

/**
 * A FeatureCollection's top-level members and its fields in one pass over the file (readCollectionMembers and
 * scanFields sharing each block). The members' errors are thrown as readCollectionMembers throws them; the fields'
 * error is kept for when the fields are asked for (LazyFields), the rest of the file then read for the members alone.
 */
function scanCollection(path: string): { members: CollectionMembers; fields: ScannedFields } {
  const top = new CollectionMembersScanner(path);
  const schema = new GeoJsonSchema();
  let fed = 0;
  let topFailed = false;
  let fields: ScannedFields;
  try {
    scanGeoJsonFeatures(path, 'collection', (f) => schema.add(f.properties, f.id, f.members), (block) => {
      try {
        top.write(block);
      } catch (err) {
        topFailed = true;
        throw err;
      }
      fed += block.length;
    });
    fields = { fields: new Map(schema.result().map((f) => [f.name, f])) };
  } catch (err) {
    if (topFailed) throw err;
    fields = { error: err };
    writeFileFrom(top, path, fed);
  }
  return { members: top.result(), fields };
}

/** The layer's fields, established on first use (the pass reads the whole file), or given by the pass that read the members. */
class LazyFields {
  private fields: Map<string, OgrField> | null = null;
  private scanned: ScannedFields | null;
  constructor(private readonly path: string, private readonly layout: 'collection' | 'seq', scanned: ScannedFields | null = null) {
    this.scanned = scanned;
  }
  get(): Map<string, OgrField> {
    if (this.fields === null && this.scanned !== null) {
      if ('error' in this.scanned) throw this.scanned.error;
      this.fields = this.scanned.fields;
      this.scanned = null;
    }
    this.fields ??= scanFields(this.path, this.layout);
    return this.fields;
  }
  /** The fields' names (FeatureSource.columns). */
  names(): string[] {
    return [...this.get().keys()];
  }
  /** A column's kind from GDAL's field type (geojson-schema.ts fieldKind); `text` for an unknown column. */
  kind(name: string): AttributeKind {
    const f = this.get().get(name);
    return f === undefined ? 'text' : fieldKind(f);
  }
  /**
   * The fields when an id column or attributes are asked for (else null), and the options with the columns as the
   * layer spells them (source.memory.ts checkColumns: InputError naming the layer's columns).
   */
  forFeatures(path: string, layer: string, opts: SourceFeatureOptions): { fields: Map<string, OgrField> | null; read: ResolvedColumns } {
    if (opts.idColumn === undefined && (opts.columns ?? []).length === 0) return { fields: null, read: opts };
    const fields = this.get();
    return { fields, read: checkColumns(path, layer, [...fields.keys()], opts) };
  }
}

/** A FeatureCollection's features one at a time (`$.features.*`), integers beyond 2^53 as bigints. */
function featureParser(onFeature: (raw: RawFeature) => void, onError: (err: Error) => void): { write(chunk: Buffer): void; end(): void; readonly isEnded: boolean } {
  const tokenizer = new ExactTokenizer();
  const tokens = new TokenParser({ paths: ['$.features.*'], keepStack: false });
  tokenizer.onToken = tokens.write.bind(tokens);
  tokenizer.onEnd = () => {
    if (!tokens.isEnded) tokens.end();
  };
  tokens.onError = tokenizer.error.bind(tokenizer);
  tokens.onEnd = () => {
    if (!tokenizer.isEnded) tokenizer.end();
  };
  tokens.onValue = ({ value }) => onFeature(value as RawFeature);
  tokenizer.onError = onError;
  return {
    write: (chunk) => tokenizer.write(chunk),
    end: () => tokenizer.end(),
    get isEnded() {
      return tokenizer.isEnded && tokens.isEnded;
    },
  };
}

/** A GeoJSON FeatureCollection file. */
export class GeoJsonSource implements FeatureSource {
  readonly format = 'GeoJSON' as const;
  readonly layer: string;
  readonly crs: Crs;
  private readonly fields: LazyFields;
  /**
   * `opts.fields`: the caller will read columns (an id column, attributes), so the pass that finds the top-level
   * members establishes the fields too (scanCollection), rather than a second pass before the features are read.
   */
  constructor(readonly path: string, opts: { fields?: boolean } = {}) {
    // the top-level members wherever they are (after "features" too): one pass over the file before any feature
    const { members, fields } = opts.fields === true ? scanCollection(path) : { members: readCollectionMembers(path), fields: null };
    this.layer = typeof members.name === 'string' ? members.name : fileStem(path);
    this.crs = crsFromGeoJsonMember(members.crs, path);
    this.fields = new LazyFields(path, 'collection', fields);
  }
  /** GDAL's fields of the layer (the first read makes the pass over the whole file). */
  get columns(): readonly string[] {
    return this.fields.names();
  }
  columnKind(name: string): AttributeKind {
    return this.fields.kind(name);
  }
  count(): Promise<number | null> {
    return Promise.resolve(null);
  }
  async *features(opts: SourceFeatureOptions = {}): AsyncGenerator<Feature> {
    const { fields, read } = this.fields.forFeatures(this.path, this.layer, opts);
    const queue: RawFeature[] = [];
    let failure: Error | null = null;
    const parser = featureParser((raw) => queue.push(raw), (err) => {
      failure = err;
    });
    const stream = createReadStream(this.path);
    let index = 0;
    const ids = new GeoJsonIds();
    try {
      for await (const chunk of stream) {
        try {
          parser.write(chunk as Buffer);
        } catch (err) {
          failure = err instanceof Error ? err : new Error(String(err));
        }
        if (failure !== null) throw new InputError(`${this.path} is not valid GeoJSON near feature ${index}: ${oneLine(failure.message)}`, { cause: failure });
        while (queue.length > 0) {
          const raw = queue.shift() as RawFeature;
          yield toFeature(raw, read, fields, ids);
          index++;
        }
      }
      if (!parser.isEnded) parser.end();
    } finally {
      stream.destroy();
    }
    if (failure !== null) throw new InputError(`${this.path} is not valid GeoJSON: ${oneLine((failure as Error).message)}`, { cause: failure });
    while (queue.length > 0) {
      yield toFeature(queue.shift() as RawFeature, read, fields, ids);
      index++;
    }
  }
  close(): void {}
}

/** A GeoJSONSeq file (newline-delimited features, optional RS 0x1E before each; always lon/lat, RFC 8142/7946). */
export class GeoJsonSeqSource implements FeatureSource {
  readonly format = 'GeoJSONSeq' as const;
  readonly layer: string;
  readonly crs: Crs = crsFromEpsg(4326);
  private readonly fields: LazyFields;
  constructor(readonly path: string) {
    this.layer = fileStem(path);
    this.fields = new LazyFields(path, 'seq');
  }
  /** GDAL's fields of the layer (the first read makes the pass over the whole file). */
  get columns(): readonly string[] {
    return this.fields.names();
  }
  columnKind(name: string): AttributeKind {
    return this.fields.kind(name);
  }
  count(): Promise<number | null> {
    return Promise.resolve(null);
  }
  async *features(opts: SourceFeatureOptions = {}): AsyncGenerator<Feature> {
    const { fields, read } = this.fields.forFeatures(this.path, this.layer, opts);
    const stream = createReadStream(this.path, { encoding: 'utf8' });
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    const ids = new GeoJsonIds();
    let lineNo = 0;
    try {
      for await (const rawLine of lines) {
        lineNo++;
        // RS-separated records may share a line: split at RS
        for (const part of rawLine.split(RS)) {
          const text = part.trim();
          if (text === '') continue;
          let raw: RawFeature;
          try {
            raw = parseJsonExact(text) as RawFeature;
          } catch (err) {
            throw new InputError(`${this.path}: line ${lineNo} is not a JSON feature: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
          }
          if (raw.type === 'FeatureCollection') throw new InputError(`${this.path}: line ${lineNo} is a FeatureCollection; name the file .geojson`);
          yield toFeature(raw, read, fields, ids);
        }
      }
    } finally {
      lines.close();
      stream.destroy();
    }
  }
  close(): void {}
}
