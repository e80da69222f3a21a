/**
 * An in-process job (`zonalflow stats`): a GeoPackage and the spec's rasters
 * in, the result table and a summary out. No pipeline, no AWS: the same engine
 * the Lambda worker runs.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { openGeoPackage } from '../features/gpkg';
import type { JobSpec } from '../spec';
import type { AllowedSources } from '../io/uri';
import { CountingSource } from '../io/source.counting';
import { parseStatNames } from '../stats/names';
import type { ResultRow, StatColumn } from '../output/table';
import type { Feature } from '../geometry/types';
import { openZonalRasters } from './rasters';
import { ZonalEngine } from './zonal';
import type { ZonalTimings } from './zonal';

/** Progress of a running job. */
export interface Progress { done: number; failed: number; total: number }

/** What a finished in-process job reports. */
export interface StatsJobResult {
  columns: StatColumn[];
  rows: ResultRow[];
  summary: StatsSummary;
}

/** The figures of a finished job (also the local part of `summary.json`). */
export interface StatsSummary {
  features: number;
  done: number;
  failed: number;
  failures: { fid: number; id: string; reason: string }[];
  duplicateIds: number;
  seconds: number;
  /** Engine timings (ms) plus `features`: ms spent reading the GeoPackage. */
  timings: ZonalTimings & { features: number };
  bytesRead: number;
  requests: number;
}

/** Options of an in-process job. */
export interface StatsJobOptions {
  /** Path of the GeoPackage. */
  input: string;
  spec: JobSpec;
  allowed: AllowedSources;
  s3Client?: S3Client;
  /** Features per engine chunk (tiles are prefetched per chunk). */
  chunkSize?: number;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

/** Runs a whole job in this process. */
export async function runStatsJob(opts: StatsJobOptions): Promise<StatsJobResult> {
  const t0 = performance.now();
  const stats = parseStatNames(opts.spec.stats);
  const gpkg = openGeoPackage(opts.input);
  try {
    const layer = gpkg.layer(opts.spec.input.layer);
    const counters: CountingSource[] = [];
    const rasters = await openZonalRasters(opts.spec.rasters, {
      allowed: opts.allowed,
      s3Client: opts.s3Client,
      wrapSource: (s) => {
        const c = new CountingSource(s);
        counters.push(c);
        return c;
      },
    });
    const engine = new ZonalEngine(rasters, layer.crs, {
      stats,
      coverage: opts.spec.coverage,
      histogram: opts.spec.histogram,
      maxCellsInMemory: opts.spec.limits.maxCellsInMemory,
      keepGeometry: false,
    });
    const total = layer.count();
    const rows: ResultRow[] = [];
    const chunkSize = opts.chunkSize ?? 1000;
    let chunk: Feature[] = [];
    let failed = 0;
    const flush = async (): Promise<void> => {
      if (chunk.length === 0) return;
      const out = await engine.computeChunk(chunk, opts.signal);
      for (const r of out) {
        rows.push(r);
        if (r.error !== null) failed++;
      }
      chunk = [];
      opts.onProgress?.({ done: rows.length, failed, total });
    };
    const idOptions = opts.spec.input.idColumn === undefined ? {} : { idColumn: opts.spec.input.idColumn };
    let featureMs = 0;
    let tf = performance.now();
    for (const f of layer.features({ ...idOptions, columns: [] })) {
      chunk.push(f);
      if (chunk.length >= chunkSize) {
        featureMs += performance.now() - tf;
        await flush();
        tf = performance.now();
      }
      opts.signal?.throwIfAborted();
    }
    featureMs += performance.now() - tf;
    await flush();
    const ids = new Set<string>();
    let duplicateIds = 0;
    for (const r of rows) {
      if (ids.has(r.id)) duplicateIds++;
      ids.add(r.id);
    }
    return {
      columns: engine.columns,
      rows,
      summary: {
        features: rows.length,
        done: rows.length - failed,
        failed,
        failures: rows.filter((r) => r.error !== null).map((r) => ({ fid: r.fid, id: r.id, reason: r.error ?? '' })),
        duplicateIds,
        seconds: (performance.now() - t0) / 1000,
        timings: { ...engine.timings, features: featureMs },
        bytesRead: counters.reduce((a, c) => a + c.bytes, 0),
        requests: counters.reduce((a, c) => a + c.requests, 0),
      },
    };
  } finally {
    gpkg.close();
  }
}
