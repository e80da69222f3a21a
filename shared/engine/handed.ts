/**
 * Something the thread that started this one handed over in its workerData (bin/job-thread.mjs: the PROJ host
 * and the prepare thread started at process start), taken once per thread and key.
 */
import { isMainThread, workerData } from 'node:worker_threads';

const taken = new Set<string>();

/**
 * The workerData value under `key` when `valid` accepts it, the first time it is asked for on this thread; null
 * after that, on the main thread, and on a thread not started with one. The caller owns what it takes.
 */
export function takeHanded<T>(key: string, valid: (value: Record<string, unknown>) => boolean): T | null {
  if (taken.has(key) || isMainThread) return null;
  taken.add(key);
  const data: unknown = workerData;
  if (data === null || typeof data !== 'object') return null;
  const value = (data as Record<string, unknown>)[key];
  if (value === null || typeof value !== 'object') return null;
  return valid(value as Record<string, unknown>) ? (value as T) : null;
}
