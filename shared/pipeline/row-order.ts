/**
 * The order and identity of result rows in Collect's output: by feature key (`fid`:
 * the feature's fid, or its rowid/position when the stored fid is NULL, text or
 * beyond 2^53, see `zf_key` in batch parts), then, for a time series, by the
 * row's text and timestamp cells (the date: ISO 8601 UTC text sorts in time
 * order). Integer fids give the order `zonalflow stats` writes for a GeoPackage.
 * Rows without a numeric key (parts written before `zf_key`) come after, text
 * fids in order, then NULL fids by id.
 */
import type { ResultRow, StatColumn } from '../output/table';

const INTEGER = /^-?\d+$/;

/** 0: a numeric feature key; 1: only a stored text fid; 2: neither (a NULL fid without a key). */
function keyGroup(r: ResultRow): number {
  return Number.isFinite(r.fid) ? 0 : typeof r.fidText === 'string' ? 1 : 2;
}

function compareFidText(a: string, b: string): number {
  if (INTEGER.test(a) && INTEGER.test(b)) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The feature key as an exact integer: the key itself, or for a rowid beyond 2^53 its stored digits. */
function exactKey(r: ResultRow): bigint | null {
  if (Number.isInteger(r.fid)) return BigInt(r.fid);
  return typeof r.fidText === 'string' && INTEGER.test(r.fidText) ? BigInt(r.fidText) : null;
}

/** Orders two rows' features (0 when they are rows of one feature). */
export function compareFeatures(a: ResultRow, b: ResultRow): number {
  const ga = keyGroup(a);
  const gb = keyGroup(b);
  if (ga !== gb) return ga - gb;
  if (ga === 0) {
    if (Number.isInteger(a.fid) && Number.isInteger(b.fid)) return a.fid - b.fid;
    // a non-integer key stands for a rowid beyond 2^53 (gpkg.ts keyOf), whose digits are the stored fid: compare exactly
    const x = exactKey(a);
    const y = exactKey(b);
    return x !== null && y !== null ? (x < y ? -1 : x > y ? 1 : 0) : a.fid - b.fid;
  }
  if (ga === 1) return compareFidText(a.fidText ?? '', b.fidText ?? '');
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The row order of a table with these columns. */
export interface RowOrder {
  compare: (a: ResultRow, b: ResultRow) => number;
  /** The same row of the same feature (a duplicate left by a retry). */
  sameRow: (a: ResultRow, b: ResultRow) => boolean;
}

/** The row order of a table with these columns, and whether two rows are the same row (a duplicate). */
export function rowOrder(columns: readonly StatColumn[]): RowOrder {
  const keyCols = columns.flatMap((c, i) => (c.kind === 'text' || c.kind === 'timestamp' ? [i] : []));
  const text = (r: ResultRow, i: number): string => {
    const v = r.values[i];
    return typeof v === 'string' ? v : '';
  };
  const compareKeys = (a: ResultRow, b: ResultRow): number => {
    for (const i of keyCols) {
      const x = text(a, i);
      const y = text(b, i);
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };
  return {
    compare: (a, b) => compareFeatures(a, b) || compareKeys(a, b),
    // a row without a key identifies no feature: such rows are never taken for duplicates
    sameRow: (a, b) => keyGroup(a) !== 2 && compareFeatures(a, b) === 0 && compareKeys(a, b) === 0,
  };
}
