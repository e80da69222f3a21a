import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { parquetSink } from '../../../shared/output/parquet-sink';
import type { ByteTarget } from '../../../shared/output/byte-target';
import { toParquet } from '../../../shared/output/parquet';
import { readResultParquet } from '../../../shared/output/read-parquet';
import { expandFracColumns } from '../../../shared/output/table';
import type { ResultRow, StatColumn } from '../../../shared/output/table';

const columns: StatColumn[] = [
  { name: 'b_mean', kind: 'number' },
  { name: 'b_unique', kind: 'list' },
  { name: 'b_frac', kind: 'frac' },
  { name: 'b_histogram', kind: 'histogram' },
  { name: 'date', kind: 'timestamp' },
  { name: 'ok', kind: 'boolean' },
  { name: 'note', kind: 'text' },
];

/** Row i: values from arithmetic on i; every 7th row failed (nulls), frac values i%3 and 10. */
function row(i: number): ResultRow {
  if (i % 7 === 3) return { id: `f${i}`, fid: i, values: columns.map(() => null), error: `GEOMETRY_EMPTY: feature "f${i}"`, geometry: null };
  return {
    id: `f${i}`,
    fid: i,
    values: [i / 4, [i, i + 0.5], { values: [i % 3, 10], fracs: [0.25, 0.75] }, { bins: [0, 1, 2], counts: [i, 1] }, `2024-01-${String(1 + (i % 28)).padStart(2, '0')}T00:00:00Z`, i % 2 === 0, `n=${i}`],
    error: null,
    geometry: { type: 'Polygon', coordinates: [[[i, 0], [i + 1, 0], [i + 1, 2], [i, 0]]] },
  };
}
const rows = Array.from({ length: 25 }, (_, i) => row(i));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pq-sink-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function writeAll(path: string, rs: readonly ResultRow[], chunk: number, opts: Parameters<typeof parquetSink>[1]): Promise<void> {
  const sink = parquetSink(path, opts);
  for (let i = 0; i < rs.length; i += chunk) await sink.write(rs.slice(i, i + chunk));
  await sink.close();
}

const kv = (bytes: Uint8Array): Record<string, string> => Object.fromEntries((parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).key_value_metadata ?? []).map((k) => [k.key, k.value ?? '']));

describe('parquetSink', () => {
  it('writes row groups of bounded rows with the schema and metadata of toParquet, read back by readResultParquet', async () => {
    const path = join(dir, 'out.parquet');
    const fracValues = new Map([['b_frac', [0, 1, 2, 10]]]);
    await writeAll(path, rows, 4, { columns, fracValues, metadata: { zonalflow_job: 'j1' }, rowGroupRows: 10 });
    const bytes = new Uint8Array(readFileSync(path));
    const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    expect(meta.row_groups.map((g) => Number(g.num_rows))).toEqual([10, 10, 5]);
    const reference = toParquet(columns, rows, { metadata: { zonalflow_job: 'j1' } });
    const refMeta = parquetMetadata(reference.buffer.slice(reference.byteOffset, reference.byteOffset + reference.byteLength) as ArrayBuffer);
    expect(meta.schema).toEqual(refMeta.schema);
    expect(kv(bytes)).toEqual(kv(reference));
    const back = await readResultParquet(bytes);
    const expected = expandFracColumns(columns, rows);
    expect(back.columns).toEqual(expected.columns);
    expect(back.rows).toEqual(expected.rows.map(({ geometry: _g, ...r }) => r));
    expect(readdirSync(dir)).toEqual(['out.parquet']); // no partial file left
  });

  it('expands frac columns without fracValues through a spool that it removes', async () => {
    const path = join(dir, 'out.parquet');
    const spoolDir = join(dir, 'spool');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(spoolDir);
    await writeAll(path, rows, 3, { columns, rowGroupRows: 8, spoolDir, geometry: { crs: 'OGC:CRS84' } });
    expect(readdirSync(spoolDir)).toEqual([]);
    const back = await readResultParquet(new Uint8Array(readFileSync(path)));
    const expected = expandFracColumns(columns, rows);
    expect(back.columns.map((c) => c.name)).toEqual(['b_mean', 'b_unique', 'b_frac_0', 'b_frac_1', 'b_frac_2', 'b_frac_10', 'b_histogram', 'date', 'ok', 'note']);
    expect(back.rows).toEqual(expected.rows);
    expect(back.rows[4]?.values[5]).toBe(0.75); // b_frac_10 of row 4
    expect(back.rows[4]?.values[3]).toBe(0.25); // 4 % 3 = 1 -> b_frac_1
    expect(back.rows[4]?.values[2]).toBeNull(); // no 0 in row 4
  });

  it('keeps frac as JSON with keepFrac (batch parts)', async () => {
    const path = join(dir, 'part.parquet');
    await writeAll(path, rows, 25, { columns, keepFrac: true });
    const back = await readResultParquet(new Uint8Array(readFileSync(path)));
    expect(back.columns).toEqual(columns);
    expect(back.rows).toEqual(rows.map(({ geometry: _g, ...r }) => r));
  });

  it('types fid from the first row group: INT64 for int64 fids (NULL and beyond 2^53 included), STRING for text or real fids', async () => {
    const big: ResultRow[] = [
      { id: 'minint', fid: NaN, fidText: '-9223372036854775808', values: [1], error: null },
      { id: 'big1', fid: NaN, fidText: '9007199254740993', values: [2], error: null },
      { id: 'null', fid: 3, fidText: null, values: [3], error: null },
    ];
    const cols: StatColumn[] = [{ name: 'b_mean', kind: 'number' }];
    await writeAll(join(dir, 'a.parquet'), big, 2, { columns: cols });
    const a = readFileSync(join(dir, 'a.parquet'));
    expect(parquetMetadata(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength)).schema.find((s) => s.name === 'fid')?.type).toBe('INT64');
    const backA = await readResultParquet(new Uint8Array(a));
    expect(backA.rows.map((r) => r.fidText)).toEqual(['-9223372036854775808', '9007199254740993', null]);

    const odd: ResultRow[] = [{ id: 'one', fid: 1, values: [1], error: null }, { id: 'text', fid: NaN, fidText: 'abc', values: [2], error: null }, { id: 'real', fid: NaN, fidText: '3.5', values: [3], error: null }];
    await writeAll(join(dir, 'b.parquet'), odd, 3, { columns: cols });
    const backB = await readResultParquet(new Uint8Array(readFileSync(join(dir, 'b.parquet'))));
    expect(backB.rows.map((r) => [r.fid, r.fidText])).toEqual([[NaN, '1'], [NaN, 'abc'], [NaN, '3.5']]);

    // a text fid after an INT64 row group: a clear error naming the feature, and nothing at the path after abort
    const sink = parquetSink(join(dir, 'c.parquet'), { columns: cols, rowGroupRows: 1 });
    await sink.write([odd[0] as ResultRow]);
    await expect(sink.write([odd[1] as ResultRow])).rejects.toThrow(/feature "text": fid abc is not an int64/);
    await sink.abort();
    expect(existsSync(join(dir, 'c.parquet'))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['a.parquet', 'b.parquet']);
  });

  it('streams to a ByteTarget: bytes leave as each row group fills, nothing before close is a complete file', async () => {
    const chunks: Uint8Array[] = [];
    let closed = false;
    const target: ByteTarget = { write: (c) => { chunks.push(c); return Promise.resolve(); }, close: () => { closed = true; return Promise.resolve(); }, abort: () => Promise.resolve() };
    const sink = parquetSink(target, { columns: columns.filter((c) => c.kind !== 'frac'), rowGroupRows: 5 });
    const plain = rows.map((r) => ({ ...r, values: r.values.filter((_, i) => i !== 2) }));
    await sink.write(plain.slice(0, 12));
    const before = chunks.length;
    expect(before).toBe(2); // two full row groups already written; 2 rows wait for the next
    expect(closed).toBe(false);
    await sink.write(plain.slice(12));
    await sink.close();
    expect(closed).toBe(true);
    const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    const back = await readResultParquet(all);
    expect(back.rows).toEqual(plain.map(({ geometry: _g, ...r }) => r));
  });

  it('writes a valid empty file for zero rows, and nothing at the path after abort', async () => {
    await writeAll(join(dir, 'empty.parquet'), [], 1, { columns: [{ name: 'b_mean', kind: 'number' }] });
    const back = await readResultParquet(new Uint8Array(readFileSync(join(dir, 'empty.parquet'))));
    expect(back.columns).toEqual([{ name: 'b_mean', kind: 'number' }]);
    expect(back.rows).toEqual([]);
    const sink = parquetSink(join(dir, 'x.parquet'), { columns, rowGroupRows: 2 });
    await sink.write(rows.slice(0, 5));
    await sink.abort();
    await sink.abort();
    expect(readdirSync(dir)).toEqual(['empty.parquet']);
  });
});

describe('toParquet plain (batch parts)', () => {
  it('reads back the same rows as the default encoding, every column PLAIN, uncompressed, without statistics', async () => {
    const opts = { keepFrac: true, keyColumn: true, geometry: { crs: 'lonlat' as const }, metadata: { zonalflow_job: 'j1' } };
    const plain = toParquet(columns, rows, { ...opts, plain: true });
    const reference = toParquet(columns, rows, opts);
    expect(await readResultParquet(plain)).toEqual(await readResultParquet(reference));
    expect(kv(plain)).toEqual(kv(reference));
    const meta = parquetMetadata(plain.buffer.slice(plain.byteOffset, plain.byteOffset + plain.byteLength) as ArrayBuffer);
    const chunks = meta.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data));
    expect(chunks.length).toBeGreaterThan(columns.length);
    for (const c of chunks) {
      expect(c?.codec).toBe('UNCOMPRESSED');
      expect(c?.encodings.filter((e) => e !== 'RLE')).toEqual(['PLAIN']);
      expect(c?.statistics).toBeUndefined();
    }
  });
});
