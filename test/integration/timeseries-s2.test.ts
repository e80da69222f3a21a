/**
 * The time-series semantics (shared/timeseries/README.md) on a Sentinel-2-shaped
 * fixture served by a STAC API started here on 127.0.0.1:
 * - one datatake cut into two MGRS tiles in different UTM zones (A: EPSG:32631,
 *   B: EPSG:32632, grids rotated ~4 degrees against each other), item ids A < B;
 * - a swath edge of nodata in tile A (bands 0, SCL 0), clouds and shadows in the
 *   20 m SCL, a fully cloudy date, fields on A, on the overlap, on B only,
 *   straddling A's edge, outside every item, and points.
 * Every expected value is computed here by plain arithmetic over the known cell
 * values: cells by centre (or by exact rectangle overlap), proj4 for the UTM
 * zone change (the PROJ oracle), the mask and the mosaic re-implemented from the
 * written rules, numpy's median by hand. No engine helper is called for them.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import proj4 from 'proj4';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { writeCog } from '../helpers/cog-writer';
import { writeGeoPackage } from '../helpers/gpkg-writer';
import { runStatsJob } from '../../shared/engine/stats-job';
import type { StatsJobResult } from '../../shared/engine/stats-job';
import { parseJobSpec } from '../../shared/spec';
import { rowObject } from '../../shared/output/table';
import { toParquet } from '../../shared/output/parquet';
import { shDocument } from '../../shared/timeseries/sentinelhub';
import type { Position } from '../../shared/geometry/types';
import type { AllowedSources } from '../../shared/io/uri';
import { runCli } from '../cases/run-cli';

const Z31 = '+proj=utm +zone=31 +datum=WGS84 +units=m +no_defs';
const Z32 = '+proj=utm +zone=32 +datum=WGS84 +units=m +no_defs';
const dir = mkdtempSync(join(tmpdir(), 'zf-s2-'));

type TileName = 'A' | 'B';
interface Tile { name: TileName; id: (d: number) => string; crs: string; epsg: number; ox: number; oy: number; w: number; h: number }
const TILES: Record<TileName, Tile> = {
  A: { name: 'A', id: (d) => `S2A_31TGK_202405${DAYS[d]}_0_L2A`, crs: Z31, epsg: 32631, ox: 735000, oy: 4985000, w: 60, h: 60 },
  B: { name: 'B', id: (d) => `S2A_32TLQ_202405${DAYS[d]}_0_L2A`, crs: Z32, epsg: 32632, ox: 262150, oy: 4985200, w: 110, h: 90 },
};
const DAYS = ['03', '08', '13', '23'];
const DATES = DAYS.map((d) => `2024-05-${d}T10:36:29.024Z`);
const T = DATES.map((d) => Date.parse(d));
/** The second acquisition of 05-23 (the /twice API): date 2's rasters again, another orbit's time. */
const SAME_DAY = '2024-05-23T12:16:29.024Z';

/** Swath edge of tile A: the bands' nodata on the 10 m grid, SCL's on the 20 m grid. */
const swath10 = (t: TileName, r: number, c: number): boolean => t === 'A' && c + Math.floor(r / 4) >= 62;
const swath20 = (t: TileName, R: number, C: number): boolean => t === 'A' && 2 * C + Math.floor((2 * R) / 4) >= 62;
const red = (t: TileName, d: number, r: number, c: number): number => (swath10(t, r, c) ? 0 : (t === 'A' ? 300 : 350) + ((r * 7 + c * 3 + d * 29) % 400));
const nir = (t: TileName, d: number, r: number, c: number): number => (swath10(t, r, c) ? 0 : (t === 'A' ? 2000 : 2600) + ((r * 5 + c * 13 + d * 37) % 900));
/** SCL on 20 m cells: 0 nodata (swath), 4 vegetation, clouds (9) / shadows (3) / cirrus (10) per date. */
function scl(t: TileName, d: number, R: number, C: number): number {
  if (swath20(t, R, C)) return 0;
  if (d === 1) return 9; // fully cloudy date
  if (t === 'A' && d === 0 && R >= 5 && R < 7 && C >= 3 && C < 5) return 9; // a cloud in the west field
  if (t === 'A' && d === 0 && R >= 24 && R < 27 && C >= 18 && C < 21) return 3; // a shadow near the swath edge
  if (t === 'A' && d === 2 && R >= 18 && R < 24 && C >= 20 && C < 26) return 9; // a cloud in A over the overlap: B fills it
  if (t === 'B' && d === 2 && R >= 14 && R < 24 && C >= 30 && C < 38) return 8; // a cloud in B east
  if (t === 'B' && d === 3 && R >= 30 && R < 33 && C >= 10 && C < 14) return 10;
  return 4;
}
const EXCLUDE = [3, 8, 9, 10];
const DILATE = 1;

// ---------------------------------------------------------------- independent expectations
const inside = (t: Tile, r: number, c: number): boolean => r >= 0 && c >= 0 && r < t.h && c < t.w;
/** The value of NDVI (or red/nir) at 10 m cell (r, c) of tile t on date d after its mask; null when masked. */
function cellValue(t: Tile, d: number, r: number, c: number, what: 'ndvi' | 'red' | 'nir', nodataMasks = true): number | null {
  if (!inside(t, r, c)) return null;
  const R = r >> 1;
  const C = c >> 1;
  const s = scl(t.name, d, R, C);
  if (nodataMasks && s === 0) return null;
  for (let dr = -DILATE; dr <= DILATE; dr++) {
    for (let dc = -DILATE; dc <= DILATE; dc++) {
      const rr = r + dr;
      const cc = c + dc;
      if (!inside(t, rr, cc)) continue; // outside the raster: never grows
      const sv = scl(t.name, d, rr >> 1, cc >> 1);
      if ((nodataMasks ? sv !== 0 : true) && EXCLUDE.includes(sv)) return null;
    }
  }
  const rv = red(t.name, d, r, c);
  const nv = nir(t.name, d, r, c);
  if (nodataMasks && (rv === 0 || nv === 0)) return null;
  if (what === 'red') return rv;
  if (what === 'nir') return nv;
  return nv + rv === 0 ? null : (nv - rv) / (nv + rv);
}
/** The cell of tile `t` holding a point given in `crs`. */
function cellOf(t: Tile, crs: string, x: number, y: number): [number, number] {
  const [tx, ty] = crs === t.crs ? [x, y] : proj4<[number, number]>(crs, t.crs, [x, y]);
  return [Math.floor((t.oy - ty) / 10), Math.floor((tx - t.ox) / 10)];
}
/** Mosaic of one acquisition at a point (in `crs`): the first item in ascending id (A, then B) that is valid there. */
function mosaicAt(d: number, crs: string, x: number, y: number, what: 'ndvi' | 'red' | 'nir' = 'ndvi', nodataMasks = true): number | null {
  for (const t of [TILES.A, TILES.B]) {
    const [r, c] = cellOf(t, crs, x, y);
    const v = cellValue(t, d, r, c, what, nodataMasks);
    if (v !== null) return v;
  }
  return null;
}

/** Fields: rectangles in zone 31 metres; `grid` is the tile whose grid is the output grid (the first item touching it). */
interface Field { id: string; x0: number; y0: number; x1: number; y1: number; grid: TileName | null }
const FIELDS: Field[] = [
  { id: 'west', x0: 735031, y0: 4984803, x1: 735177, y1: 4984957, grid: 'A' },
  { id: 'overlap', x0: 735383, y0: 4984418, x1: 735561, y1: 4984702, grid: 'A' },
  { id: 'east', x0: 735802, y0: 4984503, x1: 736004, y1: 4984797, grid: 'B' },
  { id: 'straddle', x0: 735523, y0: 4984803, x1: 735698, y1: 4984951, grid: 'A' },
  { id: 'far', x0: 745000, y0: 4984000, x1: 745100, y1: 4984100, grid: null },
];
const POINTS: { id: string; x: number; y: number }[] = [
  { id: 'p-west', x: 735024.5, y: 4984955.5 },
  { id: 'p-east', x: 735903.5, y: 4984655.5 },
];

interface Cell { x: number; y: number; w: number }
/** The output cells of a field: centres (zone 31) inside the rectangle (center) or with their exact overlap fraction in float32 (exact, A grid only). */
function cellsOf(f: Field, mode: 'center' | 'exact'): Cell[] {
  if (f.grid === null) return [];
  const t = TILES[f.grid];
  const out: Cell[] = [];
  // the rectangle's corners on the tile's grid, two cells of margin
  const corners = [[f.x0, f.y0], [f.x1, f.y0], [f.x1, f.y1], [f.x0, f.y1]].map((p) => cellOf(t, Z31, p[0] as number, p[1] as number));
  const rs = corners.map((p) => p[0]);
  const cs = corners.map((p) => p[1]);
  for (let r = Math.min(...rs) - 2; r <= Math.max(...rs) + 2; r++) {
    for (let c = Math.min(...cs) - 2; c <= Math.max(...cs) + 2; c++) {
      const cx = t.ox + (c + 0.5) * 10;
      const cy = t.oy - (r + 0.5) * 10;
      const [x, y] = t.crs === Z31 ? [cx, cy] : proj4<[number, number]>(t.crs, Z31, [cx, cy]);
      if (mode === 'center') {
        if (x > f.x0 && x < f.x1 && y > f.y0 && y < f.y1) out.push({ x, y, w: 1 });
      } else {
        const ox = Math.max(0, Math.min(f.x1, cx + 5) - Math.max(f.x0, cx - 5));
        const oy = Math.max(0, Math.min(f.y1, cy + 5) - Math.max(f.y0, cy - 5));
        // the fraction as exactextract keeps it (and zonalflow weighs it): a float32
        if (ox * oy > 0) out.push({ x: cx, y: cy, w: Math.fround((ox * oy) / 100) });
      }
    }
  }
  return out;
}
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
interface Expect { count: number; nodata: number; mean: number | null; min: number | null; max: number | null; median: number | null }
function statsOf(cells: Cell[], value: (c: Cell) => number | null): Expect {
  let count = 0;
  let covered = 0;
  let sum = 0;
  const vals: number[] = [];
  for (const c of cells) {
    covered += c.w;
    const v = value(c);
    if (v === null) continue;
    count += c.w;
    sum += c.w * v;
    vals.push(v);
  }
  return { count, nodata: covered - count, mean: count > 0 ? sum / count : null, min: vals.length ? Math.min(...vals) : null, max: vals.length ? Math.max(...vals) : null, median: vals.length ? median(vals) : null };
}

/**
 * sentinelhub-py's statistical_to_dataframe and get_failed_statistical_requests run on `docs` (test/helpers/sentinelhub_client.py),
 * where Python with pandas and a checkout (SENTINELHUB_PY_SRC) are available; else null, with the reason on stderr.
 */
function sentinelhubPy(docs: unknown[]): { columns: string[]; rows: Record<string, unknown>[]; failed: { identifier: string; failed_intervals: unknown }[] } | null {
  const src = process.env.SENTINELHUB_PY_SRC;
  const python = '/usr/bin/python3';
  const why = !src ? 'SENTINELHUB_PY_SRC is not set' : !existsSync(join(src, 'sentinelhub', 'data_utils.py')) ? `no sentinelhub/data_utils.py under ${src}` : !existsSync(python) ? `${python} is missing` : spawnSync(python, ['-c', 'import pandas, dateutil'], { encoding: 'utf8' }).status !== 0 ? 'pandas or dateutil is not installed' : null;
  if (why !== null || src === undefined) {
    console.warn(`skipped the sentinelhub-py check: ${why ?? ''}`);
    return null;
  }
  const file = join(dir, `sh-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(docs));
  const out = spawnSync(python, [join(__dirname, '..', 'helpers', 'sentinelhub_client.py'), src, file], { encoding: 'utf8' });
  expect(out.status, out.stderr).toBe(0);
  return JSON.parse(out.stdout) as { columns: string[]; rows: Record<string, unknown>[]; failed: { identifier: string; failed_intervals: unknown }[] };
}

// ---------------------------------------------------------------- fixture: COGs, STAC API, GeoPackage
let server: Server;
/** The `datetime` of each search (first page) the server was asked. */
const searches: string[] = [];
/** A STAC API server's reading of `datetime` (as the newcomer's server and pgstac-style ones do): a closed interval, `..` open, a bare date its midnight. */
function inDatetime(datetime: string | undefined, itemTime: string): boolean {
  if (datetime === undefined) return true;
  const at = (x: string | undefined): number | null => (x === undefined || x === '..' || x === '' ? null : Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(x) ? `${x}T00:00:00Z` : x));
  const [a, b] = datetime.split('/');
  const lo = at(a);
  const hi = b === undefined ? lo : at(b);
  const t = Date.parse(itemTime);
  return (lo === null || t >= lo) && (hi === null || t <= hi);
}
let api = '';
/** A COG the server answers 404 for (a missing asset). */
let broken: string | null = null;
const allowed: AllowedSources = { schemes: ['http'], s3Buckets: [], httpsHosts: [], allowLoopback: true };

function footprint(t: Tile): Position[] {
  const corners: [number, number][] = [[t.ox, t.oy], [t.ox + t.w * 10, t.oy], [t.ox + t.w * 10, t.oy - t.h * 10], [t.ox, t.oy - t.h * 10], [t.ox, t.oy]];
  return corners.map((p) => proj4<Position>(t.crs, 'EPSG:4326', p));
}

beforeAll(async () => {
  for (const t of Object.values(TILES)) {
    for (let d = 0; d < DATES.length; d++) {
      const base = { dtype: 'uint16' as const, tileSize: 32, epsg: t.epsg, nodata: 0 };
      writeCog(join(dir, `${t.name}${d}_B04.tif`), { ...base, width: t.w, height: t.h, transform: [t.ox, t.oy, 10, 10], value: (r, c) => red(t.name, d, r, c) });
      writeCog(join(dir, `${t.name}${d}_B08.tif`), { ...base, width: t.w, height: t.h, transform: [t.ox, t.oy, 10, 10], value: (r, c) => nir(t.name, d, r, c) });
      writeCog(join(dir, `${t.name}${d}_SCL.tif`), { ...base, dtype: 'uint8', width: t.w / 2, height: t.h / 2, transform: [t.ox, t.oy, 20, 20], value: (r, c) => scl(t.name, d, r, c) });
    }
  }
  const items = (): Record<string, unknown>[] => DATES.flatMap((dt, d) => (['B', 'A'] as TileName[]).map((name) => item(name, d, dt, TILES[name].id(d))));
  /** A second acquisition on 05-23 (another orbit, 12:16): date 2's rasters under other ids, served by /twice only. */
  const sameDay = (): Record<string, unknown>[] => (['A', 'B'] as TileName[]).map((name) => item(name, 2, SAME_DAY, TILES[name].id(3).replace('_0_L2A', '_1_L2A')));
  const item = (name: TileName, d: number, dt: string, id: string): Record<string, unknown> => {
    const t = TILES[name];
    const ring = footprint(t);
    const xs = ring.map((p) => p[0]);
    const ys = ring.map((p) => p[1]);
    return {
      type: 'Feature', stac_version: '1.0.0', id, collection: 'sentinel-2-l2a',
      bbox: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)],
      geometry: { type: 'Polygon', coordinates: [ring] },
      properties: { datetime: dt, 'proj:epsg': t.epsg },
      assets: {
        red: { href: `${api}/cogs/${name}${d}_B04.tif`, 'raster:bands': [{ scale: 0.0001, offset: -0.1 }] },
        nir: { href: `${api}/cogs/${name}${d}_B08.tif`, 'raster:bands': [{ scale: 0.0001, offset: -0.1 }] },
        scl: { href: `${api}/cogs/${name}${d}_SCL.tif` },
      },
    };
  };
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'POST' && ['/search', '/lax/search', '/twice/search'].includes(url.pathname)) {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const q = JSON.parse(body) as { token?: number; datetime?: string };
        if (q.token === undefined) searches.push(q.datetime ?? '');
        const start = q.token ?? 0;
        // /search reads `datetime` as many servers do (a closed interval; a bare date as its midnight), /lax ignores it,
        // /twice has a second acquisition on 05-23
        const every = url.pathname === '/twice/search' ? [...items(), ...sameDay()] : items();
        const all = url.pathname === '/lax/search' ? every : every.filter((it) => inDatetime(q.datetime, (it.properties as { datetime: string }).datetime));
        const links = start + 3 < all.length ? [{ rel: 'next', href: `${api}${url.pathname}`, method: 'POST', body: { token: start + 3 }, merge: true }] : [];
        res.writeHead(200, { 'content-type': 'application/geo+json' }).end(JSON.stringify({ type: 'FeatureCollection', features: all.slice(start, start + 3), links }));
      });
      return;
    }
    if (url.pathname.startsWith('/cogs/')) {
      if (url.pathname.slice(6) === broken) {
        res.writeHead(404).end('no such key');
        return;
      }
      const bytes = readFileSync(join(dir, url.pathname.slice(6)));
      const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
      const a = Number(m?.[1] ?? 0);
      const b = Math.min(Number(m?.[2] ?? bytes.length - 1), bytes.length - 1);
      res.writeHead(206, { 'content-range': `bytes ${a}-${b}/${bytes.length}` }).end(bytes.subarray(a, b + 1));
      return;
    }
    res.writeHead(404).end();
  });
  server.keepAliveTimeout = 120_000; // the client reuses sockets between tests
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  writeGeoPackage(join(dir, 'fields.gpkg'), [{
    name: 'fields', srsId: 32631, columns: { name: 'TEXT' },
    features: [
      ...FIELDS.map((f) => ({ geometry: { type: 'Polygon' as const, coordinates: [[[f.x0, f.y0], [f.x1, f.y0], [f.x1, f.y1], [f.x0, f.y1], [f.x0, f.y0]] as Position[]] }, properties: { name: f.id } })),
    ],
  }]);
  writeGeoPackage(join(dir, 'points.gpkg'), [{
    name: 'points', srsId: 32631, columns: { name: 'TEXT' },
    features: POINTS.map((p) => ({ geometry: { type: 'Point' as const, coordinates: [p.x, p.y] as Position }, properties: { name: p.id } })),
  }]);
}, 60_000);
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const spec = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  input: { idColumn: 'name' },
  stac: { api, collections: ['sentinel-2-l2a'], datetime: '2024-05-01/2024-05-31', assets: { red: 'red', nir: 'nir', scl: 'scl' } },
  mask: { classes: { band: 'scl', exclude: EXCLUDE, dilate: DILATE } },
  bands: { ndvi: '(nir - red) / (nir + red)' },
  outputs: ['ndvi'],
  interval: 'scene',
  coverage: 'center',
  stats: ['count', 'nodata_count', 'mean', 'min', 'max', 'median'],
  ...over,
});
const run = async (input: string, over: Record<string, unknown> = {}): Promise<StatsJobResult> => runStatsJob({ input: join(dir, input), spec: parseJobSpec(spec(over)), allowed });
const rowsOf = (r: StatsJobResult, id: string): Record<string, unknown>[] => r.rows.filter((x) => x.id === id).map((x) => rowObject(r.columns, x));
function close(got: unknown, want: number | null, what: string): void {
  if (want === null) expect(got, what).toBeNull();
  else expect(got as number, what).toBeCloseTo(want, 10);
}

describe('time series on a Sentinel-2-shaped fixture (two UTM tiles of one datatake)', () => {
  it('per acquisition: masks per item, mosaic in ascending item id, output grid of the first touching item; every feature gets every date', async () => {
    const r = await run('fields.gpkg');
    expect(r.scenes).toBe(8);
    expect(r.columns.map((c) => c.name)).toEqual(['datetime', 'ndvi_count', 'ndvi_nodata_count', 'ndvi_mean', 'ndvi_min', 'ndvi_max', 'ndvi_median']);
    expect(r.columns[0]?.kind).toBe('timestamp');
    expect(r.rows).toHaveLength(FIELDS.length * DATES.length); // two items per date: one acquisition, one row
    for (const f of FIELDS) {
      const rows = rowsOf(r, f.id);
      expect(rows.map((x) => x.datetime)).toEqual(DATES);
      const cells = cellsOf(f, 'center');
      const totals = new Set<number>();
      for (let d = 0; d < DATES.length; d++) {
        const e = statsOf(cells, (c) => mosaicAt(d, Z31, c.x, c.y));
        const got = rows[d] as Record<string, unknown>;
        const what = `${f.id} date ${d}`;
        expect(got.error, what).toBeNull();
        expect(got.ndvi_count, what).toBe(e.count);
        expect(got.ndvi_nodata_count, what).toBe(e.nodata);
        close(got.ndvi_mean, e.mean, what);
        close(got.ndvi_min, e.min, what);
        close(got.ndvi_max, e.max, what);
        close(got.ndvi_median, e.median, what);
        totals.add((got.ndvi_count as number) + (got.ndvi_nodata_count as number));
      }
      expect(totals.size, `${f.id}: count + nodata_count is one number`).toBe(1);
      if (f.grid === null) expect([...totals]).toEqual([0]);
      else expect([...totals]).toEqual([cells.length]);
    }
    // the fully cloudy date: count 0 everywhere, not an error
    for (const f of FIELDS) expect(rowsOf(r, f.id)[1]?.ndvi_count).toBe(0);
    // the fixture really exercises each rule (else the comparisons above prove little)
    const overlap = FIELDS[1] as Field;
    const fromB = cellsOf(overlap, 'center').filter((c) => {
      const [ra, ca] = cellOf(TILES.A, Z31, c.x, c.y);
      return cellValue(TILES.A, 3, ra, ca, 'ndvi') === null && mosaicAt(3, Z31, c.x, c.y) !== null;
    });
    expect(fromB.length).toBeGreaterThan(20); // the swath edge of A is filled by B, reprojected
    const west = cellsOf(FIELDS[0] as Field, 'center');
    expect(west.filter((c) => mosaicAt(0, Z31, c.x, c.y) === null).length).toBeGreaterThan(0); // clouds
    // only excluded classes grow: next to the swath edge the clear cells of A stay valid on date 3
    const edge = cellsOf(overlap, 'center').filter((c) => {
      const [ra, ca] = cellOf(TILES.A, Z31, c.x, c.y);
      return !swath10('A', ra, ca) && (swath10('A', ra, ca + 1) || swath10('A', ra + 1, ca));
    });
    expect(edge.length).toBeGreaterThan(3);
    for (const c of edge) {
      const [ra, ca] = cellOf(TILES.A, Z31, c.x, c.y);
      if (scl('A', 3, ra >> 1, ca >> 1) !== 0) expect(cellValue(TILES.A, 3, ra, ca, 'ndvi')).not.toBeNull();
    }
  });

  it('Sentinel Hub Batch Statistical layout: id/identifier/response, UTC-day intervals, count-0 entries with "NaN"', async () => {
    const r = await run('fields.gpkg');
    const fid = r.rows.find((x) => x.id === 'overlap')?.fid ?? -1;
    const doc = shDocument('overlap', fid, r.timeseries?.get(fid) ?? []) as { id: number; identifier: string; response: { status: string; data: { interval: { from: string; to: string }; outputs: { ndvi: { bands: { B0: { stats: Record<string, number | string> } } } } }[] } };
    expect(doc.id).toBe(fid);
    expect(doc.identifier).toBe('overlap');
    expect(doc.response.status).toBe('OK');
    expect(doc.response.data.map((x) => x.interval)).toEqual(DAYS.map((d) => ({ from: `2024-05-${d}T00:00:00Z`, to: `2024-05-${String(Number(d) + 1).padStart(2, '0')}T00:00:00Z` })));
    const cells = cellsOf(FIELDS[1] as Field, 'center');
    for (let d = 0; d < DATES.length; d++) {
      const e = statsOf(cells, (c) => mosaicAt(d, Z31, c.x, c.y));
      const s = doc.response.data[d]?.outputs.ndvi.bands.B0.stats ?? {};
      expect(s.sampleCount).toBe(e.count + e.nodata);
      expect(s.noDataCount).toBe(e.nodata);
      if (e.count === 0) expect([s.min, s.max, s.mean, s.stDev]).toEqual(['NaN', 'NaN', 'NaN', 'NaN']);
      else {
        expect(s.min as number).toBeCloseTo(e.min ?? NaN, 10);
        expect(s.max as number).toBeCloseTo(e.max ?? NaN, 10);
        expect(s.mean as number).toBeCloseTo(e.mean ?? NaN, 10);
      }
    }
    // a feature no item touches: an output per date with sampleCount 0 and noDataCount 0
    const farFid = r.rows.find((x) => x.id === 'far')?.fid ?? -1;
    const far = shDocument('far', farFid, r.timeseries?.get(farFid) ?? []) as { response: { data: { outputs: { ndvi: { bands: { B0: { stats: Record<string, unknown> } } } } }[] } };
    expect(far.response.data).toHaveLength(DATES.length);
    expect(far.response.data[0]?.outputs.ndvi.bands.B0.stats).toMatchObject({ sampleCount: 0, noDataCount: 0, mean: 'NaN' });
    // Parquet: the dates are UTC timestamps
    const pq = toParquet(r.columns, r.rows);
    const ab = pq.buffer.slice(pq.byteOffset, pq.byteOffset + pq.byteLength) as ArrayBuffer;
    const col = parquetMetadata(ab).schema.find((s) => s.name === 'datetime');
    expect(col?.type).toBe('INT64');
    expect(col?.converted_type).toBe('TIMESTAMP_MILLIS');
    const objs = await parquetReadObjects({ file: ab });
    expect((objs[0]?.datetime as Date).toISOString()).toBe(new Date(T[0] as number).toISOString());
  });

  it('two acquisitions on one UTC day: two rows, and two JSON entries whose intervals split the day at the second one (each holds its acquisition alone)', async () => {
    const r = await run('fields.gpkg', { stac: { api: `${api}/twice`, collections: ['sentinel-2-l2a'], datetime: '2024-05-01/2024-05-31', assets: { red: 'red', nir: 'nir', scl: 'scl' } } });
    const f = FIELDS[1] as Field;
    const rows = rowsOf(r, f.id);
    expect(rows.map((x) => x.datetime)).toEqual([...DATES, SAME_DAY]);
    const fid = r.rows.find((x) => x.id === f.id)?.fid ?? -1;
    const doc = shDocument(f.id, fid, r.timeseries?.get(fid) ?? []) as { response: { data: { interval: { from: string; to: string }; outputs: { ndvi: { bands: { B0: { stats: Record<string, number | string> } } } } }[] } };
    const day = (d: string): { from: string; to: string } => ({ from: `2024-05-${d}T00:00:00Z`, to: `2024-05-${String(Number(d) + 1).padStart(2, '0')}T00:00:00Z` });
    expect(doc.response.data.map((x) => x.interval)).toEqual([day('03'), day('08'), day('13'), { from: '2024-05-23T00:00:00Z', to: SAME_DAY }, { from: SAME_DAY, to: '2024-05-24T00:00:00Z' }]);
    // each entry is its own acquisition's mosaic: 10:36 is date 3's rasters, 12:16 date 2's
    const cells = cellsOf(f, 'center');
    [3, 2].forEach((d, k) => {
      const e = statsOf(cells, (c) => mosaicAt(d, Z31, c.x, c.y));
      const s = doc.response.data[3 + k]?.outputs.ndvi.bands.B0.stats ?? {};
      expect(s.sampleCount).toBe(e.count + e.nodata);
      expect(s.mean as number).toBeCloseTo(e.mean ?? NaN, 10);
    });
    // sentinelhub-py's data frame tells the two apart by interval_from / interval_to
    const res = sentinelhubPy([doc]);
    if (res === null) return;
    const may23 = res.rows.filter((x) => String(x.interval_from).startsWith('2024-05-23'));
    expect(may23.map((x) => [x.interval_from, x.interval_to])).toEqual([['2024-05-23T00:00:00+00:00', '2024-05-23T12:16:29.024000+00:00'], ['2024-05-23T12:16:29.024000+00:00', '2024-05-24T00:00:00+00:00']]);
  });

  it('exact coverage: weighted count, nodata_count and mean on the output grid', async () => {
    const r = await run('fields.gpkg', { coverage: 'exact' });
    for (const f of FIELDS.filter((x) => x.grid === 'A')) {
      const cells = cellsOf(f, 'exact');
      const rows = rowsOf(r, f.id);
      for (let d = 0; d < DATES.length; d++) {
        const e = statsOf(cells, (c) => mosaicAt(d, Z31, c.x, c.y));
        const got = rows[d] as Record<string, unknown>;
        expect(got.ndvi_count as number, `${f.id} ${d}`).toBeCloseTo(e.count, 9);
        expect(got.ndvi_nodata_count as number, `${f.id} ${d}`).toBeCloseTo(e.nodata, 9);
        if (e.mean === null) expect(got.ndvi_mean).toBeNull();
        else expect(got.ndvi_mean as number, `${f.id} ${d}`).toBeCloseTo(e.mean, 9);
      }
    }
  });

  it('a GeometryCollection mixing a polygon and a line: exact refuses it on one line (as exactextract), the rest computed; center burns both', async () => {
    const f = FIELDS[0] as Field;
    const ring: Position[] = [[f.x0, f.y0], [f.x1, f.y0], [f.x1, f.y1], [f.x0, f.y1], [f.x0, f.y0]];
    const line: Position[] = [[f.x0 - 50, f.y0 + 20], [f.x1 + 50, f.y1 - 20]];
    writeGeoPackage(join(dir, 'mixed.gpkg'), [{
      name: 'mixed', srsId: 32631, columns: { name: 'TEXT' },
      features: [
        { geometry: { type: 'Polygon', coordinates: [ring] }, properties: { name: f.id } },
        { geometry: { type: 'GeometryCollection', geometries: [{ type: 'Polygon', coordinates: [ring] }, { type: 'LineString', coordinates: line }] }, properties: { name: 'gc_mixed' } },
      ],
    }]);
    const exact = await run('mixed.gpkg', { coverage: 'exact' });
    const refused = rowsOf(exact, 'gc_mixed');
    expect(refused.length).toBeGreaterThan(0);
    for (const x of refused) expect(x.error).toMatch(/^GEOMETRY_INVALID: feature "gc_mixed" \(fid 2\): a GeometryCollection mixing polygons and lines has no exact coverage \(exactextract refuses it: "Mixed-type geometries not supported"\)/);
    const alone = await run('fields.gpkg', { coverage: 'exact' });
    expect(rowsOf(exact, f.id)).toEqual(rowsOf(alone, f.id));
    const center = await run('mixed.gpkg');
    const burned = rowsOf(center, 'gc_mixed');
    const polygon = rowsOf(center, f.id);
    expect(burned).toHaveLength(DATES.length);
    burned.forEach((x, d) => {
      expect(x.error).toBeNull();
      // every member burned: the polygon's cells and the line's beyond it
      expect((x.ndvi_count as number) + (x.ndvi_nodata_count as number)).toBeGreaterThan((polygon[d]?.ndvi_count as number) + (polygon[d]?.ndvi_nodata_count as number));
    });
  });

  it('points: multi-band outputs and monthly median composites, one row per point and interval', async () => {
    const r = await run('points.gpkg', { outputs: ['red', 'nir', 'ndvi'], interval: 'P1M', composite: 'median', stac: { api, collections: ['sentinel-2-l2a'], datetime: '2024-05-01/2024-06-30', assets: { red: 'red', nir: 'nir', scl: 'scl' } }, stats: ['count', 'mean'] });
    expect(r.columns.map((c) => c.name)).toEqual(['interval_from', 'interval_to', 'red_count', 'red_mean', 'nir_count', 'nir_mean', 'ndvi_count', 'ndvi_mean']);
    for (const p of POINTS) {
      const rows = rowsOf(r, p.id);
      expect(rows.map((x) => x.interval_from)).toEqual(['2024-05-01T00:00:00Z', '2024-06-01T00:00:00Z']);
      for (const what of ['red', 'nir', 'ndvi'] as const) {
        const vals = [0, 1, 2, 3].map((d) => mosaicAt(d, Z31, p.x, p.y, what)).filter((v): v is number => v !== null);
        expect(vals.length, p.id).toBeGreaterThan(1);
        expect(rows[0]?.[`${what}_count`]).toBe(1);
        expect(rows[0]?.[`${what}_mean`] as number).toBeCloseTo(median(vals), 10);
        expect(rows[1]?.[`${what}_count`]).toBe(0); // June: no acquisition, still a row
      }
    }
  });

  it('interpolate linear: empty intervals between composites are filled in time and flagged; edges stay empty', async () => {
    const r = await run('points.gpkg', { interval: 'P5D', composite: 'mean', interpolate: 'linear', stats: ['count', 'mean'], stac: { api, collections: ['sentinel-2-l2a'], datetime: '2024-04-26/2024-05-25', assets: { red: 'red', nir: 'nir', scl: 'scl' } } });
    expect(r.columns.map((c) => c.name)).toEqual(['interval_from', 'interval_to', 'ndvi_count', 'ndvi_mean', 'interpolated']);
    // intervals from 04-26: [04-26,05-01) empty edge, [05-01,05-06) d0, [05-06,05-11) d1 (cloudy), [05-11,05-16) d2, [05-16,05-21) none, [05-21,05-26) d3
    const starts = ['2024-04-26', '2024-05-01', '2024-05-06', '2024-05-11', '2024-05-16', '2024-05-21'].map((s) => Date.parse(`${s}T00:00:00Z`));
    for (const p of POINTS) {
      const rows = rowsOf(r, p.id);
      expect(rows).toHaveLength(6);
      const v = [null, mosaicAt(0, Z31, p.x, p.y), null, mosaicAt(2, Z31, p.x, p.y), null, mosaicAt(3, Z31, p.x, p.y)];
      expect(v[1] !== null && v[3] !== null && v[5] !== null, `${p.id} fixture`).toBe(true);
      const lerp = (i: number, a: number, b: number): number => (v[a] as number) + (((v[b] as number) - (v[a] as number)) * ((starts[i] as number) - (starts[a] as number))) / ((starts[b] as number) - (starts[a] as number));
      const want = [null, v[1], lerp(2, 1, 3), v[3], lerp(4, 3, 5), v[5]];
      rows.forEach((row, i) => {
        close(row.ndvi_mean, want[i] ?? null, `${p.id} interval ${i}`);
        expect(row.interpolated, `${p.id} interval ${i}`).toBe(i === 2 || i === 4);
        expect(row.ndvi_count).toBe(i === 0 ? 0 : 1);
      });
    }
  });

  describe('the STAC search covers exactly the intervals reported (RFC 3339 date-times; items outside dropped)', () => {
    const series = (datetime: string, over: Record<string, unknown>, path = ''): Promise<StatsJobResult> => {
      searches.length = 0;
      return run('points.gpkg', { composite: 'mean', stats: ['count', 'mean'], stac: { api: `${api}${path}`, collections: ['sentinel-2-l2a'], datetime, assets: { red: 'red', nir: 'nir', scl: 'scl' } }, ...over });
    };
    /** The mean composite of acquisitions `ds` at a point: the mean of their valid mosaic values (null: none). */
    const meanOf = (ds: number[], p: { x: number; y: number }): number | null => {
      const v = ds.map((d) => mosaicAt(d, Z31, p.x, p.y)).filter((x): x is number => x !== null);
      return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
    };
    const check = (r: StatsJobResult, want: { from: string; to: string; ds: number[] }[]): void => {
      for (const p of POINTS) {
        const rows = rowsOf(r, p.id);
        expect(rows.map((x) => [x.interval_from, x.interval_to]), p.id).toEqual(want.map((w) => [w.from, w.to]));
        want.forEach((w, i) => {
          const m = meanOf(w.ds, p);
          expect(rows[i]?.ndvi_count, `${p.id} ${w.from}`).toBe(m === null ? 0 : 1);
          close(rows[i]?.ndvi_mean, m, `${p.id} ${w.from}`);
        });
      }
    };
    const D = (d: string): string => `2024-05-${d}T00:00:00Z`;

    it('EXTEND: the last interval runs past the range end and its acquisitions are searched for (05-23 in [05-21, 05-31))', async () => {
      const r = await series(`${D('01')}/${D('22')}`, { interval: 'P10D', lastInterval: 'EXTEND' });
      expect(searches).toEqual([`${D('01')}/${D('31')}`]);
      check(r, [{ from: D('01'), to: D('11'), ds: [0, 1] }, { from: D('11'), to: D('21'), ds: [2] }, { from: D('21'), to: D('31'), ds: [3] }]);
      for (const p of POINTS) expect(meanOf([3], p), `${p.id}: the 05-23 acquisition has data there`).not.toBeNull();
    });

    it('SHORTEN and SKIP search only up to their last interval: 05-23 is in neither', async () => {
      const shorten = await series(`${D('01')}/${D('22')}`, { interval: 'P10D', lastInterval: 'SHORTEN' });
      expect(searches).toEqual([`${D('01')}/${D('22')}`]);
      check(shorten, [{ from: D('01'), to: D('11'), ds: [0, 1] }, { from: D('11'), to: D('21'), ds: [2] }, { from: D('21'), to: D('22'), ds: [] }]);
      const skip = await series(`${D('01')}/${D('22')}`, { interval: 'P10D', lastInterval: 'SKIP' });
      expect(searches).toEqual([`${D('01')}/${D('21')}`]);
      check(skip, [{ from: D('01'), to: D('11'), ds: [0, 1] }, { from: D('11'), to: D('21'), ds: [2] }]);
    });

    it('a date-only end includes its day in the intervals and in the search: sent as the next midnight, RFC 3339', async () => {
      const r = await series('2024-05-01/2024-05-23', { interval: 'P10D', lastInterval: 'SHORTEN' });
      expect(searches).toEqual([`${D('01')}/${D('24')}`]);
      check(r, [{ from: D('01'), to: D('11'), ds: [0, 1] }, { from: D('11'), to: D('21'), ds: [2] }, { from: D('21'), to: D('24'), ds: [3] }]);
      const scenes = await series('2024-05-01/2024-05-23', { interval: 'scene' });
      expect(searches).toEqual([`${D('01')}/${D('24')}`]);
      for (const p of POINTS) expect(rowsOf(scenes, p.id).map((x) => x.datetime)).toEqual(DATES);
    });

    it('items a server returns outside the range are dropped (a server that ignores datetime)', async () => {
      const r = await series('2024-05-04/2024-05-13', { interval: 'scene' }, '/lax');
      expect(searches).toEqual([`${D('04')}/${D('14')}`]);
      for (const p of POINTS) expect(rowsOf(r, p.id).map((x) => x.datetime)).toEqual([DATES[1], DATES[2]]);
      const iv = await series(`${D('01')}/${D('11')}`, { interval: 'P5D' }, '/lax');
      check(iv, [{ from: D('01'), to: D('06'), ds: [0] }, { from: D('06'), to: D('11'), ds: [1] }]);
    });
  });

  it('mask.nodata false reads the nodata value as a number (the swath edge of A wins the mosaic with 0)', async () => {
    const r = await run('fields.gpkg', { outputs: ['red'], mask: { nodata: false, classes: { band: 'scl', exclude: EXCLUDE, dilate: DILATE } }, stats: ['count', 'mean', 'min'] });
    const f = FIELDS[1] as Field;
    const cells = cellsOf(f, 'center');
    const e = statsOf(cells, (c) => mosaicAt(3, Z31, c.x, c.y, 'red', false));
    const got = rowsOf(r, f.id)[3] as Record<string, unknown>;
    expect(got.red_count).toBe(e.count);
    close(got.red_mean, e.mean, 'mean');
    expect(got.red_min).toBe(0);
  });

  it('a missing asset fails the intervals that need it, for the features that need it; later intervals are computed', async () => {
    broken = 'A2_B04.tif';
    let r: StatsJobResult;
    try {
      r = await run('fields.gpkg');
    } finally {
      broken = null;
    }
    for (const f of FIELDS) {
      const rows = rowsOf(r, f.id);
      expect(rows).toHaveLength(DATES.length);
      const needsA = f.grid === 'A';
      expect(rows[2]?.error === null, `${f.id} date 2`).toBe(!needsA);
      if (needsA) expect(String(rows[2]?.error)).toMatch(/A2_B04\.tif answered HTTP 404/);
      for (const d of [0, 1, 3]) expect(rows[d]?.error, `${f.id} date ${d}`).toBeNull();
      const cells = cellsOf(f, 'center');
      expect(rows[3]?.ndvi_count).toBe(statsOf(cells, (c) => mosaicAt(3, Z31, c.x, c.y)).count);
    }
    const fid = r.rows.find((x) => x.id === 'west')?.fid ?? -1;
    const doc = shDocument('west', fid, r.timeseries?.get(fid) ?? []) as { response: { status: string; data: { error?: { message: string } }[] } };
    expect(doc.response.status).toBe('OK');
    expect(doc.response.data.map((x) => x.error !== undefined)).toEqual([false, false, true, false]);
  });

  it('zonalflow stats with a STAC spec writes the same series as JSON (Sentinel Hub layout), CSV and Parquet', async () => {
    const specPath = join(dir, 'series.json');
    writeFileSync(specPath, JSON.stringify(spec()));
    const outs: Record<string, string> = {};
    for (const ext of ['json', 'csv', 'parquet']) {
      outs[ext] = join(dir, `cli-out`, `series.${ext}`);
      const res = await runCli(['stats', '--input', join(dir, 'fields.gpkg'), '--spec', specPath, '--out', outs[ext], '--allow-host', '127.0.0.1', '--quiet']);
      expect(res.code, res.err).toBe(0);
    }
    const docs = JSON.parse(readFileSync(outs.json as string, 'utf8')) as { id: number; identifier: string; response: { status: string; data: { interval: { from: string }; outputs: { ndvi: { bands: { B0: { stats: Record<string, unknown> } } } } }[] } }[];
    expect(docs.map((d) => d.identifier)).toEqual(FIELDS.map((f) => f.id));
    const cells = cellsOf(FIELDS[1] as Field, 'center');
    const overlap = docs[1];
    expect(overlap?.response.data).toHaveLength(DATES.length);
    const e3 = statsOf(cells, (c) => mosaicAt(3, Z31, c.x, c.y));
    expect(overlap?.response.data[3]?.outputs.ndvi.bands.B0.stats.mean as number).toBeCloseTo(e3.mean ?? NaN, 10);
    expect(overlap?.response.data[3]?.outputs.ndvi.bands.B0.stats.sampleCount).toBe(cells.length);
    const csv = readFileSync(outs.csv as string, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('id,fid,datetime,ndvi_count,ndvi_nodata_count,ndvi_mean,ndvi_min,ndvi_max,ndvi_median,error');
    expect(csv).toHaveLength(1 + FIELDS.length * DATES.length);
    const pq = readFileSync(outs.parquet as string);
    const ab = pq.buffer.slice(pq.byteOffset, pq.byteOffset + pq.byteLength);
    expect(parquetMetadata(ab).schema.find((x) => x.name === 'datetime')?.converted_type).toBe('TIMESTAMP_MILLIS');
  });

  it("sentinelhub-py's statistical_to_dataframe and get_failed_statistical_requests read the JSON", async () => {
    const r = await run('fields.gpkg', { stats: ['count', 'mean', 'min', 'max', 'stdev'] });
    const seen = new Map<number, string>();
    for (const x of r.rows) seen.set(x.fid, x.id);
    const docs = [...seen].map(([fid, id]) => shDocument(id, fid, r.timeseries?.get(fid) ?? []));
    // a failed feature and a failed interval, as the client reports them
    docs.push(shDocument('broken', 99, [], 'GEOMETRY_INVALID: feature "broken" (fid 99): self-intersection'));
    const first = docs[0] as { response: { data: Record<string, unknown>[] } };
    const failedInterval = { ...first, id: 98, identifier: 'one-failed-interval', response: { status: 'OK', data: [...first.response.data.slice(0, 1), { interval: { from: '2024-05-13T00:00:00Z', to: '2024-05-14T00:00:00Z' }, error: { type: 'EXECUTION_ERROR', message: 'RASTER_INVALID: tile 3 is truncated' } }] } };
    docs.push(failedInterval);
    // (a) the shape, always
    for (const d of docs) {
      const doc = d as { id: unknown; identifier: unknown; response: { status: string; data: { interval: { from: string; to: string }; outputs?: Record<string, { bands: { B0: { stats: Record<string, unknown> } } }>; error?: unknown }[] } };
      expect(Number.isInteger(doc.id)).toBe(true);
      expect(typeof doc.identifier).toBe('string');
      expect(['OK', 'FAILED']).toContain(doc.response.status);
      const froms = doc.response.data.map((x) => x.interval.from);
      expect([...froms].sort()).toEqual(froms);
      for (const e of doc.response.data) {
        if (e.error !== undefined) continue;
        const s = e.outputs?.ndvi?.bands.B0.stats ?? {};
        for (const k of ['min', 'max', 'mean', 'stDev', 'sampleCount', 'noDataCount']) expect(k in s, k).toBe(true);
        if ((s.sampleCount as number) > (s.noDataCount as number)) for (const k of ['min', 'max', 'mean']) expect(typeof s[k]).toBe('number');
      }
    }
    // (b) the real client, where Python with pandas and a sentinelhub-py checkout are available
    const res = sentinelhubPy(docs);
    if (res === null) return;
    for (const c of ['ndvi_B0_mean', 'ndvi_B0_sampleCount', 'ndvi_B0_noDataCount', 'interval_from', 'interval_to', 'identifier']) expect(res.columns).toContain(c);
    // rows: one per feature and interval with data (the client drops sampleCount == noDataCount)
    const cells = cellsOf(FIELDS[1] as Field, 'center');
    const overlapRows = res.rows.filter((x) => x.identifier === 'overlap');
    const withData = [0, 1, 2, 3].filter((d) => statsOf(cells, (c) => mosaicAt(d, Z31, c.x, c.y)).count > 0);
    expect(overlapRows).toHaveLength(withData.length);
    overlapRows.forEach((row, i) => {
      const e = statsOf(cells, (c) => mosaicAt(withData[i] as number, Z31, c.x, c.y));
      expect(row.ndvi_B0_mean as number).toBeCloseTo(e.mean ?? NaN, 10);
      expect(row.ndvi_B0_sampleCount).toBe(e.count + e.nodata);
      expect(row.ndvi_B0_noDataCount).toBe(e.nodata);
      expect(String(row.interval_from)).toBe(`${DATES[withData[i] as number]?.slice(0, 10)}T00:00:00+00:00`);
    });
    expect(res.failed).toEqual([
      { identifier: 'broken', failed_intervals: 'full time range' },
      { identifier: 'one-failed-interval', failed_intervals: [['2024-05-13T00:00:00Z', '2024-05-14T00:00:00Z']] },
    ]);
  });
});
