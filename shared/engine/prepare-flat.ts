/**
 * The main thread's part of a chunk (zonal.ts `ZonalEngine.prepare`, then packed-records.ts `packRecords`) on
 * flat geometries (wkb-flat.ts) rather than GeoJSON-shaped ones: the checks and the windows are the engine's own,
 * run on reused views (flat-view.ts); the positions go through PROJ's batch transformer in place, and the
 * geometries are encoded straight from the flat arrays. The packed chunk is the one `packRecords` packs from
 * `prepare` (the same problems, errors, windows and float64 values: a test holds them equal); a chunk with a
 * feature crossing the antimeridian (split before projecting) is left to `prepare` (null). Pure: no I/O.
 */
import type { BBox, Feature } from '../geometry/types';
import type { FlatChunk } from '../geometry/wkb-flat';
import { FlatView } from '../geometry/flat-view';
import { crossesAntimeridian } from '../geometry/antimeridian';
import { needsCut } from '../geometry/geographic-cut';
import { finiteBox } from '../geometry/bbox';
import type { FeatureFields } from './attributes';
import type { EncodedGeometries } from './parallel-pack';
import { featureError, featureProblem } from './zonal';
import type { ZonalEngine } from './zonal';
import { packedOf } from './packed-records';
import type { PackedRecords } from './packed-records';

/** Reused views and coordinate buffers (one chunk at a time). */
export class FlatPreparer {
  private readonly view = new FlatView();
  private readonly sourceView = new FlatView();
  private tx = new Float64Array(1024);
  private ty = new Float64Array(1024);

  private readonly targets: ReturnType<ZonalEngine['targets']>;

  constructor(private readonly engine: ZonalEngine) {
    this.targets = engine.targets();
  }

  /**
   * The packed chunk of `features` (geometry null; feature k's geometry in `chunk` at k), `fields` each feature's,
   * `positions` their input positions; `keepGeometry`: rows carry the input geometry. Null when a feature crosses
   * the antimeridian in a lon/lat layer, or once transformed into a lon/lat raster's CRS (geographic-cut.ts), or
   * encloses a pole there (the caller prepares the chunk with `ZonalEngine.prepare`).
   */
  pack(features: readonly Feature[], chunk: FlatChunk, fields: readonly FeatureFields[], positions: ArrayLike<number>, keepGeometry: boolean): PackedRecords | null {
    const n = features.length;
    const { flat } = chunk;
    const shape = flat.shape;
    const problems = new Array<string | null>(n);
    for (let i = 0; i < n; i++) {
      const f = features[i] as Feature;
      const s = chunk.shape[i] as number;
      if (s < 0) {
        problems[i] = featureProblem(f, this.engine.options.coverage);
        continue;
      }
      f.geometry = this.view.of(shape, s, flat.xs, flat.ys, chunk.pos[i] as number);
      try {
        problems[i] = featureProblem(f, this.engine.options.coverage);
        if (problems[i] === null && this.targets.geographic && crossesAntimeridian(f.geometry)) return null;
      } finally {
        f.geometry = null;
      }
    }
    const tr = performance.now();
    const touched = new Uint8Array(n);
    // per raster, the box of each feature that does not touch it (in its CRS), for the engine's outside tally
    const tally = this.engine.outside;
    const away: (BBox | null)[][] = [];
    // a projected feature that crosses ±180 or encloses a pole once in a lon/lat raster's CRS is cut by `prepare`
    let cutting = false;
    const perRaster = this.targets.rasters.map(({ batch, cut, place }) => {
      const boxes: (BBox | null)[] = tally ? new Array<BBox | null>(n).fill(null) : [];
      away.push(boxes);
      const ok = new Uint8Array(n);
      let xs = flat.xs;
      let ys = flat.ys;
      let at: Int32Array = chunk.pos;
      if (batch) {
        // the positions of the features without a problem, through PROJ in one call
        at = new Int32Array(n);
        let count = 0;
        for (let i = 0; i < n; i++) if (problems[i] === null && (chunk.shape[i] as number) >= 0) count += chunk.posLen[i] as number;
        if (this.tx.length < count) {
          this.tx = new Float64Array(count * 2);
          this.ty = new Float64Array(count * 2);
        }
        let k = 0;
        const tx = this.tx;
        const ty = this.ty;
        for (let i = 0; i < n; i++) {
          if (problems[i] !== null || (chunk.shape[i] as number) < 0) continue;
          const p = chunk.pos[i] as number;
          const len = chunk.posLen[i] as number;
          at[i] = k;
          // copied in a loop: two subarray views per feature were ~16 MB of garbage per 100,000 fields
          for (let j = 0; j < len; j++, k++) {
            tx[k] = flat.xs[p + j] as number;
            ty[k] = flat.ys[p + j] as number;
          }
        }
        if (count > 0) batch(this.tx.subarray(0, count), this.ty.subarray(0, count));
        xs = this.tx;
        ys = this.ty;
      }
      const windows = new Float64Array(n * 4).fill(NaN);
      const errors = new Array<string | null>(n).fill(null);
      for (let i = 0; i < n && !cutting; i++) {
        const s = chunk.shape[i] as number;
        if (problems[i] !== null || s < 0) continue;
        if (cut && batch) {
          const p = at[i] as number;
          if (finite(xs, ys, p, chunk.posLen[i] as number) && needsCut(cut, this.sourceView.of(shape, s, flat.xs, flat.ys, chunk.pos[i] as number), this.view.of(shape, s, xs, ys, p))) {
            cutting = true;
            break;
          }
        }
        const f = features[i] as Feature;
        try {
          const p = at[i] as number;
          const g = this.view.of(shape, s, xs, ys, p);
          // the source is read only to name a coordinate PROJ could not transform
          const source = batch && !finite(xs, ys, p, chunk.posLen[i] as number) ? this.sourceView.of(shape, s, flat.xs, flat.ys, chunk.pos[i] as number) : g;
          const w = place(g, source);
          ok[i] = 1;
          if (w === null && tally) boxes[i] = finiteBox(xs, ys, p, p + (chunk.posLen[i] as number));
          if (w !== null) {
            touched[i] = 1;
            windows[i * 4] = w.row0;
            windows[i * 4 + 1] = w.col0;
            windows[i * 4 + 2] = w.rows;
            windows[i * 4 + 3] = w.cols;
          }
        } catch (err) {
          errors[i] = featureError(f, err);
        }
      }
      return { geometries: cutting ? { data: new Float64Array(0), starts: new Int32Array(0) } : encodeFlat(chunk, xs, ys, at, ok), windows, errors };
    });
    if (cutting) return null;
    if (tally) {
      for (let i = 0; i < n; i++) {
        if (problems[i] !== null || (chunk.shape[i] as number) < 0 || perRaster.some((r) => r.errors[i] !== null)) continue;
        tally.consider(1);
        if (touched[i] === 1) continue;
        const at = chunk.pos[i] as number;
        const source = finiteBox(flat.xs, flat.ys, at, at + (chunk.posLen[i] as number));
        if (source) tally.addBoxes(source, away.map((b) => b[i] ?? null));
      }
    }
    this.engine.timings.reproject += performance.now() - tr;
    const kept = new Uint8Array(n);
    for (let i = 0; i < n; i++) if ((chunk.shape[i] as number) >= 0) kept[i] = 1;
    return packedOf(features, fields, positions, problems, touched, perRaster, keepGeometry ? encodeFlat(chunk, flat.xs, flat.ys, chunk.pos, kept) : null);
  }
}

/** Whether the `len` positions from `p` are all finite. */
function finite(xs: Float64Array, ys: Float64Array, p: number, len: number): boolean {
  for (let k = p; k < p + len; k++) if (!Number.isFinite(xs[k]) || !Number.isFinite(ys[k])) return false;
  return true;
}

/**
 * The chunk's geometries in the job spool's encoding (job-order.ts encodeGeometry, concatEncoded: a shape's
 * counts with each run's positions after its length), feature k's positions xs/ys from `at[k]`; only those with
 * `include[k]` = 1 (the others' start is -1).
 */
export function encodeFlat(chunk: FlatChunk, xs: Float64Array, ys: Float64Array, at: Int32Array, include: Uint8Array): EncodedGeometries {
  const n = chunk.shape.length;
  const shape = chunk.flat.shape;
  let size = 0;
  for (let k = 0; k < n; k++) if (include[k] === 1) size += (chunk.shapeLen[k] as number) + 2 * (chunk.posLen[k] as number);
  const data = new Float64Array(size);
  const starts = new Int32Array(n).fill(-1);
  let o = 0;
  for (let k = 0; k < n; k++) {
    if (include[k] !== 1) continue;
    starts[k] = o;
    let s = chunk.shape[k] as number;
    let p = at[k] as number;
    const code = shape[s++] as number;
    data[o++] = code;
    // the runs' lengths: one (a Point: its position), one (MultiPoint, LineString), a list, or lists of lists
    let runs = 1;
    let polys = 1;
    if (code === 3 || code === 4) {
      runs = shape[s++] as number;
      data[o++] = runs;
    } else if (code === 5) {
      polys = shape[s++] as number;
      data[o++] = polys;
    }
    for (let q = 0; q < polys; q++) {
      if (code === 5) {
        runs = shape[s++] as number;
        data[o++] = runs;
      }
      for (let r = 0; r < runs; r++) {
        let count = 1;
        if (code !== 0) {
          count = shape[s++] as number;
          data[o++] = count;
        }
        for (let j = 0; j < count; j++, p++) {
          data[o++] = xs[p] as number;
          data[o++] = ys[p] as number;
        }
      }
    }
    if (code < 0 || code > 5) throw new Error(`flat geometry: unknown type code ${code}`);
  }
  return { data, starts };
}

