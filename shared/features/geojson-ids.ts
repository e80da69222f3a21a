/**
 * A GeoJSON feature's top-level `id` member read as GDAL's GeoJSON driver reads it
 * (ogr/ogrsf_frmts/geojson/ogrgeojsonreader.cpp: OGRGeoJSONGenerateFeatureDefnDealWithID
 * and ReadFeature; checked with ogrinfo 3.6.2, see test/unit/features/geojson-ids.test.ts):
 *
 * - The first feature whose `id` member is met while no `id` field exists decides: a
 *   non-negative integer makes every feature's `id` member the FID (a string member is then
 *   read as an integer by json-c: "12" -> 12, "b" -> 0; a feature without one gets the next
 *   of 0, 1, 2... counted over the features without one); a string (or negative integer) makes an `id` field (text), unless that
 *   feature has a property `id`.
 * - Otherwise the FID is the position from 0, and the `id` member fills the `id` field of a
 *   feature whose properties lack `id` (a property `id`, even null, wins).
 * - A property `id` is an ordinary field; when its values are integers (and no `id` member
 *   is the FID) GDAL makes it the FID column: the FID is the property's value.
 *
 * GDAL decides on a first pass over the whole file; zonalflow streams, so it decides in file
 * order. The two differ only when a later feature would change GDAL's decision (a negative
 * integer id after non-negative ones, a property `id` first met after the decision, or a
 * non-integer property `id` after integer ones, which makes GDAL number every feature).
 */
import { BigFidKeys } from './big-fid-keys';

/** The member named `id`, matched without regard to case as GDAL does. */
function idMember(raw: Record<string, unknown>): unknown {
  if ('id' in raw) return raw.id;
  for (const k of Object.keys(raw)) if (k.toLowerCase() === 'id') return raw[k];
  return undefined;
}

/**
 * json-c's json_object_get_int64 of a JSON value: integers as they are (beyond 2^53 as bigints: the exact parser's),
 * reals truncated, strings' leading integer else 0.
 */
function asInt(v: unknown): number | bigint {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : 0;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const m = /^\s*([+-]?\d+)/.exec(v);
    if (!m) return 0;
    const n = Number(m[1]);
    return Number.isSafeInteger(n) ? n : BigInt(m[1] as string);
  }
  return 0;
}

/** True for a JSON integer (a number, or a bigint beyond 2^53). */
function isInteger(v: unknown): v is number | bigint {
  return typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));
}

/** json-c's json_object_get_string of a scalar (a bigint's digits). */
function asText(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'bigint' ? v.toString() : JSON.stringify(v);
}

export interface GeoJsonIdentity {
  /** The feature's key: the FID, or for an FID beyond 2^53 a stand-in (see fidText). */
  fid: number;
  /**
   * An FID no double holds exactly (beyond 2^53: GDAL's int64 FIDs), as its digits; `fid` is then a stand-in key
   * (big-fid-keys.ts, as the GeoPackage reader keys rowids beyond 2^53).
   */
  fidText?: string;
  /** The properties, with `id` set from the `id` member when GDAL would (a new object then). */
  props: Record<string, unknown>;
  /** The `id` member's text when it became the `id` field (the feature's own id), else undefined. */
  memberId?: string;
}

/** GDAL's reading of `id` members, one feature after another in file order. */
export class GeoJsonIds {
  private idField = false;
  private asFid = false;
  private nextFid = 0;
  private readonly bigFids = new BigFidKeys();

  /** The key and, beyond 2^53, the exact text of an integer FID. */
  private fidOf(v: number | bigint): { fid: number; fidText?: string } {
    if (typeof v === 'number' && Number.isSafeInteger(v)) return { fid: v };
    const big = typeof v === 'bigint' ? v : BigInt(v);
    if (big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)) return { fid: Number(big) };
    return { fid: this.bigFids.key(big), fidText: big.toString() };
  }

  read(raw: Record<string, unknown>, props: Record<string, unknown>): GeoJsonIdentity {
    const found = idMember(raw);
    const member = found === null ? undefined : found; // "id": null is no member to json-c
    const hasIdProp = Object.prototype.hasOwnProperty.call(props, 'id');
    if (member !== undefined && !this.idField) {
      if (isInteger(member)) this.asFid = member >= 0;
      if (!this.asFid && !hasIdProp) this.idField = true;
    }
    if (hasIdProp) this.idField = true;
    if (this.asFid && member !== undefined) return { ...this.fidOf(asInt(member)), props };
    // an integer field `id` (Integer or Integer64) is GDAL's FID column (FinalizeLayerDefn)
    const prop = hasIdProp ? props.id : undefined;
    if (!this.asFid && isInteger(prop)) return { ...this.fidOf(prop), props };
    // no FID from the member: the next of 0, 1, 2... (the position when no member is the FID)
    const fid = this.nextFid++;
    if (member !== undefined && this.idField && !hasIdProp) {
      const text = asText(member);
      return { fid, props: { ...props, id: text }, memberId: text };
    }
    return { fid, props };
  }
}
