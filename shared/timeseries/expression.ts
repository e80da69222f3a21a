/**
 * Band math: expressions over named bands (`(nir - red) / (nir + red)`),
 * parsed by a small recursive-descent parser (never eval), evaluated in
 * float64 over whole windows. A cell is valid when every band it reads is
 * valid and the result is finite (a division by zero is nodata, not Infinity).
 *
 * Grammar: expr = cmp; cmp = sum (('<'|'<='|'>'|'>='|'=='|'!=') sum)?;
 * sum = prod (('+'|'-') prod)*; prod = unary (('*'|'/'|'%') unary)*;
 * unary = '-' unary | pow; pow = atom ('^' unary)?;
 * atom = number | name | name '(' expr (',' expr)* ')' | '(' expr ')'.
 * Functions: abs, sqrt, log, log10, exp, min, max, pow, clamp(x, lo, hi), where(c, a, b).
 */
import { SpecError } from '../errors';

/** A parsed expression. */
export type Expr =
  | { k: 'num'; v: number }
  | { k: 'band'; name: string }
  | { k: 'neg'; a: Expr }
  | { k: 'bin'; op: string; a: Expr; b: Expr }
  | { k: 'call'; fn: string; args: Expr[] };

const FUNCS: Record<string, [number, number]> = { abs: [1, 1], sqrt: [1, 1], log: [1, 1], log10: [1, 1], exp: [1, 1], min: [2, 8], max: [2, 8], pow: [2, 2], clamp: [3, 3], where: [3, 3] };

/** Parses an expression; `known` (optional) are the band names it may use. */
export function parseExpression(text: string, known?: readonly string[], label = 'expression'): Expr {
  const tokens = [...text.matchAll(/\s*(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|[A-Za-z_][A-Za-z0-9_]*|<=|>=|==|!=|[-+*/%^(),<>])/gy)];
  const consumed = tokens.reduce((a, m) => a + m[0].length, 0);
  if (consumed !== text.replace(/\s+$/, '').length) {
    throw new SpecError(`${label} "${text}": unexpected character at position ${consumed + 1} ("${text.slice(consumed, consumed + 10)}")`);
  }
  const toks = tokens.map((m) => m[1] ?? '');
  let i = 0;
  const peek = (): string | undefined => toks[i];
  const fail = (msg: string): never => {
    throw new SpecError(`${label} "${text}": ${msg}`);
  };
  const expect = (t: string): void => {
    if (toks[i] !== t) fail(`expected "${t}" ${toks[i] === undefined ? 'at the end' : `before "${toks[i]}"`}`);
    i++;
  };
  const atom = (): Expr => {
    const t = toks[i++];
    if (t === undefined) return fail('unexpected end');
    if (t === '(') {
      const e = cmp();
      expect(')');
      return e;
    }
    if (/^[\d.]/.test(t)) return { k: 'num', v: Number(t) };
    if (/^[A-Za-z_]/.test(t)) {
      if (peek() === '(') {
        const arity = FUNCS[t];
        if (!arity) fail(`unknown function "${t}" (known: ${Object.keys(FUNCS).join(', ')})`);
        i++;
        const args = [cmp()];
        while (peek() === ',') {
          i++;
          args.push(cmp());
        }
        expect(')');
        if (arity && (args.length < arity[0] || args.length > arity[1])) fail(`${t}() takes ${arity[0] === arity[1] ? arity[0] : `${arity[0]} to ${arity[1]}`} arguments, got ${args.length}`);
        return { k: 'call', fn: t, args };
      }
      if (known && !known.includes(t)) fail(`unknown band "${t}" (known: ${known.join(', ')})`);
      return { k: 'band', name: t };
    }
    return fail(`unexpected "${t}"`);
  };
  const pow = (): Expr => {
    const a = atom();
    if (peek() === '^') {
      i++;
      return { k: 'bin', op: '^', a, b: unary() };
    }
    return a;
  };
  const unary = (): Expr => {
    if (peek() === '-') {
      i++;
      return { k: 'neg', a: unary() };
    }
    if (peek() === '+') {
      i++;
      return unary();
    }
    return pow();
  };
  const prod = (): Expr => {
    let a = unary();
    while (peek() === '*' || peek() === '/' || peek() === '%') {
      const op = toks[i++] ?? '';
      a = { k: 'bin', op, a, b: unary() };
    }
    return a;
  };
  const sum = (): Expr => {
    let a = prod();
    while (peek() === '+' || peek() === '-') {
      const op = toks[i++] ?? '';
      a = { k: 'bin', op, a, b: prod() };
    }
    return a;
  };
  const cmp = (): Expr => {
    const a = sum();
    const t = peek();
    if (t === '<' || t === '<=' || t === '>' || t === '>=' || t === '==' || t === '!=') {
      i++;
      return { k: 'bin', op: t, a, b: sum() };
    }
    return a;
  };
  if (toks.length === 0) fail('empty expression');
  const e = cmp();
  if (i < toks.length) fail(`unexpected "${toks[i] ?? ''}"`);
  return e;
}

/** The band names an expression reads. */
export function bandsOf(e: Expr, out = new Set<string>()): Set<string> {
  switch (e.k) {
    case 'band': out.add(e.name); break;
    case 'neg': bandsOf(e.a, out); break;
    case 'bin': bandsOf(e.a, out); bandsOf(e.b, out); break;
    case 'call': e.args.forEach((a) => bandsOf(a, out)); break;
    case 'num': break;
  }
  return out;
}

/** Evaluates at one cell, with band values given by `get`. */
export function evaluate(e: Expr, get: (band: string) => number): number {
  switch (e.k) {
    case 'num': return e.v;
    case 'band': return get(e.name);
    case 'neg': return -evaluate(e.a, get);
    case 'bin': {
      const a = evaluate(e.a, get);
      const b = evaluate(e.b, get);
      switch (e.op) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/': return a / b;
        case '%': return a % b;
        case '^': return a ** b;
        case '<': return a < b ? 1 : 0;
        case '<=': return a <= b ? 1 : 0;
        case '>': return a > b ? 1 : 0;
        case '>=': return a >= b ? 1 : 0;
        case '==': return a === b ? 1 : 0;
        default: return a !== b ? 1 : 0;
      }
    }
    case 'call': {
      const v = e.args.map((x) => evaluate(x, get));
      const [x = NaN, y = NaN, z = NaN] = v;
      switch (e.fn) {
        case 'abs': return Math.abs(x);
        case 'sqrt': return Math.sqrt(x);
        case 'log': return Math.log(x);
        case 'log10': return Math.log10(x);
        case 'exp': return Math.exp(x);
        case 'min': return Math.min(...v);
        case 'max': return Math.max(...v);
        case 'pow': return x ** y;
        case 'clamp': return Math.min(Math.max(x, y), z);
        default: return x !== 0 ? y : z; // where
      }
    }
  }
}

/** Evaluates over windows: `bands` name -> values/valid (same length). Returns values and validity. */
export function evaluateWindow(e: Expr, bands: ReadonlyMap<string, { values: Float64Array; valid: Uint8Array }>, n: number): { values: Float64Array; valid: Uint8Array } {
  const names = [...bandsOf(e)];
  const inputs = names.map((name) => {
    const b = bands.get(name);
    if (!b) throw new SpecError(`band "${name}" is not available (have: ${[...bands.keys()].join(', ')})`);
    return b;
  });
  const values = new Float64Array(n);
  const valid = new Uint8Array(n);
  let cell = 0;
  const get = (name: string): number => bands.get(name)?.values[cell] ?? NaN;
  for (cell = 0; cell < n; cell++) {
    let ok = true;
    for (const b of inputs) if (b.valid[cell] === 0) { ok = false; break; }
    if (!ok) continue;
    const v = evaluate(e, get);
    if (Number.isFinite(v)) {
      values[cell] = v;
      valid[cell] = 1;
    }
  }
  return { values, valid };
}
