/**
 * The item/acquisition model of a time series. Items of the STAC search that
 * share one `datetime` are one acquisition (one datatake cut into tiles);
 * inside an acquisition items are ordered by ascending id, the order of the
 * mosaic (the first valid item wins a cell). An acquisition's interval in the
 * Sentinel Hub JSON is its UTC day, [00:00Z, next day 00:00Z), as Sentinel
 * Hub's Statistical API labels a P1D interval; when several acquisitions fall on
 * one UTC day (Sentinel Hub would mosaic them into one P1D entry), the day is cut
 * at each later acquisition's instant, so that each entry's interval holds its
 * acquisition alone (the one Sentinel Hub entry over that interval) and the
 * entries stay disjoint and ordered (acquisitionIntervals).
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

/**
 * Each acquisition's interval for the Sentinel Hub JSON (acquisitions in ascending time): its UTC day, cut at
 * the instants of the day's later acquisitions. E.g. 10:36 and 12:16 on 05-23: [05-23T00:00Z, 05-23T12:16Z)
 * and [05-23T12:16Z, 05-24T00:00Z). A day with one acquisition keeps [00:00Z, next day 00:00Z).
 */
export function acquisitionIntervals(acquisitions: readonly { datetime: number }[]): { from: number; to: number }[] {
  return acquisitions.map((a, i) => {
    const day = utcDay(a.datetime);
    const prev = acquisitions[i - 1];
    const next = acquisitions[i + 1];
    return {
      from: prev && prev.datetime >= day.from ? a.datetime : day.from,
      to: next && next.datetime < day.to ? next.datetime : day.to,
    };
  });
}
