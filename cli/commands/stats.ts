/**
 * `zonalflow stats`: statistics of a GeoPackage over rasters, in this process.
 * Options build a job spec (or `--spec` gives one; options override it), the
 * engine function `streamStatsJob` computes and hands each chunk's rows to the sink `--out`
 * names (openSink: by extension), so no row is held until the end.
 */
import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import type { JobSpecInput } from '../../shared/spec';
import { SpecError } from '../../shared/errors';
import { FIXED_STATS } from '../../shared/stats/names';
import { splitOperations } from '../../shared/stats/operation';
import { RASTER_NAME, RASTER_NAME_RULE } from '../../shared/raster-stem';
import { relabelSpecField } from '../../shared/spec-field';
import type { readSpecFile } from '../../shared/spec-file';
import type { RowConsumer } from '../../shared/engine/stats-job';
import type { RowSink } from '../../shared/output/sink';
import type { SentinelHubJsonSink } from '../../shared/output/sentinelhub-sink';
import type { CommandContext } from '../context';
import { progressBar } from '../progress';
import { commaValues, eachValue, repeatable } from '../options';
import { checkInputFile, checkOutputFile, refuseDirectory } from '../out-path';
import { byteSize, count, readsPhrase } from '../format';
import { exitCodeOf, jobOutcome } from '../../shared/jobs/outcome';
import { withInterruption } from '../interrupt';
import { duplicateIdWarning, nullFidWarning } from '../../shared/engine/duplicate-ids';
import { failureLines } from '../failure-lines';
import { outputFormatFromSuffix, outputSuffixProblem } from '../../shared/output/output-format';
import type { OutputFormat } from '../../shared/output/output-format';

interface StatsOptions {
  input: string;
  raster?: string[];
  spec?: string;
  layer?: string;
  idColumn?: string;
  includeCols?: string[];
  stats?: string[];
  coverage?: string;
  bands?: string;
  nodata?: string;
  histogramBins?: string;
  histogramRange?: string;
  weights?: string;
  coverageWeight?: string;
  minCoverageFrac?: string;
  defaultValue?: string;
  defaultWeight?: string;
  out: string;
  threads?: string;
  geometry?: boolean;
  quiet?: boolean;
  allowHost?: string[];
  rasterHost?: string[];
  rasterBucket?: string[];
}

/** Repeatable option, never split: paths and URLs may hold commas. */

/**
 * A `--raster` value: `URI`, or `NAME=URI` where NAME is a column-name prefix (letters, digits, `_`, not starting
 * with a digit: the spec's `name` rule, raster-stem.ts). NAME is what comes before the first `=` when that holds no
 * `/`, `\` or `:` (a path's folder, a URI's scheme, a drive letter), so `s3://b/year=2024/dem.tif` and
 * `./x=1.tif` are URIs whole and the URI after `NAME=` may hold `=` itself. A value that is an existing local file
 * is always a path (`x=1.tif` in the current folder). A NAME that breaks the rule is a usage error naming it
 * (SpecError), not a path that does not exist.
 */
export function rasterArg(value: string): { uri: string; name?: string } {
  const eq = value.indexOf('=');
  const name = value.slice(0, Math.max(eq, 0));
  if (eq < 0 || /[/\\:]/.test(name) || existsSync(value)) return { uri: value };
  if (!RASTER_NAME.test(name)) throw new SpecError(`--raster: invalid raster name '${name}': ${RASTER_NAME_RULE} (in --raster ${value})`);
  return { name, uri: value.slice(eq + 1) };
}

/** Registers `stats` on the program. */
export function registerStats(program: Command, ctx: CommandContext): void {
  program
    .command('stats')
    .description('compute zonal statistics in this process (no pipeline) and write CSV, Parquet, JSON, GeoPackage or FlatGeobuf')
    .requiredOption('--input <file>', 'features: GeoPackage, GeoParquet, FlatGeobuf, GeoJSON/GeoJSONSeq or Shapefile (.shp or .zip)')
    .option('--raster <uri>', 'raster (local path, https:// or s3://), or NAME=URI to name its columns; repeat for several (never split at commas) (default: the spec\'s rasters)', eachValue)
    .option('--spec <job.json>', 'job spec (rasters, stats, coverage...); other options override it (default: none, the options alone)')
    .option('--layer <name>', 'layer of the GeoPackage (needed when it has several) or zip of shapefiles, named as GDAL (ogrinfo) names it, any letter case; a format of one layer (FlatGeobuf, GeoJSON, GeoParquet, .shp) accepts its own name only (default: its only layer)')
    .option('--id-column <column>', 'attribute holding the feature id, in any letter case as GDAL finds fields (id_2 reads ID_2) (default: the fid); an integer column stays integer in Parquet and JSON')
    .option('--include-cols <a,b>', 'attributes carried to the output as leading columns, typed as the input declares them, in any letter case and named as given (spec "input.include") (default: none)', commaValues)
    .option('--stats <names>', `statistics, comma-separated: ${FIXED_STATS.join(', ')}, or qNN for a quantile (q10, q2.5); exactextract's forms too: quantile(q=0.25), and arguments that hold for the whole job, e.g. mean(b04,min_coverage_frac=0.5). count is coverage-weighted, as exactextract's: the sum of the cells' coverage fractions, fractional under --coverage exact (a cell half inside counts 0.5), a whole number of cells under center and all_touched; sum, mean, stdev and the quantiles weigh each cell by it too (default: the spec's, else count,mean,min,max)`, repeatable((v: string, prev: string[] | undefined) => [...(prev ?? []), ...splitOperations(v)]))
    .option('--coverage <mode>', 'which cells count and how much: exact, center or all_touched (default: the spec\'s, else exact)')
    .option('--bands <list>', 'bands to read (1-based, comma-separated), for every --raster (default: every band)')
    .option('--nodata <value>', 'nodata value overriding the rasters\' own ("none" for no nodata) (default: the raster\'s own)')
    .option('--histogram-bins <n>', 'number of histogram bins (default: the spec\'s, else 10)')
    .option('--histogram-range <min,max>', 'histogram range (default: each feature\'s min..max)')
    .option('--weights <uri>', 'weights raster (band 1) for weighted_mean, weighted_sum, weighted_stdev, weighted_variance, weighted_frac (default: none)')
    .option('--coverage-weight <how>', 'exactextract\'s coverage_weight (spec "coverageWeight"): fraction, none, area_cartesian, area_spherical_m2 or area_spherical_km2 (default: fraction)')
    .option('--min-coverage-frac <f>', 'leave out cells covered less than this fraction (spec "minCoverageFrac") (default: 0)')
    .option('--default-value <v>', 'value of nodata cells inside the raster (spec "defaultValue") (default: none, nodata cells are left out)')
    .option('--default-weight <w>', 'weight where the weights raster is nodata (spec "defaultWeight") (default: none, such cells are left out)')
    .requiredOption('--out <file>', 'output file: .csv, .parquet, .json, .gpkg (GeoPackage) or .fgb (FlatGeobuf); the last two always with geometry. An existing file is replaced, as exactextract and ogr2ogr replace theirs, but only when the job ends: until then, and if the job fails or is interrupted, it stays as it was (the result line says "replaced")')
    .option('--threads <n>', 'worker threads decoding tiles and computing coverage and statistics (1: all in this thread) (default: the available cores, at most 8, at most one per 2000 features, one fewer while a GeoPackage is read alongside)')
    .option('--geometry', 'write each feature\'s geometry (input CRS): GeoParquet 1.1 for .parquet (spec "output.geometry")')
    .option('--quiet', 'no progress bar and no CRS line (warnings, errors and the result line stay)')
    .addHelpText('after', `
Exit codes: 0 every feature computed, 3 some features failed, 1 the job failed (no feature computed), 2 usage error,
130 interrupted by Ctrl-C (SIGINT), 143 by SIGTERM (nothing at --out, temporary files removed),
141 cut short by a closed output pipe ("... 2>&1 | head -1") before the job had its code.

Examples:
  $ zonalflow stats --input fields.gpkg --raster dem.tif --out stats.csv
  $ zonalflow stats --input fields.gpkg --raster s3://bucket/dem.tif --id-column field_id \\
      --stats count,mean,stdev,median,q10,q90,majority --coverage exact --out stats.parquet
  $ zonalflow stats --input fields.gpkg --spec ndvi-series.json --raster-host sentinel-cogs.s3.us-west-2.amazonaws.com --out series.json   # Earth Search time series
  $ zonalflow stats --input fields.gpkg --raster dem.tif --geometry --out stats.parquet   # GeoParquet, input CRS
  $ zonalflow stats --input fields.gpkg --raster dem.tif --out stats.gpkg   # opens in QGIS / GDAL`)
    .option('--allow-host <host>', 'read this host whatever it is: public (as a --raster-host host) or a private or loopback address (your own local server), over https or plain http; repeatable (default: none, every private/loopback address refused)', eachValue)
    .option('--raster-host <host>', 'an https host rasters and STAC assets may be read from besides the hosts the spec and options name (e.g. sentinel-cogs.s3.us-west-2.amazonaws.com for Earth Search\'s Sentinel-2 assets); the stack\'s rasterHttpsHosts; repeatable, comma-separated (default: none)', commaValues)
    .option('--raster-bucket <bucket>', 'an S3 bucket rasters and STAC assets may be read from besides the buckets the spec and options name; the stack\'s rasterBuckets; repeatable, comma-separated (default: none)', commaValues)
    .action(async (o: StatsOptions) => {
      // the engine, the format readers and writers load when the command runs, never for --help (start-up)
      const [{ parseJobSpec, specRasterUris }, { readSpecFile }, { streamStatsJob }, { allowedFromUris, withRasterSources }, { defaultS3Client }, { openSink }] = await Promise.all([
        import('../../shared/spec'), import('../../shared/spec-file'), import('../../shared/engine/stats-job'), import('../../shared/io/uri'), import('../../shared/io/s3-client'),
        import('../../shared/output/open-sink'),
      ]);
      // every problem of the options and the spec at once, one line each (a bad --coverage never hides a bad --stats)
      const built = buildSpec(o, readSpecFile);
      const threads = o.threads === undefined ? undefined : parseThreads(o.threads, built.problems);
      const spec = parseJobSpec(built.spec, o.spec ? `job spec ${o.spec}` : 'options', { label: built.label, problems: built.problems });
      refuseDirectory(o.out); // before the suffix: a folder is named as such, not as an unknown format
      const format = outputFormat(o.out);
      if (o.geometry === true && (format === 'csv' || format === 'json')) throw new SpecError(`--geometry: ${o.out} is CSV or JSON, which stay plain; write .parquet (GeoParquet), .gpkg or .fgb`);
      checkInputFile(o.input);
      // the folders made for --out are removed again when the job fails (a missing raster, an interrupt): nothing is left
      const outDir = checkOutputFile(o.out, [o.input, ...(o.spec === undefined ? [] : [o.spec]), ...(o.weights === undefined ? [] : [o.weights]), ...spec.rasters.map((r) => r.uri)]);
      // a file already there is replaced when the job ends (the sink renames its temporary file into place): said on the result line
      const replacing = existsSync(o.out) && statSync(o.out).isFile();
      const bar = progressBar('stats', process.stderr, { quiet: o.quiet === true });
      // an S3 client (SDK imported) only when an s3:// raster, or a STAC search whose assets may be s3://, is asked for
      const s3Client = spec.stac !== undefined || spec.rasters.some((r) => /^s3:\/\//i.test(r.uri)) ? await defaultS3Client(process.env) : undefined;
      // rows stream into the output as each chunk is computed (nothing at --out before the job ends);
      // a time series in JSON is one Sentinel Hub-style document per feature
      let table: RowSink | null = null;
      let documents: SentinelHubJsonSink | null = null;
      let nullFids = 0;
      // how the output was written otherwise than asked (frac columns as JSON in a GeoPackage), said with the warnings
      const outputWarnings: string[] = [];
      const consumer: RowConsumer = {
        begin: async (columns, info) => {
          // GeoParquet: the features' own CRS, as PROJJSON (null when the input declares none)
          const geometry = spec.output.geometry && format !== 'csv' && format !== 'json' ? { crs: info?.crs ? (await import('../../shared/crs/projjson')).crsProjJson(info.crs) : null } : undefined;
          if (format === 'json' && spec.stac) {
            // a time series' own writer, loaded for one only
            const [{ SentinelHubJsonSink }, { FileOutput }] = await Promise.all([import('../../shared/output/sentinelhub-sink'), import('../../shared/output/file-output')]);
            documents = await SentinelHubJsonSink.open(await FileOutput.create(o.out, `--out ${o.out}`));
          }
          else table = await openSink(o.out, { columns, idKind: info?.idKind, metadata: { zonalflow_spec: JSON.stringify(spec) }, geometry }, { label: `--out ${o.out}`, warn: (w) => outputWarnings.push(w) });
        },
        rows: async (rows, byFeature) => {
          for (const r of rows) if (r.fidText === null) nullFids++;
          if (documents) await documents.write(rows, byFeature ?? new Map());
          else await table?.write(rows);
        },
      };
      // Ctrl-C / SIGTERM abort the job: its finally blocks remove the temporary folders, the sink its .tmp (cli/interrupt.ts)
      const result = await withInterruption(ctx.stderr, `the job was stopped; nothing written to ${o.out}, temporary files removed`, (signal) => streamStatsJob({
        input: o.input,
        spec,
        ...(s3Client ? { s3Client } : {}),
        requesterPays: process.env.AWS_REQUEST_PAYER === 'requester',
        // exactly what the user named (rasters, the STAC API, --raster-host/--raster-bucket); private and loopback
        // addresses only for --allow-host. A STAC API's asset hrefs pass this same list, as on AWS (stac.ts checkAssetHrefs)
        allowed: withRasterSources(allowedFromUris([...specRasterUris(spec), ...(spec.stac ? [spec.stac.api] : [])], o.allowHost ?? []), { httpsHosts: o.rasterHost ?? [], s3Buckets: o.rasterBucket ?? [] }),
        signal,
        onProgress: (p) => bar.update(p.done, p.total, p.failed),
        ...(threads !== undefined ? { threads } : {}),
      }, consumer)
        .then(async (r) => {
          await (documents ?? table)?.close();
          return r;
        })
        .catch(async (err: unknown) => {
          await (documents ?? table)?.abort(); // safe after a failed close too
          outDir.removeIfUnused();
          // a field the options set is named by its option (`--bands`, `--raster #2`), as the spec's problems are
          throw relabelSpecField(err, built.label);
        })
        .finally(() => {
          bar.finish();
          s3Client?.destroy();
        }));
      bar.finish();
      const s = result.summary;
      // decided before the lines below: a closed stderr that cuts them short keeps it (bin/output-errors.mjs)
      ctx.exitCode = exitCodeOf(jobOutcome(s.features, s.failed));
      ctx.stderr.write(
        `zonalflow: ${count(s.features, 'feature')} (${s.done} computed, ${s.failed} failed)${result.scenes !== undefined ? ` over ${count(result.scenes, 'scene')}` : ''} in ${s.seconds.toFixed(2)} s, ` +
          `${byteSize(s.bytesRead)} read in ${readsPhrase(s.requests, s.fileReads)} -> ${o.out}${replacing ? ' (replaced)' : ''}\n`,
      );
      if (o.quiet !== true) for (const n of s.crs ?? []) ctx.stderr.write(`zonalflow: CRS: features ${n.features} -> raster ${n.raster} ${n.crs}: ${n.transformation}\n`);
      for (const w of [...(s.warnings ?? []), ...outputWarnings]) ctx.stderr.write(`zonalflow: warning: ${w}\n`);
      // a feature that could not be computed is an error of that feature (its row says why; the job went on)
      for (const line of failureLines(s.failures.map((f) => f.reason), s.failed, 'the "error" column')) ctx.stderr.write(`zonalflow: ${line}\n`);
      // the identity warnings zonalflow estimate gives too (estimate.ts)
      const nullFid = nullFidWarning(nullFids);
      const repeated = duplicateIdWarning(s.repeatedIds ?? { duplicates: s.duplicateIds, repeatedIds: 0, named: [] }, spec.input.idColumn);
      for (const w of [nullFid, repeated]) if (w !== null) ctx.stderr.write(`zonalflow: warning: ${w}\n`);
    });
}

function outputFormat(path: string): OutputFormat {
  const format = outputFormatFromSuffix(path);
  if (format === null) throw new SpecError(`--out ${path}: ${outputSuffixProblem(path)}`);
  return format;
}

/** GeoPackage and FlatGeobuf outputs (always written with geometry). */
function isGeoFormat(path: string): boolean {
  return /\.(gpkg|fgb)$/i.test(path);
}

/** A problem of one option's value, found before the spec is validated (listed with the spec's problems). */
interface OptionProblem { label: string; message: string }

/**
 * The spec from `--spec` (if any) with the command-line options applied on top; the problems of option values
 * that cannot go into a spec (not a number...), and the option that set each spec field (to name it in errors).
 */
export function buildSpec(o: StatsOptions, readSpec: typeof readSpecFile): { spec: JobSpecInput; problems: OptionProblem[]; label: (path: readonly PropertyKey[]) => string | undefined } {
  const problems: OptionProblem[] = [];
  // the value, or undefined after noting its problem
  const value = <T>(label: string, parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      problems.push({ label, message: err.message.replace(/^\S+: /, '') });
      return undefined;
    }
  };
  let base: Record<string, unknown> = {};
  if (o.spec) {
    const value = readSpec(o.spec).value;
    // the options are set on top of the spec's fields: a spec that is no object (`[]`) is said as such, not as one with no rasters
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new SpecError(`invalid job spec ${o.spec}: a job spec is a JSON object ({"rasters": [...], "stats": [...], ...}), not ${jsonKind(value)}`);
    base = value as Record<string, unknown>;
  }
  const spec: Record<string, unknown> = { ...base };
  const input = { ...((base.input as Record<string, unknown> | undefined) ?? {}) };
  if (o.layer !== undefined) input.layer = o.layer;
  if (o.idColumn !== undefined) input.idColumn = o.idColumn;
  if (o.includeCols !== undefined) input.include = o.includeCols;
  spec.input = input;
  const bands = o.bands === undefined ? undefined : value('--bands', () => o.bands?.split(',').map((b) => parseNumber(b, '--bands')));
  const nodata = o.nodata === undefined ? undefined : o.nodata === 'none' ? null : value('--nodata', () => parseNumber(o.nodata ?? '', '--nodata'));
  const rasters = o.raster ?? [];
  if (rasters.length > 0) {
    // a raster whose NAME= breaks the rule is listed with the other problems, and kept unnamed (no spurious "at least one raster")
    spec.rasters = rasters.map((v) => ({ ...(value('--raster', () => rasterArg(v)) ?? { uri: v }), ...(bands ? { bands } : {}), ...(nodata !== undefined ? { nodata } : {}) }));
  } else if (!o.spec) {
    throw new SpecError('give --raster <uri> (repeatable) or --spec <job.json>');
  } else if (o.bands !== undefined || o.nodata !== undefined) {
    problems.push({ label: o.bands !== undefined ? '--bands' : '--nodata', message: 'applies to --raster; with --spec set it per raster in the spec' });
  }
  // GeoPackage and FlatGeobuf are geo formats: they always carry the geometry
  if (o.geometry === true || isGeoFormat(o.out)) spec.output = { ...((base.output) ?? {}), geometry: true };
  if (o.stats) spec.stats = o.stats;
  if (o.coverage !== undefined) spec.coverage = o.coverage;
  if (o.weights !== undefined) spec.weights = { ...((base.weights) ?? {}), uri: o.weights };
  if (o.coverageWeight !== undefined) spec.coverageWeight = o.coverageWeight;
  if (o.minCoverageFrac !== undefined) spec.minCoverageFrac = value('--min-coverage-frac', () => parseFraction(o.minCoverageFrac ?? '', '--min-coverage-frac'));
  if (o.defaultValue !== undefined) spec.defaultValue = value('--default-value', () => parseNumber(o.defaultValue ?? '', '--default-value'));
  if (o.defaultWeight !== undefined) spec.defaultWeight = value('--default-weight', () => parseNumber(o.defaultWeight ?? '', '--default-weight'));
  if (o.histogramBins !== undefined || o.histogramRange !== undefined) {
    const h = { ...((base.histogram as Record<string, unknown> | undefined) ?? {}) };
    if (o.histogramBins !== undefined) h.bins = value('--histogram-bins', () => parseBins(o.histogramBins ?? ''));
    if (o.histogramRange !== undefined) h.range = value('--histogram-range', () => parseRange(o.histogramRange ?? ''));
    spec.histogram = h;
  }
  // a field the options set is named by its option (`--raster` for rasters.0.uri); the spec's own by its path
  const options: [string[], string | undefined][] = [
    [['input', 'layer'], o.layer === undefined ? undefined : '--layer'],
    [['input', 'idColumn'], o.idColumn === undefined ? undefined : '--id-column'],
    [['input', 'include'], o.includeCols === undefined ? undefined : '--include-cols'],
    [['stats'], o.stats === undefined ? undefined : '--stats'],
    [['coverage'], o.coverage === undefined ? undefined : '--coverage'],
    [['weights', 'uri'], o.weights === undefined ? undefined : '--weights'],
    [['coverageWeight'], o.coverageWeight === undefined ? undefined : '--coverage-weight'],
    [['minCoverageFrac'], o.minCoverageFrac === undefined ? undefined : '--min-coverage-frac'],
    [['defaultValue'], o.defaultValue === undefined ? undefined : '--default-value'],
    [['defaultWeight'], o.defaultWeight === undefined ? undefined : '--default-weight'],
    [['histogram', 'bins'], o.histogramBins === undefined ? undefined : '--histogram-bins'],
    [['histogram', 'range'], o.histogramRange === undefined ? undefined : '--histogram-range'],
  ];
  const label = (path: readonly PropertyKey[]): string | undefined => {
    if (path[0] === 'rasters' && rasters.length > 0) {
      if (path.length === 1) return '--raster';
      const which = rasters.length > 1 ? ` #${Number(path[1]) + 1}` : '';
      const field = path[2];
      if (field === 'bands' && o.bands !== undefined) return '--bands';
      if (field === 'nodata' && o.nodata !== undefined) return '--nodata';
      return `--raster${which}${field === 'name' ? ' (its NAME=)' : ''}`;
    }
    for (const [prefix, option] of options) if (option !== undefined && prefix.every((p, i) => path[i] === p)) return option;
    return undefined;
  };
  return { spec, problems, label };
}

/** What a JSON value is, as a spec's problems say it: a list, null, the number 5, the text "x". */
function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the text ${JSON.stringify(v).slice(0, 60)}`;
  return `the ${typeof v} ${JSON.stringify(v)}`;
}

/** `--threads N`: a whole number from 1 to 256; otherwise its problem is noted in `problems` (undefined). */
function parseThreads(text: string, problems: OptionProblem[]): number | undefined {
  const n = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(n) || n < 1 || n > 256) {
    problems.push({ label: '--threads', message: `"${text}" is not a whole number from 1 to 256` });
    return undefined;
  }
  return n;
}

/** `--histogram-bins N`: a whole number from 1 to 10,000 (the spec's bounds), one line otherwise. */
function parseBins(text: string): number {
  const n = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(n) || n < 1 || n > 10_000) throw new SpecError(`--histogram-bins: "${text}" is not a whole number from 1 to 10000`);
  return n;
}

/** `--histogram-range min,max`: two numbers, min < max, one line otherwise. */
function parseRange(text: string): [number, number] {
  const parts = text.split(',');
  const a = parts.length === 2 && parts[0]?.trim() !== '' ? Number(parts[0]) : NaN;
  const b = parts.length === 2 && parts[1]?.trim() !== '' ? Number(parts[1]) : NaN;
  if (!Number.isFinite(a) || !Number.isFinite(b) || !(a < b)) throw new SpecError(`--histogram-range: "${text}" is not min,max (two numbers, min < max, e.g. 0,4000)`);
  return [a, b];
}

/** A fraction from 0 to 1 (`--min-coverage-frac`), one line otherwise. */
function parseFraction(text: string, option: string): number {
  const n = parseNumber(text, option);
  if (n < 0 || n > 1) throw new SpecError(`${option}: "${text}" is not a fraction from 0 to 1`);
  return n;
}

function parseNumber(text: string, option: string): number {
  const n = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(n)) throw new SpecError(`${option}: "${text}" is not a number`);
  return n;
}
