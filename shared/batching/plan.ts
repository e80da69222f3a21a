/**
 * Planning batches: every feature gets a position on the S2 Hilbert curve
 * (level 25, a float64), features are sorted by it, the grid resolution is
 * chosen from the data's density (see README.md), features are keyed by their
 * grid cell (H3, S2 or MGRS), cells are ordered by the curve position of their
 * centre, and consecutive cells are packed into batches of at most
 * `maxFeatures`; a cell larger than a batch is split in curve order.
 * Neighbouring features share COG tiles, so a batch reads few tiles.
 * Everything per feature lives in typed arrays; the same input (same order or
 * not) always gives the same batches.
 */
import { SpecError } from '../errors';
import type { GridKind } from './grid';
import { checkResolution, resolutionForArea } from './grid';
import { h3Cell, h3Centre } from './grid.h3';
import { mgrsCode, mgrsLabel } from './grid.mgrs';
import { S2_MAX_LEVEL, s2AverageAreaKm2, s2IdFromPosition, s2Position, s2Token } from './grid.s2';

export type { GridKind } from './grid';

/** A feature as the planner sees it: its fid and a representative lon/lat (EPSG:4326), e.g. the centre of its bbox. */
export interface PlanFeature { fid: number; lon: number; lat: number }

/** One batch: a zero-padded id, the grid cell of its first feature, and its fids in curve order. */
export interface PlanBatch { batchId: string; cell: string; fids: number[] }

/** The plan: batches in curve order, and figures about it. */
export interface BatchPlan {
  batches: PlanBatch[];
  /**
   * By input index (the order the features were given in): the index of the feature's batch in
   * `batches`, and its position in that batch's `fids` (so a second pass over the input in the same
   * order can route every feature to its place without a lookup by fid).
   */
  batchOf: Uint32Array;
  slot: Uint32Array;
  stats: {
    features: number;
    /** Occupied grid cells (plus one for features without a finite location). */
    cells: number;
    batches: number;
    maxBatch: number;
    minBatch: number;
    /** The grid resolution used (H3 resolution, S2 level, MGRS precision). */
    resolution: number;
    grid: GridKind;
    /** Features whose lon/lat is not finite: planned last, in cell `none`. */
    unlocated: number;
  };
}

/** Planner options: the grid, the batch size limit, and optionally a fixed resolution. */
export interface PlanOptions { grid: GridKind; maxFeatures: number; resolution?: number }

/** Cell label of features without a finite location. */
export const UNLOCATED_CELL = 'none';

/** Batch id of the i-th batch (0-based): `b000001`, zero-padded so that ids sort. */
export function batchId(i: number): string {
  return `b${String(i + 1).padStart(6, '0')}`;
}


/**
 * The planner's columns, filled one feature at a time (Plan streams its input into it): fid, lon,
 * lat and curve position in growing Float64Arrays, 32 bytes a feature, no object per feature.
 */
export class PlanColumns {
  private cap: number;
  n = 0;
  fid: Float64Array<ArrayBuffer>;
  lon: Float64Array<ArrayBuffer>;
  lat: Float64Array<ArrayBuffer>;
  pos: Float64Array<ArrayBuffer>;

  /** `capacity`: features expected (a count known to be true; the columns grow by doubling past it). */
  constructor(capacity = 1024) {
    this.cap = Math.max(1, Math.floor(capacity));
    this.fid = new Float64Array(this.cap);
    this.lon = new Float64Array(this.cap);
    this.lat = new Float64Array(this.cap);
    this.pos = new Float64Array(this.cap);
  }

  /** Adds a feature (a non-finite lon or lat: not located, planned last). */
  push(fid: number, lon: number, lat: number): void {
    if (this.n === this.cap) {
      this.cap *= 2;
      const grow = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
        const b = new Float64Array(this.cap);
        b.set(a);
        return b;
      };
      this.fid = grow(this.fid);
      this.lon = grow(this.lon);
      this.lat = grow(this.lat);
      this.pos = grow(this.pos);
    }
    const n = this.n++;
    this.fid[n] = fid;
    if (Number.isFinite(lon) && Number.isFinite(lat)) {
      const x = lon >= -180 && lon < 180 ? lon : ((((lon + 180) % 360) + 360) % 360) - 180;
      const y = Math.max(-90, Math.min(90, lat));
      this.lon[n] = x;
      this.lat[n] = y;
      this.pos[n] = s2Position(y, x, S2_MAX_LEVEL);
    } else {
      this.lon[n] = NaN;
      this.lat[n] = NaN;
      this.pos[n] = Infinity;
    }
  }
}

/** Groups features into spatially compact batches of at most `maxFeatures` (see the file comment). */
export function planBatches(features: Iterable<PlanFeature> | PlanColumns, opts: PlanOptions): BatchPlan {
  if (!Number.isInteger(opts.maxFeatures) || opts.maxFeatures < 1) {
    throw new SpecError(`batching maxFeatures ${opts.maxFeatures} is invalid: expected an integer >= 1`, { context: { maxFeatures: opts.maxFeatures } });
  }
  if (opts.resolution !== undefined) checkResolution(opts.grid, opts.resolution);
  const cols = features instanceof PlanColumns ? features : readColumns(features);
  const { n, fid, lon, lat, pos } = cols;
  const order = sortedOrder(pos, fid, n);
  let located = n;
  while (located > 0 && !Number.isFinite(pos[order[located - 1] as number])) located--;
  const resolution = opts.resolution ?? chooseResolution(opts.grid, pos, order, located, opts.maxFeatures);

  const cells = opts.grid === 's2' ? s2Cells(pos, order, located, resolution) : keyedCells(opts.grid, lon, lat, pos, order, located, resolution);
  // features without a location: one more cell, last
  if (located < n) {
    cells.starts.push(located);
    cells.labels.push(UNLOCATED_CELL);
  }
  cells.starts.push(n);
  const batchOf = new Uint32Array(n);
  const slot = new Uint32Array(n);
  const batches = pack(cells.order, cells.starts, cells.labels, fid, opts.maxFeatures, batchOf, slot);
  let maxBatch = 0;
  let minBatch = batches.length > 0 ? Infinity : 0;
  for (const b of batches) {
    if (b.fids.length > maxBatch) maxBatch = b.fids.length;
    if (b.fids.length < minBatch) minBatch = b.fids.length;
  }
  return { batches, batchOf, slot, stats: { features: n, cells: cells.labels.length, batches: batches.length, maxBatch, minBatch, resolution, grid: opts.grid, unlocated: n - located } };
}

interface Columns { n: number; fid: Float64Array; lon: Float64Array; lat: Float64Array; pos: Float64Array }

/** Reads the features into typed columns; pos = S2 level-25 curve position (Infinity when not located). */
function readColumns(features: Iterable<PlanFeature>): Columns {
  const cols = new PlanColumns();
  for (const f of features) cols.push(f.fid, f.lon, f.lat);
  return cols;
}

/** Indices 0..n-1 sorted by (curve position, fid, input index). */
function sortedOrder(pos: Float64Array, fid: Float64Array, n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => {
    const pa = pos[a] as number;
    const pb = pos[b] as number;
    if (pa !== pb) return pa < pb ? -1 : 1;
    return (fid[a] as number) - (fid[b] as number) || a - b;
  });
  return order;
}

/**
 * The resolution from the data's density: the coarsest S2 level at which the cell of a
 * typical feature (feature-weighted mean occupancy, sum(c^2)/n over occupied cells) holds at
 * most maxFeatures/2 features; H3 and MGRS take the resolution whose average cell area is
 * closest to that level's.
 */
function chooseResolution(grid: GridKind, pos: Float64Array, order: Uint32Array, located: number, maxFeatures: number): number {
  let level = S2_MAX_LEVEL;
  if (located > 0) {
    const target = maxFeatures / 2;
    for (let l = 0; l <= S2_MAX_LEVEL; l++) {
      if (weightedOccupancy(pos, order, located, l) <= target) {
        level = l;
        break;
      }
    }
  }
  return grid === 's2' ? level : resolutionForArea(grid, s2AverageAreaKm2(level));
}

/** Feature-weighted mean number of features per occupied S2 cell at `level` (features sorted by curve). */
export function weightedOccupancy(pos: Float64Array, order: Uint32Array, located: number, level: number): number {
  const div = 4 ** (S2_MAX_LEVEL - level);
  let sumSq = 0;
  let run = 0;
  let prev = -1;
  for (let k = 0; k < located; k++) {
    const key = Math.floor((pos[order[k] as number] as number) / div);
    if (key !== prev) {
      sumSq += run * run;
      run = 0;
      prev = key;
    }
    run++;
  }
  sumSq += run * run;
  return located > 0 ? sumSq / located : 0;
}

interface Cells { order: Uint32Array; starts: number[]; labels: string[] }

/** S2 cells: the sorted order is already grouped by cell and in curve order. */
function s2Cells(pos: Float64Array, order: Uint32Array, located: number, level: number): Cells {
  const div = 4 ** (S2_MAX_LEVEL - level);
  const starts: number[] = [];
  const labels: string[] = [];
  let prev = -1;
  for (let k = 0; k < located; k++) {
    const key = Math.floor((pos[order[k] as number] as number) / div);
    if (key !== prev) {
      starts.push(k);
      labels.push(s2Token(s2IdFromPosition(key, level)));
      prev = key;
    }
  }
  return { order, starts, labels };
}

/** H3 or MGRS cells: key every located feature, order cells by the curve position of their centre, regroup (stable). */
function keyedCells(grid: 'h3' | 'mgrs', lon: Float64Array, lat: Float64Array, pos: Float64Array, order: Uint32Array, located: number, resolution: number): Cells {
  const cellOf = new Int32Array(located);
  const labels: string[] = [];
  const sums: number[] = []; // mgrs: sum of unit vectors per cell (x, y, z)
  if (grid === 'h3') {
    const ids = new Map<string, number>();
    for (let k = 0; k < located; k++) {
      const i = order[k] as number;
      const key = h3Cell(lat[i] as number, lon[i] as number, resolution);
      let c = ids.get(key);
      if (c === undefined) {
        c = labels.length;
        ids.set(key, c);
        labels.push(key);
      }
      cellOf[k] = c;
    }
  } else {
    const ids = new Map<number, number>();
    const D = Math.PI / 180;
    for (let k = 0; k < located; k++) {
      const i = order[k] as number;
      const x = lon[i] as number;
      const y = lat[i] as number;
      const key = mgrsCode(x, y, resolution);
      let c = ids.get(key);
      if (c === undefined) {
        c = labels.length;
        ids.set(key, c);
        labels.push(mgrsLabel(key, resolution));
        sums.push(0, 0, 0);
      }
      cellOf[k] = c;
      sums[3 * c] = (sums[3 * c] as number) + Math.cos(y * D) * Math.cos(x * D);
      sums[3 * c + 1] = (sums[3 * c + 1] as number) + Math.cos(y * D) * Math.sin(x * D);
      sums[3 * c + 2] = (sums[3 * c + 2] as number) + Math.sin(y * D);
    }
  }
  const cells = labels.length;
  const centre = new Float64Array(cells);
  for (let c = 0; c < cells; c++) {
    let cl: number;
    let cx: number;
    if (grid === 'h3') {
      [cl, cx] = h3Centre(labels[c] as string);
    } else {
      const x = sums[3 * c] as number;
      const y = sums[3 * c + 1] as number;
      const z = sums[3 * c + 2] as number;
      cl = (Math.atan2(z, Math.hypot(x, y)) * 180) / Math.PI;
      cx = (Math.atan2(y, x) * 180) / Math.PI;
    }
    centre[c] = s2Position(cl, cx, S2_MAX_LEVEL);
  }
  // cells are numbered by first appearance along the curve: ties in centre keep that order
  const cellOrder = new Uint32Array(cells);
  for (let c = 0; c < cells; c++) cellOrder[c] = c;
  cellOrder.sort((a, b) => (centre[a] as number) - (centre[b] as number) || a - b);
  const rank = new Int32Array(cells);
  for (let r = 0; r < cells; r++) rank[cellOrder[r] as number] = r;
  // stable counting sort of the curve-sorted features by cell rank
  const starts = new Array<number>(cells + 1).fill(0);
  for (let k = 0; k < located; k++) {
    const r = rank[cellOf[k] as number] as number;
    starts[r + 1] = (starts[r + 1] as number) + 1;
  }
  for (let r = 0; r < cells; r++) starts[r + 1] = (starts[r + 1] as number) + (starts[r] as number);
  const next = starts.slice(0, cells);
  const out = new Uint32Array(order.length);
  for (let k = 0; k < located; k++) {
    const r = rank[cellOf[k] as number] as number;
    out[next[r] as number] = order[k] as number;
    next[r] = (next[r] as number) + 1;
  }
  for (let k = located; k < order.length; k++) out[k] = order[k] as number;
  starts.pop();
  const sortedLabels = Array.from(cellOrder, (c) => labels[c] as string);
  return { order: out, starts, labels: sortedLabels };
}

/**
 * Packs whole consecutive cells into batches of at most maxFeatures; a cell larger than that is split
 * in order. Fills `batchOf` and `slot` (by input index).
 */
function pack(order: Uint32Array, starts: number[], labels: string[], fid: Float64Array, maxFeatures: number, batchOf: Uint32Array, slot: Uint32Array): PlanBatch[] {
  const batches: PlanBatch[] = [];
  let current: number[] = [];
  let currentCell = '';
  const close = (): void => {
    if (current.length === 0) return;
    batches.push({ batchId: batchId(batches.length), cell: currentCell, fids: current });
    current = [];
  };
  for (let c = 0; c < labels.length; c++) {
    const i0 = starts[c] as number;
    const i1 = starts[c + 1] as number;
    if (current.length > 0 && current.length + (i1 - i0) > maxFeatures) close();
    for (let k = i0; k < i1; k++) {
      if (current.length === 0) currentCell = labels[c] as string;
      const i = order[k] as number;
      batchOf[i] = batches.length;
      slot[i] = current.length;
      current.push(fid[i] as number);
      if (current.length === maxFeatures) close();
    }
  }
  close();
  return batches;
}
