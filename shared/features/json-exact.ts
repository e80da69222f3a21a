/**
 * JSON numbers as GDAL's json-c keeps them: an integer literal beyond 2^53 is a bigint (exact to 64 bits, as
 * GDAL's Integer64 fields hold it), every other number a JavaScript number.
 */
import { Tokenizer } from '@streamparser/json';

/** The value of a JSON number literal: a bigint for an integer literal that a double cannot hold exactly. */
export function exactNumber(text: string): number | bigint {
  const n = Number(text);
  if (Number.isSafeInteger(n) || !/^-?\d+$/.test(text)) return n;
  return BigInt(text);
}

const MARK = '\u0000int:';
/** A long integer literal outside strings (a string literal is matched whole so its digits are skipped). */
const LITERALS = /"(?:[^"\\]|\\.)*"|(?<![\d.eE+-])(-?\d{16,})(?![\d.eE])/g;

/** JSON.parse, with integer literals beyond 2^53 read as bigints. */
export function parseJsonExact(text: string): unknown {
  if (!/\d{16}/.test(text)) return JSON.parse(text) as unknown;
  let marked = false;
  const swapped = text.replace(LITERALS, (m: string, digits: string | undefined) => {
    if (digits === undefined || typeof exactNumber(digits) !== 'bigint') return m;
    marked = true;
    return `"\\u0000int:${digits}"`; // JSON text of MARK + digits
  });
  if (!marked) return JSON.parse(text) as unknown;
  return JSON.parse(swapped, (_k, v: unknown) => (typeof v === 'string' && v.startsWith(MARK) ? BigInt(v.slice(MARK.length)) : v)) as unknown;
}

/** @streamparser/json's tokenizer with {@link exactNumber} for numbers. */
export class ExactTokenizer extends Tokenizer {
  override parseNumber(numberStr: string): number {
    return exactNumber(numberStr) as number; // a bigint where a number cannot hold the literal
  }
}
