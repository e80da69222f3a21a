// The loader hook of loaded-modules.mjs: each module file loaded, with the thread that registered the hook.
import process from 'node:process';

let thread = -1;

export function initialize(data) {
  thread = data?.threadId ?? -1;
}

export async function load(url, context, next) {
  const result = await next(url, context);
  if (url.startsWith('file:')) process.stderr.write(`loaded-modules: file ${thread} ${url}\n`);
  return result;
}
