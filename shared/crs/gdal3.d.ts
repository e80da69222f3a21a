/**
 * The emscripten module of the gdal3.js package (GDAL and PROJ compiled to WebAssembly; the glue its own
 * initialiser wraps): a factory taking emscripten's Module options and resolving with the started module.
 */
declare module 'gdal3.js/build/package/gdal3WebAssembly.js' {
  const createModule: (module?: Record<string, unknown>) => Promise<unknown>;
  export default createModule;
}
