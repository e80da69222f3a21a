/**
 * Planning batches: features are keyed by their grid cell (H3 by default)
 * at a resolution chosen from the data's extent and count, cells are ordered
 * along a Hilbert curve of their centroids, and consecutive cells are packed
 * into batches of at most `maxFeatures`; a cell larger than a batch is split
 * along the curve. Neighbouring features share COG tiles, so a batch reads
 * few tiles. Everything is kept in typed arrays (1,000,000 features: a few
 * tens of MB), and the same input always gives the same batches.
 */
import type { GridKind } from './grid';
import { cellKey, resolutionFor } from './grid';
import { hilbertIndex } from './hilbert';

export type { GridKind } from './grid';

/** A feature as the planner sees it: fid and a representative lon/lat. */
export interface PlanFeature { fid: number; lon: number; lat: number }

/** The plan. */
export interface BatchPlan {
  batches: { batchId: string; cell: string; fids: number[] }[];
  stats: { features: number; cells: number; batches: number; maxBatch: number; minBatch: number; resolution: number; grid: GridKind };
}

/** Options. */
export interface PlanOptions { grid: GridKind; maxFeatures: number; resolution?: number }

/** Batch id of the i-th batch (0-based): zero-padded so ids sort. */
export function batchId(i: number): string {
  return `b${String(i + 1).padStart(6, '0')}`;
}

/** Groups features into spatially compact batches. */
export function planBatches(features: Iterable<PlanFeature>, opts: PlanOptions): BatchPlan {
  // 1. columns
  let n = 0;
  let cap = 1024;
  let fid = new Float64Array(cap);
  let lon = new Float64Array(cap);
  let lat = new Float64Array(cap);
  for (const f of features) {
    if (n === cap) {
      cap *= 2;
      const g = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
        const b = new Float64Array(cap);
        b.set(a);
        return b;
      };
      fid = g(fid);
      lon = g(lon);
      lat = g(lat);
    }
    fid[n] = f.fid;
    lon[n] = Number.isFinite(f.lon) ? f.lon : 0;
    lat[n] = Number.isFinite(f.lat) ? Math.max(-90, Math.min(90, f.lat)) : 0;
    n++;
  }
  if (n === 0) return { batches: [], stats: { features: 0, cells: 0, batches: 0, maxBatch: 0, minBatch: 0, resolution: 0, grid: opts.grid } };
  // 2. extent -> resolution (an average cell holds ~ half a batch if features were spread evenly)
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = lon[i] as number;
    const y = lat[i] as number;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  const midLat = ((y0 + y1) / 2) * (Math.PI / 180);
  const areaKm2 = Math.max(1e-6, (x1 - x0) * 111.32 * Math.cos(midLat) * (y1 - y0) * 110.57);
  const resolution = opts.resolution ?? resolutionFor(opts.grid, (areaKm2 * opts.maxFeatures) / 2 / n);
  // 3. cell of each feature, and the feature's own curve position
  const cellOf = new Int32Array(n);
  const cellIds = new Map<string, number>();
  const names: string[] = [];
  const curve = new Float64Array(n);
  const sx = x1 > x0 ? 65535 / (x1 - x0) : 0;
  const sy = y1 > y0 ? 65535 / (y1 - y0) : 0;
  for (let i = 0; i < n; i++) {
    const key = cellKey(opts.grid, lon[i] as number, lat[i] as number, resolution);
    let id = cellIds.get(key);
    if (id === undefined) {
      id = names.length;
      cellIds.set(key, id);
      names.push(key);
    }
    cellOf[i] = id;
    curve[i] = hilbertIndex(Math.round(((lon[i] as number) - x0) * sx), Math.round(((lat[i] as number) - y0) * sy));
  }
  // 4. order cells by the curve position of their centroid, features by (cell rank, own position, fid)
  const cells = names.length;
  const sumX = new Float64Array(cells);
  const sumY = new Float64Array(cells);
  const count = new Int32Array(cells);
  for (let i = 0; i < n; i++) {
    const c = cellOf[i] as number;
    sumX[c] = (sumX[c] as number) + (lon[i] as number);
    sumY[c] = (sumY[c] as number) + (lat[i] as number);
    count[c] = (count[c] as number) + 1;
  }
  const cellCurve = new Float64Array(cells);
  for (let c = 0; c < cells; c++) {
    const cx = (sumX[c] as number) / (count[c] as number);
    const cy = (sumY[c] as number) / (count[c] as number);
    cellCurve[c] = hilbertIndex(Math.round((cx - x0) * sx), Math.round((cy - y0) * sy));
  }
  const cellOrder = Uint32Array.from({ length: cells }, (_, c) => c).sort((a, b) => (cellCurve[a] as number) - (cellCurve[b] as number) || ((names[a] ?? '') < (names[b] ?? '') ? -1 : 1));
  const rank = new Int32Array(cells);
  cellOrder.forEach((c, r) => (rank[c] = r));
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (rank[cellOf[a] as number] as number) - (rank[cellOf[b] as number] as number) || (curve[a] as number) - (curve[b] as number) || (fid[a] as number) - (fid[b] as number),
  );
  // 5. pack whole cells while they fit; split cells larger than a batch
  const batches: BatchPlan['batches'] = [];
  let current: number[] = [];
  let currentCell = '';
  const close = (): void => {
    if (current.length === 0) return;
    batches.push({ batchId: batchId(batches.length), cell: currentCell, fids: current });
    current = [];
  };
  let i = 0;
  while (i < n) {
    const c = cellOf[order[i] as number] as number;
    let j = i;
    while (j < n && cellOf[order[j] as number] === c) j++;
    const size = j - i;
    if (current.length > 0 && current.length + size > opts.maxFeatures) close();
    if (current.length === 0) currentCell = names[c] ?? '';
    for (let k = i; k < j; k++) {
      current.push(fid[order[k] as number] as number);
      if (current.length === opts.maxFeatures) close();
    }
    if (current.length === 0) currentCell = names[c] ?? '';
    i = j;
  }
  close();
  let maxBatch = 0;
  let minBatch = Infinity;
  for (const b of batches) {
    maxBatch = Math.max(maxBatch, b.fids.length);
    minBatch = Math.min(minBatch, b.fids.length);
  }
  return { batches, stats: { features: n, cells, batches: batches.length, maxBatch, minBatch, resolution, grid: opts.grid } };
}

/** Mean area (deg², lon scaled by cos(lat)) of the batches' bounding boxes: lower is more compact. */
export function meanBatchBBoxArea(plan: BatchPlan, where: (fid: number) => { lon: number; lat: number }): number {
  let total = 0;
  for (const b of plan.batches) {
    let a = Infinity;
    let z = -Infinity;
    let c = Infinity;
    let d = -Infinity;
    for (const f of b.fids) {
      const p = where(f);
      a = Math.min(a, p.lon);
      z = Math.max(z, p.lon);
      c = Math.min(c, p.lat);
      d = Math.max(d, p.lat);
    }
    total += (z - a) * Math.cos((((c + d) / 2) * Math.PI) / 180) * (d - c);
  }
  return plan.batches.length > 0 ? total / plan.batches.length : 0;
}
