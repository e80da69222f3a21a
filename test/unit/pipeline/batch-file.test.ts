/**
 * The batch file at the Worker's edge: format 2 (binary) read back as written and refused in one line naming the file
 * when it is not as Plan writes it; format 1's schema (JSON): geometries checked in place, as strictly as GeoJSON of
 * two-number positions.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { BATCH_MAGIC, BatchFileError, BatchFileSchema, batchFileBytes, isBase64, isGeometry, readBatchFile } from '../../../shared/pipeline/batch-file';
import type { BatchRecord } from '../../../shared/pipeline/batch-file';

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

describe('batch file format 2', () => {
  const crs = { name: 'EPSG:4326', def: 'EPSG:4326', epsg: 4326 };
  const header = { jobId: 'j', batchId: 'b000001', crs, spec: { rasters: [] }, idsUnique: false, attributes: [{ name: 'crop', kind: 'text' }], idKind: 'integer' };
  const blob = Uint8Array.from([0x47, 0x50, 0, 1, 0xe6, 0x10, 0, 0, 1, 1, 0, 0, 0]);
  const records: BatchRecord[] = [
    { fid: 1, id: '17', blob, extra: JSON.stringify({ attributes: ['wheat'] }) },
    { fid: 2.5, id: 'é ✓ 😀', blob: null, extra: JSON.stringify({ fidText: '9007199254740993', idNull: true, attributes: [null], geometry: square }) },
    { fid: 3, id: '', blob: null, extra: JSON.stringify({ attributes: ['x'], geometry: null, problem: 'GEOMETRY_EMPTY: empty' }) },
    { fid: -4, id: 'x', blob: new Uint8Array(0), extra: null },
  ];
  const file = batchFileBytes(JSON.stringify(header), records);
  const NAME = 's3://out/_work/j/batches/01/b000001.batch';
  /** The one line a refusal gives. */
  const refusal = (bytes: Uint8Array): string => {
    try {
      readBatchFile(bytes, NAME);
    } catch (err) {
      expect(err).toBeInstanceOf(BatchFileError);
      const message = (err as Error).message;
      expect(message).not.toContain('\n');
      expect(message.startsWith(NAME)).toBe(true);
      return message.slice(NAME.length);
    }
    throw new Error('read');
  };

  it('reads back every key as written: the header, fids, ids, blobs (views of the file), the other keys', () => {
    expect(file.subarray(0, 8).toString('latin1')).toBe('ZFBATCH\0');
    const { batch, blobs } = readBatchFile(file, NAME);
    expect({ ...batch, features: undefined }).toEqual({ ...header, features: undefined });
    expect(batch.features).toEqual([
      { fid: 1, id: '17', geometry: null, attributes: ['wheat'] },
      { fid: 2.5, id: 'é ✓ 😀', geometry: square, fidText: '9007199254740993', idNull: true, attributes: [null] },
      { fid: 3, id: '', geometry: null, attributes: ['x'], problem: 'GEOMETRY_EMPTY: empty' },
      { fid: -4, id: 'x', geometry: null },
    ]);
    expect(blobs.map((b) => (b === null ? null : [...b]))).toEqual([[...blob], null, null, []]);
    expect(blobs[0]?.buffer).toBe(file.buffer);
  });

  it('refuses a file that is not one, another version, a bad header, a truncated or padded file, in one line naming it', () => {
    expect(refusal(Buffer.from('PK\u0003\u0004 not a batch'))).toBe(' is not a batch file: neither JSON (format 1) nor ZFBATCH (format 2)');
    const v3 = Buffer.from(file);
    v3.writeUInt32LE(3, 8);
    expect(refusal(v3)).toBe(' is a batch file of format 3; this Worker reads formats 1 and 2 (deploy Plan and Worker from one version)');
    expect(refusal(batchFileBytes(JSON.stringify({ ...header, crs: undefined }), records))).toMatch(/^: the header at crs: /);
    expect(refusal(batchFileBytes('{"jobId":', records))).toMatch(/^: the header is not JSON: /);
    for (let cut = 16; cut < file.length; cut += 7) expect(refusal(file.subarray(0, cut))).toMatch(/^ is truncated|^ is truncated or corrupt at feature \d of 4: /);
    expect(refusal(Buffer.concat([file, Buffer.from([0])]))).toBe(' has 1 bytes after its 4 features');
    expect(refusal(Buffer.concat([BATCH_MAGIC, Buffer.from([2, 0, 0, 0])]))).toMatch(/^ is truncated: /);
  });

  it('refuses a feature with both a blob and a geometry, with neither, or keys not as Plan writes them, naming the feature', () => {
    const one = (r: BatchRecord): string => refusal(batchFileBytes(JSON.stringify(header), [records[0] as BatchRecord, r]));
    expect(one({ fid: 2, id: 'a', blob, extra: JSON.stringify({ geometry: square }) })).toBe(' is truncated or corrupt at feature 2 of 2: a feature has either a geometry or a geometry blob');
    expect(one({ fid: 2, id: 'a', blob: null, extra: null })).toBe(' is truncated or corrupt at feature 2 of 2: a feature has either a geometry or a geometry blob');
    expect(one({ fid: 2, id: 'a', blob: null, extra: JSON.stringify({ attributes: [1] }) })).toBe(' is truncated or corrupt at feature 2 of 2: a feature has either a geometry or a geometry blob');
    expect(one({ fid: 2, id: 'a', blob: null, extra: JSON.stringify({ geometry: { type: 'Point', coordinates: [1, 2, 3] } }) })).toBe(' is truncated or corrupt at feature 2 of 2: at geometry: not a GeoJSON geometry of two-number positions');
    expect(one({ fid: 2, id: 'a', blob, extra: '{"idNull": 1}' })).toMatch(/^ is truncated or corrupt at feature 2 of 2: at idNull: /);
    expect(one({ fid: 2, id: 'a', blob, extra: '{' })).toMatch(/^ is truncated or corrupt at feature 2 of 2: its JSON does not parse/);
    expect(one({ fid: NaN, id: 'a', blob, extra: null })).toBe(' is truncated or corrupt at feature 2 of 2: fid NaN');
  });

  it('reads format 1 (JSON) as before, and refuses it in one line when its schema does', () => {
    const json = { jobId: 'j', batchId: 'b000001', crs, features: [{ fid: 1, id: 'a', gpkg: Buffer.from(blob).toString('base64') }, { fid: 2, id: 'b', geometry: square }] };
    const { batch, blobs } = readBatchFile(Buffer.from(` \n${JSON.stringify(json)}`), NAME);
    expect(batch.features).toEqual([{ fid: 1, id: 'a', geometry: null }, { fid: 2, id: 'b', geometry: square }]);
    expect(blobs.map((b) => (b === null ? null : [...b]))).toEqual([[...blob], null]);
    expect(refusal(Buffer.from(JSON.stringify({ ...json, features: [{ fid: 1, id: 'a', gpkg: 'AA=A' }] })))).toBe(': at features.0.gpkg: not base64');
    expect(refusal(Buffer.from('{"jobId": '))).toMatch(/^ is not valid JSON: /);
  });
});
