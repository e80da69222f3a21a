/**
 * A time-series job (`spec.stac`) of `zonalflow stats`: the features' layer opened and PROJ loaded in this
 * thread, one STAC search over the features' extent, then the series engine (timeseries.ts) chunk by chunk in
 * input order, the rows streamed to the job's RowConsumer. Loaded by stats-job.ts only when a job has a time
 * series (a zonal job never loads it: test/integration/lazy-loading.test.ts).
 */
import type { JobSpec } from '../spec';
import type { CountingSource } from '../io/source.counting';
import { countInto, sumCounts } from '../io/source.counting';
import { featureFailure, MAX_LISTED_FAILURES } from '../output/table';
import type { FeatureFailure } from '../output/table';
import { FieldsOf, idKindOf } from './attributes';
import { includedColumns } from './job-checks';
import type { Feature } from '../geometry/types';
import type { FeatureSource } from '../features/source';
import { crsFromEpsg } from '../crs/epsg';
import { ensureProj, geographicTarget, makeTransformer } from '../crs/transform';
import type { BBox } from '../geometry/types';
import { LimitError, SpecError } from '../errors';
import { intervals as makeIntervals, parseDuration, parseTimeRange } from '../timeseries/intervals';
import type { RowConsumer, StatsJobOptions, StatsSummary, StreamedStatsJob } from './stats-job';
import { readsColumns } from '../features/reads-columns';

/** Features a time series of `zonalflow stats` computes at once (its chunks: each reads every scene's tiles once). */
export const TIMESERIES_CHUNK = 5000;

/** A time-series job: the features' layer opened here, PROJ loaded here, then runTimeseries. */
export async function streamTimeseriesJob(opts: StatsJobOptions, consumer: RowConsumer, t0: number): Promise<StreamedStatsJob> {
  const [{ openFeatureSource }, { checkLayerCrs }] = await Promise.all([import('../features/open'), import('./job-checks')]);
  const layer = await openFeatureSource(opts.input, { layer: opts.spec.input.layer, fields: readsColumns(opts.spec.input) });
  const counters: CountingSource[] = [];
  try {
    await ensureProj();
    checkLayerCrs(opts.input, layer);
    return await runTimeseries(opts, layer, t0, counters, consumer);
  } finally {
    layer.close();
    await Promise.all(counters.map((c) => c.close()));
  }
}

/** A time-series job: one STAC search over the features' extent, then per chunk the engine. */
async function runTimeseries(opts: StatsJobOptions, layer: FeatureSource, t0: number, counters: CountingSource[], consumer: RowConsumer): Promise<StreamedStatsJob> {
  const stac = opts.spec.stac;
  if (!stac) throw new SpecError('no "stac" in the spec');
  // a time series' own code (the STAC client with its HTTPS stack, the series engine) is loaded for one only
  const [{ extendSearchArea, searchJobScenes }, { TimeseriesEngine }] = await Promise.all([import('../timeseries/stac'), import('./timeseries')]);
  const idOptions = opts.spec.input.idColumn === undefined ? {} : { idColumn: opts.spec.input.idColumn };
  await ensureProj();
  const toLonLat = makeTransformer(layer.crs, crsFromEpsg(4326));
  let area: BBox | null = null;
  const cut = geographicTarget(layer.crs, crsFromEpsg(4326), toLonLat);
  for await (const f of layer.features({ ...idOptions, columns: [] })) area = extendSearchArea(area, f.geometry, toLonLat, cut);
  const features = (await layer.count()) ?? 0;
  if (opts.spec.interval !== 'scene') checkTimeseriesRows(opts.spec, features, intervalCount(opts.spec, stac.datetime), 'intervals');
  const idKind = idKindOf(layer, opts.spec.input.idColumn);
  if (area === null) {
    await consumer.begin([], { idKind, crs: layer.crs });
    return { columns: [], idKind, summary: emptySummary(t0), scenes: 0 };
  }
  // the API URL and every `next` link pass the job's allow-list
  const { scenes } = await searchJobScenes(opts.spec, area, { allowed: opts.allowed, signal: opts.signal });
  if (opts.spec.interval === 'scene') checkTimeseriesRows(opts.spec, features, new Set(scenes.map((sc) => sc.datetime)).size, 'acquisitions');
  // the assets' hrefs passed the job's allow-list in searchStac (checkAssetHrefs), as they do in Plan on AWS
  const engine = new TimeseriesEngine(opts.spec, scenes, layer.crs, {
    allowed: opts.allowed,
    s3Client: opts.s3Client,
    wrapSource: countInto(counters),
  });
  const attrs = includedColumns(layer, opts.spec, engine.columns);
  const fields = new FieldsOf(attrs);
  const total = (await layer.count()) ?? 0;
  await consumer.begin([...attrs, ...engine.columns], { idKind, crs: layer.crs });
  let chunk: Feature[] = [];
  let done = 0;
  let failed = 0;
  const failures: FeatureFailure[] = [];
  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return;
    const out = await engine.computeChunk(chunk);
    out.rows = fields.decorate(out.rows, chunk);
    // a feature fails once however many of its rows (one an interval) carry an error, as the Workers count it
    // (worker.ts); each row's error is listed (bounded), its reasons may differ from one interval to another
    const failedHere = new Set<number>();
    for (const r of out.rows) {
      if (r.error === null) continue;
      failedHere.add(r.fid);
      if (failures.length < MAX_LISTED_FAILURES) failures.push(featureFailure(r, r.error));
    }
    failed += failedHere.size;
    done += chunk.length;
    chunk = [];
    await consumer.rows(out.rows, out.byFeature);
    opts.onProgress?.({ done, failed, total });
  };
  for await (const f of layer.features({ ...idOptions, columns: opts.spec.input.include ?? [] })) {
    chunk.push(f);
    if (chunk.length >= (opts.chunkSize ?? TIMESERIES_CHUNK)) await flush(); // each chunk reads every scene's tiles once
  }
  await flush();
  const read = sumCounts(counters);
  return {
    columns: [...attrs, ...engine.columns],
    idKind,
    scenes: scenes.length,
    summary: {
      features: done,
      done: done - failed,
      failed,
      failures,
      duplicateIds: 0,
      seconds: (performance.now() - t0) / 1000,
      timings: { prefetch: 0, coverage: 0, read: 0, stats: 0, reproject: 0, cells: 0, features: 0 },
      bytesRead: read.bytes,
      requests: read.requests,
      fileReads: read.fileReads,
      warnings: [...fields.warnings(opts.spec.input.idColumn).filter((w): w is string => w !== null), ...engine.warnings],
    },
  };
}

/** Intervals of a time series (the same rule as the engine's). */
function intervalCount(spec: JobSpec, datetime: string): number {
  const range = parseTimeRange(datetime);
  return makeIntervals(range.from, range.to, parseDuration(spec.interval), spec.lastInterval).length;
}

/** A guard on the table's size (one row per feature and interval; rows stream to the output): features x intervals must stay under limits.maxTimeseriesRows. */
function checkTimeseriesRows(spec: JobSpec, features: number, slots: number, what: string): void {
  const rows = features * slots;
  if (rows > spec.limits.maxTimeseriesRows) {
    throw new LimitError(`${features} features x ${slots} ${what}${what === 'intervals' ? ` ("interval": "${spec.interval}")` : ''} = ${rows} rows held in memory, over limits.maxTimeseriesRows (${spec.limits.maxTimeseriesRows}); use a longer interval, a shorter datetime range, or split the input`);
  }
}


function emptySummary(t0: number): StatsSummary {
  return { features: 0, done: 0, failed: 0, failures: [], duplicateIds: 0, seconds: (performance.now() - t0) / 1000, timings: { prefetch: 0, coverage: 0, read: 0, stats: 0, reproject: 0, cells: 0, features: 0 }, bytesRead: 0, requests: 0, fileReads: 0 };
}
