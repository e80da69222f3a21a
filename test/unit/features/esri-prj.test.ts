/**
 * A CRS read from a WKT without an authority code (a Shapefile's ESRI .prj) that GDAL identifies as an EPSG
 * code carries that code everywhere, as ogr2ogr carries it: the summary's CRS line names the operation PROJ
 * applies from it, an output GeoPackage's gpkg_spatial_ref_sys gets EPSG/<code>, GeoParquet's PROJJSON its
 * `id`. Expected values: test/fixtures/esri-prj/expected.json (make.sh: ogrinfo of a Shapefile carrying each
 * .prj, projinfo for the operation, ogr2ogr's GeoPackage of ../formats/shp/lux_cantons_2169.shp).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nodeSqlite from 'node-sqlite3-wasm';
import { crsFromWkt, identifiedCrs } from '../../../shared/features/crs-of';
import { openFeatureSource } from '../../../shared/features/open';
import { crsFromEpsg } from '../../../shared/crs/epsg';
import { describeTransformation } from '../../../shared/crs/operation';
import { crsProjJson } from '../../../shared/crs/projjson';
import { crsDisplayName, ensureProj } from '../../../shared/crs/transform';
import { gpkgSink } from '../../../shared/output/gpkg-sink';
import { streamStatsJob } from '../../../shared/engine/stats-job';
import { parseJobSpec } from '../../../shared/spec';
import { allowedFromUris } from '../../../shared/io/uri';
import type { Crs } from '../../../shared/crs/crs';
import type { ResultRow, StatColumn } from '../../../shared/output/table';

const FX = join(import.meta.dirname, '../../fixtures');
const HERE = join(FX, 'esri-prj');
const SHP = join(FX, 'formats/shp/lux_cantons_2169.shp');
const RASTER = join(FX, 'reference/data/lux/elev.cog.tif');

interface Expected {
  prj: Record<string, { epsg: number | null; at: [number, number]; name?: string; geodetic?: number; operation?: { code: string; name: string; accuracy: string } }>;
  gpkg: [string, number, string, number][];
}
const expected = JSON.parse(readFileSync(join(HERE, 'expected.json'), 'utf8')) as Expected;

const dir = mkdtempSync(join(tmpdir(), 'zf-esri-prj-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await ensureProj();
}, 60_000);

/** The operation line operation.ts writes for projinfo's first candidate. */
function operationLine(e: Expected['prj'][string]): string {
  if (e.operation === undefined) return 'no datum shift (same datum)';
  return `${e.operation.code} "${e.operation.name}", accuracy ${Number.parseFloat(e.operation.accuracy)} m`;
}

describe('a .prj GDAL identifies carries its EPSG code', () => {
  for (const [file, e] of Object.entries(expected.prj)) {
    it(`${file}: ${e.epsg === null ? 'not identified' : `EPSG:${e.epsg}`}, the operation to WGS 84 at (${e.at.join(', ')})`, async () => {
      const wkt = readFileSync(join(HERE, file), 'utf8').trim();
      const read = crsFromWkt(wkt, null, file);
      expect(read.epsg).toBeUndefined(); // nothing in the text names a code
      const crs = await identifiedCrs(read, file);
      if (e.epsg === null) {
        expect(crs).toBe(read);
        return;
      }
      expect(crs.epsg).toBe(e.epsg);
      expect(crs.def).toBe(`EPSG:${e.epsg}`);
      expect(crsDisplayName(crs)).toBe(`EPSG:${e.epsg} (${e.name})`);
      expect(describeTransformation(crs, crsFromEpsg(4326), e.at)).toBe(operationLine(e));
      expect(JSON.parse(crsProjJson(crs) ?? 'null')).toMatchObject({ name: e.name, id: { authority: 'EPSG', code: e.epsg } });
    });
  }
});

describe('a Shapefile with an ESRI .prj (../formats/shp, ogr2ogr of lux_cantons_2169.gpkg)', () => {
  const lux = expected.prj['luref_2169.prj'];
  let crs: Crs | undefined;
  const rows: ResultRow[] = [];
  let columns: StatColumn[] = [];
  let transformation = '';
  beforeAll(async () => {
    const spec = parseJobSpec({ input: { idColumn: 'ID_2' }, rasters: [{ uri: RASTER }], stats: ['count'], output: { geometry: true } });
    const done = await streamStatsJob({ input: SHP, spec, allowed: allowedFromUris([RASTER]) }, {
      begin: (c, t) => {
        columns = [...c];
        crs = t?.crs;
        return Promise.resolve();
      },
      rows: (r) => {
        rows.push(...r);
        return Promise.resolve();
      },
    });
    transformation = done.summary.crs?.[0]?.transformation ?? '';
  }, 60_000);

  it('opens as EPSG:2169, as ogrinfo -so reads it', async () => {
    const src = await openFeatureSource(SHP);
    try {
      expect(src.crs.epsg).toBe(lux?.epsg);
    } finally {
      src.close();
    }
  });

  it('the job names the operation it applied (projinfo), not "none known"', () => {
    expect(crs?.epsg).toBe(lux?.epsg);
    expect(rows).toHaveLength(12);
    expect(transformation).toBe(lux ? operationLine(lux) : '?');
  });

  it('its GeoPackage output has the SRS row ogr2ogr writes (EPSG/2169, not a custom srs_id)', async () => {
    const path = join(dir, 'out.gpkg');
    const sink = gpkgSink(path, { columns, geometry: { crs: crsProjJson(crs as Crs) } });
    await sink.write(rows);
    await sink.close();
    const db = new nodeSqlite.Database(path, { readOnly: true });
    try {
      const got = db.all('SELECT s.srs_name, s.srs_id, s.organization, s.organization_coordsys_id FROM gpkg_spatial_ref_sys s JOIN gpkg_geometry_columns g ON g.srs_id = s.srs_id');
      expect(got.map((r) => [r.srs_name, r.srs_id, r.organization, r.organization_coordsys_id])).toEqual(expected.gpkg);
    } finally {
      db.close();
    }
  });
});

describe('identification through a PROJ host thread (proj-remote.ts, as a streamed job\'s prepare thread uses PROJ)', () => {
  it('gives the code this thread\'s PROJ gives', async () => {
    const { useProjThread, releaseProjThread } = await import('../../../shared/engine/proj-thread');
    const { useProjBackend } = await import('../../../shared/crs/proj');
    const wkt = readFileSync(join(HERE, 'nad27_utm15n_26715.prj'), 'utf8').trim();
    useProjThread();
    try {
      const crs = await identifiedCrs(crsFromWkt(wkt, null, 'nad27'), 'nad27');
      expect(crs.epsg).toBe(expected.prj['nad27_utm15n_26715.prj']?.epsg);
      expect((await identifiedCrs(crsFromWkt(readFileSync(join(HERE, 'custom.prj'), 'utf8'), null, 'custom'), 'custom')).epsg).toBeUndefined();
    } finally {
      await releaseProjThread();
      useProjBackend(null);
    }
  }, 60_000);
});
