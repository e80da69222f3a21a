/**
 * CSV rendering of the result table (RFC 4180 quoting; histograms and lists as JSON text;
 * `frac` columns expanded into one column per value).
 * Text cells that a spreadsheet would run as a formula (first character `=`, `+`,
 * `-`, `@`, TAB or CR: "CSV injection", OWASP) are written with a leading `'`,
 * unless the whole text is a plain number (`-5` stays `-5`). The raw value: drop
 * that one leading `'`; JSON and Parquet outputs keep every value exactly.
 */
import type { ResultRow, StatColumn, CellValue } from './table';
import { expandFracColumns, fidCell } from './table';

/** Quotes a field when it holds a comma, quote, CR or LF. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** The text as a spreadsheet shows it without running it: `'` before formula-like text (OWASP CSV injection). */
export function neutralizeFormula(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

/** A text cell: neutralised, then quoted as RFC 4180 needs. */
export function csvText(text: string): string {
  return csvField(neutralizeFormula(text));
}

/** A cell of a statistic or attribute column: '' for none, numbers as `String` writes them, text neutralised and quoted, JSON for histograms and lists. */
export function csvCell(v: CellValue | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return csvField(JSON.stringify(v)); // histogram, list (a JSON array; NaN as null)
  if (typeof v === 'string') return csvText(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return Number.isFinite(v) ? String(v) : String(v); // shortest round-trip text; NaN/Infinity spelled out
}

/** The header line (no newline). */
export function csvHeader(columns: readonly StatColumn[]): string {
  return ['id', 'fid', ...columns.map((c) => c.name), 'error'].map(csvText).join(',');
}

/** One row as a CSV line (no newline). */
export function csvLine(row: ResultRow): string {
  // concatenated in place (no array of cells per row: the 100k case writes 700,000 cells)
  let line = `${csvText(row.id)},${csvText(fidCell(row))}`;
  const values = row.values;
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    line += typeof v === 'number' ? `,${String(v)}` : `,${csvCell(v)}`;
  }
  return `${line},${row.error === null ? '' : csvText(row.error)}`;
}

/** The whole table as CSV text with a trailing newline. */
export function toCsv(columnsIn: readonly StatColumn[], rowsIn: Iterable<ResultRow>): string {
  const { columns, rows } = expandFracColumns(columnsIn, [...rowsIn]);
  const lines = [csvHeader(columns)];
  for (const r of rows) lines.push(csvLine(r));
  return lines.join('\n') + '\n';
}
