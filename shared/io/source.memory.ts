/** A byte source over bytes in memory (tests, small objects already fetched). */
import type { ByteSource } from './source';

/** Serves `bytes` under `uri`. */
export class MemorySource implements ByteSource {
  constructor(readonly uri: string, private readonly bytes: Uint8Array) {}
  size(): Promise<number> {
    return Promise.resolve(this.bytes.length);
  }
  fetch(offset: number, length: number): Promise<Uint8Array> {
    return Promise.resolve(this.bytes.subarray(offset, Math.min(this.bytes.length, offset + length)));
  }
}
