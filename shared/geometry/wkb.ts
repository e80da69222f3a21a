/**
 * GeoPackage geometry blobs: the `GP` header (version, flags: byte order,
 * envelope kind 0-4, empty flag; srs id; envelope) then standard WKB in either
 * byte order, ISO (Z 1000 / M 2000 / ZM 3000) or EWKB-style high-bit flags.
 * Z and M are dropped; empty geometries (empty flag, zero parts, POINT(NaN NaN))
 * read as null.
 */
import { GeometryError } from '../errors';
import type { Geometry, Position } from './types';

const ENVELOPE_BYTES = [0, 32, 48, 48, 64];

/** Parses a GeoPackage geometry blob (null for an empty geometry). */
export function parseGpkgGeometry(blob: Uint8Array): Geometry | null {
  if (blob.length < 8 || blob[0] !== 0x47 || blob[1] !== 0x50) {
    // some writers store plain WKB: accept it
    if (blob.length >= 5 && (blob[0] === 0 || blob[0] === 1)) return parseWkb(blob);
    throw new GeometryError(`not a GeoPackage geometry (no "GP" magic, ${blob.length} bytes)`);
  }
  const flags = blob[3] ?? 0;
  const envelope = (flags >> 1) & 7;
  if (envelope > 4) throw new GeometryError(`invalid GeoPackage envelope indicator ${envelope}`);
  if ((flags >> 5) & 1) throw new GeometryError('extended GeoPackage geometries are not supported');
  const start = 8 + (ENVELOPE_BYTES[envelope] ?? 0);
  if ((flags >> 4) & 1) return null;
  if (blob.length < start + 5) throw new GeometryError(`truncated GeoPackage geometry (${blob.length} bytes, header needs ${start + 5})`);
  return parseWkb(blob.subarray(start));
}

/** Parses WKB (null when empty). */
export function parseWkb(bytes: Uint8Array): Geometry | null {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 0;
  const need = (n: number): void => {
    if (o + n > bytes.length) throw new GeometryError(`truncated WKB: needs ${o + n} bytes, has ${bytes.length}`);
  };
  const read = (depth: number): Geometry | null => {
    if (depth > 32) throw new GeometryError('WKB nested too deeply');
    need(5);
    const le = bytes[o] === 1;
    if (bytes[o] !== 0 && bytes[o] !== 1) throw new GeometryError(`invalid WKB byte order ${bytes[o] ?? '?'}`);
    o += 1;
    const raw = dv.getUint32(o, le);
    o += 4;
    let type = raw & 0x0fffffff;
    let dims = 2;
    if (raw & 0x80000000) dims++;
    if (raw & 0x40000000) dims++;
    if (raw & 0x20000000) {
      need(4);
      o += 4; // EWKB SRID
    }
    if (type >= 1000 && type < 4000) {
      const iso = Math.floor(type / 1000);
      dims = iso === 3 ? 4 : 3;
      type %= 1000;
    }
    const u32 = (): number => {
      need(4);
      const v = dv.getUint32(o, le);
      o += 4;
      return v;
    };
    // each point takes dims*8 bytes, each ring at least 4 (its count), each part at least 5 (order + type)
    const count = (what: 'point' | 'ring' | 'part'): number => {
      const n = u32();
      const min = what === 'point' ? dims * 8 : what === 'ring' ? 4 : 5;
      if (n * min > bytes.length - o) throw new GeometryError(`truncated WKB: ${n} ${what}s need at least ${n * min} bytes, ${bytes.length - o} left`);
      return n;
    };
    const pos = (): Position => {
      need(dims * 8);
      const p: Position = [dv.getFloat64(o, le), dv.getFloat64(o + 8, le)];
      o += dims * 8;
      return p;
    };
    const line = (): Position[] => {
      const n = count('point');
      need(n * dims * 8);
      const pts: Position[] = new Array<Position>(n);
      for (let i = 0; i < n; i++) pts[i] = pos();
      return pts;
    };
    const parts = (t: number): Geometry[] => {
      const n = count('part');
      const out: Geometry[] = [];
      for (let i = 0; i < n; i++) {
        const g = read(depth + 1);
        if (g === null) continue;
        if (t !== 7 && g.type !== ({ 4: 'Point', 5: 'LineString', 6: 'Polygon' } as Record<number, string>)[t]) throw new GeometryError(`a ${g.type} inside a WKB type ${t}`);
        out.push(g);
      }
      return out;
    };
    switch (type) {
      case 1: {
        const p = pos();
        return Number.isNaN(p[0]) && Number.isNaN(p[1]) ? null : { type: 'Point', coordinates: p };
      }
      case 2: {
        const c = line();
        return c.length === 0 ? null : { type: 'LineString', coordinates: c };
      }
      case 3: {
        const n = count('ring');
        const rings: Position[][] = [];
        for (let i = 0; i < n; i++) rings.push(line());
        const kept = rings.filter((r) => r.length > 0);
        return kept.length === 0 ? null : { type: 'Polygon', coordinates: kept };
      }
      case 4: {
        const ps = parts(4) as { type: 'Point'; coordinates: Position }[];
        return ps.length === 0 ? null : { type: 'MultiPoint', coordinates: ps.map((p) => p.coordinates) };
      }
      case 5: {
        const ls = parts(5) as { type: 'LineString'; coordinates: Position[] }[];
        return ls.length === 0 ? null : { type: 'MultiLineString', coordinates: ls.map((l) => l.coordinates) };
      }
      case 6: {
        const ps = parts(6) as { type: 'Polygon'; coordinates: Position[][] }[];
        return ps.length === 0 ? null : { type: 'MultiPolygon', coordinates: ps.map((p) => p.coordinates) };
      }
      case 7: {
        const gs = parts(7);
        return gs.length === 0 ? null : { type: 'GeometryCollection', geometries: gs };
      }
      default:
        throw new GeometryError(`unsupported WKB geometry type ${type} (curves and surfaces are not supported; convert with ogr2ogr -nlt CONVERT_TO_LINEAR)`);
    }
  };
  return read(0);
}
