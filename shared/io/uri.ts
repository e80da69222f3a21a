/**
 * Raster URIs: parsed, checked against an allow-list, then opened. Nothing is
 * fetched blindly: only the schemes, S3 buckets and https hosts allowed for
 * the job, never link-local, private or loopback addresses (no SSRF into the
 * Lambda environment, e.g. 169.254.169.254), unless loopback is explicitly
 * allowed (local runs against the S3 stand-in).
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
  /** Allows 127.0.0.1/::1/localhost hosts (local stand-ins and tests only). */
  allowLoopback?: boolean;
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
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || key === '') throw new UriNotAllowedError(`${uri}: not a valid s3://bucket/key URI`);
    return { scheme: 's3', bucket, key };
  }
  if (scheme === 'https' || scheme === 'http') {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new UriNotAllowedError(`${uri}: not a valid URL`);
    }
    return { scheme, url };
  }
  throw new UriNotAllowedError(`${uri}: scheme "${scheme}" is not supported (use s3://, https:// or a local path)`);
}

/** True for loopback, private (RFC 1918, ULA), link-local, unspecified and CGNAT addresses. */
export function isInternalAddress(host: string): { internal: boolean; loopback: boolean } {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return { internal: true, loopback: true };
  const v = isIP(h);
  if (v === 4) {
    const [a = 0, b = 0] = h.split('.').map(Number);
    const loopback = a === 127;
    const internal = loopback || a === 10 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
    return { internal, loopback };
  }
  if (v === 6) {
    if (h === '::1') return { internal: true, loopback: true };
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    if (mapped?.[1]) return isInternalAddress(mapped[1]);
    const internal = h === '::' || h.startsWith('fe8') || h.startsWith('fe9') || h.startsWith('fea') || h.startsWith('feb') || h.startsWith('fc') || h.startsWith('fd') || h.startsWith('fd00:ec2');
    return { internal, loopback: false };
  }
  return { internal: false, loopback: false };
}

/** Throws UriNotAllowedError unless the URI is allowed. */
export function checkUri(uri: string, allowed: AllowedSources): ParsedUri {
  const p = parseUri(uri);
  if (!allowed.schemes.includes(p.scheme)) {
    throw new UriNotAllowedError(`${redact(uri)}: ${p.scheme === 'file' ? 'local paths are' : `${p.scheme}:// is`} not allowed here (allowed: ${allowed.schemes.join(', ') || 'none'})`);
  }
  if (p.scheme === 's3' && !allowed.s3Buckets.includes('*') && !allowed.s3Buckets.includes(p.bucket)) {
    throw new UriNotAllowedError(`${uri}: bucket "${p.bucket}" is not among the raster buckets allowed for this stack (${allowed.s3Buckets.join(', ') || 'none'})`);
  }
  if (p.scheme === 'https' || p.scheme === 'http') {
    const host = p.url.hostname;
    const { internal, loopback } = isInternalAddress(host);
    if (internal && !(loopback && allowed.allowLoopback === true)) throw new UriNotAllowedError(`${redact(uri)}: host ${host} is a private, loopback or link-local address`);
    if (!allowed.httpsHosts.includes('*') && !allowed.httpsHosts.includes(host.toLowerCase()) && !(loopback && allowed.allowLoopback === true)) {
      throw new UriNotAllowedError(`${redact(uri)}: host ${host} is not among the allowed https hosts (${allowed.httpsHosts.join(', ') || 'none'})`);
    }
    if (p.url.username || p.url.password) throw new UriNotAllowedError(`${redact(uri)}: credentials in URLs are not accepted`);
  }
  return p;
}

/** The URI without query string or credentials, for messages. */
export function redact(uri: string): string {
  return uri.replace(/\/\/[^/@]*@/, '//').replace(/\?.*$/, '?…');
}

/** Checks the URI and opens the matching byte source. */
export function openSource(uri: string, opts: { allowed: AllowedSources; s3Client?: S3Client | undefined }): ByteSource {
  const p = checkUri(uri, opts.allowed);
  switch (p.scheme) {
    case 'file': return new FileSource(uri, p.path);
    case 'https': case 'http': return new HttpSource(p.url.toString());
    case 's3': {
      if (!opts.s3Client) throw new UriNotAllowedError(`${uri}: no S3 client configured for s3:// rasters`);
      return new S3Source(opts.s3Client, p.bucket, p.key);
    }
  }
}

/** An allow-list made of exactly the given URIs' schemes, buckets and hosts (the CLI: the user named them). */
export function allowedFromUris(uris: readonly string[]): AllowedSources {
  const schemes = new Set<'file' | 's3' | 'https' | 'http'>();
  const buckets = new Set<string>();
  const hosts = new Set<string>();
  for (const u of uris) {
    const p = parseUri(u);
    if (p.scheme === 'http') continue; // plain http stays refused
    schemes.add(p.scheme);
    if (p.scheme === 's3') buckets.add(p.bucket);
    if (p.scheme === 'https') hosts.add(p.url.hostname.toLowerCase());
  }
  return { schemes: [...schemes], s3Buckets: [...buckets], httpsHosts: [...hosts] };
}
