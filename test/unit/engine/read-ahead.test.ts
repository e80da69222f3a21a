/**
 * ZonalEngine.readAhead: the tiles of features computed later in chunks, read in one round of merged range
 * requests (the Worker reads its batch ahead so). Case redirect-loopback's base.tif holds 64 row + column in 16
 * uncompressed tiles of 16 x 16 cells (512 bytes each, stored in order from byte 8); tiles.gpkg has one 2 x 2 square
 * at the centre of each tile, so the square of tile (R, C) has count 4 and mean 64 (16 R + 7.5) + 16 C + 7.5
 * (arithmetic). Chunks computed from a read-ahead batch make no request of their own and give the rows a chunk
 * prepared on its own gives.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openZonalRasters } from '../../../shared/engine/rasters';
import { ZonalEngine, slicePrepared } from '../../../shared/engine/zonal';
import type { EngineFeature, PreparedChunk } from '../../../shared/engine/zonal';
import { concatEncoded, encodeGeometry } from '../../../shared/engine/job-order';
import { openGeoPackage } from '../../../shared/features/gpkg';
import { LOCAL_ONLY } from '../../../shared/io/uri';
import { CountingSource } from '../../../shared/io/source.counting';
import { MemorySource } from '../../../shared/io/source.memory';
import type { ByteSource } from '../../../shared/io/source';
import { SourceError } from '../../../shared/errors';
import type { Crs } from '../../../shared/crs/crs';

const FIX = join(import.meta.dirname, '../../fixtures/cases/redirect-loopback');
const BASE = join(FIX, 'base.tif');
const expectedMean = (name: string): number => 64 * (16 * Number(name[1]) + 7.5) + 16 * Number(name[2]) + 7.5;
/** Chunks of 1, 4 and 11 features (the Worker's chunks grow so). */
const CHUNKS = [[0, 1], [1, 5], [5, 16]] as const;

function features(): { list: EngineFeature[]; crs: Crs } {
  const gpkg = openGeoPackage(join(FIX, 'tiles.gpkg'));
  try {
    const layer = gpkg.layer();
    return { list: [...layer.features({ idColumn: 'name', columns: [] })], crs: layer.crs };
  } finally {
    gpkg.close();
  }
}

/** An engine over base.tif from memory, its requests counted (`wrap` may fail some). */
async function engineOver(wrap: (s: ByteSource) => ByteSource): Promise<{ engine: ZonalEngine; counted: CountingSource }> {
  const { crs } = features();
  let counted: CountingSource | null = null;
  const rasters = await openZonalRasters([{ uri: BASE }], {
    allowed: LOCAL_ONLY,
    wrapSource: () => (counted = new CountingSource(wrap(new MemorySource('mem://base.tif', new Uint8Array(readFileSync(BASE)))), true)),
  });
  if (!counted) throw new Error('no source opened');
  return { engine: new ZonalEngine(rasters, crs, { stats: ['count', 'mean'], coverage: 'exact', maxCellsInMemory: 1 << 20 }), counted };
}

describe('ZonalEngine.readAhead', () => {
  it('chunks of a read-ahead batch make no requests and give the rows of chunks prepared alone (exact values)', async () => {
    const { list } = features();
    const alone = await engineOver((s) => s);
    const aloneOpened = alone.counted.requests;
    const chunked: unknown[] = [];
    for (const [a, b] of CHUNKS) chunked.push(...(await alone.engine.computeChunk(list.slice(a, b))));

    const ahead = await engineOver((s) => s);
    const before = ahead.counted.requests;
    const prepared = ahead.engine.prepare(list);
    await ahead.engine.readAhead(prepared);
    const afterReadAhead = ahead.counted.requests;
    const rows = [];
    for (const [a, b] of CHUNKS) {
      const p = slicePrepared(prepared, a, b);
      const r = await ahead.engine.measure(list.slice(a, b), p);
      ahead.engine.account(r, p.touched);
      rows.push(...r);
    }
    expect(ahead.counted.requests).toBe(afterReadAhead);
    // the 16 tiles lie back to back: one merged request, where each chunk made its own
    expect(afterReadAhead - before).toBe(1);
    expect(alone.counted.requests - aloneOpened).toBe(CHUNKS.length);
    expect(rows).toEqual(chunked);
    expect(rows.map((r) => r.id)).toEqual(list.map((f) => f.id));
    for (const r of rows) {
      expect(r.error).toBeNull();
      expect(r.values).toEqual([4, expectedMean(r.id)]);
    }
    expect(ahead.engine.featuresComputed).toBe(16);
  });

  it('a chunk measured from its encoded geometries (as a worker thread gets them), sliced, gives the same exact values', async () => {
    const { list } = features();
    const { engine } = await engineOver((s) => s);
    const prepared = engine.prepare(list);
    // the geometries only where a worker reads them: encoded, `local` emptied
    const encoded: PreparedChunk = { ...prepared, perRaster: prepared.perRaster.map((r) => ({ ...r, local: [], encoded: concatEncoded(r.local.map((g) => encodeGeometry(g))) })) };
    const rows = [];
    for (const [a, b] of CHUNKS) rows.push(...(await engine.measure(list.slice(a, b), slicePrepared(encoded, a, b))));
    expect(rows.map((r) => r.id)).toEqual(list.map((f) => f.id));
    for (const r of rows) {
      expect(r.error).toBeNull();
      expect(r.values).toEqual([4, expectedMean(r.id)]);
    }
    // a count of encoded geometries that is not the chunk's fails the chunk
    await expect(engine.measure(list.slice(0, 2), slicePrepared(encoded, 0, 1))).rejects.toThrow(/1 encoded geometries for 2 features/);
  });

  it('a tile that cannot be read is left to its features; a failure of the source rejects', async () => {
    const { list } = features();
    // any request reaching into tile 15 (bytes 7688..8199) past the header read fails
    const failing = (status: number) => (s: ByteSource): ByteSource => ({ uri: s.uri, size: () => s.size(), fetch: (o, l) => (o + l > 7688 && o > 0 ? Promise.reject(new SourceError(`mem://base.tif answered HTTP ${status}`, { status })) : s.fetch(o, l)) });
    const { engine } = await engineOver(failing(404));
    const prepared = engine.prepare(list);
    await engine.readAhead(prepared);
    const rows = await engine.measure(list, prepared);
    expect(rows.filter((r) => r.error !== null).map((r) => r.id)).toEqual(['t33']);
    for (const r of rows.filter((x) => x.error === null)) expect(r.values).toEqual([4, expectedMean(r.id)]);
    const down = await engineOver(failing(503));
    await expect(down.engine.readAhead(down.engine.prepare(list))).rejects.toThrow(/HTTP 503/);
  });
});
