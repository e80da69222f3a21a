/**
 * Time series: 10,000 fields over 12 acquisitions of Sentinel-2-shaped scenes (10980 x 10980 B04/B08
 * UInt16 at 10 m, SCL UInt8 at 20 m, DEFLATE + predictor 2, 1024 x 1024 tiles as the sentinel-cogs),
 * NDVI with the SCL mask (3/8/9/10 excluded, dilated 1 cell), one row per field and acquisition.
 * Reports feature-acquisitions per second, bytes read / minimal tile bytes (the distinct tiles the
 * fields need, each once), requests, peak RSS. The fields lie in a 30 x 30 km district of the
 * tile; tiles no field touches are written sparse (they are never read; it keeps the cache small).
 * Scenes are generated once into bench/.cache/timeseries-v1 (ignored by git).
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import proj4 from 'proj4';
import { writeCog } from '../test/helpers/cog-writer';
import { writeGeoPackage } from '../test/helpers/gpkg-writer';
import { CACHE, ORIGIN, RES, SIZE, seeded } from './synthetic';
import { peakRssMb, report } from './report';
import { parseJobSpec } from '../shared/spec';
import { TimeseriesEngine } from '../shared/engine/timeseries';
import type { Scene } from '../shared/timeseries/stac';
import { openGeoPackage } from '../shared/features/gpkg';
import type { CountingSource } from '../shared/io/source.counting';
import { countInto } from '../shared/io/source.counting';
import { FileSource } from '../shared/io/source.file';
import { openRaster } from '../shared/raster/cog';
import { ensureProj, makeTransformer } from '../shared/crs/transform';
import { crsFromEpsg } from '../shared/crs/epsg';
import { transformGeometry } from '../shared/geometry/transform';
import { geometryWindow } from '../shared/coverage/coverage';
import type { Window } from '../shared/raster/grid';
import type { Position } from '../shared/geometry/types';
import type { EngineFeature } from '../shared/engine/zonal';

const N = Number(process.env.BENCH_FEATURES ?? 10_000);
const ACQ = 12;
const TILE = 1024;
const DIR = join(CACHE, 'timeseries-v1');
const UTM31 = '+proj=utm +zone=31 +datum=WGS84 +units=m +no_defs';
/** The district (metres from the tile's top-left corner) where the fields lie. */
const D0 = 30_000;
const D1 = 60_000;

const noise = (r: number, c: number): number => (Math.imul(r, 73856093) ^ Math.imul(c, 19349663)) >>> 0;
const red = (d: number, r: number, c: number): number => 300 + ((r * 7 + c * 13 + d * 31) % 700) + (((r >> 5) ^ (c >> 5)) & 127) + (noise(r, c) % 97);
const nir = (d: number, r: number, c: number): number => 2000 + ((r * 5 + c * 11 + d * 17) % 1500) + (((r >> 4) ^ (c >> 6)) & 255) + (noise(c, r) % 89);
/** SCL (20 m cells): vegetation, with per-date cloud (9) and shadow (3) blobs; acquisition 6 is fully cloudy. */
function scl(d: number, R: number, C: number): number {
  if (d === 6) return 9;
  const blob = ((R >> 5) * 31 + (C >> 5) * 17 + d * 7) % 11;
  return blob === 0 ? 9 : blob === 1 ? 3 : blob === 2 ? 8 : 4;
}
/** True for the tiles (tileSize cells at `res`) holding some of the district. */
function inDistrict(index: number, res: number, across: number): boolean {
  const ty = Math.floor(index / across);
  const tx = index % across;
  const span = TILE * res;
  return tx * span < D1 && (tx + 1) * span > D0 && ty * span < D1 && (ty + 1) * span > D0;
}

function ensureScenes(): Scene[] {
  mkdirSync(DIR, { recursive: true });
  const bbox = (() => {
    const ll = [[ORIGIN[0], ORIGIN[1]], [ORIGIN[0] + SIZE * RES, ORIGIN[1] - SIZE * RES]].map((p) => proj4(UTM31, 'EPSG:4326', p));
    return { xmin: Math.min(ll[0]?.[0] ?? 0, ll[1]?.[0] ?? 0), ymin: Math.min(ll[0]?.[1] ?? 0, ll[1]?.[1] ?? 0), xmax: Math.max(ll[0]?.[0] ?? 0, ll[1]?.[0] ?? 0), ymax: Math.max(ll[0]?.[1] ?? 0, ll[1]?.[1] ?? 0) };
  })();
  const scenes: Scene[] = [];
  const t0 = performance.now();
  for (let d = 0; d < ACQ; d++) {
    const hrefs: Record<string, string> = {};
    for (const [band, res, size, dtype, value] of [
      ['B04', 10, SIZE, 'uint16', (r: number, c: number) => red(d, r, c)],
      ['B08', 10, SIZE, 'uint16', (r: number, c: number) => nir(d, r, c)],
      ['SCL', 20, SIZE / 2, 'uint8', (r: number, c: number) => scl(d, r, c)],
    ] as const) {
      const path = join(DIR, `T31_${String(d).padStart(2, '0')}_${band}.tif`);
      if (!existsSync(path)) {
        const across = Math.ceil(size / TILE);
        writeCog(`${path}.tmp`, { width: size, height: size, dtype, tileSize: TILE, compression: 'deflate', predictor: 2, nodata: 0, epsg: 32631, transform: [ORIGIN[0], ORIGIN[1], res, res], value, sparse: (i) => !inDistrict(i, res, across) });
        renameSync(`${path}.tmp`, path);
      }
      hrefs[{ B04: 'red', B08: 'nir', SCL: 'scl' }[band]] = path;
    }
    scenes.push({ id: `S2B_31UFS_2024${String(4 + Math.floor((d * 10) / 30)).padStart(2, '0')}_${d}_L2A`, datetime: Date.UTC(2024, 3, 1 + d * 10, 10, 36), bbox, geometry: null, hrefs });
  }
  process.stderr.write(`scenes ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (${DIR})\n`);
  return scenes;
}

function ensureFields(n: number): string {
  const path = join(DIR, `fields_${n}.gpkg`);
  if (existsSync(path)) return path;
  const rnd = seeded(7);
  const toLonLat = proj4(UTM31, 'EPSG:4326');
  const features = Array.from({ length: n }, (_, i) => {
    const cx = ORIGIN[0] + D0 + 300 + rnd() * (D1 - D0 - 600);
    const cy = ORIGIN[1] - D0 - 300 - rnd() * (D1 - D0 - 600);
    const size = 50 + rnd() * 250;
    const k = 4 + Math.floor(rnd() * 4);
    const rot = rnd() * Math.PI;
    const ring: Position[] = [];
    for (let j = 0; j < k; j++) {
      const a = rot + (j / k) * 2 * Math.PI;
      const rr = (size / 2) * (0.7 + 0.3 * rnd());
      const p = toLonLat.forward([cx + rr * Math.cos(a), cy + rr * Math.sin(a)]);
      ring.push([p[0] ?? NaN, p[1] ?? NaN]);
    }
    ring.push(ring[0] as Position);
    return { geometry: { type: 'Polygon' as const, coordinates: [ring] }, properties: { field_id: `F${String(i).padStart(6, '0')}` } };
  });
  writeGeoPackage(`${path}.tmp`, [{ name: 'fields', srsId: 4326, geometryType: 'POLYGON', columns: { field_id: 'TEXT' }, features }]);
  renameSync(`${path}.tmp`, path);
  return path;
}

await ensureProj();
const scenes = ensureScenes();
const fieldsPath = ensureFields(N);
const layer = openGeoPackage(fieldsPath).layer();
const features: EngineFeature[] = [...layer.features({ idColumn: 'field_id', columns: [] })].map((f) => ({ fid: f.fid, id: f.id, geometry: f.geometry }));
const spec = parseJobSpec({
  input: { idColumn: 'field_id' },
  stac: { api: 'https://earth-search.aws.element84.com/v1', collections: ['sentinel-2-l2a'], datetime: '2024-04-01/2024-08-31', assets: { red: 'B04', nir: 'B08', scl: 'SCL' } },
  mask: { classes: { band: 'scl', exclude: [3, 8, 9, 10], dilate: 1 } },
  bands: { ndvi: '(nir - red) / (nir + red)' },
  outputs: ['ndvi'],
  interval: 'scene',
  coverage: 'exact',
  stats: ['count', 'nodata_count', 'mean', 'stdev'],
});
const counters: CountingSource[] = [];
const engine = new TimeseriesEngine(spec, scenes, layer.crs, {
  allowed: { schemes: ['file'], s3Buckets: [], httpsHosts: [] },
  wrapSource: countInto(counters),
});
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const out = await engine.computeChunk(features);
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const rss = peakRssMb();
const failed = out.rows.filter((r) => r.error !== null).length;
if (failed > 0) process.stderr.write(`first failure: ${out.rows.find((r) => r.error !== null)?.error ?? ""}\n`);

// minimal bytes: per raster, the distinct tiles the fields' windows need (SCL: grown by the dilation, on its 20 m grid)
let minimal = 0;
const toUtm = makeTransformer(layer.crs, crsFromEpsg(32631));
for (const s of scenes) {
  for (const [band, href] of Object.entries(s.hrefs)) {
    const src = new FileSource(href);
    const r = await openRaster(src);
    const windows: Window[] = [];
    for (const f of features) {
      if (!f.geometry) continue;
      const g = toUtm ? transformGeometry(f.geometry, toUtm) : f.geometry;
      const w = geometryWindow(g, { ...r.info.grid, width: SIZE, height: SIZE, resX: 10, resY: 10 });
      if (!w) continue;
      if (band === 'scl') {
        const h = { row0: w.row0 - 1, col0: w.col0 - 1, rows: w.rows + 2, cols: w.cols + 2 };
        windows.push({ row0: Math.floor(h.row0 / 2), col0: Math.floor(h.col0 / 2), rows: Math.ceil((h.row0 + h.rows) / 2) - Math.floor(h.row0 / 2), cols: Math.ceil((h.col0 + h.cols) / 2) - Math.floor(h.col0 / 2) });
      } else windows.push(w);
    }
    minimal += r.tileRanges(windows, [1]).reduce((a, x) => a + x.length, 0);
    await src.close();
  }
}
const bytes = counters.reduce((a, c) => a + c.bytes, 0);
const requests = counters.reduce((a, c) => a + c.requests, 0);
await Promise.all(counters.map((c) => c.close()));
report('timeseries', {
  fields: features.length,
  acquisitions: ACQ,
  rows: out.rows.length,
  failed_rows: failed,
  wall_s: wall,
  cpu_s: (cpu.user + cpu.system) / 1e6,
  feature_acquisitions_per_s: (features.length * ACQ) / wall,
  feature_acquisitions_per_cpu_s: (features.length * ACQ) / ((cpu.user + cpu.system) / 1e6),
  bytes_read: bytes,
  minimal_tile_bytes: minimal,
  bytes_over_minimal: bytes / minimal,
  requests,
  peak_rss_mb: rss,
  goal_bytes_over_minimal: 1.05,
  goal_peak_rss_mb: 1024,
});
