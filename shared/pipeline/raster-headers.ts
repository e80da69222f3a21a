/**
 * The Worker's parsed raster headers, kept for the life of its Lambda execution environment (module state survives
 * between warm invocations, as warm-tiles.ts's tiles): a later batch on the same warm sandbox opens the raster from
 * its header as parsed before instead of reading it again (one GET a raster a batch). Sound on S3 because every read
 * of a raster so opened is sent with `If-Match` on the ETag the header was parsed from (source.s3.ts): S3 answers
 * 412 PreconditionFailed when the object changed, never another version's bytes; the batch then reads the header
 * afresh and runs again, once (worker.ts). A batch that reads no byte of a raster so opened (all its tiles warm)
 * confirms the version with one HeadObject sent with If-Match before it writes anything. Only s3:// rasters.
 */
import type { RasterHeader } from '../raster/cog';

/** Rasters whose header a sandbox keeps at most (the oldest out first; a header is some kilobytes). */
export const MAX_HEADERS = 64;

/** A header as parsed, with the object version it was parsed from. */
export interface KeptHeader { etag: string; size: number; header: RasterHeader }

/** Parsed headers by URI (bounded, least recently used out first). */
export class RasterHeaders {
  private readonly kept = new Map<string, KeptHeader>();
  constructor(readonly maxEntries = MAX_HEADERS) {}

  get(uri: string): KeptHeader | undefined {
    const hit = this.kept.get(uri);
    if (hit === undefined) return undefined;
    this.kept.delete(uri);
    this.kept.set(uri, hit);
    return hit;
  }

  set(uri: string, h: KeptHeader): void {
    this.kept.delete(uri);
    this.kept.set(uri, h);
    for (const k of this.kept.keys()) {
      if (this.kept.size <= this.maxEntries) break;
      this.kept.delete(k);
    }
  }

  delete(uri: string): void {
    this.kept.delete(uri);
  }

  get size(): number {
    return this.kept.size;
  }
}

let warm: RasterHeaders | null = null;

/** This environment's kept headers (made at the first call). */
export function warmHeaders(): RasterHeaders {
  warm ??= new RasterHeaders();
  return warm;
}

/** Drops this environment's kept headers: the next warmHeaders() makes an empty set (a new sandbox locally: sandbox-deps.ts). */
export function forgetWarmHeaders(): void {
  warm = null;
}
