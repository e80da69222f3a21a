/**
 * The engine of `zonalflow stats` called in-process (streamStatsJob, 2,000-feature chunks, default threads; no
 * CLI, no output file: the rows are counted as they stream) on the 100k-field synthetic case, exact coverage,
 * local file, 5 statistics. Figures: features/s, megapixels/s, wall and CPU seconds, peak RSS, and the split
 * between reading+decoding, coverage and statistics. The CLI as a user runs it, side by side with exactextract
 * on the same case, is `npm run bench -- vs-exactextract`.
 */
import { ensureFields, ensureRaster } from './synthetic';
import { peakRssMb, report } from './report';
import { streamStatsJob } from '../shared/engine/stats-job';
import { parseJobSpec } from '../shared/spec';
import { LOCAL_ONLY } from '../shared/io/uri';

const n = Number(process.env.BENCH_FEATURES ?? 100_000);
const raster = ensureRaster();
const fields = ensureFields(n);
const spec = parseJobSpec({ input: { idColumn: 'field_id' }, rasters: [{ name: 'b04', uri: raster }], stats: ['mean', 'min', 'max', 'count', 'stdev'], coverage: 'exact' });
const cpu0 = process.cpuUsage();
const t0 = performance.now();
// rows stream past (as the CLI writes them) and are counted, never held
let countCol = -1;
let covered = 0;
let rows = 0;
const result = await streamStatsJob({ input: fields, spec, allowed: LOCAL_ONLY, chunkSize: 2000 }, {
  begin: (columns) => {
    countCol = columns.findIndex((c) => c.name === 'b04_count');
    return Promise.resolve();
  },
  rows: (chunk) => {
    for (const r of chunk) {
      const v = r.values[countCol];
      if (typeof v === 'number') covered += v;
    }
    rows += chunk.length;
    return Promise.resolve();
  },
});
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cells = result.summary.timings.cells;
report('stats-100k', {
  features: rows,
  failed: result.summary.failed,
  wall_s: wall,
  cpu_s: (cpu.user + cpu.system) / 1e6,
  features_per_s: rows / wall,
  cells_read: cells,
  megapixels_per_s: cells / 1e6 / wall,
  covered_cells_weighted: covered,
  peak_rss_mb: peakRssMb(),
  // the engine's time in reads (fetching and decoding the tiles it waited for); decodes also run on libuv's pool
  // alongside the engine (Raster.decodeAhead), so their summed time (decode_s) overlaps it and is not a part of it
  read_wait_s: (result.summary.timings.prefetch + result.summary.timings.read) / 1000,
  decode_s: (result.summary.timings.decode ?? 0) / 1000,
  reproject_s: result.summary.timings.reproject / 1000,
  coverage_s: result.summary.timings.coverage / 1000,
  stats_s: result.summary.timings.stats / 1000,
  gpkg_s: result.summary.timings.features / 1000,
  bytes_read: result.summary.bytesRead,
  requests: result.summary.requests,
  anchor_exactextract_wall_s: 6 + 1.5,
  anchor_exactextract_rss_mb: 300,
});
