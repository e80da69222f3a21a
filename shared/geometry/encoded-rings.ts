/**
 * The rings of a Polygon or MultiPolygon in the encoding of encoded.ts, listed where they lie in the
 * encoded numbers: what exact coverage reads (coverage.exact.ts) without building the GeoJSON-shaped
 * geometry (one array per position: ~90 MB of garbage per 100,000 fields on the measuring thread).
 * Pure: no I/O.
 */

/** The encoding's type codes of the polygonal kinds. */
const POLYGON = 4;
const MULTI_POLYGON = 5;

/** A list of rings, reused from geometry to geometry (its arrays only grow). */
export class EncodedRings {
  /** Rings listed. */
  count = 0;
  /** Ring k's first x is at `start[k]` of the encoded numbers, its y next, then the next position's... */
  start = new Int32Array(16);
  /** Ring k's number of positions. */
  size = new Int32Array(16);
  /** 1 where ring k is its polygon's first (exterior) ring. */
  exterior = new Uint8Array(16);

  /**
   * Lists the rings of the geometry encoded in `a` at `at`, every part's in order: true for a Polygon or
   * MultiPolygon, false (nothing listed) for any other kind.
   */
  list(a: Float64Array, at: number): boolean {
    this.count = 0;
    const code = a[at] as number;
    if (code === POLYGON) {
      this.polygon(a, at + 1);
      return true;
    }
    if (code !== MULTI_POLYGON) return false;
    const parts = a[at + 1] as number;
    let j = at + 2;
    for (let p = 0; p < parts; p++) j = this.polygon(a, j);
    return true;
  }

  /** Lists the rings of one polygon whose ring count is at `j`; returns the index after it. */
  private polygon(a: Float64Array, j: number): number {
    const rings = a[j++] as number;
    for (let r = 0; r < rings; r++) {
      const n = a[j] as number;
      this.push(j + 1, n, r === 0);
      j += 1 + 2 * n;
    }
    return j;
  }

  private push(start: number, size: number, exterior: boolean): void {
    const k = this.count;
    if (k === this.start.length) {
      const grow = <T extends Int32Array | Uint8Array>(x: T, y: T): T => {
        y.set(x);
        return y;
      };
      this.start = grow(this.start, new Int32Array(2 * k));
      this.size = grow(this.size, new Int32Array(2 * k));
      this.exterior = grow(this.exterior, new Uint8Array(2 * k));
    }
    this.start[k] = start;
    this.size[k] = size;
    this.exterior[k] = exterior ? 1 : 0;
    this.count = k + 1;
  }
}
