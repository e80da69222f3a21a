/**
 * The table model's typed ids and attribute columns (issue 16): an integer id column stays INT64 in
 * Parquet and a number in JSON, a NULL id stays null, `integer` attribute columns are INT64 (int64
 * extremes exact), and a batch part's feature keys (`zf_key`) bring NULL/text/int64 fids back apart.
 * Expected values are the inputs themselves (exact round trips) and int64 arithmetic (2^63 - 1).
 */
import { describe, expect, it } from 'vitest';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { toCsv } from '../../../shared/output/csv';
import { toJson } from '../../../shared/output/json';
import { toParquet } from '../../../shared/output/parquet';
import { readResultParquet } from '../../../shared/output/read-parquet';
import { idValue, integerCell } from '../../../shared/output/table';
import type { ResultRow, StatColumn } from '../../../shared/output/table';

const MAX = (2n ** 63n - 1n).toString();
const columns: StatColumn[] = [
  { name: 'pop', kind: 'integer' },
  { name: 'name', kind: 'text' },
  { name: 'area', kind: 'number' },
  { name: 'open', kind: 'boolean' },
  { name: 'elev_mean', kind: 'number' },
];
const rows: ResultRow[] = [
  { id: '7', fid: 1, values: [42, 'a', 1.5, true, 10], error: null },
  { id: '', idNull: true, fid: 2, values: [MAX, null, null, null, 11], error: null },
  { id: '9007199254740993', fid: 3, fidText: null, values: [-5, '=x', 2, false, null], error: 'E: x' },
];
const buf = (b: Uint8Array): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

describe('typed ids and attribute columns', () => {
  it('Parquet: integer id INT64 (NULL id null), integer attributes INT64 exact, other kinds typed', async () => {
    const bytes = toParquet(columns, rows, { idKind: 'integer' });
    const meta = parquetMetadata(buf(bytes));
    const type = (n: string): string | undefined => meta.schema.find((s) => s.name === n)?.type;
    expect([type('id'), type('pop'), type('name'), type('area'), type('open')]).toEqual(['INT64', 'INT64', 'BYTE_ARRAY', 'DOUBLE', 'BOOLEAN']);
    const objs = await parquetReadObjects({ file: buf(bytes) });
    expect(objs.map((o) => o.id as unknown)).toEqual([7n, null, 9007199254740993n]);
    expect(objs.map((o) => o.pop as unknown)).toEqual([42n, 2n ** 63n - 1n, -5n]);
    const back = await readResultParquet(bytes);
    expect(back.idKind).toBe('integer');
    expect(back.columns).toEqual(columns);
    expect(back.rows.map((r) => [r.id, r.idNull === true])).toEqual([['7', false], ['', true], ['9007199254740993', false]]);
    expect(back.rows.map((r) => r.values[0])).toEqual([42, MAX, -5]);
  });
  it('Parquet: a text id column stays STRING, a NULL id null', async () => {
    const bytes = toParquet(columns, rows);
    expect(parquetMetadata(buf(bytes)).schema.find((s) => s.name === 'id')?.type).toBe('BYTE_ARRAY');
    const back = await readResultParquet(bytes);
    expect(back.idKind).toBe('text');
    expect(back.rows[1]?.idNull).toBe(true);
    expect(back.rows[0]?.id).toBe('7');
  });
  it('JSON: integer ids are numbers (digits beyond 2^53), NULL ids null; integer cells numbers or digits', () => {
    const docs = JSON.parse(toJson(columns, rows, { idKind: 'integer' })) as Record<string, unknown>[];
    expect(docs.map((d) => d.id)).toEqual([7, null, '9007199254740993']);
    expect(docs.map((d) => d.pop)).toEqual([42, MAX, -5]);
    expect((JSON.parse(toJson(columns, rows)) as Record<string, unknown>[]).map((d) => d.id)).toEqual(['7', null, '9007199254740993']);
  });
  it('CSV: attributes as leading columns, NULL id empty, formula text neutralised', () => {
    const lines = toCsv(columns, rows).trimEnd().split('\n');
    expect(lines[0]).toBe('id,fid,pop,name,area,open,elev_mean,error');
    expect(lines[1]).toBe('7,1,42,a,1.5,true,10,');
    expect(lines[2]).toBe(`,2,${MAX},,,,11,`);
    expect(lines[3]).toBe("9007199254740993,,-5,'=x,2,false,,E: x");
  });
  it('batch parts: zf_key keeps NULL, text and int64 fids apart and gives the stored fid back', async () => {
    const part: ResultRow[] = [
      { id: 'a', fid: 1, values: [], error: null },
      { id: 'b', fid: 2, fidText: null, values: [], error: null },
      { id: 'c', fid: 3, fidText: null, values: [], error: null },
      { id: 'd', fid: 4, fidText: 'abc', values: [], error: null },
      { id: 'e', fid: -2.5, fidText: '9007199254740993', values: [], error: null },
    ];
    const back = await readResultParquet(toParquet([], part, { keepFrac: true, keyColumn: true }));
    expect(back.columns).toEqual([]);
    expect(back.rows.map((r) => [r.fid, r.fidText])).toEqual([[1, undefined], [2, null], [3, null], [4, 'abc'], [-2.5, '9007199254740993']]);
  });
  it('Parquet and JSON: a real id column is DOUBLE and numbers (a text stored in it null / kept as text), and reads back as such', async () => {
    const real: ResultRow[] = [
      { id: '2.5', fid: 1, values: [], error: null },
      { id: '1e+21', fid: 2, values: [], error: null },
      { id: '-7', fid: 3, values: [], error: null },
      { id: '', idNull: true, fid: 4, values: [], error: null },
      { id: 'n/a', fid: 5, values: [], error: null },
    ];
    const bytes = toParquet([], real, { idKind: 'number' });
    expect(parquetMetadata(buf(bytes)).schema.find((s) => s.name === 'id')?.type).toBe('DOUBLE');
    const objs = await parquetReadObjects({ file: buf(bytes) });
    expect(objs.map((o) => o.id as unknown)).toEqual([2.5, 1e21, -7, null, null]);
    const back = await readResultParquet(bytes);
    expect(back.idKind).toBe('number');
    expect(back.rows.slice(0, 3).map((r) => r.id)).toEqual(['2.5', '1e+21', '-7']);
    const docs = JSON.parse(toJson([], real, { idKind: 'number' })) as { id: unknown }[];
    expect(docs.map((d) => d.id)).toEqual([2.5, 1e21, -7, null, 'n/a']);
  });
  it('idValue and integerCell', () => {
    expect(idValue({ id: '12' }, 'integer')).toBe(12);
    expect(idValue({ id: '012' }, 'text')).toBe('012');
    expect(idValue({ id: '', idNull: true }, 'integer')).toBeNull();
    expect([integerCell(5n), integerCell(2n ** 60n), integerCell(3.5), integerCell('x'), integerCell(null), integerCell('-12')]).toEqual([5, (2n ** 60n).toString(), null, null, null, -12]);
  });
});
