/**
 * Grid cells that batches are cut along: H3 hexagons (h3-js), S2 cells, or
 * MGRS 100 km squares (proj4's mgrs). A resolution is chosen so that an
 * average occupied cell holds about half a batch.
 */
import { getHexagonAreaAvg, latLngToCell } from 'h3-js';
import proj4 from 'proj4';
import { s2CellId, s2Token } from './s2';

/** Grid kinds. */
export type GridKind = 'h3' | 's2' | 'mgrs';

const EARTH_KM2 = 510_065_622;

/** The resolution (H3) or level (S2) whose average cell area is closest to `areaKm2` from below. */
export function resolutionFor(grid: GridKind, areaKm2: number): number {
  if (grid === 'mgrs') return 0;
  if (grid === 'h3') {
    for (let r = 0; r <= 12; r++) if (getHexagonAreaAvg(r, 'km2') <= areaKm2) return r;
    return 12;
  }
  for (let l = 0; l <= 24; l++) if (EARTH_KM2 / (6 * 4 ** l) <= areaKm2) return l;
  return 24;
}

/** The cell key of a lon/lat. */
export function cellKey(grid: GridKind, lon: number, lat: number, resolution: number): string {
  const la = Math.max(-90, Math.min(90, lat));
  const lo = ((((lon + 180) % 360) + 360) % 360) - 180;
  switch (grid) {
    case 'h3': return latLngToCell(la, lo, resolution);
    case 's2': return s2Token(s2CellId(la, lo, resolution));
    case 'mgrs': {
      if (la > 84 || la < -80) return la > 0 ? 'UPS-N' : 'UPS-S';
      const m = /^(\d{1,2}[C-X][A-Z]{2})/.exec((proj4 as unknown as { mgrs: { forward(p: [number, number], acc: number): string } }).mgrs.forward([lo, la], 0));
      return m?.[1] ?? 'MGRS?';
    }
  }
}
