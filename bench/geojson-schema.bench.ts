/**
 * GeoJSON columns: what the first pass over every feature (GDAL's schema, geojson-scan.ts) costs next to reading
 * the features, on 100,000 field polygons (lon/lat, 4-7 vertices, properties field_id, area, crop; every 10th
 * feature adds `note`) as a FeatureCollection (~40 MB, one feature per line as ogr2ogr writes it) and as
 * GeoJSONSeq with RS separators. Figures (wall and CPU ms, the lowest of 3 runs: the machine may be shared): the pass
 * alone, a read of every feature without columns (no pass), and with an id column and an included column (pass +
 * read: a FeatureCollection's fields found in the pass that reads its top-level members, as a job that reads columns
 * opens it; `FieldsApart`: in a pass of their own, three passes in all); the open alone (the members' pass; with the
 * fields in it); the file's size; the peak RSS.
 * Run: npm run bench -- geojson-schema
 */
import { createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { openFeatureSource } from '../shared/features/open';
import type { SourceFeatureOptions } from '../shared/features/source';
import { CACHE, eachFieldPolygon } from './synthetic';
import { peakRssMb, report } from './report';

const N = 100_000;
const CROPS = ['wheat', 'maize', 'barley', 'rapeseed', 'grassland'];

/** Writes the fields as a FeatureCollection and as RS-separated GeoJSONSeq (once). */
async function ensureGeoJson(): Promise<{ collection: string; seq: string }> {
  mkdirSync(CACHE, { recursive: true });
  const collection = join(CACHE, `fields_${N}.geojson`);
  const seq = join(CACHE, `fields_${N}.geojsons`);
  if (existsSync(collection) && existsSync(seq)) return { collection, seq };
  const a = createWriteStream(`${collection}.tmp`);
  const b = createWriteStream(`${seq}.tmp`);
  a.write('{\n"type": "FeatureCollection",\n"name": "fields",\n"features": [\n');
  let i = 0;
  for (const ring of eachFieldPolygon(N)) {
    const properties: Record<string, unknown> = { field_id: `F${String(i).padStart(7, '0')}`, area: 0.5 + (i % 997) / 100, crop: CROPS[i % CROPS.length] };
    if (i % 10 === 9) properties.note = `checked ${i}`;
    const line = JSON.stringify({ type: 'Feature', properties, geometry: { type: 'Polygon', coordinates: ring } });
    if (!a.write(`${i === 0 ? '' : ',\n'}${line}`)) await new Promise<void>((r) => a.once('drain', () => r()));
    if (!b.write(`\x1e${line}\n`)) await new Promise<void>((r) => b.once('drain', () => r()));
    i++;
  }
  a.end('\n]\n}\n');
  b.end();
  await Promise.all([finished(a), finished(b)]);
  renameSync(`${collection}.tmp`, collection);
  renameSync(`${seq}.tmp`, seq);
  return { collection, seq };
}

/** Wall and CPU (user + system) milliseconds of `fn`: the lowest of `runs` runs (the machine may be shared). */
async function best(fn: () => unknown, runs = 3): Promise<{ wallMs: number; cpuMs: number }> {
  let wallMs = Infinity;
  let cpuMs = Infinity;
  for (let k = 0; k < runs; k++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    wallMs = Math.min(wallMs, performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuMs = Math.min(cpuMs, (c.user + c.system) / 1000);
  }
  return { wallMs, cpuMs };
}

/** The pass alone: a fresh source's `columns`. */
async function pass(path: string): Promise<readonly string[]> {
  const src = await openFeatureSource(path);
  const columns = src.columns;
  src.close();
  return columns;
}

/** The open alone: the pass over the file for a FeatureCollection's top-level members, with the fields' pass in it when `fields`. */
async function open(path: string, fields: boolean): Promise<void> {
  const src = await openFeatureSource(path, { fields });
  src.close();
}

/**
 * Every feature read (with the pass when `opts` asks for columns), from opening the file; `fields`: opened as a job
 * that reads columns opens it (open.ts `fields`: a FeatureCollection's members and fields in one pass), else the
 * fields' pass is a pass of its own when the columns are asked for.
 */
async function read(path: string, opts: SourceFeatureOptions, fields = opts.idColumn !== undefined || (opts.columns ?? []).length > 0): Promise<void> {
  const src = await openFeatureSource(path, { fields });
  let n = 0;
  for await (const f of src.features(opts)) if (f.geometry) n++;
  src.close();
  if (n !== N) throw new Error(`read ${n} features, expected ${N}`);
}

const { collection, seq } = await ensureGeoJson();
const withColumns = { idColumn: 'field_id', columns: ['note'] };
const figures: Record<string, unknown> = { features: N };
for (const [name, path] of [['geojson', collection], ['geojsonseq', seq]] as const) {
  figures[`${name}FileMb`] = statSync(path).size / 1e6;
  figures[`${name}Columns`] = await pass(path);
  const p = await best(() => pass(path));
  const plain = await best(() => read(path, {}));
  const cols = await best(() => read(path, withColumns));
  const colsApart = await best(() => read(path, withColumns, false));
  const opened = await best(() => open(path, false));
  const openedFields = await best(() => open(path, true));
  figures[`${name}PassMs`] = p.wallMs;
  figures[`${name}PassCpuMs`] = p.cpuMs;
  figures[`${name}ReadNoColumnsMs`] = plain.wallMs;
  figures[`${name}ReadNoColumnsCpuMs`] = plain.cpuMs;
  figures[`${name}ReadWithColumnsMs`] = cols.wallMs;
  figures[`${name}ReadWithColumnsCpuMs`] = cols.cpuMs;
  figures[`${name}ReadWithColumnsFieldsApartMs`] = colsApart.wallMs;
  figures[`${name}ReadWithColumnsFieldsApartCpuMs`] = colsApart.cpuMs;
  figures[`${name}OpenMs`] = opened.wallMs;
  figures[`${name}OpenWithFieldsMs`] = openedFields.wallMs;
}
figures.peakRssMb = peakRssMb();
report('geojson-schema', figures);
