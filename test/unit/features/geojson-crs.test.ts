/**
 * A GeoJSON FeatureCollection's `crs` and `name` members are read wherever they are in the object (after
 * "features" too; the last of a duplicated one), and the CRS names GDAL resolves offline (the OGC http(s) URI, the
 * "EPSG" type) are read as GDAL reads them. Expected layer names and EPSG codes: `ogrinfo` (GDAL 3.6.2) in
 * test/fixtures/geojson-crs/expected.json, written by make.py beside the files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFeatureSource } from '../../../shared/features/open';
import { crsFromGeoJsonMember } from '../../../shared/features/crs-of';
import { CollectionMembersScanner, collectionMembersOf } from '../../../shared/features/geojson-top';
import { readFeatures } from '../../helpers/read-features';

const DIR = join(import.meta.dirname, '../../fixtures/geojson-crs');
const EXPECTED = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<string, { layer: string; epsg: number; gdalError?: string } | string>;
const READ = Object.entries(EXPECTED).flatMap(([file, e]) => (typeof e === 'string' || e.gdalError !== undefined ? [] : [[file, e.layer, e.epsg] as const]));

describe('GeoJSON top-level crs and name as GDAL reads them', () => {
  it('the fixtures cover members after "features", the OGC URIs, the EPSG type, duplicates', () => {
    expect(READ.map(([f]) => f)).toEqual(['crs_first.geojson', 'crs_last.geojson', 'ogc_http.geojson', 'ogc_https_last.geojson', 'epsg_type_last.geojson', 'duplicates.geojson', 'no_crs.geojson']);
  });
  it.each(READ)('%s: layer %s, EPSG:%i (ogrinfo), features untouched', async (file, layer, epsg) => {
    const src = await openFeatureSource(join(DIR, file));
    try {
      expect([src.layer, src.crs.epsg]).toEqual([layer, epsg]);
    } finally {
      src.close();
    }
    // --layer takes GDAL's name
    const named = await openFeatureSource(join(DIR, file), { layer });
    named.close();
    const fs = await readFeatures(join(DIR, file), { idColumn: 'id' });
    expect(fs.map((f) => [f.id, (f.geometry as { coordinates: number[][][] }).coordinates[0]?.[0]])).toEqual([['a', [76000, 75000]], ['b', [78000, 75000]]]);
  });
  it('a crs GDAL would fetch from the network (and, offline, replace by WGS 84) is refused naming the file and the name', async () => {
    expect((EXPECTED['gml_uri.geojson'] as { gdalError: string }).gdalError).toContain('ALLOW_NETWORK_ACCESS=NO');
    const file = join(DIR, 'gml_uri.geojson');
    await expect(openFeatureSource(file)).rejects.toMatchObject({ code: 'CRS_UNRESOLVED', message: `${file}: cannot read the CRS name "http://www.opengis.net/gml/srs/epsg.xml#2169"` });
  });
  it('a crs member of another type or without a code is refused, not read as WGS 84', () => {
    expect(() => crsFromGeoJsonMember({ type: 'link', properties: { href: 'http://spatialreference.org/ref/epsg/2169/proj4/', type: 'proj4' } }, 'f.geojson')).toThrow(/^f\.geojson: cannot read the top-level "crs" member \{"type":"link"/);
    expect(() => crsFromGeoJsonMember({}, 'f.geojson')).toThrow(/cannot read the top-level "crs" member \{\}/);
    expect(() => crsFromGeoJsonMember({ type: 'EPSG', properties: { code: 'x' } }, 'f.geojson')).toThrow(/"crs" member/);
    expect(crsFromGeoJsonMember({ type: 'epsg', properties: { code: '2169' } }, 'f').epsg).toBe(2169);
    expect(crsFromGeoJsonMember({ type: 'OGC', properties: { urn: 'urn:ogc:def:crs:EPSG::2169' } }, 'f').epsg).toBe(2169);
    expect(crsFromGeoJsonMember({ properties: { name: 'EPSG:2169' }, type: 'NAME' }, 'f').epsg).toBe(2169);
    expect(crsFromGeoJsonMember(null, 'f').epsg).toBe(4326);
  });
  it('the scanner reads the members across block boundaries of any size, escaped keys and strings included', () => {
    const text = readFileSync(join(DIR, 'duplicates.geojson'), 'utf8').replace('"name": "second"', '"n\\u0061me": "sec\\"ond \\u00e9}]"');
    const whole = collectionMembersOf(text);
    expect(whole).toEqual({ name: 'sec"ond é}]', crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::2169' } } });
    const bytes = Buffer.from(text, 'utf8');
    for (const size of [1, 2, 3, 7, 64]) {
      const s = new CollectionMembersScanner('t');
      for (let i = 0; i < bytes.length; i += size) s.write(Buffer.from(bytes.subarray(i, i + size)));
      expect(s.result(), `blocks of ${size}`).toEqual(whole);
    }
  });
});
