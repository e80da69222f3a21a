/**
 * GDAL's reading of date and time text (OGRParseDate in ogr/ogrutils.cpp, default options, as GDAL 3.6 calls it from
 * the GeoJSON driver): `YYYY-MM-DD`, `YYYY/MM/DD`, either followed by ` ` or `T` and `HH:MM[:SS[.sss]]`, an optional
 * `Z` or `+HH[:MM]` / `-HHMM` offset; or a time alone. Two-digit years 30..99 are 19xx, 00..29 20xx. The GeoJSON
 * driver types a string property Date, DateTime or Time when this parse succeeds (GeoJSONStringPropertyToFieldType):
 * DateTime when the text holds `-` or `/` and `:`, Date with only `-` or `/`, Time with only `:`.
 */

/** A parsed date/time; `tz`: GDAL's TZFlag (0 unknown, 100 UTC, 100 + 4 * hours + quarters east of UTC). */
export interface OgrDate { year: number; month: number; day: number; hour: number; minute: number; second: number; tz: number }

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** C's atoi: optional sign and leading digits, else 0. */
function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
}

/** The text parsed as OGRParseDate(text, 0) does, or null when GDAL fails it. */
export function parseOgrDate(text: string): OgrDate | null {
  const d: OgrDate = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, tz: 0 };
  let s = text.replace(/^ +/, '');
  let got = false;
  let tFound = false;
  if (s.includes('-') || s.includes('/')) {
    if (!(s[0] === '-' || s[0] === '+' || isDigit(s[0]))) return null;
    const year = atoi(s);
    if (year > 32767 || year < -32768) return null;
    d.year = year;
    if (s[1] === '-' || s[1] === '/' || (s[1] !== undefined && (s[2] === '-' || s[2] === '/'))) {
      if (d.year < 100 && d.year >= 30) d.year += 1900;
      else if (d.year < 30 && d.year >= 0) d.year += 2000;
    }
    let i = s[0] === '-' ? 1 : 0;
    while (isDigit(s[i])) i++;
    if (s[i] !== '-' && s[i] !== '/') return null;
    i++;
    if (!isDigit(s[i]) || !isDigit(s[i + 1])) return null;
    d.month = Number(s.slice(i, i + 2));
    if (d.month === 0 || d.month > 12) return null;
    i += 2;
    if (s[i] !== '-' && s[i] !== '/') return null;
    i++;
    if (!isDigit(s[i]) || !isDigit(s[i + 1])) return null;
    d.day = Number(s.slice(i, i + 2));
    if (d.day === 0 || d.day > 31) return null;
    i += 2;
    if (i >= s.length) return d;
    got = true;
    if (s[i] === 'T') {
      tFound = true;
      i++;
    } else if (s[i] === 'Z') {
      return d;
    } else if (s[i] !== ' ') {
      return null;
    }
    s = s.slice(i);
  }
  s = s.replace(/^ +/, '');
  if (s[0] === 'T') {
    tFound = true;
    s = s.slice(1);
  }
  if (tFound || s.includes(':')) {
    if (!isDigit(s[0]) || !isDigit(s[1])) return null;
    if (!(tFound || s[2] === ':')) return null;
    d.hour = Number(s.slice(0, 2));
    if (d.hour > 23) return null;
    let i = 2;
    if (s[i] === ':') i++;
    if (!isDigit(s[i]) || !isDigit(s[i + 1])) return null;
    d.minute = Number(s.slice(i, i + 2));
    if (d.minute > 59) return null;
    i += 2;
    if ((tFound && isDigit(s[i])) || s[i] === ':') {
      if (s[i] === ':') i++;
      if (!isDigit(s[i]) || !isDigit(s[i + 1])) return null;
      const sec = Number(/^\d+(\.\d*)?/.exec(s.slice(i))?.[0] ?? '0');
      if (sec > 60) return null;
      d.second = sec;
      i += 2;
      if (s[i] === '.') {
        i++;
        while (isDigit(s[i])) i++;
      }
      if (s[i] === 'Z') d.tz = 100;
    }
    s = s.slice(i);
    got = true;
  } else if (got && s !== '') {
    return null;
  }
  if (!got) return null;
  s = s.replace(/^ +/, '');
  if (s[0] === '-' || s[0] === '+') {
    const sign = s[0] === '-' ? -1 : 1;
    if (s.length <= 3) d.tz = 100 + atoi(s) * 4;
    else if (s[3] === ':' && atoi(s.slice(4)) % 15 === 0) d.tz = 100 + sign * (atoi(s.slice(1)) * 4 + atoi(s.slice(4)) / 15);
    else if (isDigit(s[3]) && isDigit(s[4]) && atoi(s.slice(3)) % 15 === 0) d.tz = 100 + sign * (Number(s.slice(1, 3)) * 4 + atoi(s.slice(3)) / 15);
  }
  return d;
}

/** The field type GDAL's GeoJSON driver gives a string property: Date, DateTime, Time, or null (String). */
export function ogrDateType(text: string): 'Date' | 'DateTime' | 'Time' | null {
  if (parseOgrDate(text) === null) return null;
  const date = text.includes('/') || text.includes('-');
  const time = text.includes(':');
  return date && time ? 'DateTime' : date ? 'Date' : 'Time';
}

const pad = (n: number, w = 2): string => String(Math.trunc(n)).padStart(w, '0');

/** `YYYY-MM-DD` of a parsed date. */
export function dateText(d: OgrDate): string {
  return `${d.year < 0 ? '-' : ''}${pad(Math.abs(d.year), 4)}-${pad(d.month)}-${pad(d.day)}`;
}

/** `HH:MM:SS` (with milliseconds when the seconds have a fraction) of a parsed time. */
export function timeText(d: OgrDate): string {
  const ms = Math.round((d.second - Math.trunc(d.second)) * 1000);
  return `${pad(d.hour)}:${pad(d.minute)}:${pad(d.second)}${ms > 0 ? `.${pad(ms, 3)}` : ''}`;
}

/**
 * A parsed date-time as an ISO 8601 instant in UTC (`YYYY-MM-DDTHH:MM:SS[.sss]Z`), shifted by its offset; a time
 * without an offset (GDAL's TZFlag 0 or 1) is read as UTC.
 */
export function instantText(d: OgrDate): string {
  const offsetMin = d.tz > 1 ? (d.tz - 100) * 15 : 0;
  const ms = Date.UTC(d.year, d.month - 1, d.day, d.hour, d.minute, 0) + Math.round(d.second * 1000) - offsetMin * 60_000;
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}
