import { describe, expect, it } from 'vitest';
import { parquetReadObjects, parquetMetadata } from 'hyparquet';
import { toCsv } from '../../../shared/output/csv';
import { toJson, featureFileName } from '../../../shared/output/json';
import { toParquet } from '../../../shared/output/parquet';
import type { ResultRow, StatColumn } from '../../../shared/output/table';

const columns: StatColumn[] = [
  { name: 'elev_mean', kind: 'number' },
  { name: 'elev_histogram', kind: 'histogram' },
];
const rows: ResultRow[] = [
  { id: 'a,"b"', fid: 1, values: [0.1 + 0.2, { bins: [0, 1, 2], counts: [1.5, 2] }], error: null, geometry: { type: 'Point', coordinates: [6.1, 49.6] } },
  { id: 'ü/2', fid: 2, values: [null, null], error: 'GEOMETRY_EMPTY: feature "ü/2" (fid 2): empty or missing geometry', geometry: null },
];

describe('CSV', () => {
  it('quotes what needs quoting, keeps full precision, leaves undefined empty', () => {
    const text = toCsv(columns, rows);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('id,fid,elev_mean,elev_histogram,error');
    expect(lines[1]).toBe('"a,""b""",1,0.30000000000000004,"{""bins"":[0,1,2],""counts"":[1.5,2]}",');
    expect(lines[2]).toBe('ü/2,2,,,"GEOMETRY_EMPTY: feature ""ü/2"" (fid 2): empty or missing geometry"');
  });
});

describe('JSON', () => {
  it('one object per feature with columns by name', () => {
    const parsed = JSON.parse(toJson(columns, rows)) as Record<string, unknown>[];
    expect(parsed[0]).toEqual({ id: 'a,"b"', fid: 1, elev_mean: 0.30000000000000004, elev_histogram: { bins: [0, 1, 2], counts: [1.5, 2] }, error: null });
    expect(parsed[1]?.elev_mean).toBeNull();
  });
  it('feature file names cannot escape their prefix', () => {
    expect(featureFileName({ id: '../x/y', fid: 3 })).toBe('%2E%2E%2Fx%2Fy.json');
    expect(featureFileName({ id: 'a b', fid: 3 }, { withFid: true })).toBe('a%20b~3.json');
    expect(featureFileName({ id: '', fid: 3 })).toBe('_.json');
    expect(featureFileName({ id: 'x'.repeat(500), fid: 9 }).length).toBeLessThan(220);
  });
});

describe('Parquet', () => {
  it('round-trips through hyparquet with typed columns and GeoParquet metadata', async () => {
    const bytes = toParquet(columns, rows, { geometry: { crs: 'lonlat' }, metadata: { job: 'j1' } });
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const meta = parquetMetadata(buffer);
    const names = meta.schema.map((s) => s.name);
    expect(names).toEqual(['root', 'id', 'fid', 'elev_mean', 'elev_histogram', 'error', 'geometry', 'bbox', 'xmin', 'ymin', 'xmax', 'ymax']);
    expect(meta.schema.find((s) => s.name === 'fid')?.type).toBe('INT64');
    expect(meta.schema.find((s) => s.name === 'elev_mean')?.type).toBe('DOUBLE');
    const geo = JSON.parse(meta.key_value_metadata?.find((k) => k.key === 'geo')?.value ?? '{}') as { primary_column: string; columns: { geometry: { encoding: string; geometry_types: string[]; bbox: number[] } } };
    expect(geo.primary_column).toBe('geometry');
    expect(geo.columns.geometry.encoding).toBe('WKB');
    expect(geo.columns.geometry.geometry_types).toEqual(['Point']);
    expect(geo.columns.geometry.bbox).toEqual([6.1, 49.6, 6.1, 49.6]);
    expect(geo.columns.geometry).toHaveProperty('covering', { bbox: { xmin: ['bbox', 'xmin'], ymin: ['bbox', 'ymin'], xmax: ['bbox', 'xmax'], ymax: ['bbox', 'ymax'] } });
    expect(geo.columns.geometry).not.toHaveProperty('crs'); // lon/lat: GeoParquet's default CRS
    expect(meta.key_value_metadata?.find((k) => k.key === 'job')?.value).toBe('j1');
    const objs = await parquetReadObjects({ file: buffer });
    expect(objs[0]?.id).toBe('a,"b"');
    expect(objs[0]?.fid).toBe(1n);
    expect(objs[0]?.elev_mean).toBe(0.30000000000000004);
    expect(objs[0]?.elev_histogram).toEqual({ bins: [0, 1, 2], counts: [1.5, 2] });
    expect(objs[1]?.elev_mean).toBeNull();
    expect(objs[1]?.error).toMatch(/^GEOMETRY_EMPTY/);
    expect(objs[1]?.geometry).toBeNull();
  });
});

describe('readResultParquet', () => {
  it('reads back what toParquet wrote (columns, rows, geometry)', async () => {
    const { readResultParquet } = await import('../../../shared/output/read-parquet');
    const back = await readResultParquet(toParquet(columns, rows, { geometry: { crs: 'lonlat' } }));
    expect(back.columns).toEqual(columns);
    expect(back.geometry).toBe(true);
    expect(back.rows).toEqual(rows);
  });
});
