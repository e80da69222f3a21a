/**
 * PROJ on a thread of its own, called synchronously: proj.ts's functions stay synchronous for their
 * callers, while the WebAssembly module (~80 MB resident) lives in a host thread that can be ended (its
 * isolate, and with it the module's memory, is freed) once a job no longer needs PROJ, e.g. when every
 * transform of the job runs in proj4js (job-transform.ts). A call posts its request on a MessageChannel
 * and waits on a shared flag (Atomics.wait) until the host has answered, then reads the answer with
 * receiveMessageOnPort; the host answers each request in order. A call after {@link RemoteProj.release}
 * starts a new host (correct, at the cost of loading PROJ again).
 *
 * A host may also be started by another thread and handed over ({@link ProjHostHandle}): `zonalflow stats`
 * starts one on its main thread at process start (bin/job-thread.mjs), so that PROJ loads while the job's
 * own threads load their code, and the thread of the job that needs PROJ adopts it. The host ends when its
 * client's port closes (a release, or the client's thread ending), so a handed-over host never outlives
 * the thread that adopted it.
 */
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { CrsError } from '../errors';
import { PROJ_WARM_UP, identifyEpsg, loadProj, projDataFiles, projDbRows, projJson, projSrs, projString, projTransform, type BatchTransform, type ProjBackend } from './proj';

/** Requests to the host. */
export type ProjRequest =
  | { op: 'srs'; def: string }
  | { op: 'makeTransform'; from: string; to: string }
  | { op: 'transform'; from: string; to: string; xs: Float64Array; ys: Float64Array }
  | { op: 'dataFiles' }
  | { op: 'dbRows'; sql: string }
  | { op: 'projJson'; def: string }
  | { op: 'projString'; def: string }
  | { op: 'identifyEpsg'; wkt: string };

/** The host's answer: a value, or the message of the CrsError (or other error) it raised. */
type ProjReply = { value: unknown } | { error: string; crs: boolean };

/**
 * What a host thread is started with (workerData; `port` in the transfer list). `flag`: two Int32 slots,
 * [0] raised by the host after each answer, [1] raised by the thread owning the host's Worker when that
 * thread has ended (so that a caller waiting for an answer learns it at once).
 */
export interface ProjHostData { port: MessagePort; flag: SharedArrayBuffer }

/** Bytes of a {@link ProjHostData} flag (two Int32 slots). */
export const PROJ_FLAG_BYTES = 8;

/**
 * A host started by another thread, for one client thread to adopt (bin/job-thread.mjs makes it): the
 * request port and the flag of {@link ProjHostData}, and `status`, on which the owner of the host's Worker
 * relays the host's `{ ready: true }` or `{ error }` and, when the host has ended, `{ exited: code }`.
 */
export interface ProjHostHandle { port: MessagePort; flag: SharedArrayBuffer; status: MessagePort }

/** Longest wait for a released host to end (release), ms. */
const HOST_END_WAIT_MS = 5000;

/** Longest wait for one answer (PROJ's first load included), ms. */
const ANSWER_TIMEOUT_MS = 120_000;

/** A PROJ backend in a host thread, and the means to end that thread. */
export interface RemoteProj extends ProjBackend {
  /** Ends the host thread (its PROJ memory is freed); a later call starts another. */
  release(): Promise<void>;
  /** Whether a host thread is running. */
  running(): boolean;
}

/**
 * The client side: `start` starts a host thread running {@link serveProj} with the given data; `adopt`, a host
 * already started elsewhere, is used first (and `start` only once it has been released).
 */
export function remoteProj(start: (data: ProjHostData) => Worker, adopt?: ProjHostHandle): RemoteProj {
  let host: { worker: Worker | null; port: MessagePort; flag: Int32Array; ready: Promise<void>; status?: MessagePort; ended?: Promise<void> } | null = null;
  let adoptable = adopt ?? null;
  const open = (): NonNullable<typeof host> => {
    if (host) return host;
    if (adoptable) {
      const handed = adoptable;
      adoptable = null;
      let ended!: () => void;
      const gone = new Promise<void>((resolve) => {
        ended = resolve;
      });
      const ready = new Promise<void>((resolve, reject) => {
        handed.status.on('message', (m: { ready?: boolean; error?: string; exited?: number }) => {
          if (m.ready === true) resolve();
          else if (m.error !== undefined) reject(new CrsError(m.error));
          else if (m.exited !== undefined) {
            reject(new CrsError(`the PROJ thread ended (exit code ${m.exited})`));
            if (host === adopted) host = null;
            ended();
          }
        });
        // the owner of the host's Worker closed its end: nothing more will come
        handed.status.once('close', ended);
      });
      // the status port keeps this thread alive while PROJ loads (a caller may be awaiting `ready` with nothing
      // else to do), and no longer
      void ready.then(() => handed.status.unref(), () => handed.status.unref());
      handed.port.unref();
      const adopted = { worker: null, port: handed.port, flag: new Int32Array(handed.flag), ready, status: handed.status, ended: gone };
      host = adopted;
      return adopted;
    }
    const flag = new SharedArrayBuffer(PROJ_FLAG_BYTES);
    const { port1, port2 } = new MessageChannel();
    const worker = start({ port: port2, flag });
    const ready = new Promise<void>((resolve, reject) => {
      worker.once('message', (m: { ready?: boolean; error?: string }) => (m.ready === true ? resolve() : reject(new CrsError(m.error ?? 'PROJ did not load'))));
      worker.once('error', (err) => reject(new CrsError(`the PROJ thread failed: ${err.message}`, { cause: err })));
      worker.once('exit', (code) => reject(new CrsError(`the PROJ thread ended (exit code ${code})`)));
    });
    // a failed load is reported to every caller; nobody may be waiting on `ready`
    ready.catch(() => undefined);
    worker.unref();
    port1.unref();
    const opened = { worker, port: port1, flag: new Int32Array(flag), ready };
    worker.once('exit', () => {
      Atomics.store(opened.flag, 1, 1);
      if (host === opened) host = null;
    });
    host = opened;
    return opened;
  };
  const call = <T>(req: ProjRequest, transfer: ArrayBuffer[] = []): T => {
    const h = open();
    Atomics.store(h.flag, 0, 0);
    h.port.postMessage(req, transfer);
    const deadline = Date.now() + ANSWER_TIMEOUT_MS;
    while (Atomics.load(h.flag, 0) === 0) {
      Atomics.wait(h.flag, 0, 0, 1000);
      if (Atomics.load(h.flag, 0) !== 0) break;
      if (Atomics.load(h.flag, 1) !== 0) {
        if (host === h) host = null;
        throw new CrsError(`the PROJ thread ended before answering a ${req.op} request`);
      }
      if (Date.now() > deadline) throw new CrsError(`the PROJ thread did not answer a ${req.op} request within ${ANSWER_TIMEOUT_MS / 1000} s`);
    }
    const got = receiveMessageOnPort(h.port);
    if (got === undefined) throw new CrsError(`the PROJ thread gave no answer to a ${req.op} request`);
    const reply = got.message as ProjReply;
    if ('error' in reply) {
      if (reply.crs) throw new CrsError(reply.error);
      throw new Error(reply.error);
    }
    return reply.value as T;
  };
  return {
    ready: () => open().ready,
    srs: (def) => call<string>({ op: 'srs', def }),
    transform(from, to) {
      call<boolean>({ op: 'makeTransform', from, to });
      const run: BatchTransform = (xs, ys) => {
        if (xs.length === 0) return;
        const out = call<{ xs: Float64Array; ys: Float64Array }>({ op: 'transform', from, to, xs: Float64Array.from(xs), ys: Float64Array.from(ys) });
        xs.set(out.xs);
        ys.set(out.ys);
      };
      return run;
    },
    dataFiles: () => call<string[]>({ op: 'dataFiles' }),
    dbRows: (sql) => call<Record<string, string | number | null>[]>({ op: 'dbRows', sql }),
    projJson: (def) => call<string>({ op: 'projJson', def }),
    projString: (def) => call<string>({ op: 'projString', def }),
    identifyEpsg: (wkt) => call<number | null>({ op: 'identifyEpsg', wkt }),
    async release() {
      const h = host;
      host = null;
      // a handed-over host never used: released all the same (it ends when its port closes)
      const handed = adoptable;
      adoptable = null;
      handed?.port.close();
      handed?.status.close();
      if (h) {
        h.port.close();
        await h.worker?.terminate();
        // a handed-over host ends when its port closes: waited for (its memory is freed once it has ended),
        // at most HOST_END_WAIT_MS
        if (h.ended) await Promise.race([h.ended, new Promise((resolve) => setTimeout(resolve, HOST_END_WAIT_MS).unref())]);
        h.status?.close();
      }
    },
    running: () => host !== null,
  };
}

/**
 * The host side, in the host thread: loads PROJ (in this thread), tells the parent (`{ ready: true }` or
 * `{ error }` on `parent`), then answers every request on `data.port`, raising the flag after each answer.
 * Until the first request comes, it takes the steps of proj.ts PROJ_WARM_UP (the first answers' costs, ahead).
 * `onClosed` runs when the client's end of the port closes (its release, or its thread's end): the host
 * thread ends there (proj-host.ts), so that PROJ's memory goes with its last client.
 */
export function serveProj(data: ProjHostData, parent: { postMessage(m: unknown): void }, onClosed: () => void = () => undefined): void {
  const flag = new Int32Array(data.flag);
  const loaded = loadProj().then(
    () => null,
    (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
  );
  // until the first request comes, the host does ahead what a job's first answers cost (proj.ts PROJ_WARM_UP),
  // a step at a time; once a request has come, each is done when asked for, as it would be without them
  let asked = false;
  const warmUp = (steps: readonly (() => unknown)[]): void => {
    const [step, ...rest] = steps;
    if (step === undefined || asked) return;
    try {
      step();
    } catch {
      // a step that fails here fails again, with its message, when a request needs it
    }
    setImmediate(() => warmUp(rest));
  };
  void loaded.then((err) => {
    parent.postMessage(err === null ? { ready: true } : { error: err.message });
    if (err === null) setImmediate(() => warmUp(PROJ_WARM_UP));
  });
  const answer = (reply: ProjReply, transfer: ArrayBuffer[] = []): void => {
    data.port.postMessage(reply, transfer);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  };
  // requests are answered one at a time, in order (each waits for the load)
  let queue: Promise<void> = Promise.resolve();
  data.port.once('close', onClosed);
  data.port.on('message', (req: ProjRequest) => {
    asked = true;
    queue = queue.then(async () => {
      try {
        const failed = await loaded;
        if (failed !== null) throw failed instanceof CrsError ? failed : new CrsError(failed.message);
        if (req.op === 'transform') {
          projTransform(req.from, req.to)(req.xs, req.ys);
          answer({ value: { xs: req.xs, ys: req.ys } }, [req.xs.buffer as ArrayBuffer, req.ys.buffer as ArrayBuffer]);
          return;
        }
        answer({ value: handle(req) });
      } catch (err) {
        answer({ error: err instanceof Error ? err.message : String(err), crs: err instanceof CrsError });
      }
    });
  });
}

function handle(req: Exclude<ProjRequest, { op: 'transform' }>): unknown {
  switch (req.op) {
    case 'srs':
      return projSrs(req.def).wkt;
    case 'makeTransform':
      projTransform(req.from, req.to);
      return true;
    case 'dataFiles':
      return projDataFiles();
    case 'dbRows':
      return projDbRows(req.sql);
    case 'projJson':
      return projJson(req.def);
    case 'projString':
      return projString(req.def);
    case 'identifyEpsg':
      return identifyEpsg(req.wkt);
  }
}
