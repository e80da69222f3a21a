/**
 * The one way zonalflow sends an http(s) request (raster ranges, STAC pages):
 * every URL passes the allow-list (`checkUri`), every host name is resolved
 * by `checkedLookup` — all its addresses checked, the connection made to a
 * checked address, so no DNS-rebinding window — and redirects are followed by
 * hand, each hop checked again like a URL written in the spec. Response
 * bodies are read up to a byte limit. Messages carry redacted URLs only.
 */
import dns from 'node:dns';
import type { LookupAddress, LookupAllOptions } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { LimitError, SourceError, UriNotAllowedError } from '../errors';
import { checkUri, internalAllowed, isInternalAddress, redact } from './uri';
import type { AllowedSources } from './uri';

/** A request. */
export interface SafeRequestOptions {
  allowed: AllowedSources;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal | undefined;
  /** Whole-request timeout in ms (default 30 s). */
  timeoutMs?: number;
  /** The body is read up to this many bytes; more fails with a LimitError (default 64 MiB). */
  maxBytes?: number;
  /** Redirects followed at most (default 5). */
  maxRedirects?: number;
  /** What the URL is, for messages ("raster", "STAC API"). */
  what?: string;
}

/** A response, body read whole (within `maxBytes`). */
export interface SafeResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Uint8Array;
  /** The URL that answered (after redirects). */
  url: string;
}

/** Thrown by `checkedLookup`: the name resolves to an address the allow-list refuses. */
class RefusedAddressError extends UriNotAllowedError {}

/**
 * A `lookup` for sockets: resolves every address of `hostname`, refuses the lot when any is private,
 * loopback, link-local (etc., see `isInternalAddress`) unless `allowed` opts that host in, and hands
 * the socket only checked addresses.
 */
export function checkedLookup(allowed: AllowedSources): LookupFunction {
  return (hostname, options, callback) => {
    const all: LookupAllOptions = { ...options, all: true };
    dns.lookup(hostname, all, (err, addresses: LookupAddress[]) => {
      if (err) {
        callback(err, '', 4);
        return;
      }
      for (const a of addresses) {
        const { internal, loopback } = isInternalAddress(a.address);
        if (internal && !internalAllowed(allowed, hostname, loopback)) {
          const e = new RefusedAddressError(`host ${hostname} resolves to ${a.address}, a private, loopback or link-local address (refused; a local server of your own can be allowed with --allow-host ${hostname})`);
          callback(e, '', 4);
          return;
        }
      }
      const first = addresses[0];
      if (!first) {
        callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 4);
        return;
      }
      if (options.all === true) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}

/** Keep-alive agents per allow-list (a pooled socket was connected under the same checks). */
const agents = new WeakMap<AllowedSources, { http: HttpAgent; https: HttpsAgent }>();

function agentsFor(allowed: AllowedSources): { http: HttpAgent; https: HttpsAgent } {
  let a = agents.get(allowed);
  if (!a) {
    const lookup = checkedLookup(allowed);
    a = { http: new HttpAgent({ keepAlive: true, maxSockets: 64, lookup }), https: new HttpsAgent({ keepAlive: true, maxSockets: 64, lookup }) };
    agents.set(allowed, a);
  }
  return a;
}

/**
 * Sends a request and reads the response (any status; 3xx are followed). Throws UriNotAllowedError when
 * the URL, a redirect target or a resolved address is refused, SourceError for network failures (no
 * status: retryable), LimitError for a body over `maxBytes`.
 */
export async function safeRequest(url: string, opts: SafeRequestOptions): Promise<SafeResponse> {
  const what = opts.what ?? 'URL';
  let current = url;
  let method = opts.method ?? 'GET';
  let body = opts.body;
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? 30_000);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  for (let hop = 0; ; hop++) {
    let parsed;
    try {
      parsed = checkUri(current, opts.allowed);
    } catch (err) {
      throw err instanceof UriNotAllowedError && hop === 0 ? new UriNotAllowedError(`the ${what} ${err.message}`, { cause: err }) : err;
    }
    if (parsed.scheme !== 'https' && parsed.scheme !== 'http') throw new UriNotAllowedError(`${redact(current)}: the ${what} must be an https:// URL`);
    const res = await send(parsed.url, method, opts.headers ?? {}, body, opts.allowed, signal);
    const location = res.headers.location;
    if (res.statusCode !== undefined && res.statusCode >= 300 && res.statusCode < 400 && res.statusCode !== 304 && location !== undefined) {
      res.resume();
      if (hop + 1 > (opts.maxRedirects ?? 5)) throw new SourceError(`${redact(url)}: more than ${opts.maxRedirects ?? 5} redirects`);
      let next: string;
      try {
        next = new URL(location, parsed.url).toString();
      } catch {
        throw new UriNotAllowedError(`the ${what} ${redact(current)} redirects to an invalid URL`);
      }
      try {
        checkUri(next, opts.allowed);
      } catch (err) {
        throw new UriNotAllowedError(`the ${what} ${redact(current)} redirects to ${redact(next)}, which is refused: ${err instanceof Error ? err.message.replace(/^.*?: /, '') : String(err)}`, { cause: err });
      }
      if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
      current = next;
      continue;
    }
    const bytes = await readBody(res, opts.maxBytes ?? 64 * 1024 * 1024, current, what);
    return { status: res.statusCode ?? 0, headers: res.headers, body: bytes, url: current };
  }
}

function send(url: URL, method: string, headers: Record<string, string>, body: string | undefined, allowed: AllowedSources, signal: AbortSignal): Promise<IncomingMessage> {
  const a = agentsFor(allowed);
  const isHttps = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (isHttps ? httpsRequest : httpRequest)(url, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      agent: isHttps ? a.https : a.http,
      signal,
    });
    req.on('response', resolve);
    req.on('error', (err: Error) => reject(networkError(err, url)));
    req.end(body);
  });
}

function networkError(err: Error, url: URL): Error {
  if (err instanceof UriNotAllowedError) return err;
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof UriNotAllowedError) return cause;
  const message = err.name === 'AbortError' || err.name === 'TimeoutError' ? 'timed out or aborted' : err.message;
  return new SourceError(`cannot reach ${redact(url.toString())}: ${message}`, { cause: err });
}

async function readBody(res: IncomingMessage, maxBytes: number, url: string, what: string): Promise<Uint8Array> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.destroy();
    throw new LimitError(`the ${what} ${redact(url)} answered ${declared} bytes; the limit is ${maxBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res) {
      const b = chunk as Buffer;
      total += b.length;
      if (total > maxBytes) {
        res.destroy();
        throw new LimitError(`the ${what} ${redact(url)} answered more than ${maxBytes} bytes (the limit)`);
      }
      chunks.push(b);
    }
  } catch (err) {
    if (err instanceof LimitError) throw err;
    // connection reset mid-body: retryable (no status)
    throw new SourceError(`${redact(url)}: connection lost while reading the answer: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const out = Buffer.concat(chunks, total);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
