/** The entry of the gdal3.js package for Node (an emscripten build of GDAL and PROJ): its initialiser. */
declare module 'gdal3.js/node.js' {
  const initGdalJs: (options?: Record<string, unknown>) => Promise<unknown>;
  export default initGdalJs;
}
