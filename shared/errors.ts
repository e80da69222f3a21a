/**
 * Typed errors. Every error zonalflow raises on purpose is a `ZonalflowError`
 * with a stable `code`, a message that names the problem (and the feature or
 * file), and optional structured `context`. Anything else is a bug.
 */
export class ZonalflowError extends Error {
  readonly code: string;
  readonly context: Record<string, unknown>;
  constructor(code: string, message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.context = options.context ?? {};
  }
}

/** The job spec or a CLI option is invalid. */
export class SpecError extends ZonalflowError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super('SPEC_INVALID', message, options);
  }
}

/** A geometry blob or a geometry itself is invalid (names the feature when known). */
export class GeometryError extends ZonalflowError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super('GEOMETRY_INVALID', message, options);
  }
}

/** A coordinate reference system cannot be resolved or transformed. */
export class CrsError extends ZonalflowError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super('CRS_UNRESOLVED', message, options);
  }
}

/** A raster cannot be read: not a TIFF, truncated, unsupported layout or compression. */
export class RasterError extends ZonalflowError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}, code = 'RASTER_INVALID') {
    super(code, message, options);
  }
}

/** Where a tile lies: its index in the tile arrays, tile row/column, overview level (0 = full resolution), band of a band-separate file. */
export interface TileAddress { index: number; row: number; col: number; level: number; band?: number; mask?: boolean }

/**
 * One tile (or strip) of a raster cannot be read: corrupt or over-long compressed data, an absurd
 * byte count, a truncated file. The message names the tile and the file; the rest of the raster
 * stays readable, so only the features that need this tile fail.
 */
export class TileError extends RasterError {
  readonly tile: TileAddress;
  constructor(message: string, tile: TileAddress, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, { ...options, context: { ...options.context, tile } }, 'TILE_INVALID');
    this.tile = tile;
  }
}

/** A byte source failed (missing object, forbidden, network). */
export class SourceError extends ZonalflowError {
  readonly status: number | undefined;
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown>; status?: number } = {}) {
    super('SOURCE_FAILED', message, options);
    this.status = options.status;
  }
}

/** A raster URI is not allowed (scheme, bucket, host or address). */
export class UriNotAllowedError extends ZonalflowError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super('URI_NOT_ALLOWED', message, options);
  }
}

/** A configured limit was exceeded. */
export class LimitError extends ZonalflowError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super('LIMIT_EXCEEDED', message, options);
  }
}

/**
 * The input features cannot be read: missing, a directory, an unknown, corrupt or truncated file of any
 * format (names the file). Bad input, so a usage error (exit 2, shared/jobs/outcome.ts), whatever the format.
 */
export class InputError extends ZonalflowError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}, code = 'INPUT_INVALID') {
    super(code, message, options);
  }
}

/**
 * The GeoPackage cannot be read (not one, corrupt, truncated), or lacks what the job needs (layer, column,
 * geometry): an InputError like any other format's (exit 2), with a code of its own.
 */
export class GeoPackageError extends InputError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options, 'GEOPACKAGE_INVALID');
  }
}

/** An output path cannot be written (a directory, no such folder, the input itself; a full device is an OutputSpaceError). */
export class OutputError extends ZonalflowError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super('OUTPUT_INVALID', message, options);
  }
}

/**
 * The output's device is full (ENOSPC) or over its quota (EDQUOT) while the result is written: the job had
 * computed, so it failed (exit 1), not a usage error; the message names the output and what to do.
 */
export class OutputSpaceError extends ZonalflowError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super('OUTPUT_FULL', message, options);
  }
}

/**
 * The temporary folder ($TMPDIR) is full (ENOSPC) or over its quota (EDQUOT) while the job writes its own
 * temporary files (spools, sort runs, the private view of a layer): the message names the folder and what to do.
 */
export class TempSpaceError extends ZonalflowError {
  constructor(message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super('TMPDIR_FULL', message, options);
  }
}

/** A message for one line of output, without the stack. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * `text` on one line: each control character (a newline, a carriage return, ...) written as its JSON escape
 * (`\n`), as a library's message may quote the raw character it met (a GeoJSON parser's `Unexpected "<newline>"`).
 */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/**
 * The user stopped the job with a signal (Ctrl-C: SIGINT, or SIGTERM). The job was aborted through its
 * AbortSignal and its temporary files removed; the exit code is the shell's convention, 128 + the
 * signal's number: 130 for SIGINT, 143 for SIGTERM.
 */
export class InterruptedError extends ZonalflowError {
  readonly signal: 'SIGINT' | 'SIGTERM';
  readonly exitCode: number;
  /** `detail`: what was done about it (the job stopped, which files were removed), appended to the message. */
  constructor(signal: 'SIGINT' | 'SIGTERM', detail?: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super('INTERRUPTED', `interrupted (${signal})${detail ? `: ${detail}` : ''}`, options);
    this.signal = signal;
    this.exitCode = signal === 'SIGINT' ? 130 : 143;
  }
}
