import { describe, expect, it } from 'vitest';
import { evaluate, evaluateWindow, parseExpression, bandsOf } from '../../../shared/timeseries/expression';
import { SpecError } from '../../../shared/errors';

const at = (text: string, env: Record<string, number> = {}): number => evaluate(parseExpression(text), (b) => env[b] ?? NaN);

describe('band math', () => {
  it('precedence, associativity, unary minus, power', () => {
    expect(at('1 + 2 * 3')).toBe(7);
    expect(at('(1 + 2) * 3')).toBe(9);
    expect(at('10 - 4 - 3')).toBe(3);
    expect(at('2 ^ 3 ^ 2')).toBe(512);
    expect(at('-2 ^ 2')).toBe(-4);
    expect(at('8 / 4 / 2')).toBe(1);
    expect(at('1.5e2 + .5')).toBe(150.5);
    expect(at('3 > 2')).toBe(1);
    expect(at('where(red > 0.5, 1, 2)', { red: 0.2 })).toBe(2);
    expect(at('clamp(x, 0, 1)', { x: 7 })).toBe(1);
    expect(at('max(a, b, 3)', { a: 1, b: 5 })).toBe(5);
  });
  it('NDVI over windows: nodata propagates, division by zero is nodata', () => {
    const e = parseExpression('(nir - red) / (nir + red)', ['nir', 'red']);
    expect([...bandsOf(e)].sort()).toEqual(['nir', 'red']);
    const bands = new Map([
      ['nir', { values: Float64Array.of(0.5, 0.4, 0, 0.3), valid: Uint8Array.of(1, 1, 1, 0) }],
      ['red', { values: Float64Array.of(0.1, 0.4, 0, 0.1), valid: Uint8Array.of(1, 1, 1, 1) }],
    ]);
    const out = evaluateWindow(e, bands, 4);
    expect(out.values[0]).toBeCloseTo(0.4 / 0.6, 15);
    expect(out.values[1]).toBe(0);
    expect([...out.valid]).toEqual([1, 1, 0, 0]);
  });
  it('never evaluates code: unknown names and characters are readable errors', () => {
    expect(() => parseExpression('process.exit(1)')).toThrow(SpecError);
    expect(() => parseExpression('nir + blue', ['nir', 'red'])).toThrow(/unknown band "blue" \(known: nir, red\)/);
    expect(() => parseExpression('foo(1)')).toThrow(/unknown function "foo"/);
    expect(() => parseExpression('(1 + 2')).toThrow(/expected "\)"/);
    expect(() => parseExpression('1 +')).toThrow(/unexpected end/);
    expect(() => parseExpression('sqrt(1, 2)')).toThrow(/takes 1 arguments/);
    expect(() => parseExpression('')).toThrow(/empty/);
  });
});
