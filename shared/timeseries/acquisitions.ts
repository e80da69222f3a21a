/**
 * The item/acquisition model of a time series. Items of the STAC search that
 * share one `datetime` are one acquisition (one datatake cut into tiles);
 * inside an acquisition items are ordered by ascending id, the order of the
 * mosaic (the first valid item wins a cell). An acquisition's interval in the
 * Sentinel Hub JSON is its UTC day, [00:00Z, next day 00:00Z).
 */
import type { Scene } from './stac';

/** Items sharing one datetime, in ascending id. */
export interface Acquisition { datetime: number; items: Scene[] }

const DAY = 24 * 3600 * 1000;

/** Groups scenes into acquisitions (ascending time; items in ascending id, by code unit as JavaScript sorts strings). */
export function acquisitionsOf(scenes: readonly Scene[]): Acquisition[] {
  const by = new Map<number, Scene[]>();
  for (const s of scenes) {
    const list = by.get(s.datetime);
    if (list) list.push(s);
    else by.set(s.datetime, [s]);
  }
  return [...by.entries()].sort((a, b) => a[0] - b[0]).map(([datetime, items]) => ({ datetime, items: [...items].sort(byId) }));
}

/** Ascending item id. */
export function byId(a: Scene, b: Scene): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The UTC day holding `t`: [00:00Z, next day 00:00Z) in ms. */
export function utcDay(t: number): { from: number; to: number } {
  const from = Math.floor(t / DAY) * DAY;
  return { from, to: from + DAY };
}
