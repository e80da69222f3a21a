/**
 * A GeoJSON FeatureCollection's top-level members that describe the layer, `name` (GDAL's layer name) and `crs`
 * (the 2008 spec's CRS), wherever they are in the object: before `"features"` or after it, as GDAL reads them (it
 * parses the whole object; for a duplicated member the last one counts, as json-c keeps it). A byte scanner walks
 * the file in 1 MiB blocks tracking only strings and brackets: the features array is skipped without building
 * anything; only the wanted members' texts are cut out and parsed. Memory: one block and those members (each at
 * most MAX_MEMBER bytes). It does not validate the JSON (features() does, with the reading that follows).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { InputError, oneLine } from '../errors';

/** The layer-describing top-level members as read: undefined when the member is absent. */
export interface CollectionMembers { name?: unknown; crs?: unknown }

const WANTED = new Set(['name', 'crs']);

/** A `name` or `crs` member longer than this is not one (InputError rather than holding it). */
const MAX_MEMBER = 1 << 20;

/** Bytes read at a time. */
const BLOCK = 1 << 20;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** Scans a JSON object's bytes, block by block, for its top-level `name` and `crs` members. */
export class CollectionMembersScanner {
  private depth = 0;
  private inString = false;
  private escape = false;
  private expectKey = false;
  // the top-level key being read, and the wanted member's value being cut out (bytes from earlier blocks)
  private keyParts: Buffer[] = [];
  private inKey = false;
  private key = '';
  private valueParts: Buffer[] = [];
  private valueBytes = 0;
  private inValue = false;
  private readonly raw = new Map<string, string>();
  constructor(private readonly where: string) {}

  write(chunk: Buffer): void {
    const n = chunk.length;
    let keyStart = this.inKey ? 0 : -1;
    let valueStart = this.inValue ? 0 : -1;
    for (let i = 0; i < n; i++) {
      // inside a value not cut out (the features array...): only strings and brackets count, in locals
      if (this.depth > 1 && valueStart < 0) {
        let depth = this.depth;
        let inString = this.inString;
        let escape = this.escape;
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
            if (depth === 1) break;
          }
        }
        this.depth = depth;
        this.inString = inString;
        this.escape = escape;
        this.expectKey = false;
        continue;
      }
      const c = chunk[i] as number;
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === BACKSLASH) this.escape = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (keyStart >= 0) {
            const rawKey = Buffer.concat([...this.keyParts, chunk.subarray(keyStart, i)]).toString('utf8');
            this.key = rawKey.includes('\\') ? (JSON.parse(`"${rawKey}"`) as string) : rawKey;
            this.keyParts = [];
            keyStart = -1;
            this.inKey = false;
          }
        }
        continue;
      }
      switch (c) {
        case QUOTE:
          this.inString = true;
          if (this.expectKey && this.depth === 1) {
            keyStart = i + 1;
            this.inKey = true;
          }
          break;
        case LBRACE:
          this.depth++;
          this.expectKey = true;
          break;
        case LBRACKET:
          this.depth++;
          this.expectKey = false;
          break;
        case RBRACE:
        case RBRACKET:
          if (this.depth === 1 && valueStart >= 0) {
            this.endValue(chunk, valueStart, i);
            valueStart = -1;
          }
          this.depth--;
          this.expectKey = false;
          break;
        case COMMA:
          if (this.depth === 1 && valueStart >= 0) {
            this.endValue(chunk, valueStart, i);
            valueStart = -1;
          }
          this.expectKey = true;
          break;
        case COLON:
          this.expectKey = false;
          if (this.depth === 1 && WANTED.has(this.key)) {
            valueStart = i + 1;
            this.inValue = true;
            this.valueParts = [];
            this.valueBytes = 0;
          }
          break;
        default:
      }
    }
    // a key or value running on into the next block: keep its bytes (the caller may reuse the block)
    if (keyStart >= 0) this.keyParts.push(Buffer.from(chunk.subarray(keyStart)));
    if (valueStart >= 0) {
      this.valueBytes += n - valueStart;
      if (this.valueBytes > MAX_MEMBER) throw new InputError(`${this.where}: the top-level "${this.key}" member is longer than ${MAX_MEMBER} bytes; it cannot be a layer ${this.key}`);
      this.valueParts.push(Buffer.from(chunk.subarray(valueStart)));
    }
  }

  private endValue(chunk: Buffer, from: number, to: number): void {
    this.raw.set(this.key, Buffer.concat([...this.valueParts, chunk.subarray(from, to)]).toString('utf8'));
    this.valueParts = [];
    this.inValue = false;
    this.key = '';
  }

  /** The members found (the last of a duplicated one); InputError naming the member when it is not JSON. */
  result(): CollectionMembers {
    const out: CollectionMembers = {};
    for (const [key, text] of this.raw) {
      try {
        out[key as keyof CollectionMembers] = JSON.parse(text) as unknown;
      } catch (err) {
        throw new InputError(`${this.where} is not valid GeoJSON: its top-level "${key}" member cannot be read: ${oneLine(err instanceof Error ? err.message : String(err))}`, { cause: err });
      }
    }
    return out;
  }
}

/** The top-level `name` and `crs` members of the FeatureCollection in `text` (a whole document). */
export function collectionMembersOf(text: string, where = 'the GeoJSON'): CollectionMembers {
  const scanner = new CollectionMembersScanner(where);
  scanner.write(Buffer.from(text, 'utf8'));
  return scanner.result();
}

/** The top-level `name` and `crs` members of the FeatureCollection file at `path`: one pass over the file. */
export function readCollectionMembers(path: string): CollectionMembers {
  const scanner = new CollectionMembersScanner(path);
  writeFileFrom(scanner, path, 0);
  return scanner.result();
}

/** Gives `scanner` the bytes of the file at `path` from `offset` to its end (the rest of a pass another scanner left). */
export function writeFileFrom(scanner: CollectionMembersScanner, path: string, offset: number): void {
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(BLOCK);
  try {
    for (let at = offset; ;) {
      const n = readSync(fd, buf, 0, BLOCK, at);
      if (n === 0) break;
      at += n;
      scanner.write(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
}
