/**
 * Decoded tiles shared by every raster a process opens, kept between uses: a warm Lambda
 * environment keeps module state from one invocation to the next, so the Worker's next batch (or,
 * in `zonalflow local`, a concurrent batch on the same thread) finds the tiles it shares with the
 * last ones already decoded instead of reading and inflating them again. Bounded in bytes (least
 * recently used out first). A tile is keyed by its object's identity as read (URI, ETag and size
 * from the read's response, `ByteSource.version`) and its index, so a changed object is never
 * served from here: its new ETag is a new key. A tile whose bytes do not decode (TileError) is
 * held as that error: the same bytes never decode, so no later batch fetches or inflates it again.
 */
import type { TileError } from '../errors';
import type { Samples } from '../tiff/samples';

/** Failed tiles held at most (their errors are small; the oldest go first). */
const MAX_FAILED = 10_000;

/** A byte-bounded LRU of decoded tiles, shared by the rasters opened with it (OpenRasterOptions.sharedTiles). */
export class SharedTiles {
  private readonly tiles = new Map<string, Samples>();
  private held = 0;
  /** Tiles served from here (a read and a decode saved each). */
  hits = 0;

  /** @param maxBytes the bound of the decoded samples held (bytes). */
  constructor(readonly maxBytes: number) {}

  /** Compressed bytes of tiles being fetched now by some raster, so that another one awaits them instead of fetching them again. */
  private readonly fetching = new Map<string, Promise<Uint8Array | undefined>>();

  /** The compressed bytes of a tile some raster is fetching now (undefined when that fetch fails), or undefined when none is. */
  inFlight(key: string): Promise<Uint8Array | undefined> | undefined {
    return this.fetching.get(key);
  }

  /** Announces a fetch of a tile's compressed bytes until it settles (`bytes` never rejects). */
  announceFetch(key: string, bytes: Promise<Uint8Array | undefined>): void {
    this.fetching.set(key, bytes);
    void bytes.finally(() => {
      if (this.fetching.get(key) === bytes) this.fetching.delete(key);
    });
  }

  /** Tiles whose bytes cannot be decoded, with the error (TileError): never fetched nor decoded again. */
  private readonly failed = new Map<string, TileError>();

  /** Why the tile cannot be decoded, when some raster found it so; undefined otherwise. */
  failure(key: string): TileError | undefined {
    return this.failed.get(key);
  }

  /** Holds a tile as undecodable (its bytes, of this object version, are corrupt). */
  fail(key: string, err: TileError): void {
    this.failed.set(key, err);
    for (const k of this.failed.keys()) {
      if (this.failed.size <= MAX_FAILED) break;
      this.failed.delete(k);
    }
  }

  /** Bytes of decoded samples held. */
  get bytes(): number {
    return this.held;
  }

  /** Whether the tile is held (no recency change). */
  has(key: string): boolean {
    return this.tiles.has(key);
  }

  /** The tile, made the most recently used; undefined when not held. */
  get(key: string): Samples | undefined {
    const hit = this.tiles.get(key);
    if (hit === undefined) return undefined;
    this.tiles.delete(key);
    this.tiles.set(key, hit);
    this.hits++;
    return hit;
  }

  /** Holds a tile (a tile larger than the bound is not held), evicting the least recently used beyond the bound. */
  set(key: string, samples: Samples): void {
    if (samples.byteLength > this.maxBytes) return;
    const old = this.tiles.get(key);
    if (old !== undefined) {
      this.tiles.delete(key);
      this.held -= old.byteLength;
    }
    this.tiles.set(key, samples);
    this.held += samples.byteLength;
    for (const [k, v] of this.tiles) {
      if (this.held <= this.maxBytes) break;
      this.tiles.delete(k);
      this.held -= v.byteLength;
    }
  }
}
