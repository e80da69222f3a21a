/** Types of the codec packages that ship none. */
declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decode' {
  interface FrameInfo { width: number; height: number; bitsPerSample: number; componentCount: number }
  interface JpegDecoder {
    getEncodedBuffer(length: number): Uint8Array;
    getDecodedBuffer(): Uint8Array;
    readHeader(): void;
    decode(): void;
    getFrameInfo(): FrameInfo;
    delete(): void;
  }
  /** The Emscripten module factory (libjpeg-turbo compiled to JavaScript). */
  const factory: () => Promise<{ JPEGDecoder: new () => JpegDecoder }>;
  export default factory;
}
