/** The in-memory twin of a FeatureSource: features held in an array (tests, small generated inputs). */
import type { Crs } from '../crs/crs';
import { findColumn } from './missing-name';
import type { Feature, Geometry } from '../geometry/types';
import type { AttributeKind, FeatureSource, SourceFeatureOptions } from './source';
import { idText } from './source';

/** One feature of a memory source: geometry and attributes; the fid defaults to its position. */
export interface MemoryFeature { fid?: number; geometry: Geometry | null; properties?: Record<string, unknown> }

/** The options of `features()` with each column as the input spells it, and the names the attributes were asked by (`properties`' keys). */
export interface ResolvedColumns extends SourceFeatureOptions {
  /** Per entry of `columns`: the name it was asked by (`properties` are keyed by it, as exactextract names its output columns). */
  asked?: readonly string[] | undefined;
}

/**
 * The requested id column and attributes found among `columns` as GDAL finds fields (missing-name.ts findColumn:
 * an exact name, else the only one differing by letter case): the options with the input's spellings and the
 * names asked (`asked`). InputError naming what is missing, or the columns a name matches ambiguously.
 */
export function checkColumns(path: string, layer: string, columns: readonly string[], opts: SourceFeatureOptions): ResolvedColumns {
  const asked = opts.columns ?? [];
  return {
    ...opts,
    idColumn: opts.idColumn === undefined ? undefined : findColumn(path, layer, opts.idColumn, columns, 'ids'),
    columns: asked.map((c) => findColumn(path, layer, c, columns, 'attribute')),
    asked,
  };
}

/** Builds a Feature from a record: id from `idColumn` (else the fid), the requested attributes (keyed by the names asked: {@link checkColumns}). */
export function makeFeature(fid: number, geometry: Geometry | null, props: Record<string, unknown>, opts: ResolvedColumns, problem?: string): Feature {
  const properties: Record<string, unknown> = {};
  const asked = opts.asked;
  (opts.columns ?? []).forEach((c, i) => {
    properties[asked?.[i] ?? c] = props[c] ?? null;
  });
  const raw = opts.idColumn === undefined ? undefined : props[opts.idColumn];
  const f: Feature = { fid, id: raw === null || (opts.idColumn !== undefined && raw === undefined) ? '' : idText(raw, fid), geometry, properties };
  if (opts.idColumn !== undefined && (raw === null || raw === undefined)) f.idNull = true;
  if (problem !== undefined) f.problem = problem;
  return f;
}

/** A FeatureSource over an array. */
export class MemorySource implements FeatureSource {
  readonly format = 'memory' as const;
  readonly columns: readonly string[];
  constructor(readonly crs: Crs, private readonly items: readonly MemoryFeature[], readonly layer = 'memory', readonly path = '<memory>') {
    this.columns = [...new Set(items.flatMap((f) => Object.keys(f.properties ?? {})))];
  }
  count(): Promise<number | null> {
    return Promise.resolve(this.items.length);
  }
  /** No declared types: the kind of the first non-null value (numbers are `number`). */
  columnKind(name: string): AttributeKind {
    for (const f of this.items) {
      const v = f.properties?.[name];
      if (v !== null && v !== undefined) return valueKind(v);
    }
    return 'text';
  }
  async *features(opts: SourceFeatureOptions = {}): AsyncGenerator<Feature> {
    const read = checkColumns(this.path, this.layer, this.columns, opts);
    for (const [i, f] of this.items.entries()) {
      await Promise.resolve();
      yield makeFeature(f.fid ?? i, f.geometry, f.properties ?? {}, read);
    }
  }
  close(): void {}
}

/** The kind of a value of the in-memory twin (no declared types): numbers are `number`, bigints `integer`. */
export function valueKind(v: unknown): AttributeKind {
  if (typeof v === 'bigint') return 'integer';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'boolean';
  if (v instanceof Date) return 'timestamp';
  return 'text';
}
