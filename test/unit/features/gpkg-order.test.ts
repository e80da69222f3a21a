/**
 * Where a GeoPackage's features lie before any is read (gpkg-order.ts): the fids in rowid order and
 * each bbox centre, from the R-tree GDAL writes, from the blobs' envelopes without one, and from the
 * coordinates of blobs without an envelope (GDAL's points). Expected values: OGR's GetEnvelope
 * (test/fixtures/read-order/make.py); the R-tree stores float32 bounds, hence its tolerance.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import nodeSqlite from 'node-sqlite3-wasm';
import { openGpkgSource } from '../../../shared/features/source.gpkg';
import { byFidCacheKiB } from '../../../shared/features/gpkg';
import { FlatGeometries, flatChunk } from '../../../shared/geometry/wkb-flat';
import { encodeFlat } from '../../../shared/engine/prepare-flat';
import { concatEncoded, encodeGeometry } from '../../../shared/engine/job-order';
import { writeGeoPackage } from '../../helpers/gpkg-writer';
import { RowEnvelopeCentres, envelopeCentre } from '../../../shared/features/gpkg-order';
import { gpkgGeometryBBox } from '../../../shared/geometry/wkb';
import type { LayerCentres } from '../../../shared/features/gpkg-order';

const FIX = join(import.meta.dirname, '../../fixtures/read-order');
const expected = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8')) as Record<string, [number, [number, number] | null][]>;

function centresOf(file: string, useRtree = true): LayerCentres {
  const src = openGpkgSource(file);
  try {
    const c = src.table.centres({ useRtree });
    if (c === null) throw new Error('no centres');
    return c;
  } finally {
    src.close();
  }
}

// the edited copies' folders, removed after the file's tests
const copies: string[] = [];
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

/** A copy of fixture `name`, saved as `as` in a temporary folder, after `edit` ran on it with node-sqlite3-wasm. */
function editedCopy(name: string, as: string, edit: (db: InstanceType<typeof nodeSqlite.Database>) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'zf-order-'));
  copies.push(dir);
  const file = join(dir, as);
  copyFileSync(join(FIX, name), file);
  const db = new nodeSqlite.Database(file);
  try {
    edit(db);
  } finally {
    db.close();
  }
  return file;
}

function expectCentres(c: LayerCentres, rows: [number, [number, number] | null][], tolerance: number): void {
  expect([...c.fids]).toEqual(rows.map((r) => r[0]));
  rows.forEach(([, want], i) => {
    if (want === null) {
      expect(c.cx[i]).toBeNaN();
      expect(c.cy[i]).toBeNaN();
      return;
    }
    expect(Math.abs((c.cx[i] as number) - want[0])).toBeLessThanOrEqual(tolerance);
    expect(Math.abs((c.cy[i] as number) - want[1])).toBeLessThanOrEqual(tolerance);
  });
}

describe('layerCentres', () => {
  it('reads the R-tree GDAL writes (float32 bounds), fids with a gap, NULL geometries without a centre', () => {
    const c = centresOf(join(FIX, 'rtree.gpkg'));
    expect(c.source).toBe('rtree');
    // float32 around 44: 2^-18 apart
    expectCentres(c, expected['rtree.gpkg'] ?? [], 1e-5);
    expect([...c.fids]).not.toContain(11);
  });

  it('without an R-tree (or told not to use it): the blobs\' envelopes, exactly', () => {
    const plain = centresOf(join(FIX, 'plain.gpkg'));
    expect(plain.source).toBe('envelopes');
    expectCentres(plain, expected['plain.gpkg'] ?? [], 1e-12);
    const notIndex = centresOf(join(FIX, 'rtree.gpkg'), false);
    expect(notIndex.source).toBe('envelopes');
    expectCentres(notIndex, expected['rtree.gpkg'] ?? [], 1e-12);
  });

  it('blobs without an envelope (GDAL\'s points): their coordinates', () => {
    const c = centresOf(join(FIX, 'points.gpkg'));
    expect(c.source).toBe('envelopes');
    expectCentres(c, expected['points.gpkg'] ?? [], 1e-12);
  });

  it('a stale R-tree (a row deleted and one added without its triggers) orders what it knows; the table decides which features exist', () => {
    const file = editedCopy('rtree.gpkg', 'stale.gpkg', (db) => {
      // the R-tree's triggers need SQLite's rtree module, which node-sqlite3-wasm lacks: drop them
      for (const t of db.all("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'rtree_%'") as { name: string }[]) db.exec(`DROP TRIGGER "${t.name}"`);
      db.exec('DELETE FROM fields WHERE fid = 5');
      db.exec("INSERT INTO fields (fid, field_id, geom) SELECT 60, 'copy', geom FROM fields WHERE fid = 1");
    });
    const c = centresOf(file);
    expect(c.source).toBe('rtree');
    const rows = (expected['rtree.gpkg'] ?? []).filter((r) => r[0] !== 5);
    expectCentres({ ...c, fids: c.fids.slice(0, -1), cx: c.cx.slice(0, -1), cy: c.cy.slice(0, -1) }, rows, 1e-5);
    expect(c.fids[c.fids.length - 1]).toBe(60);
    expect(c.cx[c.cx.length - 1]).toBeNaN(); // not in the index: read last
  });

  it('a corrupt R-tree node falls back to the envelopes', () => {
    const file = editedCopy('rtree.gpkg', 'corrupt.gpkg', (db) => db.exec("UPDATE rtree_fields_geom_node SET data = x'0001ffff' WHERE nodeno = 1"));
    const c = centresOf(file);
    expect(c.source).toBe('envelopes');
    expectCentres(c, expected['rtree.gpkg'] ?? [], 1e-12);
  });
});

describe('RowEnvelopeCentres (Plan: the centres from the blobs of its one read)', () => {
  /** The centres collected from every row of `file` as Plan's first pass reads them (blobs, rowid order). */
  function collected(file: string, useRtree: boolean): { direct: LayerCentres | null; fromRows: LayerCentres | null } {
    const src = openGpkgSource(file);
    try {
      const rows = new RowEnvelopeCentres();
      for (const f of src.table.features({ columns: [], blobs: true })) rows.push(f.fid, f.blob ?? null, f.blob ? gpkgGeometryBBox(f.blob) : null);
      return { direct: src.table.centres({ useRtree }), fromRows: src.table.centres({ useRtree, envelopes: rows }) };
    } finally {
      src.close();
    }
  }

  it('give exactly what layerCentres reads from the envelopes (NULL geometries, points scanned, fids with a gap); an R-tree is still read', () => {
    for (const [name, useRtree] of [['plain.gpkg', true], ['points.gpkg', true], ['rtree.gpkg', false]] as const) {
      const { direct, fromRows } = collected(join(FIX, name), useRtree);
      expect(direct?.source, name).toBe('envelopes');
      expect(fromRows, name).toEqual(direct);
    }
    const rtree = collected(join(FIX, 'rtree.gpkg'), true);
    expect(rtree.fromRows?.source).toBe('rtree');
    expect(rtree.fromRows).toEqual(rtree.direct);
  });

  it('an envelope wider than the coordinates (as a writer may store it) is taken as stored, as layerCentres takes it; an empty one is no centre', () => {
    const file = editedCopy('plain.gpkg', 'slack.gpkg', (db) => {
      // fid 1: its envelope (GP header, flags 0b0011: little-endian, xy envelope) widened by 1 on each side; fid 2: the empty flag
      const fid1 = (db.all('SELECT geom FROM fields WHERE fid = 1') as { geom: Uint8Array }[])[0]?.geom ?? new Uint8Array();
      const wide = Uint8Array.from(fid1);
      const v = new DataView(wide.buffer);
      [8, 24].forEach((at) => v.setFloat64(at, v.getFloat64(at, true) - 1, true));
      [16, 32].forEach((at) => v.setFloat64(at, v.getFloat64(at, true) + 3, true));
      db.run('UPDATE fields SET geom = ? WHERE fid = 1', [wide]);
      const empty = Uint8Array.from([0x47, 0x50, 0, 0b10001, 0xe6, 0x10, 0, 0, 1, 3, 0, 0, 0, 0, 0, 0, 0]);
      db.run('UPDATE fields SET geom = ? WHERE fid = 2', [empty]);
    });
    const { direct, fromRows } = collected(file, true);
    expect(fromRows).toEqual(direct);
    const want = expected['plain.gpkg']?.[0]?.[1] ?? [NaN, NaN];
    expect(fromRows?.cx[0]).toBeCloseTo(want[0] + 1, 9);
    expect(fromRows?.cy[0]).toBeCloseTo(want[1] + 1, 9);
    expect(fromRows?.cx[1]).toBeNaN();
  });

  it('a key standing for a rowid beyond 2^53: no centres, as layerCentres', () => {
    const rows = new RowEnvelopeCentres();
    rows.push(1, null, null);
    rows.push(-1.5, null, null);
    expect(rows.centres()).toBeNull();
  });
});

describe('envelopeCentre', () => {
  const header = (flags: number, env: number[]): Uint8Array => {
    const b = new Uint8Array(8 + env.length * 8);
    const v = new DataView(b.buffer);
    b.set([0x47, 0x50, 0, flags]);
    env.forEach((x, k) => v.setFloat64(8 + 8 * k, x, (flags & 1) === 1));
    return b;
  };
  it('reads minx, maxx, miny, maxy in either byte order; no envelope -> scan; empty -> null', () => {
    expect(envelopeCentre(header(0b0011, [0, 2, 10, 14]))).toEqual([1, 12]);
    expect(envelopeCentre(header(0b0010, [0, 2, 10, 14]))).toEqual([1, 12]);
    expect(envelopeCentre(header(0b0001, []))).toBe('scan');
    expect(envelopeCentre(header(0b10011, [0, 2, 10, 14]))).toBeNull();
    expect(envelopeCentre(header(0b1011, [0, 2, 10, 14]))).toBeNull(); // indicator 5: invalid
    expect(envelopeCentre(new Uint8Array([1, 3, 0, 0, 0]))).toBe('scan'); // plain WKB
  });
});

describe('FeatureLayer.featuresAt', () => {
  it('reads features by fid in the order asked, as features() reads them; a fid the layer lacks is a GeoPackageError', () => {
    const src = openGpkgSource(join(FIX, 'rtree.gpkg'));
    try {
      const all = [...src.table.features({ idColumn: 'field_id', columns: ['field_id'] })];
      const fids = [45, 1, 50, 16, 2];
      const got = src.table.featuresAt(fids, { idColumn: 'field_id', columns: ['field_id'] });
      expect(got).toEqual(fids.map((f) => all.find((x) => x.fid === f)));
      expect(() => src.table.featuresAt([1, 12], { idColumn: 'field_id' })).toThrow(/no feature with fid 12/);
    } finally {
      src.close();
    }
  });
});

describe('FeatureLayer.flatFeaturesAt', () => {
  it('reads the features of featuresAt, in the order asked, with their geometries flat (equal once encoded)', () => {
    for (const file of ['rtree.gpkg', 'points.gpkg', 'plain.gpkg']) {
      const src = openGpkgSource(join(FIX, file));
      try {
        const all = [...src.table.features({ columns: [] })];
        const fids = [all[7], all[0], all[all.length - 1], all[3]].map((f) => (f as { fid: number }).fid);
        const want = src.table.featuresAt(fids, {});
        const chunk = flatChunk(new FlatGeometries(), fids.length);
        const got = src.table.flatFeaturesAt(fids, {}, chunk);
        expect(got).toEqual(want.map((f) => ({ ...f, geometry: null })));
        const kept = Uint8Array.from(want, (f) => (f.geometry ? 1 : 0));
        expect(encodeFlat(chunk, chunk.flat.xs, chunk.flat.ys, chunk.pos, kept)).toEqual(concatEncoded(want.map((f) => encodeGeometry(f.geometry))));
        expect(() => src.table.flatFeaturesAt([fids[0] as number, 1e9], {}, flatChunk(new FlatGeometries(), 2))).toThrow(/no feature with fid 1000000000/);
      } finally {
        src.close();
      }
    }
  });

  it('is null for a chunk holding a blob it leaves to wkb.ts (a collection), which featuresAt reads', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zf-flat-'));
    copies.push(dir);
    const file = join(dir, 'mixed.gpkg');
    writeGeoPackage(file, [{ name: 'mixed', srsId: 4326, features: [
      { fid: 1, geometry: { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] } },
      { fid: 2, geometry: { type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [1, 2] }] } },
    ] }]);
    const src = openGpkgSource(file);
    try {
      expect(src.table.flatFeaturesAt([1], {}, flatChunk(new FlatGeometries(), 1))).not.toBeNull();
      expect(src.table.flatFeaturesAt([1, 2], {}, flatChunk(new FlatGeometries(), 2))).toBeNull();
      expect(src.table.featuresAt([2], {})[0]?.geometry?.type).toBe('GeometryCollection');
    } finally {
      src.close();
    }
  });
});

describe('byFidCacheKiB', () => {
  it('caches a file of up to 24 MiB whole (1/4 more for SQLite\'s page headers, at least 8 MiB), a larger one in 8 MiB', () => {
    expect(byFidCacheKiB(1_000_000)).toBe(8192);
    expect(byFidCacheKiB(18_190_336)).toBe(22_205);
    expect(byFidCacheKiB(24 * 1024 * 1024)).toBe(30 * 1024);
    expect(byFidCacheKiB(24 * 1024 * 1024 + 1)).toBe(8192);
  });
});
