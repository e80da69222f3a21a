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

/** The member named `id`, matched without regard to case as GDAL does. */
function idMember(raw: Record<string, unknown>): unknown {
  if ('id' in raw) return raw.id;
  for (const k of Object.keys(raw)) if (k.toLowerCase() === 'id') return raw[k];
  return undefined;
}

/** json-c's json_object_get_int64 of a JSON value: integers as they are, reals truncated, strings' leading integer else 0. */
function asInt(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const m = /^\s*([+-]?\d+)/.exec(v);
    return m ? Number(m[1]) : 0;
  }
  return 0;
}

/** json-c's json_object_get_string of a scalar. */
function asText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export interface GeoJsonIdentity {
  fid: number;
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

  read(raw: Record<string, unknown>, props: Record<string, unknown>): GeoJsonIdentity {
    const found = idMember(raw);
    const member = found === null ? undefined : found; // "id": null is no member to json-c
    const hasIdProp = Object.prototype.hasOwnProperty.call(props, 'id');
    if (member !== undefined && !this.idField) {
      if (typeof member === 'number' && Number.isInteger(member)) this.asFid = member >= 0;
      if (!this.asFid && !hasIdProp) this.idField = true;
    }
    if (hasIdProp) this.idField = true;
    if (this.asFid && member !== undefined) return { fid: asInt(member), props };
    // an integer field `id` is GDAL's FID column (FinalizeLayerDefn)
    const prop = hasIdProp ? props.id : undefined;
    if (!this.asFid && typeof prop === 'number' && Number.isSafeInteger(prop)) return { fid: prop, props };
    // no FID from the member: the next of 0, 1, 2... (the position when no member is the FID)
    const fid = this.nextFid++;
    if (member !== undefined && this.idField && !hasIdProp) {
      const text = asText(member);
      return { fid, props: { ...props, id: text }, memberId: text };
    }
    return { fid, props };
  }
}
