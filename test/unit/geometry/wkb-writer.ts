/** Test helpers: GeoPackage geometry blobs written independently of shared/geometry/wkb.ts. */
import type { Geometry, Position } from '../../../shared/geometry/types';

/**
 * An independent WKB writer for the tests: either byte order, ISO (Z +1000,
 * M +2000, ZM +3000) or EWKB (Z 0x80000000, M 0x40000000, SRID 0x20000000)
 * type codes, extra ordinates filled with 7 (Z) and 9 (M).
 */
export interface WkbStyle { le: boolean; z: boolean; m: boolean; ewkb: boolean; srid?: number }

/** Every WKB flavour the readers take, by name: either byte order, ISO and EWKB Z/M codes, an EWKB SRID. */
export const WKB_STYLES: [string, WkbStyle][] = [
  ['XY little endian', { le: true, z: false, m: false, ewkb: false }],
  ['XY big endian', { le: false, z: false, m: false, ewkb: false }],
  ['ISO Z', { le: true, z: true, m: false, ewkb: false }],
  ['ISO M big endian', { le: false, z: false, m: true, ewkb: false }],
  ['ISO ZM', { le: true, z: true, m: true, ewkb: false }],
  ['EWKB Z', { le: true, z: true, m: false, ewkb: true }],
  ['EWKB M', { le: false, z: false, m: true, ewkb: true }],
  ['EWKB ZM with SRID', { le: true, z: true, m: true, ewkb: true, srid: 4326 }],
  ['EWKB Z with SRID', { le: true, z: true, m: false, ewkb: true, srid: 4326 }],
  ['EWKB ZM big endian', { le: false, z: true, m: true, ewkb: true }],
];

/** A closed square ring with its lower-left corner at (x, y). */
export const square = (x: number, y: number, s = 1): Position[] => [[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]];

/** One geometry of each of the six simple kinds (Point .. MultiPolygon), a polygon with a hole among them. */
export const SIMPLE_KINDS: Geometry[] = [
  { type: 'Point', coordinates: [1.5, -2.25] },
  { type: 'LineString', coordinates: [[0, 0], [1, 1], [2, 0.5]] },
  { type: 'Polygon', coordinates: [square(0, 0, 4), square(1, 1)] },
  { type: 'MultiPoint', coordinates: [[1, 2], [3, 4]] },
  { type: 'MultiLineString', coordinates: [[[0, 0], [1, 1]], [[2, 2], [3, 3], [4, 1]]] },
  { type: 'MultiPolygon', coordinates: [[square(0, 0, 3), square(1, 1)], [square(5, 5)]] },
];
const CODE: Record<Geometry['type'], number> = { Point: 1, LineString: 2, Polygon: 3, MultiPoint: 4, MultiLineString: 5, MultiPolygon: 6, GeometryCollection: 7 };

export function wkb(g: Geometry, s: WkbStyle, top = true): number[] {
  const out: number[] = [];
  const u32 = (v: number): void => {
    const b = new DataView(new ArrayBuffer(4));
    b.setUint32(0, v, s.le);
    out.push(...new Uint8Array(b.buffer));
  };
  const f64 = (v: number): void => {
    const b = new DataView(new ArrayBuffer(8));
    b.setFloat64(0, v, s.le);
    out.push(...new Uint8Array(b.buffer));
  };
  const pos = (p: Position): void => {
    f64(p[0]);
    f64(p[1]);
    if (s.z) f64(7);
    if (s.m) f64(9);
  };
  out.push(s.le ? 1 : 0);
  let code = CODE[g.type];
  if (s.ewkb) {
    code = (code | (s.z ? 0x80000000 : 0) | (s.m ? 0x40000000 : 0) | (top && s.srid !== undefined ? 0x20000000 : 0)) >>> 0;
  } else {
    code += s.z && s.m ? 3000 : s.z ? 1000 : s.m ? 2000 : 0;
  }
  u32(code);
  if (s.ewkb && top && s.srid !== undefined) u32(s.srid);
  const line = (l: Position[]): void => {
    u32(l.length);
    l.forEach(pos);
  };
  switch (g.type) {
    case 'Point': pos(g.coordinates); break;
    case 'LineString': line(g.coordinates); break;
    case 'Polygon': u32(g.coordinates.length); g.coordinates.forEach(line); break;
    case 'MultiPoint': u32(g.coordinates.length); for (const p of g.coordinates) out.push(...wkb({ type: 'Point', coordinates: p }, s, false)); break;
    case 'MultiLineString': u32(g.coordinates.length); for (const l of g.coordinates) out.push(...wkb({ type: 'LineString', coordinates: l }, s, false)); break;
    case 'MultiPolygon': u32(g.coordinates.length); for (const p of g.coordinates) out.push(...wkb({ type: 'Polygon', coordinates: p }, s, false)); break;
    case 'GeometryCollection': u32(g.geometries.length); for (const x of g.geometries) out.push(...wkb(x, s, false)); break;
  }
  return out;
}

/** GP header: version 0, flags (byte order of the header, envelope kind, empty), srs id, envelope of `envelopeKind` doubles. */
export function gp(body: number[], opts: { envelopeKind?: number; empty?: boolean; le?: boolean; srsId?: number } = {}): Uint8Array {
  const kind = opts.envelopeKind ?? 0;
  const le = opts.le ?? true;
  const doubles = [0, 4, 6, 6, 8][kind] ?? 0;
  const head = new DataView(new ArrayBuffer(8 + doubles * 8));
  head.setUint8(0, 0x47);
  head.setUint8(1, 0x50);
  head.setUint8(2, 0);
  head.setUint8(3, (le ? 1 : 0) | (kind << 1) | (opts.empty ? 1 << 4 : 0));
  head.setInt32(4, opts.srsId ?? 4326, le);
  for (let i = 0; i < doubles; i++) head.setFloat64(8 + i * 8, 1000 + i, le);
  return Uint8Array.from([...new Uint8Array(head.buffer), ...body]);
}

