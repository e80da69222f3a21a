/** The batch file schema (Worker's edge): geometries checked in place, as strictly as GeoJSON of two-number positions. */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { BatchFileSchema, isBase64, isGeometry } from '../../../shared/pipeline/batch-file';

const square = { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]] };

describe('batch file geometries', () => {
  it('accepts every geometry type with its coordinates nested to its depth', () => {
    for (const g of [
      { type: 'Point', coordinates: [1, 2] },
      { type: 'MultiPoint', coordinates: [[1, 2], [3, 4]] },
      { type: 'LineString', coordinates: [[1, 2], [3, 4]] },
      { type: 'MultiLineString', coordinates: [[[1, 2], [3, 4]]] },
      square,
      { type: 'MultiPolygon', coordinates: [square.coordinates, square.coordinates] },
      { type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [1, 2] }, square] },
      { type: 'MultiPolygon', coordinates: [] },
    ]) expect(isGeometry(g), JSON.stringify(g)).toBe(true);
  });

  it('refuses unknown types, wrong depths, positions that are not two finite numbers', () => {
    for (const g of [
      null,
      'Polygon',
      { type: 'Circle', coordinates: [0, 0] },
      { type: 'Polygon', coordinates: [[0, 0], [1, 1]] }, // a ring's depth missing
      { type: 'Point', coordinates: [1, 2, 3] },
      { type: 'Point', coordinates: [1] },
      { type: 'Point', coordinates: ['1', 2] },
      { type: 'Point', coordinates: [null, 2] },
      { type: 'LineString', coordinates: [[1, 2], [Infinity, 4]] },
      { type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [1] }] },
      { type: 'Polygon' },
    ]) expect(isGeometry(g), JSON.stringify(g)).toBe(false);
  });

  it('a batch file with one bad geometry fails naming the feature; a valid one keeps its geometries as read', () => {
    const file = { jobId: 'j', batchId: 'b000001', crs: { name: 'EPSG:4326', def: 'EPSG:4326', epsg: 4326 }, features: [{ fid: 1, id: 'a', geometry: square }, { fid: 2, id: 'b', geometry: null, problem: 'empty' }] };
    expect(BatchFileSchema.parse(file).features[0]?.geometry).toEqual(square);
    const bad = { ...file, features: [...file.features, { fid: 3, id: 'c', geometry: { type: 'Point', coordinates: [1, 2, 3] } }] };
    const r = BatchFileSchema.safeParse(bad);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['features', 2, 'geometry']);
  });
});

describe('batch file blobs', () => {
  // the pattern the schema used before isBase64 (RFC 4648 §4, padded): the oracle of what base64 is
  const PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

  it('isBase64 accepts what the padded pattern accepts, and nothing else', () => {
    const cases = ['', 'AAAA', 'AA==', 'AAA=', 'A===', '====', 'AAA', 'AAAAA', 'AA=A', '=AAA', 'AB+/', 'AB-_', 'AB C', 'ABé=', 'AAAAAA==', 'AAAAAAA=', 'AAAA\n', 'A=A=', 'AA\u0000='];
    for (let n = 0; n < 40; n++) cases.push(randomBytes(n).toString('base64'), randomBytes(n).toString('base64url'), randomBytes(n).toString('base64').slice(1));
    for (const s of cases) expect(isBase64(s), JSON.stringify(s)).toBe(PATTERN.test(s));
  });

  it('a blob that is not base64 is refused at its path', () => {
    const crs = { name: 'EPSG:4326', def: 'EPSG:4326', epsg: 4326 };
    const r = BatchFileSchema.safeParse({ jobId: 'j', batchId: 'b', crs, features: [{ fid: 1, id: 'a', gpkg: 'AAAA' }, { fid: 2, id: 'b', gpkg: 'AA=A' }] });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['features', 1, 'gpkg']);
    expect(r.error?.issues[0]?.message).toBe('not base64');
  });
});
