/** JSON rendering: one object per feature (`features/<id>.json`) or an array of them. */
import type { ResultRow, StatColumn, TableOptions } from './table';
import { expandFracColumns, rowObject } from './table';

/** The JSON document of one feature: id (a number for integer ids, null for a NULL id), fid, the attributes and statistics by column name, error. */
export function featureDocument(columns: readonly StatColumn[], row: ResultRow, opts: TableOptions = {}): Record<string, unknown> {
  return rowObject(columns, row, opts);
}

/** The whole table as a JSON array (one object per feature). */
export function toJson(columnsIn: readonly StatColumn[], rowsIn: Iterable<ResultRow>, opts: TableOptions = {}): string {
  const { columns, rows } = expandFracColumns(columnsIn, [...rowsIn]);
  const parts: string[] = [];
  for (const r of rows) parts.push(JSON.stringify(featureDocument(columns, r, opts)));
  return `[\n${parts.join(',\n')}\n]\n`;
}

/**
 * A file name for a feature's JSON that is safe on S3 and file systems and
 * unique per feature: the id percent-encoded (so `a/b` cannot escape the
 * prefix), with the fid appended when ids are not unique or are too long.
 */
export function featureFileName(row: { id: string; fid: number }, opts: { withFid?: boolean } = {}): string {
  let name = encodeURIComponent(row.id).replace(/\*/g, '%2A').replace(/^\.+/, (m) => '%2E'.repeat(m.length));
  if (name.length === 0) name = '_';
  if (name.length > 200) name = `${name.slice(0, 200)}~${row.fid}`;
  else if (opts.withFid) name = `${name}~${row.fid}`;
  return `${name}.json`;
}
