/**
 * Starts the emscripten module of the gdal3.js package (GDAL 3.8 and PROJ 9.3 in WebAssembly) from its
 * files, as gdal3.js's own initialiser (init(), dist/package/gdal3.node.js) starts it, less init()'s
 * catalogue of GDAL's drivers: init() lists every driver with its metadata and parses their option lists
 * (XML) into `drivers`, ~0.3 s of CPU at every start that crs/proj.ts, which reads PROJ's answers through
 * GDAL's C API, never uses (bench/HISTORY.md, "PROJ's start"). The module is the package's
 * build/package/gdal3WebAssembly.js: the same build (the glue init() wraps) of the same .wasm and .data.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The part of the started module used here. */
interface StartedModule {
  _GDALAllRegister(): void;
}

/** What gdal3.js's init() sets in GDAL's environment before GDAL starts (its preRun); PROJ_LIB is the caller's. */
const GDAL_ENV: Record<string, string> = {
  GDAL_DATA: '/usr/share/gdal',
  DXF_FEATURE_LIMIT_PER_BLOCK: '-1',
  GDAL_NUM_THREADS: '0',
  GDAL_ENABLE_DEPRECATED_DRIVER_GTM: 'YES',
  CPL_LOG_ERRORS: 'ON',
};

/**
 * The started module, with every GDAL driver registered (GDALAllRegister, as init() does: proj.db is read
 * through the SQLite driver, a CRS's PROJJSON and PROJ string through the VRT drivers). `dir`: the directory
 * of gdal3WebAssembly.wasm and .data; `projLib`: PROJ's data directory in the module's file system. The
 * .data package (proj.db, GDAL's data files) is read synchronously, as init() reads it, so that a missing or
 * unreadable file rejects the start (emscripten's own asynchronous read only logs the error and never
 * settles); the .wasm as emscripten reads it. The module's stdout and stderr are discarded. Rejects with
 * the module's abort message when it aborts.
 */
export async function startGdal3Module<M>(dir: string, projLib: string): Promise<M> {
  const imported = (await import('gdal3.js/build/package/gdal3WebAssembly.js')) as unknown as { default?: unknown };
  const factory = (imported.default ?? imported) as (m: Record<string, unknown>) => Promise<M>;
  return new Promise<M>((resolve, reject) => {
    const module: Record<string, unknown> = {
      locateFile: (file: string) => join(dir, file),
      getPreloadedPackage: (file: string) => readFileSync(file).buffer,
      print: () => undefined,
      printErr: () => undefined,
      onAbort: (what: unknown) => reject(new Error(String(what))),
      preRun: [(m: { ENV: Record<string, string> }) => Object.assign(m.ENV, GDAL_ENV, { PROJ_LIB: projLib })],
      // emscripten starts `module` itself: its exports are on it once the runtime has initialised
      onRuntimeInitialized: () => (module as unknown as StartedModule)._GDALAllRegister(),
    };
    factory(module).then(resolve, reject);
  });
}
