/** CSV rendering of the result table (RFC 4180 quoting; histograms as JSON text). */
import type { ResultRow, StatColumn, CellValue } from './table';
import { isHistogram } from './table';

/** Quotes a field when it holds a comma, quote, CR or LF. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function cell(v: CellValue | undefined): string {
  if (v === null || v === undefined) return '';
  if (isHistogram(v)) return csvField(JSON.stringify(v));
  if (typeof v === 'string') return csvField(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return Number.isFinite(v) ? String(v) : String(v); // shortest round-trip text; NaN/Infinity spelled out
}

/** The header line (no newline). */
export function csvHeader(columns: readonly StatColumn[]): string {
  return ['id', 'fid', ...columns.map((c) => c.name), 'error'].map(csvField).join(',');
}

/** One row as a CSV line (no newline). */
export function csvLine(row: ResultRow): string {
  return [csvField(row.id), String(row.fid), ...row.values.map(cell), row.error === null ? '' : csvField(row.error)].join(',');
}

/** The whole table as CSV text with a trailing newline. */
export function toCsv(columns: readonly StatColumn[], rows: Iterable<ResultRow>): string {
  const lines = [csvHeader(columns)];
  for (const r of rows) lines.push(csvLine(r));
  return lines.join('\n') + '\n';
}
