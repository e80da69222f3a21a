/**
 * GeoJSON (RFC 7946 and the 2008 `crs` member) and GeoJSONSeq (one feature per line,
 * RFC 8142 record separators allowed) as FeatureSources, stream-parsed: a 5 GB
 * FeatureCollection is never held whole (@streamparser/json emits one feature at a time).
 * CRS: a top-level `crs` name (`urn:ogc:def:crs:EPSG::2169`, as ogr2ogr writes for
 * non-WGS84 layers), else OGC:CRS84 (lon/lat). fid and the `id` field: the `id` member as
 * GDAL reads it (geojson-ids.ts): an integer member is the fid, a string one the field `id`.
 * Properties: `properties` (columns: the first feature's, with `id` when its member is one).
 */
import { createReadStream, openSync, readSync, closeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { basename } from 'node:path';
import { JSONParser } from '@streamparser/json';
import type { Crs } from '../crs/crs';
import { crsFromEpsg } from '../crs/epsg';
import { InputError, oneLine } from '../errors';
import type { Feature, Geometry } from '../geometry/types';
import { geometryFromGeoJson } from '../geometry/geojson';
import type { AttributeKind, FeatureSource, SourceFeatureOptions } from './source';
import { makeFeature, valueKind } from './source.memory';
import { crsFromName } from './crs-of';
import { GeoJsonIds } from './geojson-ids';

/** RFC 8142 record separator. */
const RS = String.fromCharCode(0x1e);

interface RawFeature { type?: unknown; id?: unknown; geometry?: unknown; properties?: unknown }

const stem = (path: string): string => basename(path).replace(/\.(geojsonl|geojsons|geojsonseq|geojson|json|ndjson|jsonl)$/i, '');

/** Reads the head of a file: enough to find a top-level `crs` written before `features` and the first feature's properties. */
function head(path: string, bytes = 1 << 20): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.toString('utf8', 0, n);
  } finally {
    closeSync(fd);
  }
}

function toFeature(raw: RawFeature, index: number, opts: SourceFeatureOptions, path: string, columns: Set<string> | null, ids: GeoJsonIds): Feature {
  const own = raw.properties !== null && typeof raw.properties === 'object' ? (raw.properties as Record<string, unknown>) : {};
  const { fid, props, memberId } = ids.read(raw as Record<string, unknown>, own);
  if (columns) {
    for (const c of [...(opts.idColumn === undefined ? [] : [opts.idColumn]), ...(opts.columns ?? [])]) {
      if (!(c in props) && !columns.has(c)) throw new InputError(`${path}: feature ${index} has no property "${c}" (properties: ${Object.keys(props).join(', ') || 'none'})`);
    }
  }
  let geometry: Geometry | null = null;
  let problem: string | undefined;
  try {
    geometry = geometryFromGeoJson(raw.geometry);
  } catch (err) {
    problem = `unreadable geometry: ${err instanceof Error ? err.message : String(err)}`;
  }
  const f = makeFeature(fid, geometry, props, opts, problem);
  // the default id: the feature's own id (a string member), else the fid
  if (opts.idColumn === undefined && memberId !== undefined) f.id = memberId;
  return f;
}

/** The first feature's properties as GDAL reads them (with `id` from a string member). */
function firstProps(raw: RawFeature | null): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object') return {};
  const own = raw.properties !== null && typeof raw.properties === 'object' ? (raw.properties as Record<string, unknown>) : {};
  return new GeoJsonIds().read(raw as Record<string, unknown>, own).props;
}

/** The first complete feature in the head of a FeatureCollection, or null. */
function firstFeature(text: string): RawFeature | null {
  const parser = new JSONParser({ paths: ['$.features.*'], keepStack: false });
  let first: RawFeature | null = null;
  parser.onValue = ({ value }) => {
    first ??= value as RawFeature;
  };
  parser.onError = () => {};
  try {
    parser.write(text);
  } catch {
    // a head cut mid-value or bad JSON: whatever was complete before it
  }
  return first;
}

/** A GeoJSON FeatureCollection file. */
export class GeoJsonSource implements FeatureSource {
  readonly format = 'GeoJSON' as const;
  readonly layer: string;
  readonly crs: Crs;
  readonly columns: readonly string[];
  constructor(readonly path: string) {
    this.layer = stem(path);
    const text = head(path);
    const crsName = /"crs"\s*:\s*\{\s*"type"\s*:\s*"name"\s*,\s*"properties"\s*:\s*\{\s*"name"\s*:\s*"([^"]+)"/.exec(text)?.[1];
    const beforeFeatures = text.indexOf('"features"');
    const crsAt = text.indexOf('"crs"');
    this.crs = crsName !== undefined && (beforeFeatures < 0 || crsAt < beforeFeatures) ? crsFromName(crsName, path) : crsFromEpsg(4326);
    const feature = firstFeature(text);
    let first: Record<string, unknown> = {};
    if (feature !== null) {
      first = firstProps(feature);
    } else {
      // a first feature longer than the head: its properties when they come before its geometry
      const props = /"properties"\s*:\s*(\{[^{}]*\})/.exec(text.slice(Math.max(0, beforeFeatures)))?.[1];
      try {
        first = props ? (JSON.parse(props) as Record<string, unknown>) : {};
      } catch {
        first = {};
      }
    }
    this.first = first;
    this.columns = Object.keys(first);
  }
  private readonly first: Record<string, unknown>;
  /** No declared types in GeoJSON: the kind of the first feature's value (numbers are `number`). */
  columnKind(name: string): AttributeKind {
    return valueKind(this.first[name]);
  }
  count(): Promise<number | null> {
    return Promise.resolve(null);
  }
  async *features(opts: SourceFeatureOptions = {}): AsyncGenerator<Feature> {
    const parser = new JSONParser({ paths: ['$.features.*'], keepStack: false });
    const queue: RawFeature[] = [];
    let failure: Error | null = null;
    parser.onValue = ({ value }) => {
      queue.push(value as RawFeature);
    };
    parser.onError = (err: Error) => {
      failure = err;
    };
    const stream = createReadStream(this.path);
    let index = 0;
    const columns = new Set(this.columns);
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
          yield toFeature(raw, index, opts, this.path, index === 0 ? columns : null, ids);
          index++;
        }
      }
      if (!parser.isEnded) parser.end();
    } finally {
      stream.destroy();
    }
    if (failure !== null) throw new InputError(`${this.path} is not valid GeoJSON: ${oneLine((failure as Error).message)}`, { cause: failure });
    while (queue.length > 0) {
      yield toFeature(queue.shift() as RawFeature, index, opts, this.path, index === 0 ? columns : null, ids);
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
  readonly columns: readonly string[];
  constructor(readonly path: string) {
    this.layer = stem(path);
    const first = head(path, 1 << 16).split('\n').map((l) => l.split(RS).join('').trim()).find((l) => l !== '');
    let props: Record<string, unknown> = {};
    try {
      const f = first ? (JSON.parse(first) as RawFeature) : null;
      props = firstProps(f);
    } catch {
      props = {};
    }
    this.first = props;
    this.columns = Object.keys(props);
  }
  private readonly first: Record<string, unknown>;
  /** No declared types in GeoJSON: the kind of the first feature's value (numbers are `number`). */
  columnKind(name: string): AttributeKind {
    return valueKind(this.first[name]);
  }
  count(): Promise<number | null> {
    return Promise.resolve(null);
  }
  async *features(opts: SourceFeatureOptions = {}): AsyncGenerator<Feature> {
    const stream = createReadStream(this.path, { encoding: 'utf8' });
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    const columns = new Set(this.columns);
    const ids = new GeoJsonIds();
    let index = 0;
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
            raw = JSON.parse(text) as RawFeature;
          } catch (err) {
            throw new InputError(`${this.path}: line ${lineNo} is not a JSON feature: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
          }
          if (raw.type === 'FeatureCollection') throw new InputError(`${this.path}: line ${lineNo} is a FeatureCollection; name the file .geojson`);
          yield toFeature(raw, index, opts, this.path, index === 0 ? columns : null, ids);
          index++;
        }
      }
    } finally {
      lines.close();
      stream.destroy();
    }
  }
  close(): void {}
}
