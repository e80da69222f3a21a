// Module loader hooks for module-formats.mjs: posts the format Node's ES loader gives each file it loads
// ({ url, format }) on the port that register() passed to initialize.
let port = null;

export function initialize(data) {
  port = data.port;
}

export async function load(url, context, next) {
  const r = await next(url, context);
  port?.postMessage({ url, format: r.format });
  return r;
}
