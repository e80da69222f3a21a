/**
 * The Worker's decoded tiles, kept for the life of its Lambda execution environment (module state
 * survives between warm invocations): a batch that shares tiles with the environment's earlier
 * batches reads and inflates them once. Sized from the function's memory
 * (AWS_LAMBDA_FUNCTION_MEMORY_SIZE, MB): an eighth of it (256 MiB of the default 2,048 MB), so the
 * batch's own work keeps the rest. Tiles are keyed by the object's ETag and size as read
 * (shared-tiles.ts): a replaced raster is read afresh.
 */
import { SharedTiles } from '../raster/shared-tiles';

/** The share of the function's memory the tiles may hold. */
export const WARM_TILES_SHARE = 1 / 8;
/** Memory assumed when the variable is absent or invalid (MB): Lambda's default of the stack's Worker. */
const DEFAULT_MEMORY_MB = 2048;

let warm: SharedTiles | null = null;

/** The bound of the warm tiles for a function of `memoryMb` MB (bytes). */
export function warmTilesBytes(memoryMb: number): number {
  const mb = Number.isFinite(memoryMb) && memoryMb > 0 ? memoryMb : DEFAULT_MEMORY_MB;
  return Math.floor(mb * 2 ** 20 * WARM_TILES_SHARE);
}

/** This environment's warm tiles (made at the first call, sized from `env`'s AWS_LAMBDA_FUNCTION_MEMORY_SIZE). */
export function warmTiles(env: Record<string, string | undefined>): SharedTiles {
  warm ??= new SharedTiles(warmTilesBytes(Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE)));
  return warm;
}

/** Drops this environment's warm tiles: the next warmTiles() makes empty ones (a new sandbox locally: sandbox-deps.ts). */
export function forgetWarmTiles(): void {
  warm = null;
}
