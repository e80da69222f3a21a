/**
 * GeoParquet 1.1 output (`--geometry`): geometry in the input CRS with the CRS as PROJJSON,
 * geometry_types, bbox and a bbox covering column, checked against what GDAL and pyproj say
 * about the input (test/fixtures/outputs/expected.json, written by make.py), read back with
 * hyparquet and with DuckDB (no spatial extension needed: plain Parquet reads).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetSink } from '../../../shared/output/parquet-sink';
import type { ResultRow } from '../../../shared/output/table';
import { columns, expected, fixtureRows } from './fixture-rows';

let dir: string;
let path: string;
let rows: ResultRow[];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'geoparquet-'));
  path = join(dir, 'out.parquet');
  const f = await fixtureRows();
  rows = f.rows;
  const sink = parquetSink(path, { columns, geometry: { crs: f.projjson }, rowGroupRows: 2 });
  await sink.write(rows.slice(0, 3));
  await sink.write(rows.slice(3));
  await sink.close();
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const withoutSchema = (o: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([k]) => k !== '$schema'));

describe('GeoParquet 1.1 output', () => {
  it('carries the input CRS as the PROJJSON pyproj gives for it, with GDAL\'s geometry types and extent', () => {
    const b = readFileSync(path);
    const meta = parquetMetadata(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    const geoText = meta.key_value_metadata?.find((k) => k.key === 'geo')?.value ?? '{}';
    const geo = JSON.parse(geoText) as { version: string; primary_column: string; columns: Record<string, { encoding: string; crs: Record<string, unknown>; geometry_types: string[]; bbox: number[]; covering: unknown }> };
    expect(geo.version).toBe('1.1.0');
    expect(geo.primary_column).toBe('geometry');
    const col = geo.columns.geometry;
    expect(col?.encoding).toBe('WKB');
    // PROJ 9.3 (gdal3.js) and pyproj's PROJ 9.1 differ only in the schema version they cite
    expect(withoutSchema(col?.crs ?? {})).toEqual(withoutSchema(expected.projjson));
    expect(col?.geometry_types).toEqual(expected.geometry_types);
    expect(col?.bbox).toEqual(expected.extent);
    expect(col?.covering).toEqual({ bbox: { xmin: ['bbox', 'xmin'], ymin: ['bbox', 'ymin'], xmax: ['bbox', 'xmax'], ymax: ['bbox', 'ymax'] } });
    const bbox = meta.schema.findIndex((s) => s.name === 'bbox');
    expect(meta.schema.slice(bbox, bbox + 5).map((s) => [s.name, s.type ?? null, s.repetition_type])).toEqual([['bbox', null, 'OPTIONAL'], ['xmin', 'DOUBLE', 'REQUIRED'], ['ymin', 'DOUBLE', 'REQUIRED'], ['xmax', 'DOUBLE', 'REQUIRED'], ['ymax', 'DOUBLE', 'REQUIRED']]);
  });

  it('holds each feature\'s geometry as GDAL reads it, and its envelope in the covering column', async () => {
    const b = readFileSync(path);
    const objs = await parquetReadObjects({ file: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) });
    expect(objs.map((o) => o.id as unknown)).toEqual(expected.features.map((f) => f.name));
    expect(objs.map((o) => o.geometry as unknown)).toEqual(expected.features.map((f) => f.geometry));
    expect(objs.map((o) => { const x = o.bbox as { xmin: number; ymin: number; xmax: number; ymax: number } | undefined; return x ? [x.xmin, x.ymin, x.xmax, x.ymax] : null; })).toEqual(expected.features.map((f) => f.bbox));
    expect(objs.map((o) => o.b_mean as unknown)).toEqual(expected.features.map((f) => (f.geometry ? f.fid * 1.5 : null)));
  });

  it('reads in DuckDB: the covering struct and the geo metadata', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    try {
      // DuckDB >= 1.5 reads GeoParquet's geometry as its GEOMETRY type, with the CRS
      const rowsDb = (await c.runAndReadAll(`SELECT id, fid, bbox.xmin, bbox.ymin, bbox.xmax, bbox.ymax, ST_AsText(geometry) FROM read_parquet('${path}') ORDER BY fid`)).getRows();
      const wkt = (t: unknown): string | null => (typeof t === 'string' ? t.replace(/, /g, ',') : null);
      expect(rowsDb.map((r) => [r[0], Number(r[1]), r[2] === null ? null : [r[2], r[3], r[4], r[5]], wkt(r[6])])).toEqual(expected.features.map((f) => [f.name, f.fid, f.bbox, f.wkt]));
      const type = String((await c.runAndReadAll(`SELECT typeof(geometry) FROM read_parquet('${path}') LIMIT 1`)).getRows()[0]?.[0]);
      expect(type).toMatch(/^GEOMETRY\('\{/);
      expect(type).toContain(`"id":{"authority":"EPSG","code":${expected.crs_authority.split(':')[1]}}`);
      const kv = (await c.runAndReadAll(`SELECT decode(key), decode(value) FROM parquet_kv_metadata('${path}') WHERE decode(key) = 'geo'`)).getRows();
      const geo = JSON.parse(String(kv[0]?.[1])) as { columns: { geometry: { crs: { id: unknown } } } };
      expect(geo.columns.geometry.crs.id).toEqual({ authority: 'EPSG', code: Number(expected.crs_authority.split(':')[1]) });
    } finally {
      c.closeSync();
      db.closeSync();
    }
  });
});

describe('zonalflow stats --geometry', () => {
  const run = async (args: string[]): Promise<{ code: number; err: string }> => {
    const { main } = await import('../../../cli/main');
    const { PassThrough } = await import('node:stream');
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (b: Buffer) => (err += b.toString()));
    const code = await main(args, { stderr, stdout: new PassThrough() });
    return { code, err };
  };
  const raster = join(import.meta.dirname, '../../fixtures/reference/data/lux/elev.cog.tif');

  it('writes GeoParquet with the input geometry and CRS', async () => {
    const { FIXTURE } = await import('./fixture-rows');
    const out = join(dir, 'cli.parquet');
    const r = await run(['stats', '--input', FIXTURE, '--raster', raster, '--id-column', 'name', '--stats', 'count', '--geometry', '--out', out, '--quiet']);
    expect(r.err).toMatch(/5 features \(4 computed, 1 failed\)/);
    const b = readFileSync(out);
    const file = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    const geo = JSON.parse(parquetMetadata(file).key_value_metadata?.find((k) => k.key === 'geo')?.value ?? '{}') as { columns: { geometry: { crs: Record<string, unknown>; bbox: number[] } } };
    expect(withoutSchema(geo.columns.geometry.crs)).toEqual(withoutSchema(expected.projjson));
    expect(geo.columns.geometry.bbox).toEqual(expected.extent);
    const objs = await parquetReadObjects({ file, columns: ['id', 'geometry'] });
    expect(objs.map((o) => [o.id, o.geometry] as unknown)).toEqual(expected.features.map((f) => [f.name, f.geometry]));
  }, 60_000);

  it('is a usage error with CSV or JSON, which stay plain', async () => {
    const { FIXTURE } = await import('./fixture-rows');
    const r = await run(['stats', '--input', FIXTURE, '--raster', raster, '--geometry', '--out', join(dir, 'x.csv'), '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--geometry: .*x\.csv is CSV or JSON/);
  });
});
