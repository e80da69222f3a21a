/**
 * A GeoJSON property value as GDAL reads it into its field (OGRGeoJSONReaderSetField, GDAL 3.6): integers and
 * reals as numbers (a boolean is 1 / 0, a bigint beyond 2^53 kept exact), booleans of an Integer(Boolean) field as
 * booleans, text as json-c writes the value (objects and arrays spaced, `/` escaped: `{ "k": 1, "s": "a\/b" }`),
 * lists as JSON arrays in the same style (GDAL's CSV driver writes them so), dates as `YYYY-MM-DD`, times as
 * `HH:MM:SS`, date-times as ISO 8601 instants in UTC. A NULL or absent value is null.
 */
import { dateText, instantText, parseOgrDate, timeText } from './ogr-date';
import type { OgrField } from './geojson-schema';

/** json-c's json_object_to_json_string (JSON_C_TO_STRING_SPACED) of a parsed JSON value. */
export function jsoncText(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v).replace(/\//g, '\\/');
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.length === 0 ? '[ ]' : `[ ${v.map(jsoncText).join(', ')} ]`;
  const entries = Object.entries(v as Record<string, unknown>);
  return entries.length === 0 ? '{ }' : `{ ${entries.map(([k, x]) => `${jsoncText(k)}: ${jsoncText(x)}`).join(', ')} }`;
}

/** json-c's json_object_get_int64 of a value (booleans 1 / 0, reals truncated, strings' leading integer). */
function asInt(v: unknown): number | bigint | null {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const m = /^\s*([+-]?\d+)/.exec(v);
    if (!m) return 0;
    const n = Number(m[1]);
    return Number.isSafeInteger(n) ? n : BigInt(m[1] as string);
  }
  return null;
}

/** The value of property `v` in field `f`, as GDAL sets it (null: NULL). */
export function fieldValue(v: unknown, f: OgrField): unknown {
  if (v === null || v === undefined) return null;
  switch (f.type) {
    case 'Integer':
      if (f.subtype === 'Boolean') return typeof v === 'boolean' ? v : asInt(v) !== 0;
      return asInt(v);
    case 'Integer64':
      return asInt(v);
    case 'Real':
      if (typeof v === 'number') return v;
      if (typeof v === 'bigint') return Number(v);
      if (typeof v === 'boolean') return v ? 1 : 0;
      return typeof v === 'string' ? Number.parseFloat(v) || 0 : null;
    case 'Date':
    case 'Time':
    case 'DateTime': {
      const d = typeof v === 'string' ? parseOgrDate(v) : null;
      if (d === null) return null;
      return f.type === 'Date' ? dateText(d) : f.type === 'Time' ? timeText(d) : instantText(d);
    }
    case 'String':
      return typeof v === 'string' ? v : jsoncText(v);
    default:
      // an empty array is an empty list, but not in a StringList (GDAL sets no list of no strings)
      if (Array.isArray(v) && v.length === 0 && f.type === 'StringList') return null;
      return jsoncText(Array.isArray(v) ? v : [v]);
  }
}
