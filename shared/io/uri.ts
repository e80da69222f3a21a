/**
 * Raster and STAC URIs: parsed, checked against an allow-list, then opened.
 * Nothing is fetched blindly: only the schemes, S3 buckets and https hosts
 * allowed for the job, never link-local, private or loopback addresses (no
 * SSRF into the Lambda environment, e.g. 169.254.169.254) — neither written
 * literally nor reached through DNS (`checkedLookup`: every address a name
 * resolves to is checked, and the connection goes to a checked address) nor
 * through a redirect (every hop is checked again, see `http-request.ts`) —
 * unless explicitly allowed: `allowLoopback` (local runs against the S3
 * stand-in) or `internalHosts` (a user's own server, `--allow-host`).
 */
import { isIP } from 'node:net';
import type { S3Client } from '@aws-sdk/client-s3';
import { UriNotAllowedError } from '../errors';
import type { ByteSource } from './source';
import { FileSource } from './source.file';
import { HttpSource } from './source.http';
import { S3Source } from './source.s3';

/** What may be read. `*` in s3Buckets/httpsHosts allows any (only for trusted local runs). */
export interface AllowedSources {
  schemes: readonly ('file' | 's3' | 'https' | 'http')[];
  s3Buckets: readonly string[];
  httpsHosts: readonly string[];
  /** Allows 127.0.0.1/::1/localhost hosts, literal or resolved (local stand-ins and tests only). */
  allowLoopback?: boolean;
  /**
   * Hosts (names or address literals, lower case) read whatever they are: over https or plain http, public
   * (as if among `httpsHosts`) or, after DNS too, a private, loopback or link-local address. The explicit
   * opt-in for a user's own server (`--allow-host HOST`). Empty by default: strict.
   */
  internalHosts?: readonly string[];
}

/** Local files only. */
export const LOCAL_ONLY: AllowedSources = { schemes: ['file'], s3Buckets: [], httpsHosts: [] };

/** A parsed raster URI. */
export type ParsedUri =
  | { scheme: 'file'; path: string }
  | { scheme: 's3'; bucket: string; key: string }
  | { scheme: 'https' | 'http'; url: URL };

/** Parses `s3://b/k`, `https://h/p`, `file:///p` or a plain local path. */
export function parseUri(uri: string): ParsedUri {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(uri);
  if (!m) return { scheme: 'file', path: uri };
  const scheme = (m[1] ?? '').toLowerCase();
  if (scheme === 'file') return { scheme: 'file', path: decodeURIComponent(new URL(uri).pathname) };
  if (scheme === 's3') {
    const rest = uri.slice(5);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const key = slash < 0 ? '' : rest.slice(slash + 1);
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || key === '') throw new UriNotAllowedError(`${redact(uri)}: not a valid s3://bucket/key URI`);
    return { scheme: 's3', bucket, key };
  }
  if (scheme === 'https' || scheme === 'http') {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new UriNotAllowedError(`${redact(uri)}: not a valid URL`);
    }
    return { scheme, url };
  }
  throw new UriNotAllowedError(`${redact(uri)}: scheme "${scheme}" is not supported (use s3://, https:// or a local path)`);
}

/** True for loopback, private (RFC 1918, ULA), link-local, unspecified, CGNAT, benchmark, multicast and reserved addresses. */
export function isInternalAddress(host: string): { internal: boolean; loopback: boolean } {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase().replace(/%.*$/, '').replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return { internal: true, loopback: true };
  const v = isIP(h);
  if (v === 4) return ipv4Internal(h.split('.').map(Number));
  if (v === 6) {
    const g = ipv6Groups(h);
    if (!g) return { internal: true, loopback: false }; // unparsable literal: refuse
    const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
    const embedded = [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff];
    const zero5 = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
    if (zero5 && g5 === 0 && g6 === 0 && g7 === 1) return { internal: true, loopback: true }; // ::1
    if (zero5 && g5 === 0 && g6 === 0 && g7 === 0) return { internal: true, loopback: false }; // ::
    if (zero5 && (g5 === 0xffff || g5 === 0)) return ipv4Internal(embedded); // IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d
    if (g0 === 0x64 && g1 === 0xff9b) return ipv4Internal(embedded); // NAT64 64:ff9b::a.b.c.d
    if (g0 === 0x2002) return ipv4Internal([g1 >> 8, g1 & 0xff, g2 >> 8, g2 & 0xff]); // 6to4 2002:aabb:ccdd::
    const internal = (g0 & 0xfe00) === 0xfc00 /* ULA fc00::/7 (incl. fd00:ec2::254) */
      || (g0 & 0xffc0) === 0xfe80 /* link-local */ || (g0 & 0xffc0) === 0xfec0 /* site-local */
      || (g0 & 0xff00) === 0xff00 /* multicast */ || (g0 === 0x2001 && g1 === 0xdb8) /* documentation */;
    return { internal, loopback: false };
  }
  return { internal: false, loopback: false };
}

function ipv4Internal(octets: readonly number[]): { internal: boolean; loopback: boolean } {
  const [a = 0, b = 0] = octets;
  const loopback = a === 127;
  const internal = loopback || a === 0 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)
    || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127) || (a === 192 && b === 0) || (a === 198 && (b === 18 || b === 19)) || a >= 224;
  return { internal, loopback };
}

/** The 8 16-bit groups of an IPv6 literal (with `::` and a trailing dotted IPv4 expanded), or null. */
function ipv6Groups(h: string): number[] | null {
  let text = h;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((x) => parseInt(x, 16)));
  const head = parse(halves[0] ?? '');
  const tail = halves.length === 2 ? parse(halves[1] ?? '') : [];
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? head.length !== 8 : fill < 0) return null;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...tail];
  return groups.every((x) => Number.isInteger(x) && x >= 0 && x <= 0xffff) ? groups : null;
}

/** True when `allowed` accepts an internal (private, loopback, link-local...) address for `host`. */
export function internalAllowed(allowed: AllowedSources, host: string, loopback: boolean): boolean {
  const h = normalHost(host);
  return (loopback && allowed.allowLoopback === true) || (allowed.internalHosts ?? []).some((x) => normalHost(x) === h);
}

/** An --allow-host / --raster-host value as a host name: a port (`127.0.0.1:8080`, `[::1]:8080`), a scheme or a path given with it is dropped. */
export function allowHostName(value: string): string {
  let v = value.trim().replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(v);
  if (bracketed?.[1] !== undefined) v = bracketed[1];
  else if (/^[^:]+:\d+$/.test(v)) v = v.replace(/:\d+$/, '');
  return normalHost(v);
}

function normalHost(host: string): string {
  return host.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
}

/** Throws UriNotAllowedError unless the URI is allowed (the address check after DNS is `checkedLookup`'s). */
export function checkUri(uri: string, allowed: AllowedSources): ParsedUri {
  const p = parseUri(uri);
  if (!allowed.schemes.includes(p.scheme)) {
    const hint = p.scheme === 'http' || p.scheme === 'https' ? '; a server of your own on a private or loopback address is read only when you name its host with --allow-host HOST' : '';
    throw new UriNotAllowedError(`${redact(uri)}: ${p.scheme === 'file' ? 'local paths are' : `${p.scheme}:// is`} not allowed here (allowed: ${allowed.schemes.join(', ') || 'none'})${hint}`);
  }
  if (p.scheme === 's3' && !allowed.s3Buckets.includes('*') && !allowed.s3Buckets.includes(p.bucket)) {
    throw new UriNotAllowedError(`${redact(uri)}: bucket "${p.bucket}" is not among the raster buckets allowed for this stack (${allowed.s3Buckets.join(', ') || 'none'})`);
  }
  if (p.scheme === 'https' || p.scheme === 'http') {
    const host = p.url.hostname;
    const { internal, loopback } = isInternalAddress(host);
    const optedIn = internalAllowed(allowed, host, loopback);
    if (p.scheme === 'http' && !optedIn) throw new UriNotAllowedError(`${redact(uri)}: plain http:// is refused (use https://); it is only accepted from a host you name with --allow-host HOST`);
    if (internal && !optedIn) throw new UriNotAllowedError(`${redact(uri)}: host ${host} is a private, loopback or link-local address`);
    if (!allowed.httpsHosts.includes('*') && !allowed.httpsHosts.includes(normalHost(host)) && !optedIn) {
      // the --allow-host hosts are listed apart: they may be read over plain http too, they are not (only) https hosts
      const named = allowed.internalHosts ?? [];
      throw new UriNotAllowedError(`${redact(uri)}: host ${host} is not among the allowed https hosts (${allowed.httpsHosts.join(', ') || 'none'})${named.length > 0 ? ` nor the hosts named with --allow-host (${named.join(', ')})` : ''}`);
    }
    if (p.url.username || p.url.password) throw new UriNotAllowedError(`${redact(uri)}: credentials in URLs are not accepted`);
  }
  return p;
}

/**
 * The URI for messages: no user-info (passwords, keys), no query string (signatures, tokens), no fragment.
 * Every error path that prints a URI prints `redact(uri)`.
 */
export function redact(uri: string): string {
  return uri.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^/?#]*@/, '$1').replace(/[?#].*$/s, (m) => (m.startsWith('?') ? '?…' : ''));
}

/**
 * Checks the URI and opens the matching byte source. `keepOpen`: a local file keeps one handle between reads
 * until the source is closed (source.file.ts; only for an owner that always closes it).
 */
export function openSource(uri: string, opts: { allowed: AllowedSources; s3Client?: S3Client | undefined; requesterPays?: boolean | undefined; keepOpen?: boolean | undefined; ifMatch?: { etag: string; size: number } | undefined }): ByteSource {
  const p = checkUri(uri, opts.allowed);
  switch (p.scheme) {
    case 'file': return new FileSource(uri, p.path, { keepOpen: opts.keepOpen === true });
    case 'https': case 'http': return new HttpSource(p.url.toString(), { allowed: opts.allowed });
    case 's3': {
      if (!opts.s3Client) throw new UriNotAllowedError(`${redact(uri)}: no S3 client configured for s3:// rasters`);
      return new S3Source(opts.s3Client, p.bucket, p.key, { requestPayer: opts.requesterPays === true ? 'requester' : undefined, ifMatch: opts.ifMatch });
    }
  }
}

/**
 * The allow-list with more https hosts and S3 buckets a raster or a STAC asset may be read from: `--raster-host H` /
 * `--raster-bucket B` of `zonalflow stats` and `local`, the CLI's spelling of the stack's `rasterHttpsHosts` /
 * `rasterBuckets` context. A host given with a scheme, port or path keeps its name only. Private and loopback
 * addresses stay refused for them (only `--allow-host` lets those through).
 */
export function withRasterSources(allowed: AllowedSources, extra: { httpsHosts?: readonly string[]; s3Buckets?: readonly string[] }): AllowedSources {
  const hosts = (extra.httpsHosts ?? []).map(allowHostName).filter((h) => h !== '');
  const buckets = (extra.s3Buckets ?? []).map((b) => b.trim().replace(/^s3:\/\//i, '').replace(/\/.*$/, '')).filter((b) => b !== '');
  if (hosts.length === 0 && buckets.length === 0) return allowed;
  const schemes = new Set(allowed.schemes);
  if (hosts.length > 0) schemes.add('https');
  if (buckets.length > 0) schemes.add('s3');
  return { ...allowed, schemes: [...schemes], httpsHosts: [...new Set([...allowed.httpsHosts, ...hosts])], s3Buckets: [...new Set([...allowed.s3Buckets, ...buckets])] };
}

/**
 * An allow-list made of exactly the given URIs' schemes, buckets and hosts (the CLI: the user named them),
 * plus `allowHosts` (`--allow-host`): hosts read whatever they are, over https or plain http, public (as a
 * `--raster-host` host) or a private or loopback address (a server of the user's own). Internal addresses stay
 * refused for every other host, after DNS too.
 */
export function allowedFromUris(uris: readonly string[], allowHosts: readonly string[] = []): AllowedSources {
  const schemes = new Set<'file' | 's3' | 'https' | 'http'>();
  const buckets = new Set<string>();
  const hosts = new Set<string>();
  for (const u of uris) {
    const p = parseUri(u);
    if (p.scheme === 'http') continue; // plain http stays refused (unless its host is allowed below)
    schemes.add(p.scheme);
    if (p.scheme === 's3') buckets.add(p.bucket);
    if (p.scheme === 'https') hosts.add(normalHost(p.url.hostname));
  }
  const internalHosts = [...new Set(allowHosts.map(allowHostName).filter((h) => h !== ''))];
  if (internalHosts.length === 0) return { schemes: [...schemes], s3Buckets: [...buckets], httpsHosts: [...hosts] };
  // an --allow-host host is read whatever its address (checkUri: internalAllowed), so not listed among the https hosts
  schemes.add('https');
  schemes.add('http');
  return { schemes: [...schemes], s3Buckets: [...buckets], httpsHosts: [...hosts], internalHosts };
}
