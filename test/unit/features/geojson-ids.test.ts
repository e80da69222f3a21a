/**
 * GeoJSON `id` members read as GDAL's GeoJSON driver reads them. The expected fids and `id`
 * fields are GDAL's: each case's file was written exactly as below and read with
 * `ogrinfo -ro -al -q <case>.geojson` (GDAL 3.6.2, 2026-12-02); its `OGRFeature(layer):<fid>`
 * and `id (...) = <value>` lines are the literals here (no id field: null). GeoJSONSeq
 * (`.geojsonl`) read with the same ogrinfo gave the same fids and fields for the string,
 * mixed and property cases. GDAL is not needed to run this test.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openFeatureSource } from '../../../shared/features/open';
import { runStatsJob } from '../../../shared/engine/stats-job';
import { parseJobSpec } from '../../../shared/spec';
import { allowedFromUris } from '../../../shared/io/uri';
import { readFeatures } from '../../helpers/read-features';

const dir = mkdtempSync(join(tmpdir(), 'zf-geojson-ids-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const point = { type: 'Point', coordinates: [6.1, 49.6] };
/** A feature: `id` member (omitted when undefined) and properties. */
const feat = (id: unknown, properties: Record<string, unknown>): Record<string, unknown> => ({ type: 'Feature', ...(id === undefined ? {} : { id }), geometry: point, properties });

const read = readFeatures;

/** [case, features, GDAL's fids, GDAL's `id` field (null: none or unset)] */
const cases: [string, Record<string, unknown>[], number[], (string | number | null)[]][] = [
  ['string ids', [feat('a', { v: 1 }), feat('b', { v: 2 })], [0, 1], ['a', 'b']],
  ['integer ids', [feat(7, { v: 1 }), feat(3, { v: 2 })], [7, 3], [null, null]],
  ['mixed, integer first (a string member read as an integer: "b" -> 0, "12" -> 12; none -> next of 0, 1)', [feat(7, { v: 1 }), feat('b', { v: 2 }), feat('12', { v: 3 }), feat(undefined, { v: 4 }), feat(undefined, { v: 5 })], [7, 0, 12, 0, 1], [null, null, null, null, null]],
  ['mixed, string first', [feat('b', { v: 1 }), feat(7, { v: 2 }), feat('c', { v: 3 })], [0, 1, 2], ['b', '7', 'c']],
  ['string ids and a text property id (the property wins)', [feat('a', { id: 'P1', v: 1 }), feat('b', { id: 'P2', v: 2 })], [0, 1], ['P1', 'P2']],
  ['integer ids and a text property id', [feat(5, { id: 'P1', v: 1 }), feat(6, { id: 'P2', v: 2 })], [5, 6], ['P1', 'P2']],
  ['string ids and an integer property id (the FID column)', [feat('a', { id: 10 }), feat('b', { id: 20 })], [10, 20], [10, 20]],
  ['a real id', [feat(1.5, { v: 1 }), feat(2, { v: 2 })], [0, 1], ['1.5', '2']],
  ['no id, then string ids, then a null property id', [feat(undefined, { v: 1 }), feat('x', { v: 2 }), feat('y', { id: null, v: 3 })], [0, 1, 2], [null, 'x', null]],
];

describe('GeoJSON id members as GDAL reads them', () => {
  for (const [name, features, fids, idField] of cases) {
    it(name, async () => {
      const p = join(dir, `${name.replace(/\W+/g, '_')}.geojson`);
      writeFileSync(p, JSON.stringify({ type: 'FeatureCollection', features }));
      // `id` is asked for when GDAL makes it a field (some feature's member or property)
      const opts = idField.every((v) => v === null) ? {} : { columns: ['id'] };
      const fs = await read(p, opts);
      expect(fs.map((f) => f.fid)).toEqual(fids);
      if (idField.some((v) => v !== null)) expect(fs.map((f) => f.properties.id ?? null)).toEqual(idField);
      // the same lines as GeoJSONSeq
      const q = join(dir, `${name.replace(/\W+/g, '_')}.geojsonl`);
      writeFileSync(q, features.map((f) => JSON.stringify(f)).join('\n') + '\n');
      const qs = await read(q, opts);
      expect(qs.map((f) => [f.fid, f.properties.id ?? null])).toEqual(fs.map((f) => [f.fid, f.properties.id ?? null]));
    });
  }

  // GDAL's int64 FIDs beyond 2^53 (ogrinfo -ro -al -q, GDAL 3.6.2, 2026-12-03, files of these members: an `id`
  // member 9007199254740993 then 1, 2, 3 gave OGRFeature:9007199254740993, 1, 2, 3; a property `id` of
  // 9007199254740993.. gave OGRFeature:9007199254740993.. with `id (Integer64)`). Written as raw JSON text: a double
  // cannot hold them. Before: "Do not know how to serialize a BigInt" (member), fids 0, 1.. (property).
  it('integer ids beyond 2^53 (a member, a property id, a string member) are the fid, exactly, as text', async () => {
    const g = JSON.stringify(point);
    const fc = (members: string[]): string => `{"type":"FeatureCollection","features":[${members.join(',')}]}`;
    const p = join(dir, 'big-member.geojson');
    writeFileSync(p, fc([`{"type":"Feature","id":9007199254740993,"geometry":${g},"properties":{"v":1}}`, ...[1, 2, 3].map((i) => `{"type":"Feature","id":${i},"geometry":${g},"properties":{"v":1}}`)]));
    const fs = await read(p);
    expect(fs.map((f) => [f.fidText ?? String(f.fid), f.id])).toEqual([['9007199254740993', '9007199254740993'], ['1', '1'], ['2', '2'], ['3', '3']]);
    // the stand-in key is not an integer (as a GeoPackage rowid beyond 2^53's) and stable across passes
    expect(Number.isInteger(fs[0]?.fid)).toBe(false);
    expect((await read(p)).map((f) => f.fid)).toEqual(fs.map((f) => f.fid));
    const q = join(dir, 'big-prop.geojson');
    writeFileSync(q, fc(['9007199254740993', '9007199254740994'].map((i) => `{"type":"Feature","geometry":${g},"properties":{"id":${i}}}`)));
    expect((await read(q)).map((f) => [f.fidText, f.id])).toEqual([['9007199254740993', '9007199254740993'], ['9007199254740994', '9007199254740994']]);
    const r = join(dir, 'big-string.geojson');
    writeFileSync(r, fc([`{"type":"Feature","id":5,"geometry":${g},"properties":{}}`, `{"type":"Feature","id":"9223372036854775807","geometry":${g},"properties":{}}`]));
    expect((await read(r)).map((f) => f.fidText ?? String(f.fid))).toEqual(['5', '9223372036854775807']);
    // the same lines as GeoJSONSeq
    const l = join(dir, 'big-member.geojsonl');
    writeFileSync(l, `{"type":"Feature","id":9007199254740993,"geometry":${g},"properties":{}}\n{"type":"Feature","id":9007199254740994,"geometry":${g},"properties":{}}\n`);
    expect((await read(l)).map((f) => f.fidText)).toEqual(['9007199254740993', '9007199254740994']);
  });

  it('string ids are the default id and --id-column id selects them; an integer id is the fid', async () => {
    const p = join(dir, 'ids.geojson');
    writeFileSync(p, JSON.stringify({ type: 'FeatureCollection', features: [feat('a', { v: 1 }), feat('b', { v: 2 })] }));
    expect((await read(p)).map((f) => f.id)).toEqual(['a', 'b']);
    expect((await read(p, { idColumn: 'id' })).map((f) => [f.fid, f.id])).toEqual([[0, 'a'], [1, 'b']]);
    const src = await openFeatureSource(p);
    expect(src.columns).toContain('id');
    expect(src.columnKind('id')).toBe('text');
    src.close();
    const q = join(dir, 'ints.geojson');
    writeFileSync(q, JSON.stringify({ type: 'FeatureCollection', features: [feat(7, { v: 1 }), feat(3, { v: 2 })] }));
    expect((await read(q)).map((f) => [f.fid, f.id])).toEqual([[7, '7'], [3, '3']]);
    await expect(read(q, { idColumn: 'id' })).rejects.toThrow(/ints\.geojson: layer "ints" has no column "id" for the ids \(columns: v\)/);
  });

  it('zonalflow stats over the cantons with string ids: the output ids are the members', async () => {
    const FX = join(import.meta.dirname, '../../fixtures');
    const raster = join(FX, 'reference/data/lux/elev.cog.tif');
    const cantons = JSON.parse(readFileSync(join(FX, 'formats/lux_cantons_2169.geojson'), 'utf8')) as { features: Record<string, unknown>[] };
    const names = 'abcdefghijkl'.split('');
    cantons.features = cantons.features.map((f, i) => ({ ...f, id: names[i] }));
    const p = join(dir, 'mixed.geojson');
    writeFileSync(p, JSON.stringify(cantons));
    for (const idColumn of [undefined, 'id']) {
      const spec = parseJobSpec({ input: idColumn === undefined ? {} : { idColumn }, rasters: [{ uri: raster }], stats: ['count'] });
      const r = await runStatsJob({ input: p, spec, allowed: allowedFromUris([raster]) });
      expect(r.summary.failed).toBe(0);
      expect(r.rows.map((row) => row.id)).toEqual(names);
    }
  });
});
