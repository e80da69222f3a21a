/**
 * Input attributes carried to the outputs (`--include-cols a,b`, spec `input.include`) and the
 * per-feature fields the engines do not compute: the stored fid (`fidText`) and a NULL id.
 * Included attributes become ordinary leading columns of the result table, typed by what the
 * format declares (FeatureSource.columnKind): text, integer (int64, exact beyond 2^53),
 * number, boolean or timestamp. `zonalflow stats` and the Worker both decorate the engine's
 * rows with {@link withFeatureFields}; Plan carries the values in the batch files.
 */
import type { Feature } from '../geometry/types';
import type { AttributeKind, FeatureSource } from '../features/source';
import type { CellValue, IdKind, ResultRow, StatColumn } from '../output/table';
import { integerCell } from '../output/table';
import type { JobSpec } from '../spec';
import { SpecError } from '../errors';
import { columnMatches, findColumn } from '../features/missing-name';

/** Column names the table itself uses. */
const RESERVED = new Set(['id', 'fid', 'error', 'geometry', 'zf_key']);

/**
 * The table columns of the included attributes, in the order given. InputError naming the layer's
 * columns for an unknown one; SpecError for a repeated or reserved name (id, fid, error, geometry).
 */
export function attributeColumns(source: FeatureSource, include: readonly string[]): StatColumn[] {
  // each column by the name it was asked by, found as GDAL finds fields (`name_2` reads NAME_2 and is written
  // name_2, as exactextract's --include-col writes it): missing-name.ts findColumn
  const seen = new Map<string, string>();
  return include.map((name) => {
    if (seen.has(name)) throw new SpecError(`input.include (--include-cols): "${name}" is given twice`);
    if (RESERVED.has(name.toLowerCase())) throw new SpecError(`input.include (--include-cols): "${name}" is a column the results already have (${[...RESERVED].filter((r) => r !== 'zf_key').join(', ')}); it cannot be carried over`);
    const column = findColumn(source.path, source.layer, name, source.columns, 'include');
    const twice = [...seen].find(([, c]) => c === column)?.[0];
    if (twice !== undefined) throw new SpecError(`input.include (--include-cols): "${twice}" and "${name}" both name the column "${column}"`);
    seen.set(name, column);
    return { name, kind: source.columnKind(column) };
  });
}

/**
 * SpecError when an included attribute has the name of a statistic column, with advice that fits the job
 * (`spec`: its kind and names): a zonal job's columns are named after its rasters (--raster NAME=URI, the spec's
 * "name") and its band-math outputs (the spec's `bands`); a time series' after its band-math outputs (`bands`)
 * and assets (`stac.assets`), and it always writes its date columns.
 */
export function checkAttributeNames(attributes: readonly StatColumn[], stats: readonly StatColumn[], spec: Pick<JobSpec, 'stac' | 'bands'>): void {
  const names = new Set(stats.map((c) => c.name));
  for (const a of attributes) if (names.has(a.name)) throw new SpecError(`input.include (--include-cols): the attribute "${a.name}" has the name of a statistic column; ${renameAdvice(a.name, spec)}`);
}

/** Columns a time series writes whatever its spec names (timeseries.ts timeseriesColumns). */
const TIMESERIES_FIXED = new Set(['datetime', 'interval_from', 'interval_to', 'interpolated']);

/** What to rename in the spec so that the statistic column `column` no longer has an included attribute's name. */
function renameAdvice(column: string, spec: Pick<JobSpec, 'stac' | 'bands'>): string {
  // the longest name the column starts with: `ndvi_2_mean` is the output ndvi_2's, not ndvi's
  const owner = (names: readonly string[]): string | undefined => names.filter((n) => column.startsWith(`${n}_`)).sort((x, y) => y.length - x.length)[0];
  const band = owner(Object.keys(spec.bands));
  if (band !== undefined) return `rename the band-math output "${band}" (the spec's bands) or leave the attribute out`;
  if (!spec.stac) return 'rename the raster (--raster NAME=URI, or the spec\'s "name") or leave the attribute out';
  if (TIMESERIES_FIXED.has(column)) return `a time series always writes "${column}": leave the attribute out`;
  const asset = owner(Object.keys(spec.stac.assets));
  return asset !== undefined ? `rename the asset "${asset}" (its key in the spec's stac.assets) or leave the attribute out` : 'leave the attribute out';
}

/**
 * The id column's kind: `integer` or `number` when the input declares the id column an integer or a
 * real column (GeoPackage INTEGER/REAL..., FlatGeobuf, Shapefile N/F, GeoParquet; GeoJSON: the type GDAL
 * infers over every feature), else text (also for the default id, the fid as text).
 */
export function idKindOf(source: FeatureSource, idColumn: string | undefined): IdKind {
  if (idColumn === undefined) return 'text';
  // the column as the input spells it (`id_2`: ID_2), as the features are read; a name of no column (a GeoPackage's fid column) as given
  const kind = source.columnKind(columnMatches(idColumn, source.columns)[0] ?? idColumn);
  return kind === 'integer' || kind === 'number' ? kind : 'text';
}

/**
 * A stored value as a cell of a column of `kind`; `undefined` when it does not fit (a text in an
 * integer column, a fraction in an integer column...): the caller writes null and counts it.
 */
export function attributeCell(v: unknown, kind: AttributeKind): CellValue | undefined {
  if (v === null || v === undefined) return null;
  switch (kind) {
    case 'integer': {
      const n = integerCell(v);
      return n === null ? undefined : n;
    }
    case 'number':
      if (typeof v === 'number') return v;
      if (typeof v === 'bigint') return Number(v);
      return undefined;
    case 'boolean':
      if (typeof v === 'boolean') return v;
      if (typeof v === 'number' || typeof v === 'bigint') return Number(v) !== 0; // GeoPackage BOOLEAN is stored 0/1
      return undefined;
    case 'timestamp': {
      const t = v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : typeof v === 'number' ? v : NaN;
      return Number.isFinite(t) ? new Date(t).toISOString().replace('.000Z', 'Z') : undefined;
    }
    default:
      return textOf(v);
  }
}

function textOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (v instanceof Date) {
    const iso = v.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

/** What a row takes from its feature: the stored fid, a NULL id, the included attributes' cells. */
export interface FeatureFields {
  fidText?: string | null | undefined;
  idNull?: boolean | undefined;
  attributes: CellValue[];
}

/** The fields of one feature; `misfits` counts values that do not fit their column's kind (written null). */
export function featureFields(f: Pick<Feature, 'fidText' | 'idNull' | 'properties'>, columns: readonly StatColumn[]): { fields: FeatureFields; misfits: number } {
  let misfits = 0;
  const attributes = columns.map((c) => {
    const cell = attributeCell(f.properties[c.name], c.kind as AttributeKind);
    if (cell === undefined) {
      misfits++;
      return null;
    }
    return cell;
  });
  const fields: FeatureFields = { attributes };
  if (f.fidText !== undefined) fields.fidText = f.fidText;
  if (f.idNull === true) fields.idNull = true;
  return { fields, misfits };
}

/**
 * The engine's rows with their features' fields: the included attributes first in `values`, the
 * stored fid and the NULL-id flag. Rows are matched by `fid` (the feature key, unique per input).
 */
export function withFeatureFields(rows: readonly ResultRow[], byFid: ReadonlyMap<number, FeatureFields>): ResultRow[] {
  return rows.map((r) => {
    const f = byFid.get(r.fid);
    if (f === undefined) return r;
    if (f.attributes.length === 0 && f.fidText === undefined && f.idNull !== true) return r; // nothing to add
    const out: ResultRow = f.attributes.length > 0 ? { ...r, values: [...f.attributes, ...r.values] } : { ...r };
    if (f.fidText !== undefined) out.fidText = f.fidText;
    if (f.idNull === true) out.idNull = true;
    return out;
  });
}

/** One warning line for NULL ids: how many, and the first fids (the id column is named). */
export function nullIdWarning(idColumn: string | undefined, firstFids: readonly string[], count = firstFids.length): string | null {
  if (count === 0) return null;
  const first = firstFids.slice(0, 10).join(', ');
  return `${count} feature${count === 1 ? ' has' : 's have'} a NULL id${idColumn ? ` (column "${idColumn}")` : ''}: fid ${first}${count > firstFids.length ? `, ... and ${count - firstFids.length} more` : ''}; written empty (null), never replaced by the fid`;
}

/** Decorates a chunk's rows with its features' fields (attributes, stored fid, NULL id) and keeps what to warn about. */
export class FieldsOf {
  /** The first NULL ids met, by input position (features may come in another order: stats' reading order). */
  private readonly nullIds: { at: number; fid: string }[] = [];
  private nulls = 0;
  private misfits = 0;
  /** Input position of the next feature when `of` is not told. */
  private next = 0;
  constructor(private readonly columns: readonly StatColumn[]) {}
  decorate(rows: ResultRow[], chunk: readonly Feature[]): ResultRow[] {
    const fields = this.of(chunk);
    return withFeatureFields(rows, new Map(chunk.map((f, i) => [f.fid, fields[i] ?? { attributes: [] }])));
  }
  /** Each feature's fields, in order (counted for the warnings); `positions`: the features' input positions (default: following the previous chunk's). */
  of(chunk: readonly Feature[], positions?: ArrayLike<number>): FeatureFields[] {
    return chunk.map((f, j) => {
      const at = positions ? (positions[j] as number) : this.next + j;
      const { fields, misfits } = featureFields(f, this.columns);
      this.misfits += misfits;
      if (f.idNull === true) {
        this.nulls++;
        this.keepNullId(at, f.fidText === undefined ? String(f.fid) : (f.fidText ?? 'NULL'));
      }
      if (j === chunk.length - 1 && !positions) this.next += chunk.length;
      return fields;
    });
  }
  private keepNullId(at: number, fid: string): void {
    if (this.nullIds.length === 10 && at > (this.nullIds[9]?.at ?? Infinity)) return;
    let k = this.nullIds.length;
    while (k > 0 && (this.nullIds[k - 1]?.at ?? -Infinity) > at) k--;
    this.nullIds.splice(k, 0, { at, fid });
    if (this.nullIds.length > 10) this.nullIds.pop();
  }
  warnings(idColumn: string | undefined): (string | null)[] {
    return [
      nullIdWarning(idColumn, this.nullIds.map((n) => n.fid), this.nulls),
      this.misfits > 0 ? `${this.misfits} ${this.misfits === 1 ? 'value' : 'values'} of the included columns (${this.columns.map((c) => `${c.name} ${c.kind}`).join(', ')}) ${this.misfits === 1 ? 'does' : 'do'} not fit the column's declared type; written empty (null)` : null,
    ];
  }
}
