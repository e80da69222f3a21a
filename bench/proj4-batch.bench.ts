/**
 * proj4js over many points (crs/proj4-batch.ts): million points per second through a BatchTransform of
 * EPSG:4326 -> UTM 31N (the 100k job's pair, PROJ's own PROJ strings) and UTM 31N -> EPSG:4326, on the
 * reused-point path and on proj4js's public API per point (`proj4(from, to).forward([x, y])`, what
 * conversion.ts used before); batches of 64 points (a field's ring) and of 4,096 (prepare-flat.ts transforms a chunk's positions in one call), 1,000,000 points per run, best of 5
 * after a warm-up, each case in a child process of its own. CPU-bound: on a loaded machine read the ratio, not the absolute rate.
 * Run: npm run bench -- proj4-batch
 */
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { proj4BatchTransform } from '../shared/crs/proj4-batch';
import { peakRssMb, report } from './report';

const LONLAT = '+proj=longlat +datum=WGS84 +no_defs +type=crs';
const UTM31 = '+proj=utm +zone=31 +datum=WGS84 +units=m +no_defs +type=crs';
const N = 1_000_000;

function pointsIn(x0: number, x1: number, y0: number, y1: number): [Float64Array, Float64Array] {
  const xs = new Float64Array(N);
  const ys = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    xs[i] = x0 + ((i * 0.6180339887) % 1) * (x1 - x0);
    ys[i] = y0 + ((i * 0.7548776662) % 1) * (y1 - y0);
  }
  return [xs, ys];
}

function mPointsPerSecond(from: string, to: string, path: 'public' | undefined, src: [Float64Array, Float64Array], batch = 64): number {
  const { transform } = proj4BatchTransform(from, to, path);
  const bx = new Float64Array(batch);
  const by = new Float64Array(batch);
  let best = Infinity;
  for (let run = 0; run < 6; run++) {
    const t0 = performance.now();
    for (let i = 0; i < N; i += batch) {
      bx.set(src[0].subarray(i, i + batch));
      by.set(src[1].subarray(i, i + batch));
      transform(bx, by);
    }
    const ms = performance.now() - t0;
    if (run > 0) best = Math.min(best, ms);
  }
  return Math.round(N / best) / 1e3;
}

/** The cases, each measured in a child process of its own (one pair and one path per process, as in a job: no call site made polymorphic by the other cases). */
const CASES: Record<string, () => number> = {
  lonLatToUtmDirectMPointsPerS: () => mPointsPerSecond(LONLAT, UTM31, undefined, pointsIn(0, 6, 40, 60)),
  lonLatToUtmPublicMPointsPerS: () => mPointsPerSecond(LONLAT, UTM31, 'public', pointsIn(0, 6, 40, 60)),
  lonLatToUtmDirectBatch4096MPointsPerS: () => mPointsPerSecond(LONLAT, UTM31, undefined, pointsIn(0, 6, 40, 60), 4096),
  lonLatToUtmPublicBatch4096MPointsPerS: () => mPointsPerSecond(LONLAT, UTM31, 'public', pointsIn(0, 6, 40, 60), 4096),
  utmToLonLatDirectMPointsPerS: () => mPointsPerSecond(UTM31, LONLAT, undefined, pointsIn(200000, 800000, 4500000, 6600000)),
  utmToLonLatPublicMPointsPerS: () => mPointsPerSecond(UTM31, LONLAT, 'public', pointsIn(200000, 800000, 4500000, 6600000)),
};

const only = process.argv[2];
const one = only === undefined ? undefined : CASES[only];
if (one) {
  process.stdout.write(`${one()}\n`);
} else {
  const figures: Record<string, unknown> = {};
  for (const name of Object.keys(CASES)) {
    const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), name], { encoding: 'utf8' });
    figures[name] = Number(r.stdout.trim());
  }
  figures.peakRssMb = peakRssMb();
  report('proj4-batch', figures);
}
