/**
 * The fields of a GeoJSON / GeoJSONSeq layer as GDAL's drivers establish them over every feature
 * (ogr/ogrsf_frmts/geojson/ogrgeojsonreader.cpp, GDAL 3.6: GenerateFeatureDefn, OGRGeoJSONReaderAddOrUpdateField,
 * GeoJSONPropertyToFieldType, OGRGeoJSONGenerateFeatureDefnDealWithID; checked against ogrinfo 3.6.2 by
 * test/fixtures/geojson-schema/make.py):
 *
 * - every member of every feature's `properties` is a field, and a string (or negative integer) `id` member makes
 *   an `id` field (geojson-ids.ts); a feature without a member reads NULL there; a feature whose `properties` is
 *   absent (or a string, a number...) adds its other top-level members (not `type`, `geometry`, `bbox`...) as fields;
 * - a field's type is the first non-null value's (boolean: Integer(Boolean); integer: Integer, Integer64 beyond
 *   32 bits; real: Real; string: String, or Date / DateTime / Time when GDAL parses it as one (ogr-date.ts); object:
 *   String(JSON); array: IntegerList / Integer64List / RealList, StringList when all its items are strings,
 *   String(JSON) when it mixes strings and others, holds objects or is empty), widened by each later value: Integer ->
 *   Integer64 -> Real, Date -> DateTime, a string or object after a number String(JSON), a list of strings after a
 *   string StringList (other values leave a String field as it is), an empty array leaves a list as it is, mixed dates
 *   and others String; null values never change a type, a field met only as null is String;
 * - the order: GDAL's topological order of "field b follows field a in some feature" (Kahn's algorithm, ties broken
 *   by name; an edge that would close a cycle is dropped), which is the order of first appearance when features
 *   agree on the order of their members.
 */
import type { AttributeKind } from './source';
import { ogrDateType } from './ogr-date';

/** OGR field types a GeoJSON layer can have. */
export type OgrFieldType = 'Integer' | 'Integer64' | 'Real' | 'String' | 'Date' | 'Time' | 'DateTime' | 'IntegerList' | 'Integer64List' | 'RealList' | 'StringList';

/** One field: name, OGR type and subtype (`None`, `Boolean`, `JSON`), as ogrinfo names them. */
export interface OgrField { name: string; type: OgrFieldType; subtype: 'None' | 'Boolean' | 'JSON' }

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** An integer JSON value (a bigint when beyond 2^53) and whether it fits in 32 bits. */
function isInt(v: unknown): v is number | bigint {
  return typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));
}
function fitsInt32(v: number | bigint): boolean {
  return typeof v === 'bigint' ? v >= INT32_MIN && v <= INT32_MAX : v >= INT32_MIN && v <= INT32_MAX;
}

/**
 * GeoJSONPropertyToFieldType: the type of one JSON value. JSON numbers written with a fraction or exponent are reals
 * to GDAL (json-c) and integers here when their value is whole (`2.0`): the parse does not keep the difference.
 */
export function valueFieldType(v: unknown): { type: OgrFieldType; subtype: OgrField['subtype'] } {
  if (v === null || v === undefined) return { type: 'String', subtype: 'None' };
  if (typeof v === 'boolean') return { type: 'Integer', subtype: 'Boolean' };
  if (isInt(v)) return { type: fitsInt32(v) ? 'Integer' : 'Integer64', subtype: 'None' };
  if (typeof v === 'number') return { type: 'Real', subtype: 'None' };
  if (typeof v === 'string') return { type: 'String', subtype: 'None' };
  if (Array.isArray(v)) {
    if (v.length === 0) return { type: 'String', subtype: 'JSON' };
    const items = (v as unknown[]).filter((e) => e !== null && e !== undefined);
    if (items.some((e) => typeof e === 'string')) return items.every((e) => typeof e === 'string') ? { type: 'StringList', subtype: 'None' } : { type: 'String', subtype: 'JSON' };
    let type: OgrFieldType = 'IntegerList';
    for (const e of items) {
      if (typeof e === 'number' && !Number.isInteger(e)) type = 'RealList';
      else if (type === 'IntegerList' && isInt(e)) {
        if (!fitsInt32(e)) type = 'Integer64List';
      } else if (!isInt(e) && typeof e !== 'boolean' && typeof e !== 'number') return { type: 'String', subtype: 'JSON' };
    }
    return { type, subtype: items.every((e) => typeof e === 'boolean') ? 'Boolean' : 'None' };
  }
  return { type: 'String', subtype: 'JSON' };
}

const LISTS = new Set<OgrFieldType>(['IntegerList', 'Integer64List', 'RealList', 'StringList']);
const DATES = new Set<OgrFieldType>(['Date', 'Time', 'DateTime']);

/** OGRGeoJSONReaderAddOrUpdateField's widening of field `f` by a later non-null value's type. */
function widen(f: OgrField, v: unknown): void {
  const t = f.type;
  const sub = f.subtype;
  const n = valueFieldType(v);
  let nt = n.type;
  const emptyArray = Array.isArray(v) && v.length === 0;
  const set = (type: OgrFieldType, subtype: OgrField['subtype'] = 'None'): void => {
    f.type = type;
    f.subtype = subtype;
  };
  if (t === 'Integer') {
    if (nt === 'Integer' && sub === 'Boolean' && n.subtype !== 'Boolean') f.subtype = 'None';
    else if (nt === 'Integer64' || nt === 'Real' || nt === 'Integer64List' || nt === 'RealList' || nt === 'StringList') set(nt);
    else if (nt === 'IntegerList') set(nt, sub === 'Boolean' && n.subtype !== 'Boolean' ? 'None' : sub);
    else if (nt !== 'Integer') set('String', 'JSON');
  } else if (t === 'Integer64') {
    if (nt === 'Real') set(nt);
    else if (nt === 'IntegerList' || nt === 'Integer64List') set('Integer64List');
    else if (nt === 'RealList' || nt === 'StringList') set(nt);
    else if (nt !== 'Integer' && nt !== 'Integer64') set('String', 'JSON');
  } else if (t === 'Real') {
    if (nt === 'IntegerList' || nt === 'Integer64List' || nt === 'RealList') set('RealList');
    else if (nt === 'StringList') set('StringList');
    else if (nt !== 'Integer' && nt !== 'Integer64' && nt !== 'Real') set('String', 'JSON');
  } else if (t === 'String') {
    if (sub === 'None' && nt === 'StringList') f.type = 'StringList';
  } else if (t === 'IntegerList') {
    if (nt === 'String') {
      if (!emptyArray) set('String', 'JSON');
    } else if (nt === 'Integer64List' || nt === 'RealList' || nt === 'StringList') set(nt);
    else if (nt === 'Integer64') set('Integer64List');
    else if (nt === 'Real') set('RealList');
    else if (nt === 'Integer' || nt === 'IntegerList') {
      if (sub === 'Boolean' && n.subtype !== 'Boolean') f.subtype = 'None';
    } else set('String', 'JSON');
  } else if (t === 'Integer64List') {
    if (nt === 'String') {
      if (!emptyArray) set('String', 'JSON');
    } else if (nt === 'Integer64List' || nt === 'RealList' || nt === 'StringList') set(nt);
    else if (nt === 'Real') set('RealList');
    else if (nt !== 'Integer' && nt !== 'Integer64' && nt !== 'IntegerList') set('String', 'JSON');
  } else if (t === 'RealList') {
    if (nt === 'String') {
      if (!emptyArray) set('String', 'JSON');
    } else if (nt === 'StringList') set(nt);
    else if (!['Integer', 'Integer64', 'Real', 'IntegerList', 'Integer64List', 'RealList'].includes(nt)) set('String', 'JSON');
  } else if (t === 'StringList') {
    if (nt === 'String' && n.subtype === 'JSON' && !emptyArray) set('String', 'JSON');
  } else if (DATES.has(t)) {
    if (nt === 'String' && n.subtype === 'None') nt = ogrDateType(v as string) ?? 'String';
    if (t !== nt) {
      if (nt === 'String') set('String', n.subtype);
      else if (t === 'Date' && nt === 'DateTime') set('DateTime');
      else if (!(t === 'DateTime' && nt === 'Date')) set('String', 'JSON');
    }
  }
}

/** The first type of a new field from its first value (null: String until a value decides, as GDAL's undetermined fields). */
function firstType(v: unknown): OgrField['type'] | { type: OgrFieldType; subtype: OgrField['subtype'] } {
  const t = valueFieldType(v);
  if (t.type === 'String' && t.subtype === 'None' && typeof v === 'string') return { type: ogrDateType(v) ?? 'String', subtype: 'None' };
  return t;
}

/** The fields of a layer, fed one feature after another in file order. */
export class GeoJsonSchema {
  private readonly fields: OgrField[] = [];
  private readonly index = new Map<string, number>();
  /** Fields met only as null so far (their type is the first non-null value's). */
  private readonly undetermined = new Set<number>();
  /** Edges of the order graph: out[i] holds j when field j followed field i in a feature. */
  private readonly out: Set<number>[] = [];
  private idAsFid = false;
  private idAsAttribute = false;

  /**
   * One feature: its `properties` (an object, else see `members`), its `id` member (undefined: none or null) and,
   * when `properties` is absent or neither an object, null nor [], its other top-level members (those not yet fields
   * become fields, as GDAL does; no type is widened by them). OGRGeoJSONGenerateFeatureDefnDealWithID, then each
   * property in order.
   */
  add(properties: unknown, idMember: unknown, members: readonly (readonly [string, unknown])[] | null = null): void {
    const props = properties !== null && typeof properties === 'object' && !Array.isArray(properties) ? (properties as Record<string, unknown>) : null;
    let prev = -1;
    if (idMember !== undefined && idMember !== null) {
      const at = this.index.get('id');
      if (at === undefined) {
        if (isInt(idMember)) this.idAsFid = idMember >= 0;
        if (!this.idAsFid && !(props !== null && Object.prototype.hasOwnProperty.call(props, 'id'))) {
          const type: OgrFieldType = isInt(idMember) ? (fitsInt32(idMember) ? 'Integer' : 'Integer64') : 'String';
          prev = this.newField({ name: 'id', type, subtype: 'None' });
          this.idAsAttribute = true;
        }
      } else {
        prev = at;
        const f = this.fields[at] as OgrField;
        if (this.idAsAttribute && isInt(idMember)) {
          if (f.type === 'Integer' && !fitsInt32(idMember)) f.type = 'Integer64';
        } else if (this.idAsAttribute) {
          f.type = 'String';
        }
      }
    }
    if (props === null) {
      for (const [name, v] of members ?? []) {
        if (this.index.has(name)) continue;
        const t = firstType(v);
        const idx = this.newField({ name, ...(typeof t === 'string' ? { type: t, subtype: 'None' as const } : t) });
        if (v === null || v === undefined) this.undetermined.add(idx);
        if (prev !== -1) this.addEdge(prev, idx);
        prev = idx;
      }
      return;
    }
    for (const [name, v] of Object.entries(props)) {
      const at = this.index.get(name);
      let idx: number;
      if (at === undefined) {
        const t = firstType(v);
        idx = this.newField({ name, ...(typeof t === 'string' ? { type: t, subtype: 'None' as const } : t) });
        if (v === null || v === undefined) this.undetermined.add(idx);
      } else {
        idx = at;
        if (v !== null && v !== undefined) {
          const f = this.fields[idx] as OgrField;
          if (this.undetermined.has(idx)) {
            const t = firstType(v);
            Object.assign(f, typeof t === 'string' ? { type: t, subtype: 'None' } : t);
            this.undetermined.delete(idx);
          } else {
            widen(f, v);
          }
        }
      }
      if (prev !== -1) this.addEdge(prev, idx);
      prev = idx;
    }
  }

  /** The fields in GDAL's order. */
  result(): OgrField[] {
    const incoming = this.fields.map(() => 0);
    for (const s of this.out) for (const j of s) incoming[j] = (incoming[j] ?? 0) + 1;
    const ready = this.fields.map((_, i) => i).filter((i) => incoming[i] === 0);
    const order: OgrField[] = [];
    while (ready.length > 0) {
      // the ready field of the smallest name (std::set ordered by name, byte order)
      let best = 0;
      for (let k = 1; k < ready.length; k++) if (byteLess(this.name(ready[k]), this.name(ready[best]))) best = k;
      const n = ready.splice(best, 1)[0] as number;
      order.push({ ...(this.fields[n] as OgrField) });
      for (const m of this.out[n] ?? []) {
        incoming[m] = (incoming[m] ?? 0) - 1;
        if (incoming[m] === 0) ready.push(m);
      }
    }
    return order;
  }

  private name(i: number | undefined): string {
    return this.fields[i ?? 0]?.name ?? '';
  }

  private newField(f: OgrField): number {
    this.fields.push(f);
    this.out.push(new Set());
    const i = this.fields.length - 1;
    this.index.set(f.name, i);
    return i;
  }

  /** DirectedAcyclicGraph::addEdge: no self edge, no repeated edge, no edge closing a cycle. */
  private addEdge(i: number, j: number): void {
    if (i === j || this.out[i]?.has(j)) return;
    if (this.reaches(j, i)) return;
    this.out[i]?.add(j);
  }

  private reaches(from: number, to: number): boolean {
    const seen = new Set<number>([from]);
    const stack = [from];
    while (stack.length > 0) {
      const n = stack.pop() as number;
      if (n === to) return true;
      for (const k of this.out[n] ?? []) {
        if (!seen.has(k)) {
          seen.add(k);
          stack.push(k);
        }
      }
    }
    return false;
  }
}

/** std::string's operator< (byte order of UTF-8). */
function byteLess(a: string, b: string): boolean {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')) < 0;
}

/**
 * What a field becomes in zonalflow's outputs (AttributeKind): Integer(Boolean) boolean, Integer / Integer64
 * integer, Real number, DateTime timestamp; String, Date, Time and the lists text (as for the other formats).
 */
export function fieldKind(f: OgrField): AttributeKind {
  if (f.type === 'Integer' && f.subtype === 'Boolean') return 'boolean';
  if (f.type === 'Integer' || f.type === 'Integer64') return 'integer';
  if (f.type === 'Real') return 'number';
  if (f.type === 'DateTime') return 'timestamp';
  return 'text';
}

/** Whether a field holds a list (its values are written as JSON arrays). */
export const isList = (f: OgrField): boolean => LISTS.has(f.type);
