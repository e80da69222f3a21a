/**
 * Which datum transformation PROJ applies between two CRSs, for the job's
 * summary. PROJ (proj_create_crs_to_crs, as GDAL and pyproj call it) keeps
 * every candidate operation between the two geodetic CRSs and, per point,
 * uses the most accurate one whose area of use contains the point and whose
 * grids are installed. The same rule is applied here to the candidates of
 * PROJ's own database (proj.db: helmert_, grid_, other_transformation and
 * concatenated_operation, with their usage extents), at one point (the
 * raster's centre): the answer names the operation ("EPSG:1175 NAD27 to WGS 84
 * (6), accuracy 7 m"). A definition carrying TOWGS84 is that Helmert shift.
 */
import { perPair, type Crs } from './crs';
import { projDataFiles, projDbRows } from './proj';
import { resolveSrs } from './transform';

/** The geodetic CRS of a WKT1 (its GEOGCS): EPSG code when named, and whether it states TOWGS84. */
function geodetic(wkt: string): { code: string | null; towgs84: string | null; datum: string } {
  const start = wkt.indexOf('GEOGCS[');
  if (start < 0) return { code: null, towgs84: null, datum: '' };
  let depth = 0;
  let end = start;
  for (let i = start; i < wkt.length; i++) {
    const ch = wkt[i];
    if (ch === '[') depth++;
    else if (ch === ']') {
      depth--;
      if (depth === 0) {
        end = i + 1;
        break;
      }
    }
  }
  const g = wkt.slice(start, end);
  const code = /AUTHORITY\["EPSG","(\d+)"\]\]$/.exec(g)?.[1] ?? null;
  const towgs84 = /TOWGS84\[([^\]]*)\]/.exec(g)?.[1] ?? null;
  const datum = /DATUM\["([^"]*)"/.exec(g)?.[1] ?? '';
  return { code, towgs84, datum };
}

interface Candidate { table: string; code: string; name: string; accuracy: number | null; south: number; west: number; north: number; east: number }

const TABLES = ['helmert_transformation', 'grid_transformation', 'other_transformation', 'concatenated_operation'] as const;

function candidates(a: string, b: string): Candidate[] {
  const sql = TABLES.map((t) =>
    `SELECT '${t}' AS tbl, o.code AS code, o.name AS name, o.accuracy AS accuracy, e.south_lat AS south, e.west_lon AS west, e.north_lat AS north, e.east_lon AS east ` +
    `FROM ${t} o JOIN usage u ON u.object_table_name = '${t}' AND u.object_auth_name = o.auth_name AND u.object_code = o.code ` +
    `JOIN extent e ON e.auth_name = u.extent_auth_name AND e.code = u.extent_code ` +
    `WHERE o.auth_name = 'EPSG' AND o.deprecated = 0 AND o.source_crs_auth_name = 'EPSG' AND o.target_crs_auth_name = 'EPSG' ` +
    `AND ((o.source_crs_code = '${a}' AND o.target_crs_code = '${b}') OR (o.source_crs_code = '${b}' AND o.target_crs_code = '${a}'))`,
  ).join(' UNION ALL ');
  return projDbRows(sql).map((r) => ({
    table: String(r.tbl),
    code: String(r.code),
    name: String(r.name),
    accuracy: typeof r.accuracy === 'number' ? r.accuracy : null,
    south: Number(r.south),
    west: Number(r.west),
    north: Number(r.north),
    east: Number(r.east),
  }));
}

/** The grids an operation needs (its own, or those of a concatenated operation's steps), as file names PROJ looks for. */
function gridsOf(c: Candidate): string[][] {
  const steps =
    c.table === 'concatenated_operation'
      ? projDbRows(`SELECT s.step_code AS code FROM concatenated_operation_step s WHERE s.operation_auth_name = 'EPSG' AND s.operation_code = '${c.code}'`).map((r) => String(r.code))
      : [c.code];
  const out: string[][] = [];
  for (const code of steps) {
    const rows = projDbRows(
      `SELECT g.grid_name AS grid, a.proj_grid_name AS proj, a.old_proj_grid_name AS old FROM grid_transformation g LEFT JOIN grid_alternatives a ON a.original_grid_name = g.grid_name WHERE g.auth_name = 'EPSG' AND g.code = '${code}'`,
    );
    for (const r of rows) out.push([r.grid, r.proj, r.old].filter((x): x is string => typeof x === 'string' && x !== ''));
  }
  return out;
}

function contains(c: Candidate, lon: number, lat: number): boolean {
  if (lat < c.south || lat > c.north) return false;
  return c.west <= c.east ? lon >= c.west && lon <= c.east : lon >= c.west || lon <= c.east;
}

const area = (c: Candidate): number => (c.north - c.south) * (c.west <= c.east ? c.east - c.west : 360 - c.west + c.east);

/**
 * What PROJ does between two CRSs at a point (longitude/latitude in degrees,
 * WGS 84): "EPSG:1175 NAD27 to WGS 84 (6), accuracy 7 m", "no datum shift
 * (same datum)", "Helmert from the definition's TOWGS84[...]", or, when PROJ
 * knows no operation between the two datums, "none known to PROJ (ballpark:
 * no datum shift)". PROJ must be loaded.
 */
export function describeTransformation(from: Crs, to: Crs, at?: [number, number]): string {
  return perPair(described, from, to, (a, b) => describe(a, b, at), at ? `${at[0].toFixed(2)},${at[1].toFixed(2)}` : '');
}

const described = new Map<string, string>();

/** The EPSG geodetic CRS a CRS is built on, from proj.db when the CRS has an EPSG code (its WKT1 may not say: methods WKT1 cannot express). */
function baseCode(crs: Crs, fromWkt: string | null): string | null {
  const own = crs.epsg ?? (/AUTHORITY\["EPSG","(\d+)"\]\]$/.exec(resolveSrs(crs).srs.wkt)?.[1] ?? undefined);
  if (own === undefined) return fromWkt;
  const code = String(own);
  const rows = projDbRows(
    `SELECT geodetic_crs_code AS code FROM projected_crs WHERE auth_name = 'EPSG' AND code = '${code}' AND geodetic_crs_auth_name = 'EPSG' ` +
      `UNION ALL SELECT code AS code FROM geodetic_crs WHERE auth_name = 'EPSG' AND code = '${code}' ` +
      `UNION ALL SELECT g.code AS code FROM compound_crs c JOIN projected_crs p ON p.auth_name = c.horiz_crs_auth_name AND p.code = c.horiz_crs_code JOIN geodetic_crs g ON g.auth_name = p.geodetic_crs_auth_name AND g.code = p.geodetic_crs_code WHERE c.auth_name = 'EPSG' AND c.code = '${code}'`,
  );
  const hit = rows[0]?.code;
  return hit === undefined || hit === null ? fromWkt : String(hit);
}

/** What is known between two CRSs before a point is given: the answer itself, or PROJ's usable operations between their EPSG datums. */
type PairOperations = string | { a: string; b: string; usable: Candidate[] };

/**
 * The point-independent part of describe(), once per pair of CRSs for the life of the module (proj.db is read-only: a
 * Lambda environment's next batch, at another point, asks only which of these operations covers it).
 */
function pairOperations(from: Crs, to: Crs): PairOperations {
  return perPair(pairs, from, to, readPairOperations);
}

const pairs = new Map<string, PairOperations>();

function readPairOperations(from: Crs, to: Crs): PairOperations {
  const wa = geodetic(resolveSrs(from).srs.wkt);
  const wb = geodetic(resolveSrs(to).srs.wkt);
  const a = { ...wa, code: baseCode(from, wa.code) };
  const b = { ...wb, code: baseCode(to, wb.code) };
  if (a.code !== null && a.code === b.code) return 'no datum shift (same datum)';
  if (a.towgs84 !== null || b.towgs84 !== null) {
    const own = [a.towgs84 === null ? null : `${from.name}: TOWGS84[${a.towgs84}]`, b.towgs84 === null ? null : `${to.name}: TOWGS84[${b.towgs84}]`].filter((x) => x !== null);
    return `Helmert from the definition (${own.join('; ')})`;
  }
  if (a.code === null || b.code === null) {
    if (a.datum !== '' && a.datum === b.datum) return 'no datum shift (same datum)';
    return `none known to PROJ between "${a.datum || from.name}" and "${b.datum || to.name}" (ballpark: no datum shift)`;
  }
  const files = new Set(projDataFiles());
  const all = candidates(a.code, b.code);
  // PROJ drops an operation superseded by another candidate (EPSG's supersession records)
  const codes = new Set(all.map((c) => c.code));
  const superseded = new Set(
    all.length === 0
      ? []
      : projDbRows(`SELECT superseded_code AS code, replacement_code AS by FROM supersession WHERE superseded_auth_name = 'EPSG' AND replacement_auth_name = 'EPSG' AND same_source_target_crs = 1 AND superseded_code IN (${[...codes].map((c) => `'${c}'`).join(',')})`)
          .filter((r) => codes.has(String(r.by)))
          .map((r) => String(r.code)),
  );
  return { a: a.code, b: b.code, usable: all.filter((c) => !superseded.has(c.code) && gridsOf(c).every((names) => names.some((n) => files.has(n)))) };
}

function describe(from: Crs, to: Crs, at?: [number, number]): string {
  const pair = pairOperations(from, to);
  if (typeof pair === 'string') return pair;
  const { a, b, usable } = pair;
  const here = at ? usable.filter((c) => contains(c, at[0], at[1])) : [...usable];
  if (here.length === 0) {
    return usable.length === 0
      ? `via an intermediate datum or ballpark (PROJ has no direct operation EPSG:${a} <-> EPSG:${b} with installed grids)`
      : `ballpark (no datum shift): none of PROJ's ${usable.length} operation(s) EPSG:${a} <-> EPSG:${b} covers ${at ? `(${at[0].toFixed(3)}, ${at[1].toFixed(3)})` : 'this area'}`;
  }
  // PROJ lists operations by area of use (larger first), then accuracy, then name (the later one first),
  // and per point takes the first with the best accuracy among those whose area contains the point
  here.sort((x, y) => (x.accuracy ?? Infinity) - (y.accuracy ?? Infinity) || area(y) - area(x) || (x.name < y.name ? 1 : x.name > y.name ? -1 : 0));
  const best = here[0] as Candidate;
  return `EPSG:${best.code} "${best.name}"${best.accuracy === null ? '' : `, accuracy ${best.accuracy} m`}${best.table === 'grid_transformation' ? ' (grid)' : ''}`;
}
