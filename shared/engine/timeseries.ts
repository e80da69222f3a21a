/**
 * Time-series statistics over STAC scenes: per feature and per scene (or per
 * interval, compositing the scenes in it), the bands are read on the finest
 * grid of the scene (coarser bands such as a 20 m SCL resampled by nearest
 * neighbour), masked (nodata, excluded classes dilated by N cells), combined
 * by band math, and summarised with the same statistics and coverage modes as
 * single rasters. A scene hidden by clouds gives count 0, not an error.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { JobSpec } from '../spec';
import type { Crs } from '../crs/crs';
import { crsFromGeoKeys } from '../crs/geokeys';
import { crsEquivalent, makeTransformer } from '../crs/transform';
import { crsFromEpsg } from '../crs/epsg';
import { openSource } from '../io/uri';
import type { AllowedSources } from '../io/uri';
import type { ByteSource } from '../io/source';
import { openRaster } from '../raster/cog';
import type { Raster } from '../raster/cog';
import type { RasterGrid, Window } from '../raster/grid';
import { coverage, geometryWindow } from '../coverage/coverage';
import { transformGeometry } from '../geometry/transform';
import { geometryBBox } from '../geometry/bbox';
import type { BBox, Geometry } from '../geometry/types';
import { StatsAccumulator } from '../stats/accumulator';
import type { StatName, StatValue } from '../stats/accumulator';
import { parseStatNames } from '../stats/names';
import { RasterError, ZonalflowError } from '../errors';
import type { CellValue, ResultRow, StatColumn } from '../output/table';
import type { EngineFeature } from './zonal';
import { featureError, featureProblem, toCell } from './zonal';
import { bandsOf, evaluateWindow, parseExpression } from '../timeseries/expression';
import type { Expr } from '../timeseries/expression';
import { classMask, dilateExcluded, resampleNearest } from '../timeseries/mask';
import type { GridFrame } from '../timeseries/mask';
import { intervals as makeIntervals, isoTime, parseDuration, parseTimeRange } from '../timeseries/intervals';
import type { Scene } from '../timeseries/stac';
import { sceneTouches } from '../timeseries/stac';

/** An interval of the output: a scene (from = to = its time) or a duration window. */
interface Slot { from: number; to: number; scenes: Scene[]; label: { from: string; to: string } }

/** A band window on the output grid. */
interface Plane { values: Float64Array; valid: Uint8Array }

/** One feature's statistics in one slot, per output. */
export interface SlotStats { from: string; to: string; outputs: Record<string, Record<string, StatValue>> }

/** Options of the engine. */
export interface TimeseriesOptions { allowed: AllowedSources; s3Client?: S3Client | undefined; wrapSource?: (s: ByteSource) => ByteSource }

/** Time-series engine for one job. */
export class TimeseriesEngine {
  readonly columns: StatColumn[];
  readonly stats: StatName[];
  private readonly outputs: { name: string; expr: Expr }[];
  private readonly needed: string[];
  private readonly slots: Slot[];
  private readonly rasters = new Map<string, Promise<{ raster: Raster; crs: Crs }>>();
  private readonly toLonLat: ((x: number, y: number) => [number, number]) | null;

  constructor(private readonly spec: JobSpec, scenes: readonly Scene[], private readonly featureCrs: Crs, private readonly opts: TimeseriesOptions) {
    const stac = spec.stac;
    if (!stac) throw new ZonalflowError('SPEC_INVALID', 'a time-series job needs "stac"');
    const assets = Object.keys(stac.assets);
    const names = spec.outputs ?? (Object.keys(spec.bands).length > 0 ? Object.keys(spec.bands) : assets.filter((a) => a !== spec.mask?.classes?.band));
    this.outputs = names.map((n) => ({ name: n, expr: spec.bands[n] !== undefined ? parseExpression(spec.bands[n] ?? '', assets, `band "${n}"`) : ({ k: 'band', name: n }) }));
    const needed = new Set<string>();
    for (const o of this.outputs) for (const b of bandsOf(o.expr)) needed.add(b);
    if (spec.mask?.classes) needed.add(spec.mask.classes.band);
    this.needed = [...needed];
    this.stats = parseStatNames(spec.stats);
    const scene = spec.interval === 'scene';
    this.columns = [
      ...(scene ? [{ name: 'datetime', kind: 'text' as const }] : [{ name: 'interval_from', kind: 'text' as const }, { name: 'interval_to', kind: 'text' as const }]),
      ...this.outputs.flatMap((o) => this.stats.map((s): StatColumn => ({ name: `${o.name}_${s}`, kind: s === 'histogram' ? 'histogram' : 'number' }))),
    ];
    if (scene) {
      this.slots = scenes.map((s) => ({ from: s.datetime, to: s.datetime, scenes: [s], label: { from: isoTime(s.datetime), to: isoTime(s.datetime) } }));
    } else {
      const range = parseTimeRange(stac.datetime);
      this.slots = makeIntervals(range.from, range.to, parseDuration(spec.interval), spec.lastInterval).map((iv) => ({
        ...iv,
        scenes: scenes.filter((s) => s.datetime >= iv.from && s.datetime < iv.to),
        label: { from: isoTime(iv.from), to: isoTime(iv.to) },
      }));
    }
    this.toLonLat = makeTransformer(featureCrs, crsFromEpsg(4326));
  }

  private open(uri: string): Promise<{ raster: Raster; crs: Crs }> {
    let p = this.rasters.get(uri);
    if (!p) {
      p = (async () => {
        const src = openSource(uri, { allowed: this.opts.allowed, s3Client: this.opts.s3Client });
        const raster = await openRaster(this.opts.wrapSource ? this.opts.wrapSource(src) : src);
        return { raster, crs: crsFromGeoKeys(raster.info.geoKeys) };
      })();
      this.rasters.set(uri, p);
    }
    return p;
  }

  /** Long-format rows (one per feature and slot) and each feature's statistics by slot (for the Sentinel Hub-style JSON). */
  async computeChunk(features: readonly EngineFeature[]): Promise<{ rows: ResultRow[]; byFeature: Map<number, SlotStats[]> }> {
    const rows: ResultRow[] = [];
    const byFeature = new Map<number, SlotStats[]>();
    const lonlat = features.map((f) => (f.geometry ? this.lonLatBox(f.geometry) : null));
    for (const [fi, f] of features.entries()) {
      const problem = featureProblem(f);
      if (problem !== null || f.geometry === null) {
        rows.push({ id: f.id, fid: f.fid, values: new Array<CellValue>(this.columns.length).fill(null), error: problem });
        continue;
      }
      const slotsOut: SlotStats[] = [];
      try {
        for (const slot of this.slots) {
          const box = lonlat[fi] ?? null;
          const scenes = slot.scenes.filter((s) => box === null || sceneTouches(s, box));
          const accs = this.outputs.map(() => new StatsAccumulator({ stats: this.stats, semantics: this.spec.coverage === 'exact' ? 'exact' : 'unweighted', histogram: this.spec.histogram }));
          const perScene: { weights: Float64Array; planes: Plane[]; key: string }[] = [];
          for (const scene of scenes) {
            const got = await this.readScene(scene, f.geometry);
            if (got) perScene.push(got);
          }
          if (perScene.length > 0) {
            if (this.spec.interval === 'scene' || perScene.length === 1) {
              for (const p of perScene) p.planes.forEach((pl, k) => accs[k]?.addWindow(pl.values, pl.valid, p.weights));
            } else {
              const first = perScene[0] as { weights: Float64Array; planes: Plane[]; key: string };
              if (perScene.some((p) => p.key !== first.key)) throw new RasterError(`the scenes of interval ${slot.label.from}/${slot.label.to} lie on different grids; use interval "scene" for feature ${JSON.stringify(f.id)}`);
              this.outputs.forEach((_, k) => accs[k]?.addWindow(...composite(perScene.map((p) => p.planes[k] as Plane), this.spec.composite), first.weights));
            }
          }
          const outputs: Record<string, Record<string, StatValue>> = {};
          const values: CellValue[] = this.spec.interval === 'scene' ? [slot.label.from] : [slot.label.from, slot.label.to];
          this.outputs.forEach((o, k) => {
            const r = (accs[k] as StatsAccumulator).result();
            outputs[o.name] = r;
            for (const s of this.stats) values.push(toCell(r[s]));
          });
          slotsOut.push({ from: slot.label.from, to: slot.label.to, outputs });
          rows.push({ id: f.id, fid: f.fid, values, error: null });
        }
        byFeature.set(f.fid, slotsOut);
      } catch (err) {
        if (!(err instanceof ZonalflowError) || err.code === 'SOURCE_FAILED') throw err;
        rows.push({ id: f.id, fid: f.fid, values: new Array<CellValue>(this.columns.length).fill(null), error: featureError(f, err) });
      }
    }
    return { rows, byFeature };
  }

  private lonLatBox(g: Geometry): BBox | null {
    const t = this.toLonLat;
    return geometryBBox(t ? transformGeometry(g, t) : g);
  }

  /** The feature's coverage weights and the outputs' planes on the scene's finest grid (null when the feature misses the scene). */
  private async readScene(scene: Scene, geometry: Geometry): Promise<{ weights: Float64Array; planes: Plane[]; key: string } | null> {
    const opened = await Promise.all(this.needed.map(async (b) => ({ band: b, ...(await this.open(scene.hrefs[b] ?? '')) })));
    const fine = opened.reduce((a, b) => (b.raster.info.grid.resX < a.raster.info.grid.resX ? b : a));
    for (const o of opened) if (!crsEquivalent(o.crs, fine.crs)) throw new RasterError(`the assets of scene ${scene.id} are in different CRSs (${o.crs.name} vs ${fine.crs.name})`);
    const grid = fine.raster.info.grid;
    const t = makeTransformer(this.featureCrs, fine.crs);
    const g = t ? transformGeometry(geometry, t) : geometry;
    const w = geometryWindow(g, grid);
    if (!w) return null;
    const cov = coverage(g, grid, this.spec.coverage, w);
    if (!cov) return null;
    const dilate = this.spec.mask?.classes?.dilate ?? 0;
    const n = w.rows * w.cols;
    const bands = new Map<string, Plane>();
    for (const o of opened) bands.set(o.band, await readOnGrid(o.raster, grid, w, o.band === this.spec.mask?.classes?.band ? dilate : 0));
    // mask: excluded classes (dilated), then per output the nodata of the bands it reads
    let keep: Uint8Array | null = null;
    const classes = this.spec.mask?.classes;
    if (classes) {
      const cls = bands.get(classes.band) as Plane & { expanded?: { plane: Plane; frame: Window } };
      keep = cls.expanded ? cropMask(dilateExcluded(classMask(cls.expanded.plane.values, cls.expanded.plane.valid, new Set(classes.exclude)), cls.expanded.frame.rows, cls.expanded.frame.cols, dilate), cls.expanded.frame, w) : classMask(cls.values, cls.valid, new Set(classes.exclude));
    }
    const planes = this.outputs.map((o) => {
      const out = evaluateWindow(o.expr, bands, n);
      if (keep) for (let i = 0; i < n; i++) if (keep[i] === 0) out.valid[i] = 0;
      return out;
    });
    return { weights: cov.weights, planes, key: `${grid.originX},${grid.originY},${grid.resX},${w.row0},${w.col0},${w.rows},${w.cols}` };
  }
}


/** Reads a raster's band 1 over the cells of `w` on `grid` (nearest neighbour when the raster is coarser); with `halo`, also the plane over the window grown by `halo` cells. */
async function readOnGrid(raster: Raster, grid: RasterGrid, w: Window, halo: number): Promise<Plane & { expanded?: { plane: Plane; frame: Window } }> {
  const read = async (win: Window): Promise<Plane> => {
    const src = raster.info.grid;
    const same = src.resX === grid.resX && src.resY === grid.resY && src.originX === grid.originX && src.originY === grid.originY;
    if (same) {
      const [bw] = await raster.readWindow(win, [1]);
      if (!bw) throw new RasterError(`${raster.info.uri}: no band 1`);
      return { values: bw.values, valid: bw.valid };
    }
    const x0 = grid.originX + win.col0 * grid.resX;
    const x1 = x0 + win.cols * grid.resX;
    const y0 = grid.originY - win.row0 * grid.resY;
    const y1 = y0 - win.rows * grid.resY;
    const c0 = Math.floor((x0 - src.originX) / src.resX);
    const c1 = Math.ceil((x1 - src.originX) / src.resX);
    const r0 = Math.floor((src.originY - y0) / src.resY);
    const r1 = Math.ceil((src.originY - y1) / src.resY);
    const sw: Window = { row0: r0, col0: c0, rows: Math.max(1, r1 - r0), cols: Math.max(1, c1 - c0) };
    const [bw] = await raster.readWindow(sw, [1]);
    if (!bw) throw new RasterError(`${raster.info.uri}: no band 1`);
    const from: GridFrame = { originX: src.originX + sw.col0 * src.resX, originY: src.originY - sw.row0 * src.resY, resX: src.resX, resY: src.resY, rows: sw.rows, cols: sw.cols };
    const to: GridFrame = { originX: x0, originY: y0, resX: grid.resX, resY: grid.resY, rows: win.rows, cols: win.cols };
    return { values: resampleNearest(bw.values, from, to, 0), valid: resampleNearest(bw.valid, from, to, 0) };
  };
  const plane = await read(w);
  if (halo <= 0) return plane;
  const frame: Window = { row0: w.row0 - halo, col0: w.col0 - halo, rows: w.rows + 2 * halo, cols: w.cols + 2 * halo };
  return { ...plane, expanded: { plane: await read(frame), frame } };
}

function cropMask(mask: Uint8Array, frame: Window, w: Window): Uint8Array {
  const out = new Uint8Array(w.rows * w.cols);
  for (let r = 0; r < w.rows; r++) for (let c = 0; c < w.cols; c++) out[r * w.cols + c] = mask[(r + w.row0 - frame.row0) * frame.cols + (c + w.col0 - frame.col0)] ?? 0;
  return out;
}

/** Per-cell composite of several scenes: mean or median of the valid values. */
export function composite(planes: readonly Plane[], how: 'mean' | 'median'): [Float64Array, Uint8Array] {
  const n = planes[0]?.values.length ?? 0;
  const values = new Float64Array(n);
  const valid = new Uint8Array(n);
  const buf: number[] = [];
  for (let i = 0; i < n; i++) {
    buf.length = 0;
    for (const p of planes) if (p.valid[i] === 1) buf.push(p.values[i] as number);
    if (buf.length === 0) continue;
    valid[i] = 1;
    if (how === 'mean') values[i] = buf.reduce((a, b) => a + b, 0) / buf.length;
    else {
      buf.sort((a, b) => a - b);
      const m = buf.length >> 1;
      values[i] = buf.length % 2 ? (buf[m] as number) : ((buf[m - 1] as number) + (buf[m] as number)) / 2;
    }
  }
  return [values, valid];
}
