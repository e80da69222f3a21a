/**
 * The streaming output writers (Parquet, GeoPackage, FlatGeobuf, CSV) on synthetic result rows: CPU seconds, wall and peak RSS per format at 100k and 1M rows.
 * Each (format, size) runs in its own process: rows of 5 statistics with a 5-vertex polygon
 * in EPSG:32631 are made chunk by chunk (1,000 rows, as `zonalflow stats` hands them over) and
 * written through `openSink` (the sink `--out` picks); memory should not grow with the row count.
 * Checks: each file's row count and the last row's values read back (hyparquet, SQLite,
 * the FlatGeobuf header, the CSV's last line). Sizes: BENCH_WRITERS_ROWS (default
 * "100000,1000000"); formats: BENCH_WRITERS_FORMATS (default "parquet,gpkg,fgb,csv").
 * Run: `npm run bench -- writers`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { openSink } from '../shared/output/open-sink';
import { ensureProj } from '../shared/crs/transform';
import { crsProjJson } from '../shared/crs/projjson';
import { crsFromEpsg } from '../shared/crs/epsg';
import type { ResultRow, StatColumn } from '../shared/output/table';
import { CACHE } from './synthetic';
import { report } from './report';

const STATS = ['count', 'mean', 'min', 'max', 'stdev'];
const columns: StatColumn[] = STATS.map((s) => ({ name: `b04_${s}`, kind: 'number' }));
const CHUNK = 1000;

function row(i: number): ResultRow {
  const x = 400000 + (i % 1000) * 100;
  const y = 5000000 + Math.floor(i / 1000) * 100;
  const m = (i % 997) / 7;
  return {
    id: `field-${i + 1}`,
    fid: i + 1,
    values: [100 + (i % 50), m, m - 3.5, m + 4.25, 1.5 + (i % 7) / 8],
    error: null,
    geometry: { type: 'Polygon', coordinates: [[[x, y], [x + 80, y], [x + 80, y + 60], [x, y + 60], [x, y]]] },
  };
}

/** The child: writes `rows` rows into `path`, prints its figures as JSON. */
async function child(path: string, rows: number): Promise<void> {
  await ensureProj();
  const crs = crsProjJson(crsFromEpsg(32631));
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const sink = await openSink(path, { columns, geometry: /\.(csv)$/.test(path) ? undefined : { crs } });
  for (let i = 0; i < rows; i += CHUNK) {
    const chunk: ResultRow[] = [];
    for (let j = i; j < Math.min(rows, i + CHUNK); j++) chunk.push(row(j));
    await sink.write(chunk);
  }
  await sink.close();
  const used = process.cpuUsage(cpu);
  process.stdout.write(`${JSON.stringify({ seconds: (performance.now() - t0) / 1000, cpuSeconds: (used.user + used.system) / 1e6, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
}

/** The row count and last row's `b04_mean` of a written file, read back. */
async function readBack(path: string, format: string): Promise<{ rows: number; lastMean: number }> {
  if (format === 'parquet') {
    const b = readFileSync(path);
    const file = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    const meta = parquetMetadata(file);
    const n = Number(meta.num_rows);
    const last = await parquetReadObjects({ file, metadata: meta, columns: ['b04_mean'], rowStart: n - 1, rowEnd: n });
    return { rows: n, lastMean: Number(last[0]?.b04_mean) };
  }
  if (format === 'gpkg') {
    const { default: sqlite } = await import('node-sqlite3-wasm');
    const db = new sqlite.Database(path, { readOnly: true });
    try {
      const r = db.get('SELECT count(*) AS n, (SELECT b04_mean FROM writers ORDER BY ogc_fid DESC LIMIT 1) AS m FROM writers') as { n: number; m: number };
      return { rows: r.n, lastMean: r.m };
    } finally {
      db.close();
    }
  }
  if (format === 'fgb') {
    const { deserialize } = await import('flatgeobuf/lib/mjs/geojson.js');
    let n = 0;
    let lastMean = NaN;
    for await (const f of deserialize(new Uint8Array(readFileSync(path)))) {
      n++;
      lastMean = Number((f as { properties?: Record<string, unknown> }).properties?.b04_mean);
    }
    return { rows: n, lastMean };
  }
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
  return { rows: lines.length - 1, lastMean: Number(lines.at(-1)?.split(',')[3]) };
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') return child(process.argv[3] ?? '', Number(process.argv[4]));
  const sizes = (process.env.BENCH_WRITERS_ROWS ?? '100000,1000000').split(',').map(Number);
  const formats = (process.env.BENCH_WRITERS_FORMATS ?? 'parquet,gpkg,fgb,csv').split(',');
  mkdirSync(CACHE, { recursive: true });
  const dir = mkdtempSync(join(CACHE, 'writers-'));
  const figures: Record<string, unknown> = {};
  try {
    for (const format of formats) {
      for (const n of sizes) {
        const path = join(dir, `writers.${format}`);
        const r = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--child', path, String(n)], { encoding: 'utf8', maxBuffer: 1 << 24 });
        if (r.status !== 0) throw new Error(`${format} ${n}: ${r.stderr}`);
        const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { seconds: number; cpuSeconds: number; peakRssMb: number };
        const back = await readBack(path, format);
        const expectedMean = ((n - 1) % 997) / 7;
        if (back.rows !== n || back.lastMean !== expectedMean) throw new Error(`${format} ${n}: read back ${back.rows} rows, last mean ${back.lastMean} (expected ${n}, ${expectedMean})`);
        const key = `${format} ${n.toLocaleString('en-US')} rows`;
        figures[`${key}: CPU s`] = out.cpuSeconds;
        figures[`${key}: wall s`] = out.seconds;
        figures[`${key}: peak RSS MB`] = Math.round(out.peakRssMb);
        figures[`${key}: file MB`] = statSync(path).size / 1e6;
        rmSync(path, { force: true });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  figures.note = 'wall under whatever load the machine had; CPU seconds and peak RSS are the comparable figures';
  report('writers', figures);
}

await main();
