/**
 * What a time-series job (`spec.stac`) reads, for `zonalflow estimate`: the STAC search Plan runs (the same
 * function, through the same allow-list: searchJobScenes), then, batch by batch, what a Worker's series engine reads
 * on a cold Lambda environment: every header of the scenes' assets it opens, and per acquisition item and band one
 * merged prefetch of the tiles its features need. The engine finds both itself (TimeseriesEngine.plannedReads: its
 * own output grids, relevant items, samplings and windows; headers read, never a pixel); each header is read once
 * here and counted for every batch that opens it. Loaded for time series only.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { JobSpec } from '../spec';
import type { Crs } from '../crs/crs';
import type { AllowedSources } from '../io/uri';
import { openSource } from '../io/uri';
import { CountingSource } from '../io/source.counting';
import { mergeRanges } from '../io/range-plan';
import { openRaster } from '../raster/cog';
import type { Raster } from '../raster/cog';
import type { BBox, Feature } from '../geometry/types';
import type { PlanBatch } from '../batching/plan';
import { searchJobScenes } from '../timeseries/stac';
import { acquisitionsOf } from '../timeseries/acquisitions';
import { TimeseriesEngine } from '../engine/timeseries';
import { TIMESERIES_CHUNK } from '../engine/timeseries-job';
import { checkCollectRows } from '../pipeline/collect-budget';
import { redact } from '../io/uri';
import { errorParts } from '../engine/zonal';

/** Assets that cannot be opened named one a warning at most (then a count), as the CLI lists failures (cli/failure-lines.ts SHOWN_ASSETS). */
const SHOWN_ASSETS = 10;

/** The search's and the scenes' figures (`zonalflow estimate --json`: its `timeseries`). */
export interface TimeseriesFacts {
  /** STAC items kept (with every asset the job reads, inside its dates) and the acquisitions they make (distinct datetimes). */
  scenes: number;
  acquisitions: number;
  /** Pages the search read (Plan reads as many; requests to the STAC API, not counted among the raster requests). */
  searchPages: number;
  /** Items the search returned without an asset the job reads (skipped by Plan, `stats` and here alike). */
  itemsSkipped: number;
  /** Features no scene's footprint touches (every row count 0, nodata_count 0). */
  featuresUntouched: number;
  /** Of the raster requests, those reading headers, and their bytes (not among the tile bytes). */
  headerRequests: number;
  headerBytes: number;
  /**
   * Assets whose header cannot be opened (an answer 403/404, a host refused after DNS, a corrupt header...): the
   * features that need them fail in those acquisitions, in stats as on the Workers (featuresFailed of them).
   */
  assetsFailed: number;
  /** Features that would have an error in a row before any pixel is read, counted as a Worker counts them (one a feature), and those rows (as stats writes them). */
  featuresFailed: number;
  rowsFailed: number;
}

/** A time series' reads: requests (headers and merged tile ranges), tile bytes, cells read; the warnings `stats` gives; facts and notes. */
export interface TimeseriesReads { requests: number; bytes: number; cells: number; warnings: string[]; facts: TimeseriesFacts; notes: string[] }

/**
 * Searches the scenes as Plan does and counts what every batch's Worker reads (see the module comment). `features`: the
 * layer's, in input order; `batches`: Plan's; `area`: the features' search area (extendSearchArea). Errors: the
 * search's (a refused or failing API, items whose hrefs the allow-list refuses), Plan's check of the rows Collect
 * merges, the engine's before its first pixel (a transient failure reading a header).
 */
export async function timeseriesReads(spec: JobSpec, crs: Crs, features: readonly Feature[], batches: readonly PlanBatch[], area: BBox | null, opts: { allowed: AllowedSources; s3Client?: S3Client | undefined }): Promise<TimeseriesReads> {
  const { scenes, skipped, pages } = await searchJobScenes(spec, area, { allowed: opts.allowed });
  // Plan's own check after its search: every feature gets a row per acquisition date, merged by Collect
  const acquisitions = acquisitionsOf(scenes).length;
  checkCollectRows(features.length, new Set(scenes.map((sc) => sc.datetime)).size, batches.length);
  // every asset's header read once (its requests and bytes counted on its own source), shared by the engines below
  const headers = new Map<string, { raster: Promise<Raster>; counter: CountingSource; error?: unknown }>();
  const header = (uri: string): { raster: Promise<Raster>; counter: CountingSource; error?: unknown } => {
    let h = headers.get(uri);
    if (!h) {
      const counter = new CountingSource(openSource(uri, { allowed: opts.allowed, s3Client: opts.s3Client }));
      const raster = openRaster(counter);
      const entry: { raster: Promise<Raster>; counter: CountingSource; error?: unknown } = { raster, counter };
      raster.catch((err: unknown) => {
        entry.error = err;
      });
      h = entry;
      headers.set(uri, h);
    }
    return h;
  };
  try {
    const engineFor = (opened: Set<string> | null): TimeseriesEngine => new TimeseriesEngine(spec, scenes, crs, {
      allowed: opts.allowed,
      s3Client: opts.s3Client,
      openRaster: (uri) => {
        opened?.add(uri);
        return header(uri).raster;
      },
    });
    // the warnings `zonalflow stats` gives: one engine over the features in its chunks, in input order (the same
    // items opened in the same order: "first: item ..." names the one stats names)
    const statsEngine = engineFor(null);
    // the rows it would write with an error before a pixel is read (an asset that cannot be opened fails the
    // features that need it in its acquisition), and the features they belong to, counted as a Worker counts them
    const failedFids = new Set<number>();
    let rowsFailed = 0;
    for (let i = 0; i < features.length; i += TIMESERIES_CHUNK) {
      const planned = await statsEngine.plannedReads(features.slice(i, i + TIMESERIES_CHUNK));
      rowsFailed += planned.errors.length;
      for (const e of planned.errors) failedFids.add(e.f.fid);
    }
    // the assets that cannot be opened, in the order the engine opened them, with the reason stats gives
    await Promise.all([...headers.values()].map((h) => h.raster.catch(() => undefined)));
    const assetOf = new Map<string, string>();
    for (const sc of scenes) for (const [band, href] of Object.entries(sc.hrefs)) if (!assetOf.has(href)) assetOf.set(href, `STAC item ${sc.id}, asset "${band}"`);
    const failedAssets = [...headers.entries()].filter(([, h]) => h.error !== undefined);
    const assetWarnings = failedAssets.slice(0, SHOWN_ASSETS).map(([uri, h]) => `${assetOf.get(uri) ?? redact(uri)} cannot be opened, so the features that need it fail in its acquisition (their rows' "error", as stats and the Workers write it): ${reasonOf(h.error)}`);
    if (failedAssets.length > SHOWN_ASSETS) assetWarnings.push(`... and ${failedAssets.length - SHOWN_ASSETS} more assets cannot be opened`);
    if (failedAssets.length > 0) assetWarnings.push(`${failedFids.size} of ${features.length} features would fail (${rowsFailed} row${rowsFailed === 1 ? '' : 's'} with an error): the job would end ${failedFids.size >= features.length ? 'FAILED' : 'PARTIAL'}`);
    // each batch on a Worker: a new engine (as worker.ts makes one a batch), the whole batch one chunk
    const byFid = new Map<number, Feature>(features.map((f) => [f.fid, f]));
    let requests = 0;
    let bytes = 0;
    let cells = 0;
    let headerRequests = 0;
    let headerBytes = 0;
    let untouched = 0;
    for (const b of batches) {
      const opened = new Set<string>();
      const planned = await engineFor(opened).plannedReads(b.fids.map((fid) => byFid.get(fid)).filter((f): f is Feature => f !== undefined));
      untouched += planned.untouched;
      for (const p of planned.prefetches) {
        const merged = mergeRanges(p.raster.prefetchRanges(p.windows, { bands: p.bands }));
        requests += merged.length;
        bytes += merged.reduce((a, m) => a + m.length, 0);
        cells += p.windows.reduce((a, w) => a + w.rows * w.cols, 0);
      }
      for (const uri of opened) {
        const h = headers.get(uri);
        if (!h) continue;
        // a header that failed to open counts the requests it made before failing, as the Worker's counters do
        await h.raster.catch(() => undefined);
        headerRequests += h.counter.requests;
        headerBytes += h.counter.bytes;
      }
    }
    requests += headerRequests;
    const notes = [
      `time series: ${scenes.length} scene${scenes.length === 1 ? '' : 's'} (${acquisitions} acquisition${acquisitions === 1 ? '' : 's'}) found by Plan's STAC search (${pages} page${pages === 1 ? '' : 's'}, requests to the STAC API not among the raster requests)${skipped.length > 0 ? `; ${skipped.length} item${skipped.length === 1 ? '' : 's'} without the assets ${Object.values(spec.stac?.assets ?? {}).join(', ')} skipped (e.g. ${skipped[0] ?? ''})` : ''}`,
      ...(area !== null && scenes.length === 0 ? [`time series: the STAC search found no scene for the dates and the features' area: ${spec.interval === 'scene' ? 'no acquisition, so no row for any feature' : 'every row will have count 0'}`] : []),
      ...(untouched > 0 && scenes.length > 0 ? [`time series: ${untouched} of ${features.length} features touch no scene's footprint: their rows will have count 0`] : []),
      'time series: the scenes\' requests are counted as the Workers\' engine places them (every header, then per item and band one merged read of the tiles its features need); a tile that fails to decode would drop its feature from the rest of that interval (fewer reads), and worker seconds use the single-raster calibration',
    ];
    return {
      requests,
      bytes,
      cells,
      warnings: [...statsEngine.warnings, ...assetWarnings],
      facts: { scenes: scenes.length, acquisitions, searchPages: pages, itemsSkipped: skipped.length, featuresUntouched: untouched, headerRequests, headerBytes, assetsFailed: failedAssets.length, featuresFailed: failedFids.size, rowsFailed },
      notes,
    };
  } finally {
    await Promise.all([...headers.values()].map((h) => h.counter.close()));
  }
}

/** An error as a feature's row carries it, without its label (featureError: `CODE: message`). */
function reasonOf(err: unknown): string {
  const { code, message } = errorParts(err);
  return `${code}: ${message}`;
}
