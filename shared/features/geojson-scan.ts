/**
 * The first pass over a GeoJSON FeatureCollection or a GeoJSONSeq file that GDAL makes to establish the layer's
 * fields: each feature's members but its geometry (in practice `type`, `properties` and `id`), read without building
 * the geometry. A byte scanner walks the file in 1 MiB blocks tracking only strings and brackets; the members' texts
 * are cut out and parsed (parseJsonExact), the geometry (and `type`, `bbox`...) is skipped. Memory: one block and
 * one feature's members.
 * It does not validate the JSON (features() does, with the reading that follows).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { InputError, oneLine } from '../errors';
import { parseJsonExact } from './json-exact';

/**
 * One feature's members as the pass reads them: `properties` (undefined: absent), the `id` member (undefined: absent;
 * matched without regard to case, as GDAL), and, when `properties` is absent or neither an object, null nor `[]`, its
 * other top-level members in file order (GDAL then makes them fields), else null.
 */
export interface ScannedFeature { properties: unknown; id: unknown; members: [string, unknown][] | null }

/** Top-level members of a feature that are never fields (GDAL's GenerateFeatureDefn). */
export const NOT_FIELDS = new Set(['type', 'geometry', 'centroid', 'bbox', 'center']);

/** Whether GDAL reads a feature's fields from its other top-level members: `properties` absent, or not an object, null or []. */
export function propertiesFromMembers(raw: Record<string, unknown>): boolean {
  if (!Object.prototype.hasOwnProperty.call(raw, 'properties')) return true;
  const p = raw.properties;
  return !(p === null || (typeof p === 'object' && !(Array.isArray(p) && p.length > 0)));
}

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

/** The text of a member cut out of the file: its bytes in earlier blocks, then `chunk[from, to)`. */
function cut(parts: Buffer[], chunk: Buffer, from: number, to: number): string {
  return parts.length === 0 ? chunk.toString('utf8', from, to) : Buffer.concat([...parts, chunk.subarray(from, to)]).toString('utf8');
}

/** A member's value parsed; InputError naming the feature and the member when it is not JSON. */
function parseMember(path: string, index: number, key: string, raw: string): unknown {
  try {
    return parseJsonExact(raw);
  } catch (err) {
    throw new InputError(`${path} is not valid GeoJSON: feature ${index}'s "${key}" member cannot be read: ${oneLine(err instanceof Error ? err.message : String(err))}`, { cause: err });
  }
}

/** A feature from its cut-out members (the `id` member: the one named exactly so, else the first named so in another case). */
function scannedFeature(path: string, index: number, members: [string, string][]): ScannedFeature {
  const raw = members.find(([k]) => k === 'properties');
  const properties = raw === undefined ? undefined : parseMember(path, index, 'properties', raw[1]);
  const idRaw = members.find(([k]) => k === 'id') ?? members.find(([k]) => k.toLowerCase() === 'id');
  const id = idRaw === undefined ? undefined : parseMember(path, index, idRaw[0], idRaw[1]);
  const own = raw === undefined ? {} : { properties };
  return { properties, id, members: propertiesFromMembers(own) ? members.map(([k, v]) => [k, k === 'properties' ? properties : parseMember(path, index, k, v)]) : null };
}

/**
 * Calls `onFeature` with each feature of the file, in order: the objects of the top-level `features` array
 * (`collection`), or each top-level object (`seq`: one per line or RS-separated record). `onBlock` is given each
 * block read before it is scanned (another scanner sharing the pass: source.geojson.ts scanCollection); the block is
 * reused after it returns.
 */
export function scanGeoJsonFeatures(path: string, layout: 'collection' | 'seq', onFeature: (f: ScannedFeature, index: number) => void, onBlock?: (block: Buffer) => void): void {
  const collection = layout === 'collection';
  const featureDepth = collection ? 3 : 1;
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(BLOCK);
  let depth = 0;
  let inString = false;
  let escape = false;
  let expectKey = false;
  let inFeatures = !collection;
  let inFeature = false;
  // a key or member value being cut out: its parts from earlier blocks, and where it starts in this block (-1: none)
  let keyParts: Buffer[] = [];
  let keyStart = -1;
  let topKey = '';
  let memberKey = '';
  let valueParts: Buffer[] = [];
  let valueStart = -1;
  let members: [string, string][] = [];
  let index = 0;
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, BLOCK, null);
      if (n === 0) break;
      const chunk = buf.subarray(0, n);
      onBlock?.(chunk);
      for (let i = 0; i < n; i++) {
        // inside a value not cut out (a geometry, `type`...) below the feature's members: only strings and brackets count
        if (depth > featureDepth && valueStart < 0) {
          for (; i < n; i++) {
            const b = chunk[i] as number;
            if (inString) {
              if (escape) escape = false;
              else if (b === BACKSLASH) escape = true;
              else if (b === QUOTE) inString = false;
            } else if (b === QUOTE) inString = true;
            else if (b === LBRACKET || b === LBRACE) depth++;
            else if (b === RBRACKET || b === RBRACE) {
              depth--;
              if (depth === featureDepth) break;
            }
          }
          expectKey = false;
          continue;
        }
        const c = chunk[i] as number;
        if (inString) {
          if (escape) escape = false;
          else if (c === BACKSLASH) escape = true;
          else if (c === QUOTE) {
            inString = false;
            if (keyStart >= 0) {
              const rawKey = cut(keyParts, chunk, keyStart, i);
              const key = rawKey.includes('\\') ? (JSON.parse(`"${rawKey}"`) as string) : rawKey;
              keyParts = [];
              keyStart = -1;
              if (depth === 1 && collection) topKey = key;
              else memberKey = NOT_FIELDS.has(key) ? '' : key;
            }
          }
          continue;
        }
        switch (c) {
          case QUOTE:
            inString = true;
            if (expectKey && ((depth === featureDepth && inFeature) || (depth === 1 && collection))) keyStart = i + 1;
            break;
          case LBRACE:
            depth++;
            expectKey = true;
            if (depth === featureDepth && inFeatures) {
              inFeature = true;
              members = [];
            }
            break;
          case LBRACKET:
            depth++;
            expectKey = false;
            if (collection && depth === 2 && topKey === 'features') inFeatures = true;
            break;
          case RBRACE:
          case RBRACKET:
            if (valueStart >= 0 && depth === featureDepth) {
              members.push([memberKey, cut(valueParts, chunk, valueStart, i)]);
              valueParts = [];
              valueStart = -1;
            }
            depth--;
            expectKey = false;
            if (c === RBRACE && inFeature && depth === featureDepth - 1) {
              inFeature = false;
              onFeature(scannedFeature(path, index, members), index);
              index++;
              members = [];
            } else if (c === RBRACKET && collection && depth === 1 && inFeatures) {
              inFeatures = false;
            }
            break;
          case COMMA:
            if (valueStart >= 0 && depth === featureDepth) {
              members.push([memberKey, cut(valueParts, chunk, valueStart, i)]);
              valueParts = [];
              valueStart = -1;
            }
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
