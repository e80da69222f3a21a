/**
 * A gate in front of a local stand-in (s3rver or dynalite): a transparent
 * HTTP proxy on 127.0.0.1 that, for every request of a session of the
 * `LocalAuthority`, works out the IAM action(s) and resource(s) the request
 * needs (aws-actions.ts), checks them against the caller's role, and answers a
 * denied request as AWS does:
 * - S3: HTTP 403, `<Error><Code>AccessDenied</Code><Message>User: ... is not
 *   authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k because
 *   no identity-based policy allows the s3:GetObject action</Message>`;
 *   a GetObject/HeadObject of a missing key by a caller without s3:ListBucket
 *   on the bucket is 403 AccessDenied, not 404 (S3's documented behaviour:
 *   https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html#API_GetObject_Permissions);
 * - DynamoDB: HTTP 400, `com.amazon.coral.service#AccessDeniedException`.
 * It also injects throttling (`HttpFaults`) and cuts the requests of ended
 * sessions (a Lambda that timed out or crashed) and of frozen ones (a sandbox
 * between invocations). Requests with the stand-ins'
 * own credentials (the runner's setup and download) pass unchecked.
 * Headers (Host included) are forwarded unchanged, so signatures still verify.
 */
import { createServer, request as httpRequest, Agent } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import type { LocalAuthority, Session } from './authority';
import { deleteObjectsKeys, dynamoNeeds, s3Needs, s3Target } from './aws-actions';
import type { NeededAuth } from './aws-actions';
import type { PartitionRateLimiter, RateRequest } from './rate-limits';

/** An error answer a fault injects instead of forwarding. */
export interface InjectedError { status: number; code: string; message: string }

/** Decides, per request, whether a fault answers it (s3-slowdown, dynamodb-throttle). */
export interface HttpFaultInjector {
  inject(service: 's3' | 'dynamodb', session: Session, action: string, invocationId: string, attempt: number): InjectedError | null;
}

/** A running gate. */
export interface Gate { endpoint: string; close(): Promise<void> }

/** Options of `startGate`. */
export interface GateOptions {
  service: 's3' | 'dynamodb';
  /** The stand-in's endpoint (http://127.0.0.1:port). */
  target: string;
  authority: LocalAuthority;
  region: string;
  faults?: HttpFaultInjector;
  /** Per-partition request rates (S3 prefix, DynamoDB partition key) as AWS enforces them (rate-limits.ts). */
  limits?: PartitionRateLimiter;
  /** Called when `limits` refuses a request. */
  onLimited?: (line: string) => void;
  /**
   * The stand-in's own request listener (its HTTP server's), when it runs in this process: a request is handed to
   * it directly instead of being forwarded over a second HTTP connection to `target` (the same request and
   * response objects: same headers, signature, body and answer; a body the gate has read, DynamoDB's, is streamed
   * to it again).
   */
  handler?: (req: IncomingMessage, res: ServerResponse) => unknown;
}

/** The partition of a DynamoDB request: its table and partition-key value (null for batch calls and scans). */
function dynamoPartition(target: string, body: Record<string, unknown>): RateRequest | null {
  const op = target.split('.').pop() ?? '';
  const table = typeof body.TableName === 'string' ? body.TableName : '';
  const s = (v: unknown): string | null => (typeof (v as { S?: unknown } | undefined)?.S === 'string' ? (v as { S: string }).S : null);
  let pk: string | null = null;
  if (['GetItem', 'UpdateItem', 'DeleteItem'].includes(op)) pk = s((body.Key as Record<string, unknown> | undefined)?.pk);
  else if (op === 'PutItem') pk = s((body.Item as Record<string, unknown> | undefined)?.pk);
  else if (op === 'Query' && body.IndexName === undefined) {
    const name = /\bpk\s*=\s*(:[A-Za-z0-9_]+)/.exec(typeof body.KeyConditionExpression === 'string' ? body.KeyConditionExpression : '')?.[1];
    pk = name ? s((body.ExpressionAttributeValues as Record<string, unknown> | undefined)?.[name]) : null;
  }
  if (pk === null || table === '') return null;
  return { service: 'dynamodb', table, pk, write: ['PutItem', 'UpdateItem', 'DeleteItem'].includes(op) };
}

function accessKeyOf(req: IncomingMessage, url: URL): string | null {
  const auth = req.headers.authorization;
  const m = typeof auth === 'string' ? /Credential=([^/,\s]+)\//.exec(auth) : null;
  if (m?.[1]) return m[1];
  const q = url.searchParams.get('X-Amz-Credential');
  return q ? (q.split('/')[0] ?? null) : null;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function xmlEscape(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function sendError(service: 's3' | 'dynamodb', req: IncomingMessage, res: ServerResponse, e: InjectedError): void {
  const requestId = randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
  if (service === 's3') {
    const body = req.method === 'HEAD' ? '' : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${e.code}</Code><Message>${xmlEscape(e.message)}</Message><RequestId>${requestId}</RequestId><HostId>zonalflow-local</HostId></Error>`;
    res.writeHead(e.status, { 'content-type': 'application/xml', 'x-amz-request-id': requestId, 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  const ns = e.code === 'AccessDeniedException' ? 'com.amazon.coral.service' : e.code === 'ThrottlingException' ? 'com.amazon.coral.availability' : 'com.amazonaws.dynamodb.v20120810';
  const body = JSON.stringify({ __type: `${ns}#${e.code}`, [e.code === 'AccessDeniedException' ? 'Message' : 'message']: e.message });
  res.writeHead(e.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * Hands a request to the stand-in's listener in this process; resolves with the answer's status once it is sent,
 * or with minus the status when `onUpstream` replaces it: nothing of the stand-in's answer (status, headers, body)
 * is then sent, and the gate answers instead, as after a forwarded request.
 */
function dispatch(handler: (req: IncomingMessage, res: ServerResponse) => unknown, req: IncomingMessage, res: ServerResponse, onUpstream?: (status: number) => 'pass' | 'replace'): Promise<number> {
  return new Promise((resolve) => {
    const done = (): void => resolve(res.statusCode);
    res.once('finish', done);
    res.once('close', done);
    if (onUpstream) {
      // the instance's own methods (its prototype's), put back once the status is known: at the first writeHead,
      // write or end of the stand-in (Koa sets statusCode and writes; an implicit header comes from write or end)
      const own = { writeHead: res.writeHead.bind(res), write: res.write.bind(res), end: res.end.bind(res) };
      let verdict: 'pass' | 'replace' | null = null;
      const decide = (status: number): 'pass' | 'replace' => {
        if (verdict !== null) return verdict;
        verdict = onUpstream(status);
        if (verdict === 'pass') {
          res.writeHead = own.writeHead;
          res.write = own.write;
          res.end = own.end;
        }
        return verdict;
      };
      res.writeHead = ((status: number, ...rest: unknown[]): ServerResponse => {
        if (decide(status) === 'pass') return (own.writeHead as (s: number, ...r: unknown[]) => ServerResponse)(status, ...rest);
        return res;
      });
      res.write = ((...args: unknown[]): boolean => {
        if (decide(res.statusCode) === 'pass') return (own.write as (...a: unknown[]) => boolean)(...args);
        return true;
      }) as typeof res.write;
      res.end = ((...args: unknown[]): ServerResponse => {
        if (decide(res.statusCode) === 'pass') return (own.end as (...a: unknown[]) => ServerResponse)(...args);
        // the stand-in's answer is dropped (status, headers, body); the gate answers on the same response
        res.writeHead = own.writeHead;
        res.write = own.write;
        res.end = own.end;
        for (const h of res.getHeaderNames()) res.removeHeader(h);
        res.off('finish', done);
        res.off('close', done);
        resolve(-res.statusCode);
        args.find((a): a is () => void => typeof a === 'function')?.();
        return res;
      }) as typeof res.end;
    }
    handler(req, res);
  });
}

/**
 * The request `req` whose body the gate has read (`body`), as a request the stand-in's listener can read again:
 * the same method, URL, headers and socket, its body streamed once more.
 */
function replayed(req: IncomingMessage, body: Buffer): IncomingMessage {
  const again = new Readable({ read() {} });
  again.push(body);
  again.push(null);
  return Object.assign(again, { method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders, httpVersion: req.httpVersion, socket: req.socket, connection: req.socket }) as unknown as IncomingMessage;
}

/** Starts a gate in front of `target`. */
export async function startGate(opts: GateOptions): Promise<Gate> {
  const target = new URL(opts.target);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const { authority, service } = opts;
  const handler = opts.handler;
  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer | null, onUpstream?: (status: number) => 'pass' | 'replace'): Promise<number> =>
    handler ? dispatch(handler, body === null ? req : replayed(req, body), res, onUpstream) : new Promise((resolve) => {
      const up = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent }, (upRes) => {
        const status = upRes.statusCode ?? 502;
        if (onUpstream?.(status) === 'replace') {
          upRes.resume();
          resolve(-status);
          return;
        }
        res.writeHead(status, upRes.headers);
        upRes.pipe(res);
        upRes.on('end', () => resolve(status));
        upRes.on('error', () => resolve(status));
      });
      up.on('error', () => {
        if (!res.headersSent) res.writeHead(502).end();
        else res.destroy();
        resolve(502);
      });
      if (body) up.end(body);
      else req.pipe(up);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://local');
    const key = accessKeyOf(req, url);
    const session = key ? authority.session(key) : undefined;
    if (!session) {
      await forward(req, res, null);
      return;
    }
    if (session.ended || session.frozen) {
      req.socket.destroy();
      return;
    }
    session.requests++;
    let body: Buffer | null = null;
    let needs: NeededAuth[];
    let parsed: Record<string, unknown> = {};
    if (service === 'dynamodb') {
      body = await readBody(req);
      try {
        parsed = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        parsed = {};
      }
      needs = dynamoNeeds(String(req.headers['x-amz-target'] ?? ''), parsed, opts.region);
    } else {
      const isDelete = req.method === 'POST' && url.searchParams.has('delete');
      if (isDelete) body = await readBody(req);
      needs = s3Needs({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers }, isDelete && body ? deleteObjectsKeys(body.toString('utf8')) : []);
    }
    const action = needs[0]?.action ?? `${service}:Unknown`;
    const attempt = Number(/attempt=(\d+)/.exec(String(req.headers['amz-sdk-request'] ?? ''))?.[1] ?? '1');
    const injected = opts.faults?.inject(service, session, action, String(req.headers['amz-sdk-invocation-id'] ?? `${session.accessKeyId}-${session.requests}`), attempt);
    if (injected) {
      if (body === null) req.resume();
      sendError(service, req, res, injected);
      return;
    }
    for (const need of needs) {
      const policies = service === 's3' ? authority.bucketPolicies(s3Target(url.pathname).bucket) : [];
      const decision = authority.check(session, need, policies);
      if (!decision.allowed) {
        if (body === null) req.resume();
        sendError(service, req, res, { status: service === 's3' ? 403 : 400, code: service === 's3' ? 'AccessDenied' : 'AccessDeniedException', message: decision.denial.message });
        return;
      }
    }
    if (opts.limits) {
      const target = service === 's3' ? { service: 's3' as const, ...s3Target(url.pathname), method: req.method ?? 'GET' } : dynamoPartition(String(req.headers['x-amz-target'] ?? ''), parsed);
      const limited = target && opts.limits.admit(target);
      if (limited) {
        if (body === null) req.resume();
        opts.onLimited?.(`${session.name}: ${action} answered ${limited.code} (over AWS's per-partition rate, scaled)`);
        sendError(service, req, res, limited);
        return;
      }
    }
    if (session.onRequest?.(service, action) === 'stall') {
      await session.endedPromise;
      req.socket.destroy();
      return;
    }
    // S3 answers 403, not 404, for a missing key when the caller may not list the bucket
    const { bucket, key: objectKey } = s3Target(url.pathname);
    const missingIsForbidden = service === 's3' && objectKey !== '' && (req.method === 'GET' || req.method === 'HEAD') && !url.searchParams.has('uploadId');
    const status = await forward(req, res, body, missingIsForbidden ? (s) => (s === 404 && !authority.check(session, { action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}`, context: { 's3:prefix': objectKey } }, authority.bucketPolicies(bucket)).allowed ? 'replace' : 'pass') : undefined);
    if (status < 0) {
      const denial = authority.denials[authority.denials.length - 1];
      sendError(service, req, res, { status: 403, code: 'AccessDenied', message: denial?.message ?? 'Access Denied' });
      session.onResponse?.(service, action, 403);
      return;
    }
    session.onResponse?.(service, action, status);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(`zonalflow local gate: ${err instanceof Error ? err.message : String(err)}`);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
