import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadProj } from '../../../shared/crs/proj';
import { openGeoPackage } from '../../../shared/features/gpkg';
import { crsFromEpsg } from '../../../shared/crs/epsg';
import { crsFromGeoKeys } from '../../../shared/crs/geokeys';
import type { GeoKeys } from '../../../shared/crs/geokeys';
import { crsFromSrs, wktEpsgCode } from '../../../shared/crs/srs';
import { checkCrs, crsDisplayName, crsEquivalent, isGeographic, makeTransformer } from '../../../shared/crs/transform';
import type { Crs } from '../../../shared/crs/crs';
import { openRaster } from '../../../shared/raster/cog';
import { gridBounds } from '../../../shared/raster/grid';
import { FileSource } from '../../../shared/io/source.file';
import { CrsError } from '../../../shared/errors';
import { geometryBBox } from '../../../shared/geometry/bbox';
import type { Position } from '../../../shared/geometry/types';

beforeAll(() => loadProj(), 60_000);

const REF = join(import.meta.dirname, '../../fixtures/reference');
const crs = (def: string): Crs => ({ name: def.slice(0, 30), def });

/** PROJ on the reference CRS (an EPSG code or a PROJ string): the reference for GeoKeys-built CRSs. */
function sameTransform(a: Crs, ref: Crs, pts: Position[], tol: number): void {
  const t = makeTransformer(crsFromEpsg(4326), a);
  const r = makeTransformer(crsFromEpsg(4326), ref);
  for (const p of pts) {
    const got = t ? t(p[0], p[1]) : p;
    const want = r ? r(p[0], p[1]) : p;
    expect(Math.abs(got[0] - (want[0] ?? NaN)), `x of ${p.join(',')}`).toBeLessThan(tol);
    expect(Math.abs(got[1] - (want[1] ?? NaN)), `y of ${p.join(',')}`).toBeLessThan(tol);
  }
}

const WKT1_ALBERS = 'PROJCS["unnamed",GEOGCS["GRS 1980(IUGG, 1980)",DATUM["unknown",SPHEROID["GRS80",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]]],PROJECTION["Albers_Conic_Equal_Area"],PARAMETER["latitude_of_center",34],PARAMETER["longitude_of_center",-120],PARAMETER["standard_parallel_1",43],PARAMETER["standard_parallel_2",48],PARAMETER["false_easting",600000],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH]]';
const WKT2_ALBERS = 'PROJCRS["unnamed",BASEGEOGCRS["unknown",DATUM["unknown",ELLIPSOID["GRS80",6378137,298.257222101,LENGTHUNIT["metre",1]]],PRIMEM["Greenwich",0,ANGLEUNIT["degree",0.0174532925199433]]],CONVERSION["unnamed",METHOD["Albers Equal Area",ID["EPSG",9822]],PARAMETER["Latitude of false origin",34,ANGLEUNIT["degree",0.0174532925199433],ID["EPSG",8821]],PARAMETER["Longitude of false origin",-120,ANGLEUNIT["degree",0.0174532925199433],ID["EPSG",8822]],PARAMETER["Latitude of 1st standard parallel",43,ANGLEUNIT["degree",0.0174532925199433],ID["EPSG",8823]],PARAMETER["Latitude of 2nd standard parallel",48,ANGLEUNIT["degree",0.0174532925199433],ID["EPSG",8824]],PARAMETER["Easting at false origin",600000,LENGTHUNIT["metre",1],ID["EPSG",8826]],PARAMETER["Northing at false origin",0,LENGTHUNIT["metre",1],ID["EPSG",8827]]],CS[Cartesian,2],AXIS["easting",east,ORDER[1],LENGTHUNIT["metre",1]],AXIS["northing",north,ORDER[2],LENGTHUNIT["metre",1]]]';

describe('crsFromSrs (GeoPackage rows)', () => {
  it('EPSG:2169 as WKT from the GPKG (no TOWGS84) equals the code, and PROJ gives it the same datum shift as the code', () => {
    const g = openGeoPackage(join(REF, 'data/lux/lux_cantons_2169.gpkg'));
    const row = g.rows<{ srs_id: number; organization: string; organization_coordsys_id: number; definition: string; srs_name: string }>('SELECT * FROM gpkg_spatial_ref_sys WHERE srs_id = 2169')[0];
    g.close();
    if (!row) throw new Error('no 2169 row');
    expect(wktEpsgCode(row.definition)).toBe(2169);
    // the WKT alone (GDAL leaves TOWGS84 out) and the code are the same CRS
    expect(crsEquivalent(crs(row.definition), crsFromEpsg(2169))).toBe(true);
    expect(crsFromSrs(row).epsg).toBe(2169);
    expect(crsFromSrs(row).def).toBe(row.definition);
    // the same WKT under a non-EPSG organization still names the code through its AUTHORITY
    expect(crsFromSrs({ ...row, organization: 'NONE', organization_coordsys_id: 100001 }).epsg).toBe(2169);
    // PROJ identifies the WKT and applies the code's datum shift (~100 m at the origin, which a shift-less reading would lose)
    const fromCode = makeTransformer(crsFromEpsg(2169), crsFromEpsg(4326));
    const fromWkt = makeTransformer(crsFromSrs(row), crsFromEpsg(4326));
    const a: [number, number] = fromCode?.(80000, 100000) ?? [NaN, NaN];
    const b: [number, number] = fromWkt?.(80000, 100000) ?? [NaN, NaN];
    expect(Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1])).toBeLessThan(1e-10);
    const noShift = makeTransformer(crs('+proj=tmerc +lat_0=49.8333333333333 +lon_0=6.16666666666667 +k=1 +x_0=80000 +y_0=100000 +ellps=intl +towgs84=0,0,0 +units=m +no_defs'), crsFromEpsg(4326));
    const c: [number, number] = noShift?.(80000, 100000) ?? [NaN, NaN];
    expect(Math.abs(a[0] - c[0]) + Math.abs(a[1] - c[1])).toBeGreaterThan(5e-4);
  });
  it('WKT2 definition_12_063 preferred and read by PROJ; WKT1 fallback when WKT2 is unusable; same CRS either way', () => {
    const base = { srs_id: 100000, srs_name: 'albers', organization: 'NONE', organization_coordsys_id: 100000 };
    const viaWkt2 = crsFromSrs({ ...base, definition: 'undefined', definition_12_063: WKT2_ALBERS });
    expect(viaWkt2.def).toBe(WKT2_ALBERS);
    const viaWkt1 = crsFromSrs({ ...base, definition: WKT1_ALBERS, definition_12_063: 'PROJCRS["broken",' });
    expect(viaWkt1.alternatives).toEqual([WKT1_ALBERS]);
    expect(crsEquivalent(viaWkt1, viaWkt2)).toBe(true);
    expect(makeTransformer(viaWkt1, viaWkt2)).toBeNull();
  });
  it('a code that contradicts the WKT is ignored (the definition wins); no WKT: the code; undefined srs ids are an undefined CRS', () => {
    const lie = crsFromSrs({ srs_id: 4326, organization: 'EPSG', organization_coordsys_id: 4326, definition: WKT1_ALBERS });
    expect(lie.def).toBe(WKT1_ALBERS);
    expect(lie.epsg).toBeUndefined();
    expect(makeTransformer(lie, crsFromEpsg(4326))).not.toBeNull();
    const byCode = crsFromSrs({ srs_id: 32633, organization: 'EPSG', organization_coordsys_id: 32633, definition: 'undefined' });
    expect([byCode.def, byCode.epsg]).toEqual(['EPSG:32633', 32633]);
    expect(crsFromSrs({ srs_id: 0, organization: 'NONE', organization_coordsys_id: 0, definition: 'undefined' })).toMatchObject({ undefinedCrs: true, name: expect.stringMatching(/undefined geographic/) as unknown });
    expect(crsFromSrs({ srs_id: -1, organization: 'NONE', organization_coordsys_id: -1, definition: 'undefined' })).toMatchObject({ undefinedCrs: true, name: expect.stringMatching(/undefined Cartesian/) as unknown });
    expect(crsFromSrs({ srs_id: 99999, srs_name: 'Undefined SRS', organization: 'NONE', organization_coordsys_id: 99999, definition: 'LOCAL_CS["Undefined SRS",LOCAL_DATUM["unknown",32767],UNIT["unknown",0],AXIS["Easting",EAST],AXIS["Northing",NORTH]]' }).undefinedCrs).toBe(true);
    expect(() => crsFromSrs({ srs_id: 7777, srs_name: 'mystery', organization: 'NONE', organization_coordsys_id: 7777, definition: '' })).toThrow(/"mystery" \(srs_id 7777, NONE:7777\)/);
    expect(() => makeTransformer(crsFromSrs({ srs_id: 7777, srs_name: 'mystery', organization: 'EPSG', organization_coordsys_id: 999997, definition: '' }), crsFromEpsg(4326))).toThrow(/EPSG:999997 is not known to PROJ/);
  });
});

describe('crsFromEpsg', () => {
  it('every code PROJ knows (names from proj.db); ESRI codes as GDAL reads them; unknown codes a CrsError on use', () => {
    expect(crsDisplayName(crsFromEpsg(31965))).toContain('SIRGAS 2000 / UTM zone 11N');
    expect(crsDisplayName(crsFromEpsg(31985))).toContain('UTM zone 25S');
    expect(crsDisplayName(crsFromEpsg(28992))).toBe('EPSG:28992 (Amersfoort / RD New)');
    expect(crsDisplayName(crsFromEpsg(54009))).toContain('Mollweide');
    expect(crsDisplayName(crsFromEpsg(102100))).toContain('Web_Mercator');
    // 102100 is the ESRI twin of 3857
    const [x, y] = makeTransformer(crsFromEpsg(4326), crsFromEpsg(102100))?.(10, 50) ?? [NaN, NaN];
    const [x2, y2] = makeTransformer(crsFromEpsg(4326), crsFromEpsg(3857))?.(10, 50) ?? [NaN, NaN];
    expect(Math.abs(x - x2) + Math.abs(y - y2)).toBeLessThan(1e-6);
    expect(() => makeTransformer(crsFromEpsg(999998), crsFromEpsg(4326))).toThrow(/EPSG:999998 is not known to PROJ/);
    expect(crsDisplayName(crsFromEpsg(31986))).toContain('SIRGAS 1995 / UTM zone 17N');
    expect(() => checkCrs(crsFromEpsg(999999))).toThrow(CrsError);
  });
  it('4326 vs 3857 unequal; 4326 vs 4326 identity (no transformer, no float noise); 4326 is geographic', () => {
    expect(crsEquivalent(crsFromEpsg(4326), crsFromEpsg(3857))).toBe(false);
    expect(makeTransformer(crsFromEpsg(4326), crsFromEpsg(4326))).toBeNull();
    expect(isGeographic(crsFromEpsg(4326))).toBe(true);
    expect(isGeographic(crsFromEpsg(3857))).toBe(false);
    // 3857 of a known point (EPSG guidance note 7-2 style arithmetic: x = R lon, y = R ln tan(pi/4 + lat/2))
    const t = makeTransformer(crsFromEpsg(4326), crsFromEpsg(3857));
    const [x, y] = t?.(10, 50) ?? [NaN, NaN];
    const R = 6378137;
    expect(x).toBeCloseTo((R * 10 * Math.PI) / 180, 6);
    expect(y).toBeCloseTo(R * Math.log(Math.tan(Math.PI / 4 + (50 * Math.PI) / 360)), 6);
  });
  it('a definition PROJ cannot read is a CrsError naming the CRS', () => {
    expect(() => makeTransformer({ name: 'Bogus CRS', def: '+proj=nonsense +foo' }, crsFromEpsg(4326))).toThrow(/Bogus CRS/);
    expect(() => makeTransformer({ name: 'Bogus CRS', def: '+proj=nonsense +foo' }, crsFromEpsg(4326))).toThrow(CrsError);
  });
});

describe('crsFromGeoKeys (user-defined projections)', () => {
  const grs80 = { 1024: 1, 2048: 32767, 2050: 32767, 2054: 9102, 2056: 32767, 2057: 6378137, 2059: 298.257222101, 3072: 32767, 3076: 9001 };
  const pts: Position[] = [[2, 48], [10, 52], [-5, 40], [20, 60]];
  it('Albers (CT 11) = the rasterstats GPKG WKT1 and WKT2', () => {
    const k: GeoKeys = { ...grs80, 3075: 11, 3078: 43, 3079: 48, 3080: -120, 3081: 34, 3082: 600000, 3083: 0 };
    const c = crsFromGeoKeys(k);
    expect(c.epsg).toBeUndefined();
    expect(crsEquivalent(c, crs(WKT1_ALBERS))).toBe(true);
    expect(crsEquivalent(c, crs(WKT2_ALBERS))).toBe(true);
    // one parameter off: not equal
    expect(crsEquivalent(crsFromGeoKeys({ ...k, 3079: 48.0001 }), crs(WKT1_ALBERS))).toBe(false);
    expect(crsEquivalent(crsFromGeoKeys({ ...k, 3082: 600001 }), crs(WKT1_ALBERS))).toBe(false);
  });
  it('LCC 2SP (CT 8) = EPSG:2154 and EPSG:3034; LAEA (CT 10) = EPSG:3035', () => {
    const lcc = crsFromGeoKeys({ ...grs80, 3075: 8, 3078: 49, 3079: 44, 3084: 3, 3085: 46.5, 3086: 700000, 3087: 6600000 });
    expect(crsEquivalent(lcc, crsFromEpsg(2154))).toBe(true);
    expect(crsEquivalent(lcc, crsFromEpsg(3034))).toBe(false);
    sameTransform(lcc, crsFromEpsg(2154), pts, 1e-6);
    const laea = crsFromGeoKeys({ ...grs80, 3075: 10, 3088: 10, 3089: 52, 3082: 4321000, 3083: 3210000 });
    expect(crsEquivalent(laea, crsFromEpsg(3035))).toBe(true);
    sameTransform(laea, crsFromEpsg(3035), pts, 1e-6);
  });
  it('Transverse Mercator (CT 1) with the WGS 84 code as its GCS = UTM 32N; in US survey feet = EPSG:2236 (false easting in feet)', () => {
    const tm = crsFromGeoKeys({ 1024: 1, 2048: 4326, 3072: 32767, 3075: 1, 3076: 9001, 3080: 9, 3081: 0, 3082: 500000, 3083: 0, 3092: 0.9996 });
    expect(crsEquivalent(tm, crsFromEpsg(32632))).toBe(true);
    const ft = crsFromGeoKeys({ 1024: 1, 2048: 32767, 2050: 6269, 3072: 32767, 3075: 1, 3076: 9003, 3080: -81, 3081: 24 + 1 / 3, 3082: 656166.667, 3083: 0, 3092: 0.999941177 });
    const epsg2236 = '+proj=tmerc +lat_0=24.33333333333333 +lon_0=-81 +k=0.999941177 +x_0=200000.0001016002 +y_0=0 +datum=NAD83 +units=us-ft +no_defs';
    sameTransform(ft, crsFromEpsg(2236), [[-80.5, 26], [-81.5, 28.5]], 1e-6);
    sameTransform(ft, crs(epsg2236), [[-80.5, 26], [-81.5, 28.5]], 1e-6);
    // Miami in feet: about 2.5e6 ft east of nothing, well inside the state plane
    const [x] = makeTransformer(crsFromEpsg(4326), ft)?.(-80.19, 25.77) ?? [NaN];
    expect(x).toBeGreaterThan(900000);
    expect(x).toBeLessThan(1000000);
  });
  it('polar stereographic (CT 15): variant B (latitude of true scale) = EPSG:3031; variant A (pole + scale) = UPS North', () => {
    const b = crsFromGeoKeys({ 1024: 1, 2048: 4326, 3072: 32767, 3075: 15, 3081: -71, 3095: 0, 3082: 0, 3083: 0, 3092: 1 });
    expect(crsEquivalent(b, crsFromEpsg(3031))).toBe(true);
    sameTransform(b, crsFromEpsg(3031), [[0, -75], [120, -80], [-60, -65]], 1e-6);
    const a = crsFromGeoKeys({ 1024: 1, 2048: 4326, 3072: 32767, 3075: 15, 3081: 90, 3095: 0, 3082: 2000000, 3083: 2000000, 3092: 0.994 });
    sameTransform(a, crsFromEpsg(32661), [[0, 85], [45, 88], [-120, 84]], 1e-6);
  });
  it('Mercator (CT 7) = EPSG:3395; a sphere from semi-axes; radians as angular unit', () => {
    const m = crsFromGeoKeys({ 1024: 1, 2048: 4326, 3072: 32767, 3075: 7, 3088: 0, 3082: 0, 3083: 0, 3092: 1 });
    expect(crsEquivalent(m, crsFromEpsg(3395))).toBe(true);
    const rad = crsFromGeoKeys({ ...grs80, 2054: 9101, 3075: 11, 3078: (43 * Math.PI) / 180, 3079: (48 * Math.PI) / 180, 3080: (-120 * Math.PI) / 180, 3081: (34 * Math.PI) / 180, 3082: 600000, 3083: 0 });
    expect(crsEquivalent(rad, crs(WKT1_ALBERS))).toBe(true);
  });
  it('no GeoKeys: an undefined CRS, as GDAL reads none (taken as the features\'); unsupported transformation, unit: CrsErrors naming the problem', () => {
    expect(crsFromGeoKeys({}).undefinedCrs).toBe(true);
    expect(() => crsFromGeoKeys({ 1024: 1, 1026: 'odd', 3072: 32767, 3075: 99 })).toThrow(/odd: user-defined projection with coordinate transformation code 99/);
    expect(() => crsFromGeoKeys({ 1024: 1, 3072: 32767, 3075: 1, 3076: 9999 })).toThrow(/linear unit code 9999/);
    expect(() => checkCrs(crsFromGeoKeys({ 1024: 1, 3072: 99999 }))).toThrow(/EPSG:99999/);
  });
});

describe('axis order and the reference data', () => {
  it('lux cantons 4326 (x = longitude) land on the lux raster (EPSG:4326 GeoKeys)', async () => {
    const r = await openRaster(new FileSource(join(REF, 'data/lux/elev.cog.tif')));
    const rc = crsFromGeoKeys(r.info.geoKeys);
    const g = openGeoPackage(join(REF, 'data/lux/lux_cantons_4326.gpkg'));
    const layer = g.layer();
    expect(makeTransformer(layer.crs, rc)).toBeNull();
    const rb = gridBounds(r.info.grid);
    for (const f of layer.features()) {
      const b = f.geometry ? geometryBBox(f.geometry) : null;
      if (!b) throw new Error(`canton ${f.fid} has no box`);
      expect(b.xmin).toBeGreaterThanOrEqual(rb.xmin - 1e-9);
      expect(b.xmax).toBeLessThanOrEqual(rb.xmax + 1e-9);
      expect(b.ymin).toBeGreaterThanOrEqual(rb.ymin - 1e-9);
      expect(b.ymax).toBeLessThanOrEqual(rb.ymax + 1e-9);
    }
    g.close();
  });
  it('lux cantons 2169 -> 4326: every vertex lands on the ogr2ogr (PROJ) 4326 copy within 1e-7 degrees', () => {
    const a = openGeoPackage(join(REF, 'data/lux/lux_cantons_2169.gpkg'));
    const b = openGeoPackage(join(REF, 'data/lux/lux_cantons_4326.gpkg'));
    const t = makeTransformer(a.layer().crs, b.layer().crs);
    if (!t) throw new Error('a transformer is needed');
    const fb = [...b.layer().features()];
    let worst = 0;
    let n = 0;
    for (const [i, f] of [...a.layer().features()].entries()) {
      const pa: Position[] = [];
      const pb: Position[] = [];
      const collect = (g: typeof f.geometry, out: Position[]): void => {
        if (g?.type === 'Polygon') out.push(...g.coordinates.flat());
        else if (g?.type === 'MultiPolygon') out.push(...g.coordinates.flat(2));
      };
      collect(f.geometry, pa);
      collect(fb[i]?.geometry ?? null, pb);
      expect(pa.length).toBe(pb.length);
      expect(pa.length).toBeGreaterThan(3);
      for (const [k, p] of pa.entries()) {
        const [lon, lat] = t(p[0], p[1]);
        const q = pb[k] as Position;
        worst = Math.max(worst, Math.abs(lon - q[0]), Math.abs(lat - q[1]));
        n++;
      }
    }
    expect(n).toBeGreaterThan(3000);
    expect(worst).toBeLessThan(1e-7);
    a.close();
    b.close();
  });
});
