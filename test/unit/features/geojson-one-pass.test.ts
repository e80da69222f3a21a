/**
 * A GeoJSON FeatureCollection opened for a job that reads columns (an id column, attributes: open.ts `fields`) is
 * read twice, not three times: its top-level members (layer name, CRS) and its fields (GDAL's first pass) in one
 * pass, then its features. The oracle: the same file opened without `fields` (three passes, the reading GDAL's
 * fixtures test: geojson-schema.test.ts, geojson-crs.test.ts), which must give the same layer, CRS, columns, kinds,
 * features and error messages. The passes are counted on node:fs (opens of the file).
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as Fs from 'node:fs';

const opened = vi.hoisted(() => ({ sync: [] as string[], streams: [] as string[] }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof Fs>();
  const openSync = ((p: string, ...rest: unknown[]) => {
    opened.sync.push(String(p));
    return (fs.openSync as (...a: unknown[]) => number)(p, ...rest);
  }) as typeof fs.openSync;
  const createReadStream = ((p: string, ...rest: unknown[]) => {
    opened.streams.push(String(p));
    return (fs.createReadStream as (...a: unknown[]) => ReturnType<typeof fs.createReadStream>)(p, ...rest);
  }) as typeof fs.createReadStream;
  return { ...fs, default: { ...fs, openSync, createReadStream }, openSync, createReadStream };
});

const { openFeatureSource } = await import('../../../shared/features/open');
type Source = Awaited<ReturnType<typeof openFeatureSource>>;

const FIXTURES = [
  ...['geojson-schema', 'geojson-crs'].flatMap((d) => readdirSync(join(import.meta.dirname, '../../fixtures', d)).filter((f) => f.endsWith('.geojson')).map((f) => join(import.meta.dirname, '../../fixtures', d, f))),
  join(import.meta.dirname, '../../fixtures/formats/lux_cantons_2169.geojson'),
];
const dir = mkdtempSync(join(tmpdir(), 'zf-geojson-one-pass-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  opened.sync.length = 0;
  opened.streams.length = 0;
});

async function caught<T>(f: () => T | Promise<T>): Promise<string> {
  try {
    await f();
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
  return 'no error';
}

async function all(src: Source, opts: Parameters<Source['features']>[0]): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const f of src.features(opts)) out.push(f);
  return out;
}

describe('GeoJSON opened for its columns: members and fields in one pass', () => {
  it.each(FIXTURES.map((p) => [p.split('/').slice(-2).join('/'), p]))('%s: the same layer, CRS, columns, kinds and features as three passes (or the same refusal)', async (_name, path) => {
    const refused = await caught(() => openFeatureSource(path));
    if (refused !== 'no error') {
      // a CRS the file names and zonalflow cannot read (gml_uri): the same refusal
      expect(await caught(() => openFeatureSource(path, { fields: true }))).toBe(refused);
      return;
    }
    const three = await openFeatureSource(path);
    const two = await openFeatureSource(path, { fields: true });
    expect(two.layer).toBe(three.layer);
    expect(two.crs).toEqual(three.crs);
    expect(two.columns).toEqual(three.columns);
    for (const c of three.columns) expect(two.columnKind(c), c).toBe(three.columnKind(c));
    const idColumn = three.columns[0];
    const opts = idColumn === undefined ? {} : { idColumn, columns: three.columns.slice(1) };
    expect(await all(two, opts)).toEqual(await all(three, opts));
  });

  it('reads the file twice with an id column (members and fields, then features), three times without `fields`', async () => {
    const path = join(import.meta.dirname, '../../fixtures/formats/lux_cantons_2169.geojson');
    const passes = async (fields: boolean): Promise<number> => {
      opened.sync.length = 0;
      opened.streams.length = 0;
      const src = await openFeatureSource(path, { fields });
      await all(src, { idColumn: 'ID_2' });
      // one openSync is the format's sniff of the first 512 bytes (open.ts detectFormat)
      return opened.sync.filter((p) => p === path).length - 1 + opened.streams.filter((p) => p === path).length;
    };
    expect(await passes(true)).toBe(2);
    expect(await passes(false)).toBe(3);
  });

  it('keeps a feature\'s unreadable member for when the columns are asked for, the layer\'s name and CRS read after it (past the first 1 MiB block)', async () => {
    const poly = '{"type": "Polygon", "coordinates": [[[76000, 75000], [77000, 75000], [77000, 76000], [76000, 76000], [76000, 75000]]]}';
    const good = Array.from({ length: 12_000 }, (_, i) => `{"type": "Feature", "properties": {"id": "f${i}"}, "geometry": ${poly}}`);
    const path = join(dir, 'bad_member.geojson');
    writeFileSync(path, `{"type": "FeatureCollection", "features": [\n{"type": "Feature", "properties": {"id": tru}, "geometry": ${poly}},\n${good.join(',\n')}\n],\n"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2169"}},\n"name": "late"\n}\n`);
    const three = await openFeatureSource(path);
    const two = await openFeatureSource(path, { fields: true });
    expect(two.layer).toBe('late');
    expect(two.crs).toEqual(three.crs);
    const message = await caught(() => three.columns);
    expect(message).toMatch(/^InputError: .*bad_member\.geojson is not valid GeoJSON: feature 0's "properties" member cannot be read: /);
    expect(await caught(() => two.columns)).toBe(message);
    expect(await caught(() => two.columns)).toBe(message);
    expect(await caught(() => all(two, { idColumn: 'id' }))).toBe(message);
    // without columns the features are read as before, the parser naming the problem
    expect(await caught(() => all(two, {}))).toBe(await caught(() => all(three, {})));
  });

  it('a top-level member that is not one fails the open as before, whatever a feature holds', async () => {
    const path = join(dir, 'bad_name.geojson');
    writeFileSync(path, `{"type": "FeatureCollection", "features": [\n{"type": "Feature", "properties": {"id": tru}, "geometry": null}\n],\n"name": ${'"x'.padEnd(3 << 20, 'x')}"\n}\n`);
    const message = await caught(() => openFeatureSource(path));
    expect(message).toMatch(/top-level "name" member is longer than/);
    expect(await caught(() => openFeatureSource(path, { fields: true }))).toBe(message);
    const path2 = join(dir, 'bad_crs.geojson');
    writeFileSync(path2, '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"id": tru}, "geometry": null}], "crs": {"type": nam}}');
    const message2 = await caught(() => openFeatureSource(path2));
    expect(message2).toMatch(/top-level "crs" member cannot be read/);
    expect(await caught(() => openFeatureSource(path2, { fields: true }))).toBe(message2);
  });
});
