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
  /** Releases what the source holds open (a file handle); optional. */
  close?(): Promise<void>;
}
