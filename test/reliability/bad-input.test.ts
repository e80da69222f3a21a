/**
 * Real-world bad input, built here: every problem gets a message that names
 * it (and the feature), one bad feature never sinks the others, and the rest
 * of the job completes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStatsJob } from '../../shared/engine/stats-job';
import type { StatsJobResult } from '../../shared/engine/stats-job';
import { parseJobSpec } from '../../shared/spec';
import { LOCAL_ONLY } from '../../shared/io/uri';
import { rowObject } from '../../shared/output/table';
import { featureFileName } from '../../shared/output/json';
import { writeGeoPackage } from '../helpers/gpkg-writer';
import type { WriteFeature } from '../helpers/gpkg-writer';
import { writeCog } from '../helpers/cog-writer';
import type { Position } from '../../shared/geometry/types';
import { SpecError } from '../../shared/errors';

const dir = mkdtempSync(join(tmpdir(), 'zf-bad-'));
// a 3600 x 1800 global lon/lat raster of 0.1 degree cells, value = column index + 1
const world = join(dir, 'world.tif');
writeCog(world, { width: 3600, height: 1800, dtype: 'int32', tileSize: 256, epsg: 4326, transform: [-180, 90, 0.1, 0.1], nodata: -1, value: (_r, c) => c + 1 });
const sq = (x: number, y: number, s: number): Position[] => [[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]];

function gpkg(name: string, features: WriteFeature[], extra: Partial<Parameters<typeof writeGeoPackage>[1][number]> = {}): string {
  const path = join(dir, `${name}.gpkg`);
  writeGeoPackage(path, [{ name: 'fields', srsId: 4326, columns: { name: 'TEXT' }, features, ...extra }]);
  return path;
}

async function stats(input: string, spec: Record<string, unknown> = {}): Promise<StatsJobResult> {
  return runStatsJob({ input, spec: parseJobSpec({ input: { idColumn: 'name' }, rasters: [{ name: 'w', uri: world }], stats: ['count', 'mean'], ...spec }), allowed: LOCAL_ONLY });
}

const byId = (r: StatsJobResult, id: string): Record<string, unknown> => {
  const row = r.rows.find((x) => x.id === id);
  if (!row) throw new Error(`no row ${id}`);
  return rowObject(r.columns, row);
};

describe('bad input: per-feature problems are recorded and the rest completes', () => {
  it('invalid geometries (self-intersection, unclosed and too-short rings), empty geometries, NaN coordinates', async () => {
    const r = await stats(gpkg('invalid', [
      { geometry: { type: 'Polygon', coordinates: [sq(10, 10, 1)] }, properties: { name: 'good' } },
      { geometry: { type: 'Polygon', coordinates: [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]] }, properties: { name: 'bowtie' } },
      { geometry: { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] }, properties: { name: 'unclosed' } },
      { geometry: { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [0, 0]]] }, properties: { name: 'short' } },
      { geometry: 'empty', properties: { name: 'empty' } },
      { geometry: null, properties: { name: 'null' } },
      { geometry: { type: 'Polygon', coordinates: [[[0, 0], [NaN, 0], [1, 1], [0, 0]]] }, properties: { name: 'nan' } },
    ]));
    expect(r.rows).toHaveLength(7);
    expect(byId(r, 'good').w_count).toBeCloseTo(100, 6);
    expect(byId(r, 'bowtie').error).toMatch(/^GEOMETRY_INVALID: feature "bowtie" \(fid 2\): the exterior ring of polygon intersects itself at \(0.5, 0.5\); repair it/);
    expect(byId(r, 'unclosed').error).toMatch(/feature "unclosed" \(fid 3\): .*is not closed/);
    expect(byId(r, 'short').error).toMatch(/feature "short" \(fid 4\): .*has 3 positions; a ring needs at least 4/);
    expect(byId(r, 'empty').error).toBe('GEOMETRY_EMPTY: feature "empty" (fid 5): empty or missing geometry');
    expect(byId(r, 'null').error).toMatch(/^GEOMETRY_EMPTY/);
    expect(byId(r, 'nan').error).toMatch(/feature "nan" \(fid 7\): coordinate \(NaN, 0\) is not a finite number/);
    expect(r.summary.failed).toBe(6);
  });

  it('features outside the raster get count 0, not an error; a feature crossing the antimeridian is read on both sides', async () => {
    const r = await stats(gpkg('outside', [
      { geometry: { type: 'Polygon', coordinates: [sq(10, 95, 1)] }, properties: { name: 'north-of-the-pole' } },
      { geometry: { type: 'Polygon', coordinates: [[[179.5, 0], [-179.5, 0], [-179.5, 1], [179.5, 1], [179.5, 0]]] }, properties: { name: 'antimeridian' } },
    ]));
    expect(byId(r, 'north-of-the-pole')).toMatchObject({ w_count: 0, w_mean: null, error: null });
    const am = byId(r, 'antimeridian');
    expect(am.error).toBeNull();
    expect(am.w_count as number).toBeCloseTo(100, 6); // 1 x 1 degree = 10 x 10 cells, half on each side
    // columns 3596..3600 (east) and 1..5 (west): mean of 3596.5.. and ..5.5 weighted equally
    const east = [3596, 3597, 3598, 3599, 3600];
    const west = [1, 2, 3, 4, 5];
    expect(am.w_mean as number).toBeCloseTo([...east, ...west].reduce((a, b) => a + b, 0) / 10, 6);
  });

  it('a polygon covering the whole raster is processed in bounded chunks with the same result', async () => {
    const path = gpkg('huge', [{ geometry: { type: 'Polygon', coordinates: [[[-180, -90], [180, -90], [180, 90], [-180, 90], [-180, -90]]] }, properties: { name: 'world' } }]);
    const small = await stats(path, { limits: { maxCellsInMemory: 50_000 } });
    const whole = await stats(path);
    expect(byId(small, 'world').w_count).toBe(3600 * 1800);
    expect(byId(small, 'world').w_mean as number).toBeCloseTo(byId(whole, 'world').w_mean as number, 9);
    expect(byId(small, 'world').w_mean as number).toBeCloseTo(1800.5, 9);
  });

  it('3D and measured geometries: Z/M dropped', async () => {
    const path = join(dir, 'z.gpkg');
    writeGeoPackage(path, [{ name: 'fields', srsId: 4326, withZ: true, columns: { name: 'TEXT' }, features: [{ geometry: { type: 'Polygon', coordinates: [sq(10, 10, 1)] }, properties: { name: 'z' } }] }]);
    expect(byId(await stats(path), 'z').w_count as number).toBeCloseTo(100, 6);
  });

  it('duplicate, missing, very long and non-ASCII ids: every feature keeps its row; file names stay unique and safe', async () => {
    const long = 'x'.repeat(1000);
    const r = await stats(gpkg('ids', [
      { geometry: { type: 'Polygon', coordinates: [sq(1, 1, 1)] }, properties: { name: 'dup' } },
      { geometry: { type: 'Polygon', coordinates: [sq(2, 2, 1)] }, properties: { name: 'dup' } },
      { geometry: { type: 'Polygon', coordinates: [sq(3, 3, 1)] }, properties: { name: null } },
      { geometry: { type: 'Polygon', coordinates: [sq(4, 4, 1)] }, properties: { name: long } },
      { geometry: { type: 'Polygon', coordinates: [sq(5, 5, 1)] }, properties: { name: 'Zürich/Genève ☃' } },
    ]));
    // the NULL id stays empty (flagged and warned about), never the fid 3 that another feature's id could equal
    expect(r.rows.map((x) => x.id)).toEqual(['dup', 'dup', '', long, 'Zürich/Genève ☃']);
    expect(r.rows.map((x) => x.idNull === true)).toEqual([false, false, true, false, false]);
    expect(r.summary.warnings?.join('\n')).toMatch(/1 feature has a NULL id \(column "name"\): fid 3; written empty/);
    expect(r.summary.duplicateIds).toBe(1);
    const names = r.rows.map((x) => featureFileName(x, { withFid: true }));
    expect(new Set(names).size).toBe(5);
    expect(names.every((n) => n.length < 230 && !n.includes('/'))).toBe(true);
  });
});

describe('bad input: file-level problems are one clear error', () => {
  it('not a GeoPackage, truncated, no geometry column, several layers, empty layer', async () => {
    const txt = join(dir, 'text.gpkg');
    writeFileSync(txt, 'id,name\n1,a\n'.repeat(50));
    await expect(stats(txt)).rejects.toThrow(/text.gpkg is not a GeoPackage \(not an SQLite database\)/);
    const good = gpkg('good', [{ geometry: { type: 'Polygon', coordinates: [sq(1, 1, 1)] }, properties: { name: 'a' } }]);
    const cut = join(dir, 'cut.gpkg');
    writeFileSync(cut, readFileSync(good).subarray(0, 5000));
    await expect(stats(cut)).rejects.toThrow(/cut.gpkg/);
    const nogeom = join(dir, 'nogeom.gpkg');
    writeGeoPackage(nogeom, []);
    await expect(stats(nogeom)).rejects.toThrow(/nogeom.gpkg has no feature layer with a geometry column/);
    const two = join(dir, 'two.gpkg');
    writeGeoPackage(two, [{ name: 'a', srsId: 4326, features: [] }, { name: 'b', srsId: 4326, features: [] }]);
    await expect(stats(two)).rejects.toThrow(/two.gpkg has 2 layers \(a, b\); choose one/);
    const empty = await stats(gpkg('empty-layer', []));
    expect(empty.rows).toEqual([]);
    expect(empty.summary.features).toBe(0);
  });
  it('missing id column, unknown or undefined CRS', async () => {
    const good = gpkg('good2', [{ geometry: { type: 'Polygon', coordinates: [sq(1, 1, 1)] }, properties: { name: 'a' } }]);
    await expect(stats(good, { input: { idColumn: 'field_id' } })).rejects.toThrow(/has no column "field_id" for the ids \(columns: fid, name\)/);
    const unknown = join(dir, 'crs.gpkg');
    writeGeoPackage(unknown, [{ name: 'fields', srsId: 990001, features: [] }]);
    await expect(stats(unknown)).rejects.toThrow(/crs.gpkg: layer "fields": EPSG:990001 is not known to PROJ/);
    const undef = gpkg('undef', [{ geometry: { type: 'Polygon', coordinates: [sq(1, 1, 1)] }, properties: { name: 'a' } }], { srsId: -1 });
    // undefined: taken as the raster's CRS, with a warning (GDAL and exactextract do the same)
    const s = await stats(undef);
    expect(s.summary.warnings?.join('\n')).toMatch(/the layer has no CRS \("Undefined cartesian SRS" \(srs_id -1, undefined Cartesian\)\)/);
  });
  it('rasters: missing, not a TIFF, stripped (still works), unsupported compression', async () => {
    const good = gpkg('good3', [{ geometry: { type: 'Polygon', coordinates: [sq(0, 0, 2)] }, properties: { name: 'a' } }]);
    await expect(stats(good, { rasters: [{ uri: join(dir, 'missing.tif') }] })).rejects.toThrow(/cannot open .*missing.tif: no such file/);
    const notTiff = join(dir, 'not.tif');
    writeFileSync(notTiff, 'GIF89a........');
    await expect(stats(good, { rasters: [{ uri: notTiff }] })).rejects.toThrow(/not.tif is not a TIFF/);
    const strips = join(dir, 'strips.tif');
    writeCog(strips, { width: 100, height: 100, dtype: 'uint8', strips: true, tileSize: 7, epsg: 4326, transform: [0, 10, 0.1, 0.1], value: () => 5 });
    const s = await stats(good, { rasters: [{ name: 'w', uri: strips }] });
    expect(byId(s, 'a')).toMatchObject({ w_mean: 5 });
    // JPEG is decoded now: LZMA (34925) stays unsupported, refused when the raster is opened
    const lzma = join(dir, 'lzma.tif');
    writeCog(lzma, { width: 10, height: 10, dtype: 'uint8', compression: 'none', compressionCode: 34925, epsg: 4326, value: () => 1 });
    await expect(stats(good, { rasters: [{ uri: lzma }] })).rejects.toThrow(/unsupported compression LZMA \(34925\)/);
  });
  it('an invalid spec lists every problem with its path', () => {
    let err: unknown;
    try {
      parseJobSpec({ rasters: [{ uri: '' }, { name: '9bad', uri: 'x.tif', bands: [0] }], stats: [], coverage: 'most', batching: { maxFeatures: 0 }, extra: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpecError);
    const msg = (err as Error).message;
    for (const path of ['rasters.0.uri', 'rasters.1.name', 'rasters.1.bands.0', 'stats', 'coverage', 'batching.maxFeatures', '(root)']) expect(msg).toContain(`  - ${path}: `);
    expect(msg.split('\n')[0]).toBe('invalid job spec:');
  });
});
