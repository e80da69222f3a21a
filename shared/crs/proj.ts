/**
 * PROJ itself, through GDAL's OSR/OCT C API as compiled to WebAssembly by the
 * `gdal3.js` package (GDAL 3.8, PROJ 9.3 with its proj.db: every EPSG and ESRI
 * code PROJ knows). CRS definitions are read as GDAL's `OSRSetFromUserInput`
 * reads them (EPSG:n, ESRI:n, WKT1, WKT2, ESRI WKT, PROJJSON, PROJ strings);
 * transformations are `OCTNewCoordinateTransformation`'s: PROJ chooses the
 * operation by area of use and accuracy, per point, exactly as `ogr2ogr`/pyproj
 * do. Axis order is always x = easting/longitude (GDAL's traditional GIS order).
 *
 * The WebAssembly module (~28 MB, plus an 11 MB data file holding proj.db) is
 * loaded lazily by {@link loadProj}, once per process; every other function
 * here is synchronous and needs it loaded (a CrsError says so otherwise). The
 * NTv2 grids that Debian's proj-data installs (BETA2007, ntf_r93,
 * nzgd2kgrid0005; `grids/` beside this file, or `proj-grids/` beside a Lambda
 * bundle) are made visible to PROJ, so it picks the same grid-based operations.
 *
 * The module is compiled by V8's baseline compiler only (Liftoff, `--liftoff-only`):
 * TurboFan's optimised copies of GDAL's hot functions cost ~60 MB of resident
 * memory on Node 20 and 22 (~20 MB on 24) for transforms ~1.4x slower in CPU
 * (0.44 s instead of 0.30 s per million points here: ~0.1 s per 100,000 fields).
 * The flag is process-wide and stays set: every WebAssembly module compiled
 * afterwards in the process (the tile codecs) is Liftoff-only too. Clearing it
 * would not undo that on Node 20: `--liftoff-only` also turns V8's dynamic
 * tiering off, which `--no-liftoff-only` at run time does not turn back on
 * (test/integration/liftoff.test.ts). Measured: JPEG and LERC tiles decode
 * within noise of TurboFan's code (100k fields over a 10980² JPEG or LERC COG:
 * job-thread CPU 3.0-3.3 s either way). `zonalflow stats` sets the flag before
 * any thread starts (bin/job-thread.mjs), for SQLite's module too.
 */
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { dirname, join } from 'node:path';
import { projectRoot } from '../project-root';
import { CrsError } from '../errors';
import { startGdal3Module } from '../gdal3-module';

/** The part of the emscripten module of gdal3.js used here. */
interface GdalModule {
  _malloc(n: number): number;
  _free(p: number): void;
  HEAPF64: Float64Array;
  HEAPU32: Uint32Array;
  lengthBytesUTF8(s: string): number;
  stringToUTF8(s: string, p: number, n: number): void;
  UTF8ToString(p: number): string;
  FS: {
    mkdir(p: string): void;
    rmdir(p: string): void;
    unlink(p: string): void;
    mount(type: unknown, opts: { root: string }, mountpoint: string): void;
    readdir(p: string): string[];
    readFile(p: string): Uint8Array;
    writeFile(p: string, data: Uint8Array): void;
    unmount(p: string): void;
  };
  NODEFS: unknown;
  _CPLErrorReset(): void;
  _CPLGetLastErrorMsg(): number;
  _CPLSetConfigOption(k: number, v: number): void;
  _OSRNewSpatialReference(wkt: number): number;
  _OSRSetFromUserInput(h: number, def: number): number;
  _OSRSetAxisMappingStrategy(h: number, strategy: number): void;
  _OSRExportToWkt(h: number, out: number): number;
  _OCTNewCoordinateTransformation(a: number, b: number): number;
  _OCTTransform(ct: number, n: number, x: number, y: number, z: number): number;
  _GDALOpenEx(path: number, flags: number, drivers: number, options: number, siblings: number): number;
  _GDALVectorInfoOptionsNew(argv: number, binary: number): number;
  _GDALVectorInfoOptionsFree(opts: number): void;
  _GDALVectorInfo(ds: number, opts: number): number;
  _GDALInfoOptionsNew(argv: number, binary: number): number;
  _GDALInfoOptionsFree(opts: number): void;
  _GDALInfo(ds: number, opts: number): number;
  _GDALClose(ds: number): void;
}

/** PROJ's data directory inside the WebAssembly file system (proj.db and grids). */
const PROJ_DATA = '/usr/share/proj';

let mod: GdalModule | null = null;

/**
 * PROJ hosted elsewhere (proj-remote.ts: a thread of its own, called synchronously): when set, every
 * function here asks it instead of loading the WebAssembly module into this thread.
 */
export interface ProjBackend {
  /** Resolves once the host has loaded PROJ (CrsError when it cannot). */
  ready(): Promise<void>;
  /** PROJ's WKT1 of a definition ('' when not expressible); CrsError with PROJ's message when unreadable. */
  srs(def: string): string;
  /** Builds the transformation (CrsError when PROJ has none) and gives a BatchTransform running it in the host. */
  transform(fromDef: string, toDef: string): BatchTransform;
  dataFiles(): string[];
  dbRows(sql: string): Record<string, string | number | null>[];
  projJson(def: string): string;
  projString(def: string): string;
  identifyEpsg(wkt: string): number | null;
}

let backend: ProjBackend | null = null;

/** Routes this module's functions to `b` (null: PROJ in this thread again). Caches of the other mode are dropped. */
export function useProjBackend(b: ProjBackend | null): void {
  if (b === backend) return;
  backend = b;
  srsCache.clear();
  ctCache.clear();
  projJsonCache.clear();
  projStringCache.clear();
  identifyCache.clear();
}
let loading: Promise<void> | null = null;

/** The directory holding this module (the bundle's directory in a Lambda CommonJS bundle). */
function hereDir(): string {
  if (typeof __dirname === 'string') return __dirname;
  return import.meta.dirname;
}

/** Grid directories to try: the source tree's `grids/`, a bundle's `proj-grids/`. */
function gridDirs(): string[] {
  const here = hereDir();
  const dirs = [join(here, 'grids'), join(here, 'proj-grids')];
  // the compiled CLI (dist/chunks/) runs from the project: its grids stay in shared/crs/grids
  try {
    dirs.push(join(projectRoot(here), 'shared', 'crs', 'grids'));
  } catch {
    // a Lambda bundle has no package.json above it: its grids are beside it
  }
  return [...new Set(dirs)];
}

/**
 * The directory of gdal3WebAssembly.wasm/.data: this module's own when the
 * files are beside it (a Lambda bundle carries them beside index.js), else the
 * package's (a source tree).
 */
function wasmDir(): string {
  let dir = hereDir();
  // this module's own resolution: an ES module's (import.meta.url; a global `require`, as a worker started
  // from code has, resolves from the working directory), else a CommonJS bundle's `require`
  // (an ESM bundle's `require` is esbuild's shim, without `resolve`)
  const url = (import.meta as { url?: string }).url;
  const req = typeof url === 'string' && url !== '' ? createRequire(url) : require;
  try {
    req.resolve(join(dir, 'gdal3WebAssembly.wasm'));
  } catch {
    dir = join(dirname(req.resolve('gdal3.js/package.json')), 'dist', 'package');
  }
  return dir;
}

/** Loads PROJ (once per process; concurrent callers share the load). CrsError when the module cannot be loaded. */
export function loadProj(): Promise<void> {
  if (backend) return backend.ready();
  if (mod) return Promise.resolve();
  loading ??= (async () => {
    try {
      setFlagsFromString('--liftoff-only'); // read when the module compiles (inside startGdal3Module); see the module comment
      // each function validated when first compiled, not the whole 28 MB module up front (bin/job-thread.mjs validateWasmLazily)
      setFlagsFromString('--wasm-lazy-validation');
      const m = await startGdal3Module<GdalModule>(wasmDir(), PROJ_DATA);
      withStrings(m, ['PROJ_NETWORK', 'OFF'], ([k, v]) => m._CPLSetConfigOption(k as number, v as number));
      installGrids(m);
      mod = m;
    } catch (err) {
      loading = null;
      throw new CrsError(`cannot load PROJ (gdal3.js WebAssembly): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  })();
  return loading;
}

/** Copies the shipped grid files into PROJ's data directory of the WebAssembly file system. */
function installGrids(m: GdalModule): void {
  for (const dir of gridDirs()) {
    const mp = `/zf-grids-${Math.random().toString(36).slice(2)}`;
    try {
      m.FS.mkdir(mp);
      m.FS.mount(m.NODEFS, { root: dir }, mp);
      for (const f of m.FS.readdir(mp)) {
        if (!/\.(gsb|tif|gtx)$/i.test(f)) continue;
        m.FS.writeFile(`${PROJ_DATA}/${f}`, m.FS.readFile(`${mp}/${f}`));
      }
      m.FS.unmount(mp);
    } catch {
      // no such directory here: the other candidate holds the grids
    }
  }
}

/** True once {@link loadProj} has completed. */
export function projLoaded(): boolean {
  return backend !== null || mod !== null;
}

function engine(): GdalModule {
  if (!mod) throw new CrsError('PROJ is not loaded yet (call loadProj() before resolving or transforming CRSs)');
  return mod;
}

/**
 * GDAL's last error message (CPLGetLastErrorMsg: the last CPLError of this thread, PROJ's own messages
 * included as "PROJ: ..."; '' after CPLErrorReset), as gdal3.js's own wrappers read it. No error handler
 * is installed: emscripten's addFunction would first map the whole function table (~24,400 entries,
 * ~65 ms of CPU at every start), and GDAL's default handler prints to the module's stderr, which
 * startGdal3Module discards.
 */
function lastError(m: GdalModule): string {
  return m.UTF8ToString(m._CPLGetLastErrorMsg());
}

function withStrings<T>(m: GdalModule, strings: string[], fn: (ptrs: number[]) => T): T {
  const ptrs = strings.map((s) => {
    const n = m.lengthBytesUTF8(s) + 1;
    const p = m._malloc(n);
    m.stringToUTF8(s, p, n);
    return p;
  });
  try {
    return fn(ptrs);
  } finally {
    for (const p of ptrs) m._free(p);
  }
}

/** A CRS as PROJ read it: its handle and its WKT1 (GDAL's export; '' when not expressible). */
export interface ProjSrs {
  handle: number;
  wkt: string;
}

const srsCache = new Map<string, ProjSrs | string>();

/**
 * Reads a CRS definition as `OSRSetFromUserInput` does (cached per text).
 * CrsError with PROJ's message when it cannot.
 */
export function projSrs(def: string): ProjSrs {
  const hit = srsCache.get(def);
  if (typeof hit === 'string') throw new CrsError(hit);
  if (hit) return hit;
  if (backend) {
    let remote: ProjSrs;
    try {
      remote = { handle: -1, wkt: backend.srs(def) };
    } catch (err) {
      if (err instanceof CrsError) srsCache.set(def, err.message);
      throw err;
    }
    srsCache.set(def, remote);
    return remote;
  }
  const m = engine();
  m._CPLErrorReset();
  const h = m._OSRNewSpatialReference(0);
  const err = withStrings(m, [def], ([p]) => m._OSRSetFromUserInput(h, p as number));
  if (err !== 0) {
    const msg = lastError(m).replace(/^PROJ: /, '') || `OGR error ${err}`;
    srsCache.set(def, msg);
    throw new CrsError(msg);
  }
  m._OSRSetAxisMappingStrategy(h, 0);
  const out = m._malloc(4);
  let wkt = '';
  try {
    m.HEAPU32[out >> 2] = 0;
    if (m._OSRExportToWkt(h, out) === 0) {
      const p = m.HEAPU32[out >> 2] ?? 0;
      if (p) wkt = m.UTF8ToString(p);
    }
  } finally {
    m._free(out);
  }
  const srs = { handle: h, wkt };
  srsCache.set(def, srs);
  return srs;
}

/** A transformation of many points at once: xs/ys are transformed in place; returns false for points PROJ could not transform (set to NaN). */
export type BatchTransform = (xs: Float64Array, ys: Float64Array) => void;

const ctCache = new Map<string, BatchTransform>();

/** The coordinate transformation from one definition to another (PROJ's choice); CrsError with PROJ's message when none exists. */
export function projTransform(fromDef: string, toDef: string): BatchTransform {
  const key = `${fromDef}\u0000${toDef}`;
  const cached = ctCache.get(key);
  if (cached) return cached;
  if (backend) {
    const remote = backend.transform(fromDef, toDef);
    ctCache.set(key, remote);
    return remote;
  }
  const m = engine();
  const a = projSrs(fromDef);
  const b = projSrs(toDef);
  m._CPLErrorReset();
  const handle = m._OCTNewCoordinateTransformation(a.handle, b.handle);
  if (!handle) throw new CrsError(lastError(m).replace(/^PROJ: /, '') || 'PROJ found no coordinate operation');
  let cap = 0;
  let buf = 0;
  const run: BatchTransform = (xs, ys) => {
    const n = xs.length;
    if (n === 0) return;
    if (n > cap) {
      if (buf) m._free(buf);
      cap = Math.max(n, 64);
      buf = m._malloc(cap * 24);
    }
    let heap = m.HEAPF64;
    const bx = buf >> 3;
    const by = bx + cap;
    const bz = by + cap;
    for (let i = 0; i < n; i++) {
      heap[bx + i] = xs[i] ?? NaN;
      heap[by + i] = ys[i] ?? NaN;
      heap[bz + i] = 0;
    }
    m._OCTTransform(handle, n, buf, buf + cap * 8, buf + cap * 16);
    heap = m.HEAPF64;
    for (let i = 0; i < n; i++) {
      const x = heap[bx + i] ?? NaN;
      const y = heap[by + i] ?? NaN;
      const bad = !Number.isFinite(x) || !Number.isFinite(y) || Math.abs(x) > 1e300;
      xs[i] = bad ? NaN : x;
      ys[i] = bad ? NaN : y;
    }
  };
  ctCache.set(key, run);
  return run;
}

/** The files in PROJ's data directory (grids PROJ can use, proj.db). */
export function projDataFiles(): string[] {
  if (backend) return backend.dataFiles();
  return engine().FS.readdir(PROJ_DATA).filter((f) => f !== '.' && f !== '..');
}

let projDb = 0;

/**
 * Rows of an SQL query on PROJ's own database (proj.db, read through GDAL's
 * SQLite driver as `ogrinfo -json -features -sql` does). Columns come back
 * as their SQLite values. CrsError when the query fails.
 */
export function projDbRows(sql: string): Record<string, string | number | null>[] {
  if (backend) return backend.dbRows(sql);
  const m = engine();
  if (!projDb) {
    projDb = withStrings(m, [`${PROJ_DATA}/proj.db`], ([p]) => m._GDALOpenEx(p as number, 0x04 /* GDAL_OF_VECTOR */, 0, 0, 0));
    if (!projDb) throw new CrsError(`cannot open proj.db: ${lastError(m)}`);
  }
  const text = vectorInfo(m, projDb, ['-json', '-features', '-sql', sql], 'proj.db query');
  const doc = JSON.parse(text) as { layers?: { features?: { properties?: Record<string, string | number | null> }[] }[] };
  return (doc.layers?.[0]?.features ?? []).map((f) => f.properties ?? {});
}

/** `ogrinfo`'s output (GDALVectorInfo) for an open dataset; CrsError naming `what` when it fails. */
function vectorInfo(m: GdalModule, ds: number, args: string[], what: string): string {
  return withStrings(m, args, (ptrs) => {
    const argv = m._malloc(4 * (ptrs.length + 1));
    try {
      ptrs.forEach((p, i) => {
        m.HEAPU32[(argv >> 2) + i] = p;
      });
      m.HEAPU32[(argv >> 2) + ptrs.length] = 0;
      const opts = m._GDALVectorInfoOptionsNew(argv, 0);
      if (!opts) throw new CrsError(`${what} refused: ${lastError(m)}`);
      try {
        m._CPLErrorReset();
        const out = m._GDALVectorInfo(ds, opts);
        if (!out) throw new CrsError(`${what} failed: ${lastError(m)}`);
        const s = m.UTF8ToString(out);
        m._free(out);
        return s;
      } finally {
        m._GDALVectorInfoOptionsFree(opts);
      }
    } finally {
      m._free(argv);
    }
  });
}

const xmlText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const projJsonCache = new Map<string, string>();

/**
 * The CRS `def` (anything OSRSetFromUserInput reads) as PROJJSON text, as PROJ exports it
 * (`proj_as_projjson`, the GeoParquet 1.1 `crs`). gdal3.js exports no OSRExportToPROJJSON, so
 * this reads it from `ogrinfo -json` (GDAL >= 3.7 reports each layer's `coordinateSystem.projjson`)
 * on an empty OGR VRT layer whose `LayerSRS` is `def`. CrsError when PROJ cannot read `def`.
 */
export function projJson(def: string): string {
  const hit = projJsonCache.get(def);
  if (hit !== undefined) return hit;
  if (backend) {
    const text = backend.projJson(def);
    projJsonCache.set(def, text);
    return text;
  }
  projSrs(def); // PROJ's own error for an unreadable definition
  const m = engine();
  // an empty point layer over proj.db (a source every PROJ build has), in the CRS `def`
  const vrt = `<OGRVRTDataSource><OGRVRTLayer name="crs"><SrcDataSource>${PROJ_DATA}/proj.db</SrcDataSource><SrcSQL>SELECT 0.0 AS x WHERE 0</SrcSQL><GeometryField encoding="PointFromColumns" x="x" y="x"/><GeometryType>wkbPoint</GeometryType><LayerSRS>${xmlText(def)}</LayerSRS></OGRVRTLayer></OGRVRTDataSource>`;
  m._CPLErrorReset();
  const ds = withStrings(m, [vrt], ([p]) => m._GDALOpenEx(p as number, 0x04 /* GDAL_OF_VECTOR */, 0, 0, 0));
  if (!ds) throw new CrsError(`cannot express the CRS as PROJJSON: ${lastError(m)}`);
  try {
    const doc = JSON.parse(vectorInfo(m, ds, ['-json', '-so'], 'PROJJSON export')) as { layers?: { geometryFields?: { coordinateSystem?: { projjson?: unknown } }[] }[] };
    const pj = doc.layers?.[0]?.geometryFields?.[0]?.coordinateSystem?.projjson;
    if (pj === undefined || pj === null || typeof pj !== 'object') throw new CrsError(`PROJ gave no PROJJSON for the CRS ${def.slice(0, 60)}`);
    const text = JSON.stringify(pj);
    projJsonCache.set(def, text);
    return text;
  } finally {
    m._GDALClose(ds);
  }
}

const projStringCache = new Map<string, string>();

/**
 * The CRS `def` as a PROJ string, as PROJ exports it (`proj_as_proj_string`, PJ_PROJ_4, through
 * OSRExportToProj4: what `gdalinfo -proj4` and `gdalsrsinfo -o proj4` print), e.g.
 * "+proj=utm +zone=31 +datum=WGS84 +units=m +no_defs". gdal3.js exports no OSRExportToProj4, so this reads
 * `gdalinfo -json -proj4` (coordinateSystem.proj4) of a one-pixel VRT in the CRS `def`. '' when PROJ
 * cannot express the CRS as a PROJ string; CrsError when it cannot read `def`.
 */
export function projString(def: string): string {
  const hit = projStringCache.get(def);
  if (hit !== undefined) return hit;
  if (backend) {
    const text = backend.projString(def);
    projStringCache.set(def, text);
    return text;
  }
  projSrs(def);
  const m = engine();
  const vrt = `<VRTDataset rasterXSize="1" rasterYSize="1"><SRS>${xmlText(def)}</SRS><VRTRasterBand dataType="Byte" band="1"/></VRTDataset>`;
  m._CPLErrorReset();
  const ds = withStrings(m, [vrt], ([p]) => m._GDALOpenEx(p as number, 0x02 /* GDAL_OF_RASTER */, 0, 0, 0));
  if (!ds) throw new CrsError(`cannot express the CRS as a PROJ string: ${lastError(m)}`);
  try {
    const text = withStrings(m, ['-json', '-proj4'], (ptrs) => {
      const argv = m._malloc(4 * (ptrs.length + 1));
      try {
        ptrs.forEach((p, i) => {
          m.HEAPU32[(argv >> 2) + i] = p;
        });
        m.HEAPU32[(argv >> 2) + ptrs.length] = 0;
        const opts = m._GDALInfoOptionsNew(argv, 0);
        if (!opts) throw new CrsError(`PROJ string export refused: ${lastError(m)}`);
        try {
          const out = m._GDALInfo(ds, opts);
          if (!out) throw new CrsError(`PROJ string export failed: ${lastError(m)}`);
          const s = m.UTF8ToString(out);
          m._free(out);
          return s;
        } finally {
          m._GDALInfoOptionsFree(opts);
        }
      } finally {
        m._free(argv);
      }
    });
    const doc = JSON.parse(text) as { coordinateSystem?: { proj4?: unknown } };
    const p4 = doc.coordinateSystem?.proj4;
    const out = typeof p4 === 'string' ? p4.trim() : '';
    projStringCache.set(def, out);
    return out;
  } finally {
    m._GDALClose(ds);
  }
}

const identifyCache = new Map<string, number | null>();
let identifySeq = 0;

/** An empty Shapefile's main file or index (100-byte header, polygons, no records): what GDAL's driver needs to read a `.prj`. */
function emptyShapeFile(): Uint8Array {
  const b = Buffer.alloc(100);
  b.writeInt32BE(9994, 0);
  b.writeInt32BE(50, 24); // file length in 16-bit words
  b.writeInt32LE(1000, 28);
  b.writeInt32LE(5, 32);
  return new Uint8Array(b);
}

/** An empty dBASE III table of one numeric field. */
function emptyDbf(): Uint8Array {
  const b = Buffer.alloc(66);
  b.writeUInt8(0x03, 0);
  b.writeUInt8(126, 1);
  b.writeUInt8(1, 2);
  b.writeUInt8(1, 3);
  b.writeUInt32LE(0, 4);
  b.writeUInt16LE(65, 8); // header length: 32 + one 32-byte field descriptor + terminator
  b.writeUInt16LE(11, 10); // record length: deletion flag + 10 digits
  b.write('ID', 32, 'latin1');
  b.write('N', 43, 'latin1');
  b.writeUInt8(10, 48);
  b.writeUInt8(0x0d, 64);
  b.writeUInt8(0x1a, 65);
  return new Uint8Array(b);
}

/**
 * The EPSG code GDAL identifies a WKT without an authority code as (an ESRI `.prj`, an OGC WKT1 that names no
 * code), or null: GDAL's own identification, by its Shapefile driver reading the text as a `.prj`
 * (OGRShapeLayer: importFromESRI, then OGRSpatialReference::FindBestMatch, i.e. PROJ's proj_identify and the
 * match GDAL accepts, replaced by the EPSG definition), as `ogrinfo`/`ogr2ogr` read a Shapefile. gdal3.js exports
 * neither OSRAutoIdentifyEPSG nor OSRFindMatches, so the text is written beside an empty Shapefile in the
 * module's file system and the layer's CRS read back as `ogrinfo -json` gives it (coordinateSystem.projjson.id).
 * Only an `EPSG` id counts. CrsError when PROJ is not loaded.
 */
export function identifyEpsg(wkt: string): number | null {
  const hit = identifyCache.get(wkt);
  if (hit !== undefined) return hit;
  if (backend) {
    const code = backend.identifyEpsg(wkt);
    identifyCache.set(wkt, code);
    return code;
  }
  const m = engine();
  const dir = `/zf-identify-${identifySeq++}`;
  const names = ['shp', 'shx', 'dbf', 'prj'].map((ext) => `${dir}/crs.${ext}`);
  m.FS.mkdir(dir);
  let code: number | null = null;
  try {
    m.FS.writeFile(`${dir}/crs.shp`, emptyShapeFile());
    m.FS.writeFile(`${dir}/crs.shx`, emptyShapeFile());
    m.FS.writeFile(`${dir}/crs.dbf`, emptyDbf());
    m.FS.writeFile(`${dir}/crs.prj`, new TextEncoder().encode(wkt));
    m._CPLErrorReset();
    const ds = withStrings(m, [`${dir}/crs.shp`], ([p]) => m._GDALOpenEx(p as number, 0x04 /* GDAL_OF_VECTOR */, 0, 0, 0));
    if (!ds) throw new CrsError(`cannot identify the CRS: ${lastError(m)}`);
    try {
      const doc = JSON.parse(vectorInfo(m, ds, ['-json', '-so'], 'CRS identification')) as { layers?: { geometryFields?: { coordinateSystem?: { projjson?: { id?: { authority?: string; code?: number | string } } } }[] }[] };
      const id = doc.layers?.[0]?.geometryFields?.[0]?.coordinateSystem?.projjson?.id;
      if (id?.authority?.toUpperCase() === 'EPSG' && /^\d+$/.test(String(id.code))) code = Number(id.code);
    } finally {
      m._GDALClose(ds);
    }
  } finally {
    for (const n of names) {
      try {
        m.FS.unlink(n);
      } catch {
        // not written
      }
    }
    m.FS.rmdir(dir);
  }
  identifyCache.set(wkt, code);
  return code;
}

/**
 * What a job's first PROJ answers cost beyond the load, done ahead by a host thread (proj-remote.ts serveProj)
 * while it waits for its first request: the first CRS read opens proj.db in PROJ and has V8 compile the code
 * of OSRSetFromUserInput, the first proj.db query opens it through GDAL's SQLite driver, the first PROJ string
 * export and coordinate operation compile theirs. The 100k bench's requests, traced in the host (one run
 * each way, load 6-8): its first `srs` (the GeoPackage's WKT of WGS 84) 258 -> 8 ms, first `dbRows`
 * 128 -> 5 ms, first `projString` 78 -> 2 ms, first `makeTransform` 69 -> 2 ms; the steps took 280 ms
 * before its first request came. Each step's answer is what the same call gives later (and is cached as
 * such): the job's own answers come sooner, unchanged. In the order a job needs them: the first is every
 * job's (each reads its CRSs), the others are a reprojecting job's.
 */
export const PROJ_WARM_UP: readonly (() => unknown)[] = [
  () => projSrs('EPSG:4326'),
  () => projDbRows('SELECT 1 AS x'),
  () => projTransform('EPSG:4326', 'EPSG:3857'),
  () => projString('EPSG:4326'),
];
