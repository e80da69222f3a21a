/**
 * Case `fids` (../shared/cases/fids, copied to test/fixtures/cases/fids) through the streaming
 * Parquet, GeoPackage and FlatGeobuf outputs of `zonalflow stats`: every feature one row, its fid
 * exactly as stored (expected.json `fids_as_stored`, from the case's make.py/GDAL), count 4 and
 * mean 487.5 (by hand: cells 455, 456, 519, 520); INT64 / Integer64 fields where every fid is an
 * integer (NULL as null), text where some fid is not.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import nodeSqlite from 'node-sqlite3-wasm';
import { deserialize } from 'flatgeobuf/lib/mjs/generic/featurecollection.js';
import type { IFeature } from 'flatgeobuf/lib/mjs/generic/feature.js';
import type { Feature as FgbFeature } from 'flatgeobuf/lib/mjs/flat-geobuf/feature.js';
import type { HeaderMeta } from 'flatgeobuf/lib/mjs/header-meta.js';
import { ColumnType } from 'flatgeobuf/lib/mjs/flat-geobuf/column-type.js';
import { main } from '../../../cli/main';

const CASE = join(import.meta.dirname, '../../fixtures/cases/fids');
const expected = JSON.parse(readFileSync(join(CASE, 'expected.json'), 'utf8')) as { every_feature: { count: number; mean: number }; fids_as_stored: Record<string, Record<string, string | null>> };
const dir = mkdtempSync(join(tmpdir(), 'case-fids-out-'));

async function stats(file: string, out: string): Promise<number> {
  return main(['stats', '--input', join(CASE, file), '--raster', join(CASE, 'base.tif'), '--id-column', 'name', '--stats', 'count,mean', '--out', out, '--quiet'], { stderr: new PassThrough(), stdout: new PassThrough() });
}

/** name -> [fid as text (null for NULL), count, mean], as each format stores them. */
async function readBack(path: string): Promise<{ rows: Record<string, [string | null, number, number]>; fidType: string }> {
  const rows: Record<string, [string | null, number, number]> = {};
  const text = (v: unknown): string | null => (v === null || v === undefined ? null : typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? v.toString() : JSON.stringify(v));
  if (path.endsWith('.parquet')) {
    const b = readFileSync(path);
    const file = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    for (const o of await parquetReadObjects({ file })) rows[String(o.id)] = [text(o.fid), Number(o.base_count), Number(o.base_mean)];
    return { rows, fidType: parquetMetadata(file).schema.find((s) => s.name === 'fid')?.type ?? '' };
  }
  if (path.endsWith('.gpkg')) {
    const db = new nodeSqlite.Database(path, { readOnly: true });
    try {
      const table = String((db.get('SELECT table_name FROM gpkg_contents') as { table_name: string }).table_name);
      for (const o of db.all(`SELECT id, fid, base_count, base_mean FROM "${table}"`)) rows[text(o.id) ?? ''] = [text(o.fid), Number(o.base_count), Number(o.base_mean)];
      const type = (db.all(`PRAGMA table_info("${table}")`) as { name: string; type: string }[]).find((c) => c.name === 'fid')?.type ?? '';
      return { rows, fidType: type };
    } finally {
      db.close();
    }
  }
  let fidType = '';
  const fromFeature = (_id: number, f: FgbFeature, h: HeaderMeta): IFeature => {
    fidType = String(h.columns?.find((c) => c.name === 'fid')?.type);
    return { properties: exactProperties(f, h) } as IFeature;
  };
  for await (const f of deserialize(new Uint8Array(readFileSync(path)), { fromFeature })) {
    const p = (f as unknown as { properties: Record<string, unknown> }).properties;
    rows[String(p.id)] = [text(p.fid), Number(p.base_count), Number(p.base_mean)];
  }
  return { rows, fidType };
}

/**
 * A feature's properties with Long (int64) values exact as bigint (the package's parseProperties
 * reads them as doubles): FlatGeobuf's encoding, u16 column index then the value.
 */
function exactProperties(f: FgbFeature, h: HeaderMeta): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const bytes = f.propertiesArray();
  if (!bytes) return out;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 0;
  while (o < bytes.byteLength) {
    const col = h.columns?.[view.getUint16(o, true)];
    o += 2;
    if (!col) throw new Error('bad column index');
    if (col.type === ColumnType.Long) { out[col.name] = view.getBigInt64(o, true); o += 8; } // Long
    else if (col.type === ColumnType.Double) { out[col.name] = view.getFloat64(o, true); o += 8; } // Double
    else if (col.type === ColumnType.String) { const n = view.getUint32(o, true); out[col.name] = new TextDecoder().decode(bytes.subarray(o + 4, o + 4 + n)); o += 4 + n; } // String
    else throw new Error(`column type ${col.type} not expected here`);
  }
  return out;
}

describe('case fids: Parquet, GeoPackage and FlatGeobuf outputs keep every fid exactly', () => {
  for (const file of Object.keys(expected.fids_as_stored)) {
    for (const ext of ['parquet', 'gpkg', 'fgb']) {
      it(`${file} -> .${ext}`, async () => {
        const out = join(dir, `${file}.${ext}`);
        expect(await stats(file, out)).toBe(0);
        const { rows, fidType } = await readBack(out);
        const want = expected.fids_as_stored[file] ?? {};
        expect(rows).toEqual(Object.fromEntries(Object.entries(want).map(([name, fid]) => [name, [fid, expected.every_feature.count, expected.every_feature.mean]])));
        const integral = Object.values(want).every((f) => f === null || /^-?\d+$/.test(f));
        // Parquet INT64 / BYTE_ARRAY; SQLite declared INTEGER / TEXT; FlatGeobuf ColumnType Long (7) / String (11)
        expect(fidType).toBe({ parquet: integral ? 'INT64' : 'BYTE_ARRAY', gpkg: integral ? 'INTEGER' : 'TEXT', fgb: integral ? '7' : '11' }[ext]);
      }, 60_000);
    }
  }
});
