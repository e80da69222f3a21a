/**
 * A byte source: random access to the bytes of one object (file, https URL,
 * S3 object). Everything that reads rasters goes through this interface, so
 * requests and bytes can be counted, limited and recorded.
 */
export interface ByteSource {
  /** The URI, for messages (never with credentials or signatures). */
  readonly uri: string;
  /** Total size when known. */
  size(signal?: AbortSignal): Promise<number | undefined>;
  /** Exactly `length` bytes at `offset`, or fewer only at the end of the object. */
  fetch(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array>;
  /** True for a local file: its fetches are file reads, not network requests (counted apart: source.counting.ts). */
  readonly local?: boolean;
  /** Releases what the source holds open (a file handle); optional. */
  close?(): Promise<void>;
  /**
   * The identity of the object's content as read so far (an S3 object's ETag and size), once a read
   * has answered; undefined when unknown. Reads of a source that reports one all come from that
   * version (a change in the middle fails the read), so caches may key on it.
   */
  version?(): string | undefined;
}
