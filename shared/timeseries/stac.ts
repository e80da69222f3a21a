/**
 * STAC API item search (POST /search, item-search spec): the job's area
 * (`intersects`: the bounding polygon of its features, in lon/lat), the
 * collections, the time range and the query extension; pages are followed
 * through the `next` links (POST with the link's body merged, or GET).
 * The time range is sent as RFC 3339 date-times covering exactly the
 * instants the job reports (`window`, half-open: intervals.ts coveredRange),
 * and items outside it are dropped whatever the server returned (a server
 * that ignores `datetime`, or reads it differently).
 * The API URL, every `next` link and every redirect pass the same allow-list
 * as raster URLs (`safeRequest`: https only, allowed hosts, no private or
 * loopback address after DNS; never a local file); an error answer is
 * reported by its status only, its body is never copied into a message.
 */
import * as z from 'zod';
import { SourceError, SpecError, UriNotAllowedError } from '../errors';
import { safeRequest } from '../io/http-request';
import { checkUri, parseUri, redact } from '../io/uri';
import type { AllowedSources, ParsedUri } from '../io/uri';
import type { JobSpec, StacSpec } from '../spec';
import type { BBox, Geometry, Position } from '../geometry/types';
import { firstNonFinite, geometryBBox } from '../geometry/bbox';
import { cutAtAntimeridian } from '../geometry/geographic-cut';
import type { GeographicTarget } from '../geometry/geographic-cut';
import { transformGeometry } from '../geometry/transform';
import { coveredRange, stacDatetime } from './intervals';
import type { Interval } from './intervals';

const ItemSchema = z.object({
  id: z.string(),
  bbox: z.array(z.number()).min(4).optional(),
  geometry: z.object({ type: z.string(), coordinates: z.unknown() }).passthrough().nullable().optional(),
  properties: z.object({ datetime: z.string().nullable().optional(), start_datetime: z.string().optional() }).passthrough(),
  assets: z.record(z.string(), z.object({ href: z.string() }).passthrough()),
}).passthrough();

const PageSchema = z.object({
  features: z.array(ItemSchema),
  links: z.array(z.object({ rel: z.string(), href: z.string(), method: z.string().optional(), body: z.record(z.string(), z.unknown()).optional(), merge: z.boolean().optional() }).passthrough()).optional(),
});

/** A scene (STAC item): id, acquisition time (ms), footprint bbox and geometry (lon/lat; Polygon/MultiPolygon or null), the hrefs of the job's assets by band name. */
export interface Scene { id: string; datetime: number; bbox: BBox | null; geometry?: Geometry | null; hrefs: Record<string, string> }

/** Options of the search: the allow-list and the time window (required), page bounds, cancellation. */
export interface StacSearchOptions {
  allowed: AllowedSources;
  /** The instants searched, `[from, to)` in ms (coveredRange of the spec): sent as RFC 3339 date-times, items outside dropped. */
  window: Interval;
  /** Pages followed at most (default 1000). */
  maxPages?: number;
  /** Bytes of one page at most (default 32 MiB). */
  maxPageBytes?: number;
  signal?: AbortSignal;
}

/** Throws unless `url` is an http(s) URL (never a local path or file: URL, whatever the allow-list holds). */
function requireHttp(url: string, what: string): void {
  let scheme: string;
  try {
    scheme = parseUri(url).scheme;
  } catch (err) {
    throw new UriNotAllowedError(`the STAC ${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (scheme !== 'https' && scheme !== 'http') throw new UriNotAllowedError(`the STAC ${what} ${redact(url)} is not an https:// URL (local files are never read as a STAC API)`);
}

/** A link's href, resolved against the page that gave it (absolute hrefs stay as they are). */
function resolveLink(href: string, base: string): string {
  try {
    return new URL(href, base).toString();
  } catch {
    return href;
  }
}

/**
 * The job's search area with one more feature: the bbox of its geometry in lon/lat (`toLonLat`: from the layer's CRS,
 * null when it is lon/lat already) joined to `area` (null: no feature with a geometry yet). Plan, `zonalflow stats`
 * and `zonalflow estimate` build the area of {@link searchJobScenes} with it. `cut` (a projected layer): the geometry
 * cut at ±180 and closed over a pole as ogr2ogr cuts it (geographic-cut.ts), so that a feature around a pole reaches
 * it and one across 180 spans what it covers; a geometry that cannot be cut keeps the box of its vertices.
 */
export function extendSearchArea(area: BBox | null, geometry: Geometry | null, toLonLat: ((x: number, y: number) => [number, number]) | null, cut: GeographicTarget | null = null): BBox | null {
  if (!geometry) return area;
  let lonlat = toLonLat ? transformGeometry(geometry, toLonLat) : geometry;
  if (cut && firstNonFinite(lonlat) < 0) {
    try {
      lonlat = cutAtAntimeridian(cut, geometry, lonlat);
    } catch {
      // the engine refuses the feature with the reason
    }
  }
  const b = geometryBBox(lonlat);
  if (!b) return area;
  return area === null ? b : { xmin: Math.min(area.xmin, b.xmin), ymin: Math.min(area.ymin, b.ymin), xmax: Math.max(area.xmax, b.xmax), ymax: Math.max(area.ymax, b.ymax) };
}

/**
 * A time-series job's search, as Plan runs it once for the job (and `zonalflow stats`, `zonalflow estimate`): its
 * `stac` over the features' area ({@link extendSearchArea}; null: no feature has a geometry, nothing is searched)
 * for exactly the instants the job reports (coveredRange), through the allow-list.
 */
export async function searchJobScenes(spec: JobSpec, area: BBox | null, opts: { allowed: AllowedSources; signal?: AbortSignal | undefined }): Promise<{ scenes: Scene[]; skipped: string[]; pages: number }> {
  const stac = spec.stac;
  if (!stac) throw new SpecError('no "stac" in the spec');
  if (area === null) return { scenes: [], skipped: [], pages: 0 };
  return searchStac(stac, area, { allowed: opts.allowed, window: coveredRange(stac.datetime, spec.interval, spec.lastInterval), ...(opts.signal ? { signal: opts.signal } : {}) });
}

/** Runs the search; returns the scenes sorted by time (items missing an asked asset are skipped, with their ids reported). */
export async function searchStac(stac: StacSpec, area: BBox, opts: StacSearchOptions): Promise<{ scenes: Scene[]; skipped: string[]; pages: number }> {
  requireHttp(stac.api, 'API');
  const url = `${stac.api.replace(/\/$/, '')}/search`;
  const shown = redact(url);
  const body: Record<string, unknown> = {
    collections: stac.collections,
    datetime: stacDatetime(opts.window),
    limit: stac.limit,
    intersects: { type: 'Polygon', coordinates: [[[area.xmin, area.ymin], [area.xmax, area.ymin], [area.xmax, area.ymax], [area.xmin, area.ymax], [area.xmin, area.ymin]]] },
    ...(stac.query ? { query: stac.query } : {}),
  };
  let request: { url: string; method: 'GET' | 'POST'; body?: Record<string, unknown> } | null = { url, method: 'POST', body };
  const scenes: Scene[] = [];
  const skipped: string[] = [];
  let pages = 0;
  while (request) {
    if (++pages > (opts.maxPages ?? 1000)) throw new SourceError(`STAC search at ${shown} returned more than ${opts.maxPages ?? 1000} pages; narrow the datetime or the area`);
    const pageUrl = request.url;
    const res = await safeRequest(pageUrl, {
      allowed: opts.allowed,
      method: request.method,
      headers: { 'content-type': 'application/json', accept: 'application/geo+json, application/json' },
      ...(request.method === 'POST' ? { body: JSON.stringify(request.body ?? {}) } : {}),
      signal: opts.signal,
      maxBytes: opts.maxPageBytes ?? 32 * 1024 * 1024,
      what: pages === 1 ? 'STAC API' : 'STAC `next` link',
    }).catch((err: unknown) => {
      // the API's host is allowed as any raster host (zonalflow local, the stack: it is not among the spec's rasters)
      const hint = err instanceof UriNotAllowedError ? allowHint(parseUri(pageUrl), err.message) : '';
      throw hint === '' ? err : new UriNotAllowedError(`${(err as Error).message}${hint}`, { cause: err });
    });
    // the body of an error answer is never shown: it may hold tokens or internal details
    if (res.status < 200 || res.status > 299) throw new SourceError(`the STAC API ${redact(request.url)} answered HTTP ${res.status}`, { status: res.status });
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(res.body).toString('utf8'));
    } catch {
      throw new SourceError(`the STAC API ${redact(request.url)} did not return JSON`);
    }
    const page = PageSchema.safeParse(json);
    if (!page.success) throw new SourceError(`the STAC API ${redact(request.url)} did not return an item collection: ${page.error.issues[0]?.message ?? ''}`);
    for (const item of page.data.features) {
      const when = item.properties.datetime ?? item.properties.start_datetime;
      const t = when ? Date.parse(when) : NaN;
      if (t < opts.window.from || t >= opts.window.to) continue; // outside the instants the job reports
      const hrefs: Record<string, string> = {};
      let complete = true;
      for (const [band, key] of Object.entries(stac.assets)) {
        const a = item.assets[key];
        if (!a) complete = false;
        else hrefs[band] = a.href;
      }
      if (!complete || Number.isNaN(t)) {
        skipped.push(item.id);
        continue;
      }
      const b = item.bbox;
      scenes.push({ id: item.id, datetime: t, bbox: b ? { xmin: b[0] ?? 0, ymin: b[1] ?? 0, xmax: b[b.length === 6 ? 3 : 2] ?? 0, ymax: b[b.length === 6 ? 4 : 3] ?? 0 } : null, geometry: footprintGeometry(item.geometry), hrefs });
    }
    const next = page.data.links?.find((l) => l.rel === 'next');
    const nextUrl: string | null = next ? resolveLink(next.href, request.url) : null;
    if (nextUrl !== null) requireHttp(nextUrl, '`next` link');
    request = next && nextUrl !== null ? { url: nextUrl, method: (next.method ?? 'GET').toUpperCase() === 'POST' ? 'POST' : 'GET', ...(next.body ? { body: next.merge ? { ...body, ...next.body } : next.body } : {}) } : null;
  }
  if (scenes.length === 0 && skipped.length > 0) throw new SpecError(`the STAC items found lack the assets ${Object.values(stac.assets).join(', ')} (e.g. item ${skipped[0] ?? ''})`);
  scenes.sort((a, b) => a.datetime - b.datetime || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  checkAssetHrefs(scenes, opts.allowed);
  return { scenes, skipped, pages };
}

/**
 * Throws UriNotAllowedError, in one line naming the item, the asset, the host (or bucket) and how to allow it,
 * unless every scene's asset href passes the job's allow-list: the same list as raster URIs, in `zonalflow stats`,
 * `zonalflow local` and on AWS (an API is not trusted to name the hosts it sends the reader to). Local paths
 * named by an API are refused whatever the list holds. Addresses are checked again after DNS when read.
 */
export function checkAssetHrefs(scenes: readonly Scene[], allowed: AllowedSources): void {
  for (const sc of scenes) {
    for (const [band, href] of Object.entries(sc.hrefs)) {
      const where = `STAC item ${sc.id}, asset "${band}"`;
      let p: ParsedUri;
      try {
        p = parseUri(href);
      } catch (err) {
        throw new UriNotAllowedError(`${where}: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (p.scheme === 'file') throw new UriNotAllowedError(`${where}: ${redact(href)} is a local path (local files named by a STAC API are never read)`);
      try {
        checkUri(href, allowed);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        throw new UriNotAllowedError(`${where}: ${message}${allowHint(p, message)}`, { cause: err });
      }
    }
  }
}

/**
 * How to allow what `message` (a refusal of `p` by the allow-list) refused, when an option or the stack's context
 * can: a bucket with --raster-bucket / rasterBuckets, an https host outside the list with --raster-host /
 * rasterHttpsHosts; empty for what no list allows (plain http, a private address: --allow-host, named in the message).
 */
function allowHint(p: ParsedUri, message: string): string {
  if (p.scheme === 's3') return `; allow the bucket with --raster-bucket ${p.bucket} (zonalflow stats, local, estimate) or cdk deploy -c rasterBuckets=${p.bucket} (the stack)`;
  if ((p.scheme === 'https' || p.scheme === 'http') && /is not among the allowed https hosts|https:\/\/ is not allowed here/.test(message)) {
    return `; allow the host with --raster-host ${p.url.hostname} (zonalflow stats, local, estimate) or cdk deploy -c rasterHttpsHosts=${p.url.hostname} (the stack)`;
  }
  return '';
}

/** True when a scene's footprint touches a box (scenes without a bbox always do). */
export function sceneTouches(scene: Scene, box: BBox): boolean {
  const b = scene.bbox;
  return !b || (b.xmin <= box.xmax && b.xmax >= box.xmin && b.ymin <= box.ymax && b.ymax >= box.ymin);
}

/** An item's footprint when it is a well-formed Polygon or MultiPolygon of finite lon/lat positions; else null (the bbox is used). */
function footprintGeometry(g: { type: string; coordinates?: unknown } | null | undefined): Geometry | null {
  if (!g) return null;
  const pos = (p: unknown): p is Position => Array.isArray(p) && p.length >= 2 && Number.isFinite(p[0]) && Number.isFinite(p[1]);
  const ring = (r: unknown): r is Position[] => Array.isArray(r) && r.length >= 4 && r.every(pos);
  const poly = (p: unknown): p is Position[][] => Array.isArray(p) && p.length >= 1 && p.every(ring);
  const strip = (r: Position[]): Position[] => r.map((p) => [p[0], p[1]]);
  if (g.type === 'Polygon' && poly(g.coordinates)) return { type: 'Polygon', coordinates: g.coordinates.map(strip) };
  if (g.type === 'MultiPolygon' && Array.isArray(g.coordinates) && g.coordinates.length > 0 && g.coordinates.every(poly)) return { type: 'MultiPolygon', coordinates: g.coordinates.map((p) => p.map(strip)) };
  return null;
}
