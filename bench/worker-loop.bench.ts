/**
 * CPU seconds a zonal worker thread spends on its stretch of the 100k stats case (decode, coverage, statistics), measured in one thread without the rest of the job.
 * The case of the stats bench (bench/synthetic.ts: 100,000 fields in EPSG:4326 over the 10980² S2-shaped
 * UInt16 Deflate COG, exact coverage, mean,min,max,count,stdev). Set-up, not measured: every feature is
 * prepared (PROJ) and put in the job's spatial order (job-order.ts windowKey), cut into two stretches as
 * `--threads 2` does, and each chunk of 1,000 is built as the message a worker gets (geometries encoded,
 * windows packed) and V8-serialized. Measured, per stretch, on a fresh raster with the job's tile cache
 * (job-sizes.ts TILE_CACHE_BYTES) and a measuring engine: what parallel-worker.ts does per message
 * (deserialize, unpack, ZonalEngine.measure, packValues), as process CPU (this thread plus V8's GC and
 * compiler helpers). Prints CPU s per stretch, tiles decoded, decode ms, cells, and a checksum of the
 * values (the same for any change that keeps the output). Figures vary with the machine's load.
 * Run: npm run bench -- worker-loop
 */
import { deserialize, serialize, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ensureFields, ensureRaster } from './synthetic';
import { peakRssMb, report } from './report';
import { openFeatureSource } from '../shared/features/open';
import { ensureProj } from '../shared/crs/transform';
import { openZonalRasters } from '../shared/engine/rasters';
import type { ZonalRaster } from '../shared/engine/rasters';
import { ZonalEngine } from '../shared/engine/zonal';
import { zonalOptions } from '../shared/engine/options';
import { parseJobSpec } from '../shared/spec';
import { LOCAL_ONLY, openSource } from '../shared/io/uri';
import { byKey, encodedGeometries, fromRecords, toRecords } from '../shared/engine/job-order';
import type { PreparedRecord } from '../shared/engine/job-order';
import { packValues, packWindows, unpackEncoded, unpackWindows } from '../shared/engine/parallel-pack';
import type { EncodedGeometries } from '../shared/engine/parallel-pack';
import { openRaster } from '../shared/raster/cog';
import { TILE_CACHE_BYTES } from '../shared/engine/job-sizes';
import type { Feature } from '../shared/geometry/types';
import type { EngineFeature } from '../shared/engine/zonal';

const n = Number(process.env.BENCH_FEATURES ?? 100_000);
const CHUNK = 1000;
const rasterPath = ensureRaster();
const fields = ensureFields(n);
const spec = parseJobSpec({ input: { idColumn: 'field_id' }, rasters: [{ name: 'b04', uri: rasterPath }], stats: ['mean', 'min', 'max', 'count', 'stdev'], coverage: 'exact' });

// set-up: the records in the job's spatial order (not measured)
const layer = await openFeatureSource(fields, {});
await ensureProj();
const rasters = await openZonalRasters(spec.rasters, { allowed: LOCAL_ONLY });
const full = new ZonalEngine(rasters, layer.crs, zonalOptions(spec, undefined, false));
const grids = full.processingGrids();
let records: PreparedRecord[] = [];
let batch: Feature[] = [];
const prepare = (): void => {
  const prepared = full.prepare(batch);
  records.push(...toRecords(batch, prepared, batch.map(() => ({ attributes: [] })), grids, records.length, false));
  batch = [];
};
for await (const f of layer.features({ idColumn: 'field_id', columns: [] })) {
  batch.push(f);
  if (batch.length >= CHUNK) prepare();
}
if (batch.length > 0) prepare();
layer.close();
records.sort(byKey);
interface Message { features: EngineFeature[]; problems: (string | null)[]; touched: boolean[]; perRaster: { geometries: EncodedGeometries; windows: Float64Array; errors: (string | null)[] }[] }
const half = Math.ceil(records.length / 2);
const stretches = [records.slice(0, half), records.slice(half)].map((stretch) => {
  const out: Buffer[] = [];
  for (let at = 0; at < stretch.length; at += CHUNK) {
    const part = stretch.slice(at, at + CHUNK);
    const { features, prepared } = fromRecords(part, { local: false });
    const m: Message = { features, problems: prepared.problems, touched: prepared.touched, perRaster: prepared.perRaster.map((p, k) => ({ geometries: encodedGeometries(part, k), windows: packWindows(p.windows), errors: p.errors })) };
    out.push(serialize(m));
  }
  return out;
});
records = []; // from here the heap holds one message at a time, as a worker's
// collect the set-up's garbage now, so that the first stretch does not pay for it
setFlagsFromString('--expose-gc');
(runInNewContext('gc') as () => void)();

// measured: each stretch as one worker thread computes it
const figures: Record<string, unknown> = { features: n };
let checksum = 0;
let total = 0;
for (const [s, messages] of stretches.entries()) {
  const cpu0 = process.cpuUsage();
  const raster = await openRaster(openSource(rasterPath, { allowed: LOCAL_ONLY }), { cacheBytes: TILE_CACHE_BYTES });
  const ref = rasters[0] as ZonalRaster;
  const engine = new ZonalEngine([{ ...ref, raster }], ref.crs, full.options, 'measure');
  for (const buf of messages) {
    const m = deserialize(buf) as Message;
    const count = m.features.length;
    const prepared = { problems: m.problems, touched: m.touched, perRaster: m.perRaster.map((p) => ({ local: unpackEncoded(p.geometries, count), windows: unpackWindows(p.windows), errors: p.errors })) };
    const rows = await engine.measure(m.features, prepared);
    const packed = packValues(rows, engine.columns.length);
    if (packed === null) throw new Error('unexpected non-numeric row');
    for (let i = 0; i < packed.values.length; i++) {
      const v = packed.values[i] as number;
      if (v === v) checksum = (checksum + v * ((i % 7) + 1)) % 1e12;
    }
  }
  const cpu = process.cpuUsage(cpu0);
  const seconds = (cpu.user + cpu.system) / 1e6;
  total += seconds;
  figures[`stretch${s}_cpu_s`] = seconds;
  figures[`stretch${s}_tiles_decoded`] = raster.tilesDecoded;
  figures[`stretch${s}_decode_ms`] = raster.decodeMs;
  figures[`stretch${s}_cells`] = engine.timings.cells;
}
figures.cpu_s_total = total;
figures.tile_cache_mb = TILE_CACHE_BYTES / 1048576;
figures.values_checksum = checksum;
figures.peak_rss_mb = peakRssMb();
report('worker-loop', figures);
