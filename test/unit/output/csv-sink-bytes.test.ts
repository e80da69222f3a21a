/**
 * CsvSink's bytes for every kind of value, against lines written out in this file: numbers as `String`
 * gives them (NaN, Infinity, -0, exponents, integers beyond 2^53), empty cells for none, text ids and
 * attributes quoted (RFC 4180) and neutralised (a formula's leading `'`), non-ASCII text as UTF-8 (a lone
 * surrogate as EF BF BD), fids beyond 2^53 and NULL fids, histograms and lists as JSON. The sink encodes
 * into buffers of a fixed size (utf8-writer.ts): every size from 1 to 200 bytes puts the ends of its
 * writes inside rows, cells and multi-byte characters, with rows longer than a buffer; the default 1 MiB
 * size is crossed through a file (FileOutput) by a table of 1.7 MB.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CsvSink } from '../../../shared/output/csv-sink';
import type { ByteTarget } from '../../../shared/output/byte-target';
import type { ResultRow, StatColumn } from '../../../shared/output/table';

const columns: StatColumn[] = [
  { name: 'name', kind: 'text' },
  { name: 'pop', kind: 'integer' },
  { name: 'open', kind: 'boolean' },
  { name: 'b_mean', kind: 'number' },
  { name: 'b_count', kind: 'number' },
  { name: 'b_histogram', kind: 'histogram' },
  { name: 'b_unique', kind: 'list' },
];
const HEADER = 'id,fid,name,pop,open,b_mean,b_count,b_histogram,b_unique,error\n';

/** A row of the edge cases and its line as written by hand (numbers by `String`). */
const edge: [ResultRow, string][] = [
  [{ id: 'plain', fid: 1, values: ['x', 7, true, 0.1, 3, null, null], error: null }, `plain,1,x,7,true,${String(0.1)},3,,,\n`],
  [{ id: 'a,b', fid: 2, values: ['say "hi"', -5, false, NaN, Infinity, null, null], error: null }, '"a,b",2,"say ""hi""",-5,false,NaN,Infinity,,,\n'],
  [{ id: 'line\nbreak', fid: 3, values: ['cr\rhere', 0, null, -Infinity, -0, null, null], error: null }, '"line\nbreak",3,"cr\rhere",0,,-Infinity,0,,,\n'],
  [{ id: '=1+2', fid: 4, values: ['-x', '9007199254740993', null, 1e21, -1e21, null, null], error: null }, "'=1+2,4,'-x,9007199254740993,,1e+21,-1e+21,,,\n"],
  [{ id: '-5', fid: -6, values: ['@a,b', null, null, 5e-324, 1.7976931348623157e308, null, null], error: null }, `-5,-6,"'@a,b",,,${String(5e-324)},${String(1.7976931348623157e308)},,,\n`],
  [{ id: 'Zürich', fid: 9007199254740991, values: ['東京 🌾', null, null, 2 ** 53, 2 ** 53 + 2, null, null], error: null }, 'Zürich,9007199254740991,東京 🌾,,,9007199254740992,9007199254740994,,,\n'],
  [{ id: '9007199254740993', fid: 7, fidText: '9223372036854775807', values: [null, null, null, -2.5e-7, 1e-7, null, null], error: null }, `9007199254740993,9223372036854775807,,,,${String(-2.5e-7)},${String(1e-7)},,,\n`],
  [{ id: '', idNull: true, fid: 8, fidText: null, values: [null, null, null, null, null, null, null], error: 'GEOMETRY_EMPTY: feature "x", fid 8: empty' }, ',,,,,,,,,"GEOMETRY_EMPTY: feature ""x"", fid 8: empty"\n'],
  [{ id: 'h', fid: 9, fidText: 'a,b', values: [null, 2 ** 31, null, 123456789.123, 4294967296, { bins: [0, 0.5, 1], counts: [2, 3] }, [1, 2.5]], error: null }, `h,"a,b",,${2 ** 31},,${String(123456789.123)},4294967296,"{""bins"":[0,0.5,1],""counts"":[2,3]}","[1,2.5]",\n`],
  [{ id: 'lone\uD800x', fid: 10, values: ['\uDC00', null, null, -1, -2147483648, null, null], error: null }, 'lone\uFFFDx,10,\uFFFD,,,-1,-2147483648,,,\n'],
  [{ id: 'é'.repeat(150), fid: 11, values: ['🌾'.repeat(60), null, null, 1 / 3, 2 / 3, null, null], error: 'E: ' + 'ü'.repeat(90) }, `${'é'.repeat(150)},11,${'🌾'.repeat(60)},,,${String(1 / 3)},${String(2 / 3)},,,E: ${'ü'.repeat(90)}\n`],
];

/** Row `i` of a generated table and its line: values by arithmetic, written by `String`. */
function generated(i: number): [ResultRow, string] {
  const mean = (i * 7919) / 13;
  const small = -i * 1e-9;
  const id = i % 10 === 0 ? `F,${i}` : `F${String(i).padStart(7, '0')}`;
  const row: ResultRow = { id, fid: i + 1, values: [`n${i}`, i * 1000, i % 2 === 0, mean, i % 3 === 0 ? null : small, null, null], error: null };
  return [row, `${i % 10 === 0 ? `"F,${i}"` : id},${i + 1},n${i},${i * 1000},${i % 2 === 0 ? 'true' : 'false'},${String(mean)},${i % 3 === 0 ? '' : String(small)},,,\n`];
}

/** A target keeping copies of the chunks written (the sink reuses a chunk's memory once its write resolves). */
function recording(): ByteTarget & { chunks: Buffer[]; closed: boolean } {
  const t = {
    chunks: [] as Buffer[],
    closed: false,
    write(chunk: Uint8Array): Promise<void> {
      t.chunks.push(Buffer.from(chunk));
      return Promise.resolve();
    },
    close(): Promise<void> {
      t.closed = true;
      return Promise.resolve();
    },
    abort: (): Promise<void> => Promise.resolve(),
  };
  return t;
}

async function written(target: ByteTarget | string, rows: readonly ResultRow[], batch: number, bufferBytes?: number): Promise<void> {
  const sink = await CsvSink.open(target, { columns }, bufferBytes);
  for (let i = 0; i < rows.length; i += batch) await sink.write(rows.slice(i, i + batch));
  await sink.close();
}

describe('CsvSink bytes', () => {
  const rows = [...edge, ...Array.from({ length: 40 }, (_, i) => generated(i))];
  const expected = Buffer.from(HEADER + rows.map(([, line]) => line).join(''), 'utf8');

  it('the lines written by hand, through buffers of every size from 1 to 200 bytes (each write but the last full)', async () => {
    // the lone surrogates are EF BF BD; a row is longer than every one of these buffers
    expect(expected.includes(Buffer.from('lone\xef\xbf\xbdx,10,\xef\xbf\xbd,', 'latin1'))).toBe(true);
    expect(Buffer.byteLength(edge[10]?.[1] ?? '')).toBeGreaterThan(200);
    let splitChars = 0;
    for (let size = 1; size <= 200; size++) {
      const t = recording();
      await written(t, rows.map(([r]) => r), 3, size);
      expect(t.closed).toBe(true);
      expect(Buffer.concat(t.chunks).equals(expected), `buffer of ${size} bytes`).toBe(true);
      expect(t.chunks.slice(0, -1).every((c) => c.length === size), `buffer of ${size} bytes`).toBe(true);
      // a write ending inside a multi-byte character: the next starts with a continuation byte
      splitChars += t.chunks.slice(1).filter((c) => ((c[0] ?? 0) & 0xc0) === 0x80).length;
    }
    expect(splitChars).toBeGreaterThan(100);
  });

  it('the default buffer: 1.7 MB of rows into a file, identical to the lines written by hand', async () => {
    const many = Array.from({ length: 25_000 }, (_, i) => generated(i));
    const all = [...edge, ...many];
    const want = Buffer.from(HEADER + all.map(([, line]) => line).join(''), 'utf8');
    expect(want.length).toBeGreaterThan(1.5 * 1024 * 1024);
    const path = join(mkdtempSync(join(tmpdir(), 'zf-csv-bytes-')), 'out.csv');
    await written(path, all.map(([r]) => r), 256);
    expect(readFileSync(path).equals(want)).toBe(true);
    // and through the recording target: writes of 1 MiB, then the rest
    const t = recording();
    await written(t, all.map(([r]) => r), 256);
    const full = Math.floor(want.length / 2 ** 20);
    expect(t.chunks.map((c) => c.length)).toEqual([...Array.from({ length: full }, () => 2 ** 20), want.length - full * 2 ** 20]);
  });

  it('an empty table is the header alone; nothing is written before close', async () => {
    const t = recording();
    const sink = await CsvSink.open(t, { columns });
    await sink.write([]);
    await sink.write([generated(1)[0]]);
    expect(t.chunks).toEqual([]);
    await sink.close();
    expect(Buffer.concat(t.chunks).toString('utf8')).toBe(HEADER + generated(1)[1]);
    const e = recording();
    await (await CsvSink.open(e, { columns })).close();
    expect(Buffer.concat(e.chunks).toString('utf8')).toBe(HEADER);
  });
});
