/**
 * H3 hexagons (h3-js): the cell of a lat/lng at a resolution, the cell centre
 * (to order cells along a curve) and the average cell area per resolution.
 */
import { cellToLatLng, getHexagonAreaAvg, latLngToCell } from 'h3-js';

/** Finest H3 resolution. */
export const H3_MAX_RESOLUTION = 15;

/** The H3 cell (hex string) of a lat/lng at `resolution` (0..15). */
export function h3Cell(lat: number, lng: number, resolution: number): string {
  return latLngToCell(lat, lng, resolution);
}

/** The centre [lat, lng] of an H3 cell. */
export function h3Centre(cell: string): [number, number] {
  const [lat, lng] = cellToLatLng(cell);
  return [lat, lng];
}

/** Average area of an H3 hexagon at `resolution`, km². */
export function h3AverageAreaKm2(resolution: number): number {
  return getHexagonAreaAvg(resolution, 'km2');
}
