/**
 * The streaming sinks write, batch by batch, exactly what the whole-table renderers write
 * (toCsv, toJson, JSON.stringify of the Sentinel Hub documents); `frac` columns go through the
 * spool (values learnt from every row, expanded on close); nothing is at the path before close
 * and abort leaves nothing behind. Expected frac lines are written out by hand.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toCsv } from '../../../shared/output/csv';
import { toJson } from '../../../shared/output/json';
import { CsvSink } from '../../../shared/output/csv-sink';
import { JsonSink } from '../../../shared/output/json-sink';
import { FracSpool } from '../../../shared/output/frac-spool';
import { openSink, outputFormatOf } from '../../../shared/output/open-sink';
import { SentinelHubJsonSink } from '../../../shared/output/sentinelhub-sink';
import { shDocument } from '../../../shared/timeseries/sentinelhub';
import { fracExpander } from '../../../shared/output/frac-columns';
import type { RowSink } from '../../../shared/output/sink';
import type { ResultRow, StatColumn } from '../../../shared/output/table';
import type { SlotStats } from '../../../shared/engine/timeseries';
import { OutputError } from '../../../shared/errors';

const dir = (): string => mkdtempSync(join(tmpdir(), 'zf-sinks-'));
const columns: StatColumn[] = [
  { name: 'b_mean', kind: 'number' },
  { name: 'b_histogram', kind: 'histogram' },
  { name: 'b_unique', kind: 'list' },
];
const rows: ResultRow[] = Array.from({ length: 7 }, (_, i) => ({
  id: i === 3 ? '=cmd,"x"' : `f${i}`,
  fid: i + 1,
  ...(i === 5 ? { fidText: null } : {}),
  values: i === 2 ? [null, null, null] : [i / 3, { bins: [0, 1], counts: [i] }, [i, i + 1]],
  error: i === 2 ? 'GEOMETRY_EMPTY: feature "f2" (fid 3): empty' : null,
}));

async function writeIn(sink: RowSink, all: readonly ResultRow[], batch: number): Promise<void> {
  for (let i = 0; i < all.length; i += batch) await sink.write(all.slice(i, i + batch));
  await sink.close();
}

describe('CsvSink and JsonSink', () => {
  it('write in batches exactly what toCsv / toJson write for the whole table', async () => {
    const d = dir();
    await writeIn(await CsvSink.open(join(d, 'a.csv'), { columns }), rows, 3);
    await writeIn(await JsonSink.open(join(d, 'a.json'), { columns }), rows, 2);
    expect(readFileSync(join(d, 'a.csv'), 'utf8')).toBe(toCsv(columns, rows));
    expect(readFileSync(join(d, 'a.json'), 'utf8')).toBe(toJson(columns, rows));
  });

  it('an empty table is the header alone / an empty array, as the renderers write it', async () => {
    const d = dir();
    await (await CsvSink.open(join(d, 'e.csv'), { columns })).close();
    await (await JsonSink.open(join(d, 'e.json'), { columns })).close();
    expect(readFileSync(join(d, 'e.csv'), 'utf8')).toBe(toCsv(columns, []));
    expect(readFileSync(join(d, 'e.json'), 'utf8')).toBe(toJson(columns, []));
  });

  it('nothing is at the path before close; abort removes the temporary file and leaves an old file alone', async () => {
    const d = dir();
    const path = join(d, 'out.csv');
    writeFileSync(path, 'old\n');
    const sink = await CsvSink.open(path, { columns });
    await sink.write(rows);
    expect(readFileSync(path, 'utf8')).toBe('old\n');
    await sink.abort();
    await sink.abort(); // idempotent
    expect(readFileSync(path, 'utf8')).toBe('old\n');
    expect(readdirSync(d)).toEqual(['out.csv']);
  });

  it('the format follows the extension; an unknown one is an OutputError naming it', () => {
    expect(outputFormatOf('x/R.CSV')).toBe('csv');
    expect(outputFormatOf('r.pq')).toBe('parquet');
    expect(() => outputFormatOf('r.xlsx')).toThrow(OutputError);
    expect(() => outputFormatOf('r.xlsx')).toThrow(/"\.xlsx"/);
  });

  it('a path without a suffix is said to have none, with the accepted suffixes (not an unknown format "")', () => {
    for (const path of ['e7b', 'out.', 'dir.d/e7b']) {
      expect(() => outputFormatOf(path)).toThrow(`${path}: has no suffix to say the output format; end it with .csv, .parquet, .json, .gpkg (GeoPackage) or .fgb (FlatGeobuf)`);
    }
    expect(() => outputFormatOf('r.xlsx')).toThrow('r.xlsx: unknown output format ".xlsx"; use .csv, .parquet, .json, .gpkg (GeoPackage) or .fgb (FlatGeobuf)');
  });
});

describe('frac columns', () => {
  const fc: StatColumn[] = [{ name: 'c_count', kind: 'number' }, { name: 'c_frac', kind: 'frac' }];
  const fr: ResultRow[] = [
    { id: 'a', fid: 1, values: [4, { values: [3, 1], fracs: [0.25, 0.75] }], error: null },
    { id: 'b', fid: 2, values: [Infinity, null], error: null },
    { id: 'c', fid: 3, values: [NaN, { values: [10], fracs: [1] }], error: null },
    { id: 'd', fid: 4, values: [-0, { values: [1, 10], fracs: [0.5, 0.5] }], error: null },
  ];
  // one column per value met in any row, ascending; empty where a feature lacks the value
  const expected = [
    'id,fid,c_count,c_frac_1,c_frac_3,c_frac_10,error',
    'a,1,4,0.75,0.25,,',
    'b,2,Infinity,,,,',
    'c,3,NaN,,,1,',
    'd,4,0,0.5,,0.5,',
    '',
  ].join('\n');

  it('openSink spools them and writes the expanded table on close (numbers exact: NaN, Infinity)', async () => {
    const d = dir();
    const path = join(d, 'f.csv');
    const sink = await openSink(path, { columns: fc });
    expect(sink).toBeInstanceOf(FracSpool);
    await sink.write(fr.slice(0, 1));
    await sink.write(fr.slice(1));
    expect(existsSync(path)).toBe(false);
    await sink.close();
    expect(readFileSync(path, 'utf8')).toBe(expected);
    expect(toCsv(fc, fr)).toBe(expected); // the whole-table renderer agrees
  });

  it('the spool expands into JSON too, and its temporary folder is gone after close and after abort', async () => {
    const d = dir();
    const spoolDir = dir();
    const path = join(d, 'f.json');
    const spool = await FracSpool.create({ columns: fc }, (fracValues) => JsonSink.open(path, { columns: fc, fracValues }), spoolDir);
    expect(readdirSync(spoolDir)).toHaveLength(1);
    await writeIn(spool, fr, 3);
    expect(readFileSync(path, 'utf8')).toBe(toJson(fc, fr));
    expect(readdirSync(spoolDir)).toEqual([]);
    const aborted = await FracSpool.create({ columns: fc }, () => Promise.reject(new Error('never opened')), spoolDir);
    await aborted.write(fr);
    await aborted.abort();
    expect(readdirSync(spoolDir)).toEqual([]);
  });

  it('values given up front stream without a spool; a value not declared is an OutputError', async () => {
    const d = dir();
    const fracValues = new Map([['c_frac', [10, 1, 3]]]);
    const sink = await openSink(join(d, 'g.csv'), { columns: fc, fracValues });
    expect(sink).toBeInstanceOf(CsvSink);
    await writeIn(sink, fr, 2);
    expect(readFileSync(join(d, 'g.csv'), 'utf8')).toBe(expected);
    const e = fracExpander(fc, new Map([['c_frac', [1]]]));
    expect(() => e.row(fr[0] as ResultRow)).toThrow(/value 3 of feature "a"/);
  });
});

describe('SentinelHubJsonSink', () => {
  const slots = (k: number): SlotStats[] => [{ from: '2024-01-01T00:00:00Z', to: '2024-01-11T00:00:00Z', outputs: { ndvi: { mean: k / 10, count: k } } }];
  const tsRows = (fids: number[]): ResultRow[] => fids.flatMap((fid) => [0, 1].map((s) => ({ id: `p${fid}`, fid, values: [s], error: fid === 3 ? 'CRS_TRANSFORM_FAILED: x' : null })));

  it('writes per chunk the array JSON.stringify(docs, null, 1) gives for all features, one document per feature', async () => {
    const d = dir();
    const sink = await SentinelHubJsonSink.open(join(d, 's.json'));
    await sink.write(tsRows([1, 2]), new Map([[1, slots(1)], [2, slots(2)]]));
    await sink.write(tsRows([3]), new Map([[3, slots(3)]]));
    await sink.close();
    const docs = [1, 2, 3].map((fid) => shDocument(`p${fid}`, fid, slots(fid), fid === 3 ? 'CRS_TRANSFORM_FAILED: x' : null));
    expect(readFileSync(join(d, 's.json'), 'utf8')).toBe(`${JSON.stringify(docs, null, 1)}\n`);
    const empty = await SentinelHubJsonSink.open(join(d, 'e.json'));
    await empty.close();
    expect(readFileSync(join(d, 'e.json'), 'utf8')).toBe(`${JSON.stringify([], null, 1)}\n`);
  });
});
