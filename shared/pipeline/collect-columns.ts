/**
 * Collect's merge by columns, for the common job: the parts' rows fit in memory
 * (at most `maxRows`, Collect's `runRows`: what the row merge would sort in memory
 * without spilling) and every column is a plain one (number, integer, boolean and
 * text statistics or attributes; a text or integer id; an INT64 fid; no geometry,
 * dates, histograms, lists or frac). Each part's columns are decoded as columns
 * (no row objects), the rows are ordered by an index sort on the feature key
 * (`zf_key`) then the text columns, and results.parquet is written from the
 * columns gathered in that order: the same values, in the same row groups, as the
 * row merge (collect.ts) gives them, so the same bytes.
 *
 * The rules are the row merge's (row-order.ts, collect.ts): rows by feature key,
 * then by the text of the text columns (a NULL as ''); of two rows with the same key
 * and texts the later part's wins (parts in key order, rows in part order); counts
 * of features, failures and NULL ids/fids as `writeMerged` counts them. A part that
 * does not fit these rules (or one row that does not: a feature key that is not a
 * safe integer) is refused with `add` returning false, and the caller merges the
 * job by rows instead.
 */
import { DuplicateIds, missingId } from '../engine/duplicate-ids';
import { parquetRead, parquetSchema } from 'hyparquet';
import type { AsyncBuffer, FileMetaData, SchemaElement } from 'hyparquet';
import type { ColumnSource } from 'hyparquet-writer';
import { resultColumns } from '../output/read-parquet';
import type { FeatureFailure, IdKind, StatColumn } from '../output/table';

/** What the merged rows hold: features (distinct fids), failed features, failures. */
export interface MergeCounts {
  features: number;
  failedFeatures: number;
  failures: FeatureFailure[];
  failuresTotal: number;
  /** Features with a NULL id (the first fids of them listed) and with a NULL fid. */
  nullIds: number;
  nullIdFids: string[];
  nullFids: number;
  /** The ids of the features (NULL ids left out: not ids), to count and name the repeated ones. */
  ids: DuplicateIds;
}

/** The physical type a plain column of each kind is written with (parquet-layout.ts). */
const PLAIN_KINDS: Partial<Record<StatColumn['kind'], 'DOUBLE' | 'INT64' | 'BOOLEAN' | 'BYTE_ARRAY'>> = { number: 'DOUBLE', integer: 'INT64', boolean: 'BOOLEAN', text: 'BYTE_ARRAY' };

/** Text (UTF8) BYTE_ARRAY: what hyparquet decodes to strings. */
function isText(e: SchemaElement | undefined): boolean {
  return e?.type === 'BYTE_ARRAY' && (e.converted_type === 'UTF8' || e.logical_type?.type === 'STRING');
}

/** An INT64 read as a bigint (not a timestamp or another converted type). */
function isInt64(e: SchemaElement | undefined): boolean {
  return e?.type === 'INT64' && (e.converted_type === undefined || e.converted_type === 'INT_64') && (e.logical_type === undefined || e.logical_type.type === 'INTEGER');
}

/** A leaf column with no children (not a LIST or struct). */
function isLeaf(e: SchemaElement | undefined): boolean {
  return e !== undefined && !(e.num_children !== undefined && e.num_children > 0);
}

/** The column sort of one output row group: its column data in the given order. */
export type ColumnGroup = ColumnSource[];

/** A part's columns as hyparquet decoded them: `id`, `fid`, `zf_key`, `error`, then the table's columns. */
interface PartColumns { rows: number; cols: ArrayLike<unknown>[] }

/** The columns of the merged table: `id`, `fid`, `zf_key` (KEY), `error`, then the statistics and attributes. */
const ID = 0;
const FID = 1;
const KEY = 2;
const ERROR = 3;
const FIRST_VALUE = 4;

/** The parts' rows held as columns, merged into one ordered table. */
export class ColumnarMerge {
  private columns: StatColumn[] | null = null;
  private idKind: IdKind = 'text';
  private readonly parts: PartColumns[] = [];
  /** Rows held. */
  rows = 0;

  constructor(private readonly maxRows: number) {}

  /** The table's columns (those of the first part). */
  get tableColumns(): StatColumn[] {
    return this.columns ?? [];
  }

  /** The id column's kind (that of the first part). */
  get tableIdKind(): IdKind {
    return this.idKind;
  }

  /**
   * Adds a part's rows, after those added before; false (nothing added) when the part cannot be merged by
   * columns: more rows than `maxRows` in all, a column that is not plain, columns other than the first
   * part's, or a feature key that is not a safe integer.
   */
  async add(file: AsyncBuffer, metadata: FileMetaData): Promise<boolean> {
    const n = Number(metadata.num_rows);
    // a part without rows adds nothing, as in the row merge (its columns are not the table's)
    if (n === 0) return true;
    if (this.rows + n > this.maxRows) return false;
    const layout = resultColumns(metadata);
    if (layout.geometry) return false;
    if (layout.idKind === 'number') return false;
    if (this.columns !== null && (layout.idKind !== this.idKind || !sameColumns(layout.columns, this.columns))) return false;
    const top = new Map(parquetSchema(metadata).children.map((c) => [c.element.name, c.element]));
    if (top.size !== layout.columns.length + 4) return false;
    const idOk = layout.idKind === 'integer' ? isInt64(top.get('id')) : isText(top.get('id'));
    if (!idOk || !isInt64(top.get('fid')) || top.get('zf_key')?.type !== 'DOUBLE' || !isText(top.get('error'))) return false;
    for (const c of layout.columns) {
      const e = top.get(c.name);
      const type = PLAIN_KINDS[c.kind];
      if (type === undefined || !isLeaf(e) || e?.type !== type) return false;
      if (c.kind === 'text' && !isText(e)) return false;
      if (c.kind === 'integer' && !isInt64(e)) return false;
    }
    const names = ['id', 'fid', 'zf_key', 'error', ...layout.columns.map((c) => c.name)];
    const chunks = new Map<string, { rowStart: number; data: ArrayLike<unknown> }[]>(names.map((name) => [name, []]));
    await parquetRead({ file, metadata, columns: names, onChunk: ({ columnName, columnData, rowStart }) => chunks.get(columnName)?.push({ rowStart, data: columnData }) });
    const cols = names.map((name) => joinChunks(chunks.get(name) ?? [], n));
    const keys = cols[KEY] as ArrayLike<unknown>;
    for (let i = 0; i < n; i++) if (!Number.isSafeInteger(keys[i])) return false;
    if (this.columns === null) {
      this.columns = layout.columns;
      this.idKind = layout.idKind;
    }
    this.parts.push({ rows: n, cols });
    this.rows += n;
    return true;
  }

  /** One column of every part (CellValue order as `add` reads them: ID, FID, KEY, ERROR, then the table's). */
  private column(c: number): ArrayLike<unknown>[] {
    return this.parts.map((p) => p.cols[c] as ArrayLike<unknown>);
  }

  /**
   * The output order (row indexes, a later duplicate kept, earlier ones dropped) and the counts, as
   * `writeMerged` makes them; `failuresKept` failures listed.
   */
  order(failuresKept: number): { order: Uint32Array; counts: MergeCounts } {
    const n = this.rows;
    const keys = new Float64Array(n);
    let at = 0;
    for (const p of this.parts) {
      const k = p.cols[KEY] as ArrayLike<number>;
      for (let i = 0; i < p.rows; i++) keys[at++] = k[i] as number;
    }
    const textCols = this.tableColumns.flatMap((c, k) => (c.kind === 'text' ? [this.flat(FIRST_VALUE + k)] : []));
    const text = (col: readonly unknown[], i: number): string => {
      const v = col[i];
      return typeof v === 'string' ? v : '';
    };
    const compareTexts = (a: number, b: number): number => {
      for (const col of textCols) {
        const x = text(col, a);
        const y = text(col, b);
        if (x !== y) return x < y ? -1 : 1;
      }
      return 0;
    };
    // ties (a duplicate left by a retry) keep the order the rows were added in
    const sorted = textCols.length === 0 ? sortByKey(keys) : null;
    if (sorted === null) {
      const byTexts = new Uint32Array(n);
      for (let i = 0; i < n; i++) byTexts[i] = i;
      byTexts.sort((a, b) => (keys[a] as number) - (keys[b] as number) || compareTexts(a, b) || a - b);
      return this.dedupe(byTexts, keys, compareTexts, failuresKept);
    }
    return this.dedupe(sorted, keys, compareTexts, failuresKept);
  }

  /** Of rows with the same key and texts (consecutive in `sorted`), the last; and the counts. */
  private dedupe(sorted: Uint32Array, keys: Float64Array, compareTexts: (a: number, b: number) => number, failuresKept: number): { order: Uint32Array; counts: MergeCounts } {
    const n = sorted.length;
    const order = new Uint32Array(n);
    let m = 0;
    for (let j = 0; j < n; j++) {
      const i = sorted[j] as number;
      const next = j + 1 < n ? (sorted[j + 1] as number) : -1;
      if (next >= 0 && keys[next] === keys[i] && compareTexts(i, next) === 0) continue;
      order[m++] = i;
    }
    return { order: order.subarray(0, m), counts: this.count(order.subarray(0, m), keys, failuresKept) };
  }

  /** A column of all rows, in the order they were added. */
  private flat(c: number): unknown[] {
    const out = new Array<unknown>(this.rows);
    let at = 0;
    for (const col of this.column(c)) for (let i = 0; i < col.length; i++) out[at++] = col[i];
    return out;
  }

  /** Where each row is: its part and its index in the part. */
  private locate(): { part: Uint32Array; local: Uint32Array } {
    if (this.located !== null) return this.located;
    const part = new Uint32Array(this.rows);
    const local = new Uint32Array(this.rows);
    let at = 0;
    this.parts.forEach((p, k) => {
      for (let i = 0; i < p.rows; i++, at++) {
        part[at] = k;
        local[at] = i;
      }
    });
    this.located = { part, local };
    return this.located;
  }

  private located: { part: Uint32Array; local: Uint32Array } | null = null;

  /** The value of column `c` at row `i`. */
  private cell(c: number, i: number): unknown {
    const { part, local } = this.locate();
    return (this.parts[part[i] as number]?.cols[c] as ArrayLike<unknown>)[local[i] as number];
  }

  /** The counts of writeMerged over the rows in output order. */
  private count(order: Uint32Array, keys: Float64Array, failuresKept: number): MergeCounts {
    const counts: MergeCounts = { features: 0, failedFeatures: 0, failures: [], failuresTotal: 0, nullIds: 0, nullIdFids: [], nullFids: 0, ids: new DuplicateIds(order.length) };
    let lastKey = NaN;
    let featureFailed = false;
    for (const i of order) {
      const key = keys[i] as number;
      const fid = this.cell(FID, i);
      if (key !== lastKey) {
        counts.features++;
        featureFailed = false;
        lastKey = key;
        if (fid === null || fid === undefined) counts.nullFids++;
        const id = this.cell(ID, i);
        if (id === null || id === undefined) {
          counts.nullIds++;
          if (counts.nullIdFids.length < 10) counts.nullIdFids.push(fid === null || fid === undefined ? 'NULL' : textOf(fid));
        } else if (!missingId({ id: textOf(id), fidText: fid === null || fid === undefined ? null : undefined })) counts.ids.add(textOf(id));
      }
      const error = this.cell(ERROR, i);
      if (typeof error === 'string') {
        if (!featureFailed) counts.failedFeatures++;
        featureFailed = true;
        counts.failuresTotal++;
        if (counts.failures.length < failuresKept) counts.failures.push(this.failure(i, error));
      }
    }
    return counts;
  }

  /** A failed row as summary.json lists it (featureFailure of the row the row merge reads). */
  private failure(i: number, reason: string): FeatureFailure {
    const stored = this.cell(FID, i);
    const id = this.cell(ID, i);
    const fid = stored === null || stored === undefined ? null : Number.isSafeInteger(Number(stored)) ? Number(stored) : textOf(stored);
    return { fid, id: id === null || id === undefined ? '' : textOf(id), reason };
  }

  /** The column data (parquet-layout.ts's columns without `zf_key`) of the rows `order[from..to)`. */
  columnData(order: Uint32Array, from: number, to: number): ColumnGroup {
    const { part, local } = this.locate();
    // a number column without NULLs as a Float64Array: the writer writes the same bytes, faster
    const numbers = (c: number): Float64Array | unknown[] => {
      const cols = this.column(c);
      const out = new Float64Array(to - from);
      for (let j = from; j < to; j++) {
        const i = order[j] as number;
        const v = (cols[part[i] as number] as ArrayLike<unknown>)[local[i] as number];
        if (typeof v !== 'number') return pick(c);
        out[j - from] = v;
      }
      return out;
    };
    const pick = (c: number): unknown[] => {
      const cols = this.column(c);
      const out = new Array<unknown>(to - from);
      for (let j = from; j < to; j++) {
        const i = order[j] as number;
        out[j - from] = (cols[part[i] as number] as ArrayLike<unknown>)[local[i] as number] ?? null;
      }
      return out;
    };
    return [
      { name: 'id', data: pick(ID) },
      { name: 'fid', data: pick(FID) },
      ...this.tableColumns.map((c, k) => ({ name: c.name, data: c.kind === 'number' ? numbers(FIRST_VALUE + k) : pick(FIRST_VALUE + k) })),
      { name: 'error', data: pick(ERROR) },
    ];
  }
}

/** A decoded id or fid (text, or an INT64 as a bigint) as text. */
function textOf(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'bigint' || typeof v === 'number' ? v.toString() : JSON.stringify(v);
}

function sameColumns(a: readonly StatColumn[], b: readonly StatColumn[]): boolean {
  return a.length === b.length && a.every((c, i) => c.name === b[i]?.name && c.kind === b[i]?.kind);
}

/**
 * The row indexes ordered by key, ties in index order (a stable sort): the keys (safe integers) and indexes
 * packed into one double each, `(key - min) * n + index`, sorted as numbers; null when they do not fit 2^53.
 */
function sortByKey(keys: Float64Array): Uint32Array | null {
  const n = keys.length;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const k = keys[i] as number;
    if (k < min) min = k;
    if (k > max) max = k;
  }
  if (n === 0) return new Uint32Array(0);
  if (!((max - min + 1) * n <= Number.MAX_SAFE_INTEGER)) return null;
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) packed[i] = ((keys[i] as number) - min) * n + i;
  packed.sort();
  const out = new Uint32Array(n);
  for (let j = 0; j < n; j++) out[j] = (packed[j] as number) % n;
  return out;
}

/** A column of `rows` rows from its decoded chunks (the one chunk as it is when it holds every row). */
function joinChunks(chunks: readonly { rowStart: number; data: ArrayLike<unknown> }[], rows: number): ArrayLike<unknown> {
  const only = chunks[0];
  if (chunks.length === 1 && only !== undefined && only.rowStart === 0 && only.data.length === rows) return only.data;
  const out = new Array<unknown>(rows).fill(null);
  for (const c of chunks) for (let i = 0; i < c.data.length && c.rowStart + i < rows; i++) out[c.rowStart + i] = c.data[i];
  return out;
}
