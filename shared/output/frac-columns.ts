/**
 * `frac` columns expanded row by row once their distinct values are known: the
 * columns and cells `expandFracColumns` (table.ts) makes for a whole table, for
 * streaming sinks that learn the values up front (SinkOptions.fracValues) or
 * from a spool (frac-spool.ts). `<column>_<v>` per value, ascending; a row
 * without that value, or with no valid cell, gets null.
 */
import type { CellValue, ResultRow, StatColumn } from './table';
import { isFrac } from './table';
import { OutputError } from '../errors';

/** The expanded columns and a function expanding one row. */
export interface FracExpander {
  columns: StatColumn[];
  /** The row with its `frac` cells spread over the value columns (the same object when there is no frac column). */
  row(row: ResultRow): ResultRow;
}

/**
 * Expands `frac` columns with the given values (column name -> values; sorted and
 * deduplicated here). A frac column without an entry gets no value columns; a row
 * holding a value that is not listed is an OutputError (the values were wrong).
 */
export function fracExpander(columnsIn: readonly StatColumn[], values: ReadonlyMap<string, readonly number[]> = new Map()): FracExpander {
  if (!columnsIn.some((c) => c.kind === 'frac')) return { columns: [...columnsIn], row: (r) => r };
  const plan: { from: number; value: number | null }[] = [];
  const columns: StatColumn[] = [];
  const known: (ReadonlySet<number> | null)[] = [];
  columnsIn.forEach((c, i) => {
    if (c.kind !== 'frac') {
      plan.push({ from: i, value: null });
      columns.push(c);
      known.push(null);
      return;
    }
    const vs = [...new Set(values.get(c.name) ?? [])].sort((a, b) => a - b);
    known.push(new Set(vs));
    for (const x of vs) {
      plan.push({ from: i, value: x });
      columns.push({ name: `${c.name}_${String(x)}`, kind: 'number' });
    }
  });
  return {
    columns,
    row: (r) => {
      r.values.forEach((v, i) => {
        const k = known[i];
        if (k && v !== null && v !== undefined && isFrac(v)) {
          const missing = v.values.find((x) => !k.has(x));
          if (missing !== undefined) throw new OutputError(`frac column "${columnsIn[i]?.name ?? i}": value ${missing} of feature ${JSON.stringify(r.id)} is not among the column's declared values`);
        }
      });
      return {
        ...r,
        values: plan.map(({ from, value }): CellValue => {
          const v = r.values[from] ?? null;
          if (value === null) return v;
          if (v === null || !isFrac(v)) return null;
          const k = v.values.indexOf(value);
          return k < 0 ? null : (v.fracs[k] ?? null);
        }),
      };
    },
  };
}

/** The distinct values of each `frac` column seen so far (column name -> values), for a spool. */
export class FracValues {
  private readonly seen = new Map<number, Set<number>>();
  constructor(private readonly columns: readonly StatColumn[]) {
    columns.forEach((c, i) => {
      if (c.kind === 'frac') this.seen.set(i, new Set());
    });
  }

  /** Notes the values of a row's frac cells. */
  add(row: ResultRow): void {
    for (const [i, set] of this.seen) {
      const v = row.values[i];
      if (v !== undefined && v !== null && isFrac(v)) for (const x of v.values) set.add(x);
    }
  }

  /** Column name -> values ascending. */
  values(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const [i, set] of this.seen) out.set(this.columns[i]?.name ?? String(i), [...set].sort((a, b) => a - b));
    return out;
  }
}
