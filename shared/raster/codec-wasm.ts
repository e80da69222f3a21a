/**
 * WASM codec files: where they are (beside a Lambda bundle or in node_modules), and the WebP
 * decoder. Loads the WebP decoder (libwebp compiled to WASM, `@jsquash/webp`) once, on the first WebP tile:
 * the .wasm file is read from beside the Lambda bundle (infra copies it there) or from
 * node_modules, and compiled here (the package's own loader would fetch() it, which Node cannot
 * do for files).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { WebpDecode } from '../tiff/chunk';

const WASM = 'webp_dec.wasm';
let loading: Promise<WebpDecode> | null = null;

/** A .wasm file beside the Lambda bundle (infra copies them there), or undefined when running from sources. */
export function wasmBesideBundle(name: string): string | undefined {
  return typeof __dirname === 'string' && existsSync(join(__dirname, name)) ? join(__dirname, name) : undefined;
}

function wasmPath(): string {
  return wasmBesideBundle(WASM) ?? createRequire(import.meta.url).resolve(`@jsquash/webp/codec/dec/${WASM}`);
}

/** The WebP decode function (RGBA pixels of one WebP image). */
export function loadWebpDecoder(): Promise<WebpDecode> {
  loading ??= (async () => {
    const mod = await import('@jsquash/webp/decode.js');
    // the package's types need the DOM library; these are the shapes it has at run time
    const init = mod.init as unknown as (module: object) => Promise<void>; // takes a compiled WebAssembly.Module too
    const decode = mod.default as unknown as (data: ArrayBuffer) => Promise<{ width: number; height: number; data: Uint8ClampedArray }>;
    const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<object> } }).WebAssembly;
    await init(await wasm.compile(readFileSync(wasmPath())));
    return async (data: ArrayBuffer) => {
      const img = await decode(data);
      return { width: img.width, height: img.height, data: new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength) };
    };
  })();
  return loading;
}
