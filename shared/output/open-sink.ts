/**
 * The sink for an output path, chosen by its extension: `.csv` CsvSink,
 * `.json` JsonSink, `.parquet`/`.pq` Parquet, `.gpkg` GeoPackage, `.fgb` FlatGeobuf (the
 * geo formats always carry geometry: give SinkOptions.geometry). A table with `frac` columns whose
 * values are not given (SinkOptions.fracValues) goes through a FracSpool, so
 * the expanded columns are known before the header is written. A GeoPackage or FlatGeobuf table wider than
 * the format holds (column-limits.ts) is an OutputError when the sink is opened, before any row is computed;
 * when frac's per-value columns make it so (known on close, every row computed), each frac column is written
 * as one JSON text column instead, with a warning: nothing computed is lost.
 */
import type { RowSink, SinkOptions } from './sink';
import { CsvSink } from './csv-sink';
import { JsonSink } from './json-sink';
import { FracSpool } from './frac-spool';
import { FileOutput } from './file-output';
import { OutputError } from '../errors';
import { outputFormatFromSuffix, outputSuffixProblem } from './output-format';
import { fracAsJsonWarning, geoColumnsProblem } from './column-limits';
import type { OutputFormat } from './output-format';

export type { OutputFormat } from './output-format';

/** The format of an output path from its extension (case-insensitive), or an OutputError listing the known ones. */
export function outputFormatOf(path: string): OutputFormat {
  const format = outputFormatFromSuffix(path);
  if (format === null) throw new OutputError(`${path}: ${outputSuffixProblem(path)}`);
  return format;
}

/**
 * Opens the sink writing `path` in the format of its extension; `label` names the path in errors (e.g. `--out x.csv`);
 * `warn` hears a line when the output is written otherwise than asked (frac columns as JSON in a GeoPackage too narrow for them).
 */
export async function openSink(path: string, opts: SinkOptions, where: { label?: string; warn?: (line: string) => void } = {}): Promise<RowSink> {
  const format = outputFormatOf(path);
  const file = (): Promise<FileOutput> => FileOutput.create(path, where.label);
  const open = async (o: SinkOptions): Promise<RowSink> => {
    const tooWide = format === 'gpkg' || format === 'fgb' ? geoColumnsProblem(format, o, where.label ?? `output ${path}`) : null;
    if (tooWide) throw tooWide;
    // the binary formats load their libraries (SQLite WebAssembly, FlatBuffers, hyparquet) only when asked for
    if (format === 'gpkg') return (await import('./gpkg-sink')).gpkgSink(path, o, where.label);
    if (format === 'fgb') return (await import('./fgb-sink')).fgbSink(path, o, where.label);
    if (format === 'parquet') return (await import('./parquet-sink')).parquetSink(await file(), o);
    return format === 'csv' ? CsvSink.open(await file(), o) : JsonSink.open(await file(), o);
  };
  if (format !== 'parquet' && opts.columns.some((c) => c.kind === 'frac') && opts.fracValues === undefined) {
    // too wide already without frac's per-value columns: said now, before the job computes
    const tooWide = format === 'gpkg' || format === 'fgb' ? geoColumnsProblem(format, opts, where.label ?? `output ${path}`) : null;
    if (tooWide) throw tooWide;
    return FracSpool.create(opts, (fracValues) => {
      const expanded = { ...opts, fracValues };
      // one column per value would not fit (known only now, every row computed): the rows are kept, each frac column
      // written as its JSON, and said (a job of hours is never lost to a column count)
      if ((format === 'gpkg' || format === 'fgb') && geoColumnsProblem(format, expanded, where.label ?? `output ${path}`) !== null) {
        where.warn?.(fracAsJsonWarning(format, expanded, where.label ?? `output ${path}`));
        return open({ ...opts, fracAsJson: true });
      }
      return open(expanded);
    });
  }
  return open(opts);
}
