/**
 * Output paths checked before any work: `--out` must be creatable (its folder exists
 * or can be made, is a folder and writable), must not be a directory (files) or a
 * file (`local` directories), and must never name an input. Writes that fail anyway
 * (a full disk) become one typed line. Errors: OutputError naming the path and the reason.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, realpathSync, rmdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError, OutputError } from '../shared/errors';
import { ioReason } from '../shared/output/file-output';
import { count } from './format';

const reason = ioReason;

/** The canonical form of a path (symbolic links resolved when it exists). */
function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** Creates the folder `dir` (and parents) or explains why it cannot be. */
function ensureFolder(dir: string, what: string): string[] {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new OutputError(`${what}: ${dir} is a file, not a folder`);
    return [];
  }
  // one level at a time from the nearest existing ancestor: Node's recursive mkdir loops
  // forever under a folder that refuses new entries without an error of its own (/proc/x/y)
  const missing: string[] = [];
  let d = resolve(dir);
  while (!existsSync(d)) {
    missing.unshift(d);
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  if (existsSync(d) && !statSync(d).isDirectory()) throw new OutputError(`${what}: ${d} is a file, not a folder`);
  for (const m of missing) {
    try {
      mkdirSync(m);
    } catch (err) {
      throw new OutputError(`${what}: cannot create the folder ${dir}: ${reason(err)}`, { cause: err });
    }
  }
  return missing;
}

/**
 * Refuses an output file path that is an existing folder (OutputError naming it), so that
 * `--out results/` reads "is a directory" rather than "unknown output format". `example`
 * is the file name suggested inside it.
 */
export function refuseDirectory(out: string, example = 'results.csv'): void {
  if (existsSync(out) && statSync(out).isDirectory()) throw new OutputError(`--out ${out} is a directory; give a file name (e.g. ${join(out, example)})`);
}

/**
 * Checks that the output file `out` can be written and is none of `inputs`; creates its
 * folder. Leaves no file behind (the probe is removed). `example`: the file name suggested
 * when `out` is a folder. Returns the folders it made, to be removed when the run fails
 * before writing anything (OutputDir.removeIfUnused).
 */
export function checkOutputFile(out: string, inputs: readonly string[], example = 'results.csv'): OutputDir {
  const what = `--out ${out}`;
  const target = canonical(out);
  for (const i of inputs) if (canonical(i) === target) throw new OutputError(`${what} is the input ${i}; choose another output path`);
  if (existsSync(out)) {
    const st = statSync(out);
    refuseDirectory(out, example);
    if (st.isFile()) {
      try {
        closeSync(openSync(out, 'r+'));
      } catch (err) {
        throw new OutputError(`${what} cannot be written: ${reason(err)}`, { cause: err });
      }
    }
    return createdFolders([]); // devices and pipes: written as they are
  }
  const dir = createdFolders(ensureFolder(dirname(resolve(out)), what));
  const probe = `${resolve(out)}.zonalflow-${process.pid}.tmp`;
  try {
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
  } catch (err) {
    dir.removeIfUnused();
    throw new OutputError(`${what} cannot be created: ${reason(err)}`, { cause: err });
  }
  return dir;
}

/** The folders made for an output (outermost first), and how to remove them again while they are empty. */
function createdFolders(created: readonly string[]): OutputDir {
  return {
    created,
    removeIfUnused() {
      // deepest first; a folder that holds anything now (the user's or the job's) stays, and so do its parents
      for (const d of [...created].reverse()) {
        try {
          if (readdirSync(d).length > 0) return;
          rmdirSync(d);
        } catch {
          return;
        }
      }
    },
  };
}

/** What a `local` job writes into its output folder (removed by --overwrite). */
const JOB_FILE = /^(results\.[A-Za-z]+|summary\.json|features|report\.html)$/;

/**
 * Checks an output folder (`zonalflow local --out DIR`): not a file, not an input, creatable
 * and writable; an existing non-empty folder is refused unless `overwrite`, which empties it.
 */
export function checkOutputDir(out: string, inputs: readonly string[], opts: { overwrite?: boolean } = {}): OutputDir {
  const what = `--out ${out}`;
  const target = canonical(out);
  for (const i of inputs) {
    const c = canonical(i);
    if (c === target || c.startsWith(`${target}/`)) throw new OutputError(`${what} ${c === target ? 'is' : 'holds'} the input ${i}; choose another output folder`);
  }
  if (existsSync(out)) {
    if (!statSync(out).isDirectory()) throw new OutputError(`${what} is a file; give a folder (it is created if missing)`);
    const entries = readdirSync(out);
    if (entries.length > 0) {
      if (!opts.overwrite) throw new OutputError(`${what} is not empty (${count(entries.length, 'entry', 'entries')}); choose an empty folder or add --overwrite to replace a previous job's files`);
      const foreign = entries.find((e) => !JOB_FILE.test(e));
      if (foreign !== undefined) throw new OutputError(`${what} holds ${foreign}, which is not a file of a previous job; --overwrite removes only a job's files (results.*, summary.json, features/): choose another folder`);
      for (const e of entries) rmSync(join(out, e), { recursive: true, force: true });
    }
  }
  const dir = createdFolders(existsSync(out) ? [] : ensureFolder(resolve(out), what));
  const probe = join(out, `.zonalflow-${process.pid}.tmp`);
  try {
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
  } catch (err) {
    dir.removeIfUnused();
    throw new OutputError(`${what} cannot be written: ${reason(err)}`, { cause: err });
  }
  return dir;
}

/** An output checked by {@link checkOutputDir} or {@link checkOutputFile}: the folders made for it (outermost first). */
export interface OutputDir {
  readonly created: readonly string[];
  /** Removes the folders made for the output, while they are empty (a run stopped before it wrote anything). */
  removeIfUnused(): void;
}

/** Checks that the input `path` exists and is a file (InputError naming it otherwise). */
export function checkInputFile(path: string): void {
  if (!existsSync(path)) throw new InputError(`--input ${path} does not exist`);
  if (statSync(path).isDirectory()) throw new InputError(`--input ${path} is a directory; give the features file (.gpkg, .parquet, .fgb, .geojson, .geojsonl, .shp, .zip)`);
}
