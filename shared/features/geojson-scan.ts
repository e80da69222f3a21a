/**
 * The first pass over a GeoJSON FeatureCollection or a GeoJSONSeq file that GDAL makes to establish the layer's
 * fields: each feature's `properties` and `id` members, read without building the geometry. A byte scanner walks
 * the file in 1 MiB blocks tracking only strings and brackets; the two members' texts are cut out and parsed
 * (parseJsonExact), everything else (geometries) is skipped. Memory: one block and one feature's properties.
 * It does not validate the JSON (features() does, with the reading that follows).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { InputError, oneLine } from '../errors';
import { parseJsonExact } from './json-exact';

/** One feature's members as the pass reads them: `properties` (undefined: absent) and the `id` member (undefined: absent). */
export interface ScannedFeature { properties: unknown; id: unknown }

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** Bytes read at a time. */
const BLOCK = 1 << 20;

/**
 * Calls `onFeature` with each feature of the file, in order: the objects of the top-level `features` array
 * (`collection`), or each top-level object (`seq`: one per line or RS-separated record).
 */
export function scanGeoJsonFeatures(path: string, layout: 'collection' | 'seq', onFeature: (f: ScannedFeature, index: number) => void): void {
  const featureDepth = layout === 'collection' ? 3 : 1;
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(BLOCK);
  let depth = 0;
  let inString = false;
  let escape = false;
  let expectKey = false;
  let inFeatures = layout === 'seq';
  let inFeature = false;
  // a key or member value being cut out: its parts from earlier blocks, and where it starts in this one (-1: none)
  let keyParts: Buffer[] = [];
  let keyStart = -1;
  let topKey = '';
  let memberKey = '';
  let valueParts: Buffer[] = [];
  let valueStart = -1;
  let props: unknown;
  let id: unknown;
  let exactId = false;
  let haveId = false;
  let index = 0;
  const text = (parts: Buffer[], chunk: Buffer, from: number, to: number): string => (parts.length === 0 ? chunk.toString('utf8', from, to) : Buffer.concat([...parts, chunk.subarray(from, to)]).toString('utf8'));
  const endValue = (chunk: Buffer, at: number): void => {
    const raw = text(valueParts, chunk, valueStart, at);
    valueParts = [];
    valueStart = -1;
    let v: unknown;
    try {
      v = parseJsonExact(raw);
    } catch (err) {
      throw new InputError(`${path} is not valid GeoJSON: feature ${index}'s "${memberKey}" member cannot be read: ${oneLine(err instanceof Error ? err.message : String(err))}`, { cause: err });
    }
    if (memberKey === 'properties') props = v;
    else if (memberKey === 'id' || (!exactId && !haveId)) {
      // the member named exactly `id`, else the first named so without regard to case (geojson-ids.ts)
      id = v;
      haveId = true;
      exactId = memberKey === 'id';
    }
  };
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, BLOCK, null);
      if (n === 0) break;
      const chunk = buf.subarray(0, n);
      for (let i = 0; i < n; i++) {
        const c = chunk[i] as number;
        if (inString) {
          if (escape) escape = false;
          else if (c === BACKSLASH) escape = true;
          else if (c === QUOTE) {
            inString = false;
            if (keyStart >= 0) {
              const key = JSON.parse(`"${text(keyParts, chunk, keyStart, i)}"`) as string;
              keyParts = [];
              keyStart = -1;
              if (depth === 1 && layout === 'collection') topKey = key;
              else memberKey = key === 'properties' || key.toLowerCase() === 'id' ? key : '';
            }
          }
          continue;
        }
        switch (c) {
          case QUOTE:
            inString = true;
            if (expectKey && ((depth === featureDepth && inFeature) || (depth === 1 && layout === 'collection'))) keyStart = i + 1;
            break;
          case LBRACE:
            depth++;
            expectKey = true;
            if (depth === featureDepth && inFeatures) {
              inFeature = true;
              props = undefined;
              id = undefined;
              exactId = false;
              haveId = false;
            }
            break;
          case LBRACKET:
            depth++;
            expectKey = false;
            if (layout === 'collection' && depth === 2 && topKey === 'features') inFeatures = true;
            break;
          case RBRACE:
          case RBRACKET:
            if (valueStart >= 0 && depth === featureDepth) endValue(chunk, i);
            depth--;
            expectKey = false;
            if (c === RBRACE && inFeature && depth === featureDepth - 1) {
              inFeature = false;
              onFeature({ properties: props, id }, index++);
              props = undefined;
              id = undefined;
            } else if (c === RBRACKET && layout === 'collection' && depth === 1 && inFeatures) {
              inFeatures = false;
            }
            break;
          case COMMA:
            if (valueStart >= 0 && depth === featureDepth) endValue(chunk, i);
            expectKey = true; // in an object (in an array the flag is not read: strings there are values)
            break;
          case COLON:
            expectKey = false;
            if (depth === featureDepth && inFeature && memberKey !== '') valueStart = i + 1;
            break;
          default:
        }
      }
      // a key or value running on into the next block: keep its bytes (the block is reused)
      if (keyStart >= 0) {
        keyParts.push(Buffer.from(chunk.subarray(keyStart)));
        keyStart = 0;
      }
      if (valueStart >= 0) {
        valueParts.push(Buffer.from(chunk.subarray(valueStart)));
        valueStart = 0;
      }
    }
  } finally {
    closeSync(fd);
  }
}
