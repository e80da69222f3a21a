/**
 * The rows' byte encoding (row-codec.ts) gives back every row exactly: float64 bits (NaN, -0,
 * ±Infinity, subnormals, the largest doubles), null cells, text (ids, multi-byte UTF-8 and astral
 * characters, empty text), booleans, histograms, lists, fracs, errors, a NULL id, a stored fid as text
 * or NULL, geometries of every type (and a null one); records carry their input position and length.
 * Expected values are the inputs themselves (a round trip), compared bit for bit.
 */
import { describe, expect, it } from 'vitest';
import { recordEnd, recordPosition, RowDecoder, RowEncoder, rowReader } from '../../../shared/engine/row-codec';
import type { ResultRow } from '../../../shared/output/table';
import type { Geometry } from '../../../shared/geometry/types';

const geometries: Geometry[] = [
  { type: 'Point', coordinates: [1.5, -2.25] },
  { type: 'MultiPoint', coordinates: [[0, 0], [1, 1]] },
  { type: 'LineString', coordinates: [[0, 0], [1e-300, 5e300]] },
  { type: 'MultiLineString', coordinates: [[[0, 0], [1, 0]], [[2, 2], [3, 3]]] },
  { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]], [[0.2, 0.2], [0.4, 0.2], [0.4, 0.4], [0.2, 0.2]]] },
  { type: 'MultiPolygon', coordinates: [[[[0, 0], [1, 0], [1, 1], [0, 0]]], [[[5, 5], [6, 5], [6, 6], [5, 5]]]] },
  { type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [3, 4] }, { type: 'LineString', coordinates: [[0, 0], [1, 1]] }] },
];

const rows: ResultRow[] = [
  { id: 'f1', fid: 1, values: [1.25, NaN, -0, 0, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE, -1e-310, null], error: null },
  { id: '', fid: 0, idNull: true, values: [null, null], error: 'GEOMETRY_EMPTY: the feature has no geometry' },
  { id: 'Zürich – 東京 🌍', fid: 2 ** 53 + 2, fidText: '9007199254740993', values: ['text cell', 'ü€😀', '', true, false], error: null },
  { id: '7', fid: -3, fidText: null, values: [{ bins: [0, 0.5, 1], counts: [3, NaN] }, [1, -0, NaN, 2.5], [], { values: [1, 2], fracs: [0.25, 0.75] }], error: 'RASTER_READ: tile 3 failed, "quoted", and\nnewline' },
  { id: 'g', fid: 9, values: [2], error: null, geometry: null },
  ...geometries.map((g, k): ResultRow => ({ id: `geom${k}`, fid: 100 + k, values: [k], error: null, geometry: g })),
  { id: 'x'.repeat(70_000), fid: 5, values: Array.from({ length: 300 }, (_, k) => k / 7), error: 'é'.repeat(40_000) },
];

/** Object.is on every number, recursively (toEqual treats -0 and 0 as equal). */
function sameBits(a: unknown, b: unknown, path = 'row'): void {
  if (typeof a === 'number') {
    expect(typeof b, path).toBe('number');
    expect(Object.is(a, b), `${path}: ${String(a)} vs ${String(b)}`).toBe(true);
    return;
  }
  if (a === null || typeof a !== 'object') {
    expect(b, path).toBe(a);
    return;
  }
  expect(b !== null && typeof b === 'object', path).toBe(true);
  expect(Object.keys(b as object).sort(), path).toEqual(Object.keys(a).sort());
  for (const [k, v] of Object.entries(a)) sameBits(v, (b as Record<string, unknown>)[k], `${path}.${k}`);
}

describe('row codec', () => {
  it('round-trips every value kind exactly, with its input position', () => {
    const enc = new RowEncoder(64); // grows from a tiny buffer
    rows.forEach((r, k) => enc.write(k * 1000 + 7, r));
    const bytes = enc.take();
    expect(enc.length).toBe(0);
    const read = rowReader(bytes);
    let at = 0;
    for (const [k, r] of rows.entries()) {
      expect(recordPosition(bytes, at)).toBe(k * 1000 + 7);
      sameBits(r, read(at), `rows[${k}]`);
      at = recordEnd(bytes, at);
    }
    expect(at).toBe(bytes.length);
  });

  it('encodes the common row (five numbers, a short id) in 82 bytes', () => {
    const enc = new RowEncoder();
    enc.write(0, { id: 'field_000123', fid: 124, values: [1, 2, 3, 4, 5], error: null });
    // head 8, fid 8, flags 1, id 4 + 12, value count 4, five tagged float64s 5 x 9
    expect(enc.take().length).toBe(8 + 8 + 1 + 4 + 12 + 4 + 5 * 9);
  });

  it('refuses positions that are not u32 and records cut short', () => {
    const enc = new RowEncoder();
    expect(() => enc.write(-1, rows[0] as ResultRow)).toThrow(RangeError);
    expect(() => enc.write(2 ** 32, rows[0] as ResultRow)).toThrow(RangeError);
    enc.write(0, rows[0] as ResultRow);
    const bytes = enc.take();
    expect(() => new RowDecoder(bytes.subarray(0, bytes.length - 1)).rowAt(0)).toThrow(RangeError);
    const bad = Buffer.from(bytes);
    bad.writeUInt32LE(bytes.readUInt32LE(4) + 1, 4); // a body length that disagrees with the row
    expect(() => new RowDecoder(Buffer.concat([bad, Buffer.alloc(1)])).rowAt(0)).toThrow(/bytes long/);
  });
});
