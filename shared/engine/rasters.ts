/**
 * Opening the spec's rasters: URI validated against the allow-list, header
 * read, CRS resolved from the GeoKeys, bands checked, column names fixed.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { openSource, redact } from '../io/uri';
import type { AllowedSources } from '../io/uri';
import type { ByteSource } from '../io/source';
import { rasterFromHeader, readRasterHeader } from '../raster/cog';
import type { OpenRasterOptions } from '../raster/cog';
import { S3Source } from '../io/source.s3';
import type { RasterHeaders } from '../pipeline/raster-headers';
import type { Raster } from '../raster/cog';
import type { SharedTiles } from '../raster/shared-tiles';
import { crsFromGeoKeys } from '../crs/geokeys';
import { checkCrs, ensureProj } from '../crs/transform';
import { oneLine } from './job-checks';
import type { Crs } from '../crs/crs';
import { RasterError, SpecError } from '../errors';
import type { RasterSpec } from '../spec';
import { rasterStem } from '../raster-stem';
import { specFieldText } from '../spec-field';

/** A raster ready for the engine. */
export interface ZonalRaster {
  /** Column prefix (spec `name`, else the file stem). */
  name: string;
  uri: string;
  raster: Raster;
  crs: Crs;
  /** 1-based bands to read. */
  bands: number[];
  /** Spec override of the nodata value (undefined: the file's). */
  nodata: number | null | undefined;
}

/** How to open rasters: the allow-list, an S3 client, and an optional wrapper (recording, metrics). */
export interface OpenRastersOptions {
  allowed: AllowedSources;
  s3Client?: S3Client | undefined;
  /** Default of the rasters' `requesterPays` (AWS_REQUEST_PAYER=requester, as GDAL reads it). */
  requesterPays?: boolean | undefined;
  wrapSource?: (source: ByteSource) => ByteSource;
  cacheBytes?: number;
  /** Decoded tiles shared across rasters and kept between uses (a warm Lambda environment's, shared-tiles.ts). */
  sharedTiles?: SharedTiles | undefined;
  /**
   * Parsed headers of s3:// rasters kept between uses (a warm Lambda environment's, raster-headers.ts): a raster found
   * there is opened without its header read, its source sending every read with If-Match on the kept ETag (pushed to
   * `conditional`, to be confirmed before results are written); `fresh` reads (and keeps) every header again.
   */
  headers?: { kept: RasterHeaders; fresh: boolean; conditional: S3Source[] } | undefined;
}

/** Opens every raster of the spec (in parallel); a raster that cannot be opened fails the job with its URI named. */
export async function openZonalRasters(specs: readonly RasterSpec[], opts: OpenRastersOptions): Promise<ZonalRaster[]> {
  const names = specs.map((s) => s.name ?? rasterStem(s.uri));
  const seen = new Set<string>();
  names.forEach((n, i) => {
    if (seen.has(n)) throw new SpecError(`two rasters are named "${n}" (${specFieldText(['rasters', i])}): give each a distinct name (--raster NAME=URI, or the spec's "name")`, { context: { specPath: ['rasters', i] } });
    seen.add(n);
  });
  return Promise.all(
    specs.map(async (spec, i) => {
      const headers = opts.headers;
      const kept = headers && !headers.fresh ? headers.kept.get(spec.uri) : undefined;
      const opened = openSource(spec.uri, { allowed: opts.allowed, s3Client: opts.s3Client, requesterPays: spec.requesterPays ?? opts.requesterPays, ...(kept ? { ifMatch: { etag: kept.etag, size: kept.size } } : {}) });
      const source = opts.wrapSource ? opts.wrapSource(opened) : opened;
      const rasterOpts: OpenRasterOptions = { ...(opts.cacheBytes === undefined ? {} : { cacheBytes: opts.cacheBytes }), ...(opts.sharedTiles ? { sharedTiles: opts.sharedTiles } : {}) };
      let header = kept?.header;
      if (header !== undefined && opened instanceof S3Source) headers?.conditional.push(opened);
      else {
        header = await readRasterHeader(source, rasterOpts);
        const identity = opened instanceof S3Source ? opened.identity() : undefined;
        if (headers && identity) headers.kept.set(spec.uri, { ...identity, header });
      }
      const raster = rasterFromHeader(source, header, rasterOpts);
      const info = raster.info;
      const bands = spec.bands ?? Array.from({ length: info.bandCount }, (_, k) => k + 1);
      const bad = bands.find((b) => b > info.bandCount);
      if (bad !== undefined) throw new RasterError(`${redact(spec.uri)} has ${info.bandCount} band${info.bandCount === 1 ? '' : 's'}; band ${bad} was asked for (${specFieldText(['rasters', i, 'bands'])})`, { context: { specPath: ['rasters', i, 'bands'] } });
      let crs: Crs;
      try {
        crs = crsFromGeoKeys(info.geoKeys);
        await ensureProj();
        checkCrs(crs);
      } catch (err) {
        throw new RasterError(`cannot resolve the CRS of ${redact(spec.uri)}: ${oneLine(err instanceof Error ? err.message : String(err))}`, { cause: err });
      }
      return { name: names[i] ?? rasterStem(spec.uri), uri: spec.uri, raster, crs, bands, nodata: spec.nodata };
    }),
  );
}
