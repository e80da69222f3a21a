/**
 * A corrupt input file is bad input whatever its format (README, Exit codes: 2, "an input ... that cannot be
 * used"): `zonalflow stats` on a corrupt GeoPackage, GeoParquet, FlatGeobuf, GeoJSON, GeoJSONSeq and Shapefile
 * (.shp, .dbf, .zip) exits 2 with one line naming the file and the problem, through the CLI's own `main`;
 * `zonalflow local` the same for a GeoPackage and a GeoJSON. The corrupt files are the GDAL-written fixtures
 * of test/fixtures/formats cut short (or bytes that are no such file); the figures of the messages come from
 * the files' own headers, read here (SQLite's page size and count, the .dbf's record count and length).
 * Before: a GeoPackage's GEOPACKAGE_INVALID exited 1 (stats and local), a GeoJSON parser's message quoting a
 * newline printed two lines, and a .dbf cut short was read as empty attributes (exit 0).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cases/run-cli';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const FORMATS = join(ROOT, 'test', 'fixtures', 'formats');
const GPKG = join(ROOT, 'examples', 'lux_cantons_2169.gpkg');
const RASTER = join(ROOT, 'examples', 'elev.cog.tif');
const dir = mkdtempSync(join(tmpdir(), 'zf-corrupt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The first `n` bytes of `from`, written to `name` in the test's folder. */
function cut(from: string, n: number, name: string): string {
  const path = join(dir, name);
  writeFileSync(path, readFileSync(from).subarray(0, n));
  return path;
}

/** `bytes` bytes that are no file of any format (a fixed pattern). */
function noise(name: string, bytes: number): string {
  const path = join(dir, name);
  writeFileSync(path, Buffer.from(Array.from({ length: bytes }, (_, i) => (i * 131 + 7) % 251)));
  return path;
}

/** A copy of the fixture shapefile (test/fixtures/formats/shp) named `stem`, with `part` cut to `n` bytes. */
function shapefile(stem: string, part: 'shp' | 'dbf', n: number): string {
  const d = join(dir, stem);
  mkdirSync(d, { recursive: true });
  for (const ext of ['shp', 'shx', 'dbf', 'prj']) copyFileSync(join(FORMATS, 'shp', `lux_cantons_2169.${ext}`), join(d, `${stem}.${ext}`));
  cut(join(FORMATS, 'shp', `lux_cantons_2169.${part}`), n, join(stem, `${stem}.${part}`));
  return join(d, `${stem}.shp`);
}

/** The CLI in this process: its exit code and what it printed on stderr. */
const run = (args: string[]): Promise<{ code: number; err: string }> => runCli(args);

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// SQLite's header: the page size at offset 16 (big-endian), the page count at 28
const head = readFileSync(GPKG);
const pageSize = head.readUInt16BE(16);
const pages = head.readUInt32BE(28);
// the .dbf header: records at 4, header length at 8, record length at 10 (little-endian)
const dbf = readFileSync(join(FORMATS, 'shp', 'lux_cantons_2169.dbf'));
const [records, headerBytes, recordBytes] = [dbf.readUInt32LE(4), dbf.readUInt16LE(8), dbf.readUInt16LE(10)];

// the FlatGeobuf header's length (u32 after the 8 magic bytes)
const fgbHeader = readFileSync(join(FORMATS, 'lux_cantons_2169.fgb')).readUInt32LE(8);

/** Per format: the corrupt file, its error code and the problem the line must name. */
const CASES: { what: string; file: () => string; code: string; problem: (file: string) => RegExp }[] = [
  { what: 'GeoPackage cut short', file: () => cut(GPKG, 3000, 'cut.gpkg'), code: 'GEOPACKAGE_INVALID', problem: (f) => new RegExp(`^${escape(f)} is truncated \\(3000 bytes; its header says ${pages} pages of ${pageSize} bytes = ${pages * pageSize}\\)$`) },
  { what: 'GeoPackage that is no SQLite file', file: () => noise('noise.gpkg', 8192), code: 'GEOPACKAGE_INVALID', problem: (f) => new RegExp(`^${escape(f)} is not a GeoPackage \\(not an SQLite database\\)$`) },
  { what: 'GeoParquet cut short', file: () => cut(join(FORMATS, 'lux_cantons_2169.parquet'), 3000, 'cut.parquet'), code: 'INPUT_INVALID', problem: (f) => new RegExp(`^${escape(f)} is not a Parquet file \\(no PAR1 footer\\)$`) },
  // cut inside the header (1,436 bytes, the fixture's u32 at byte 8) and inside the spatial index after it: "truncated" in both,
  // bounded by the file's size before flatgeobuf's reader parses a header cut short ("Column name unexpectedly missing")
  { what: 'FlatGeobuf cut inside its header', file: () => cut(join(FORMATS, 'lux_cantons_2169.fgb'), 1000, 'cut-header.fgb'), code: 'INPUT_INVALID', problem: (f) => new RegExp(`^${escape(f)} is truncated: its header states ${fgbHeader} bytes and the file ends 988 bytes into it$`) },
  { what: 'FlatGeobuf cut inside its spatial index', file: () => cut(join(FORMATS, 'lux_cantons_2169.fgb'), 12 + fgbHeader + 16, 'cut-index.fgb'), code: 'INPUT_INVALID', problem: (f) => new RegExp(`^${escape(f)} is truncated: its header states 12 features and the file ends inside their spatial index \\(\\d+ bytes\\)$`) },
  { what: 'FlatGeobuf cut short', file: () => cut(join(FORMATS, 'lux_cantons_2169.fgb'), 20_000, 'cut.fgb'), code: 'INPUT_INVALID', problem: (f) => new RegExp(`^${escape(f)} is truncated: its header states 12 features and the file ends inside feature \\d+$`) },
  { what: 'GeoJSON cut short', file: () => cut(join(FORMATS, 'lux_cantons_2169.geojson'), 3000, 'cut.geojson'), code: 'INPUT_INVALID', problem: (f) => new RegExp(`^${escape(f)} is not valid GeoJSON: .*mid-parsing`) },
  {
    what: 'GeoJSON with a newline inside a string (the parser quotes it)',
    file: () => {
      const path = join(dir, 'newline.geojson');
      writeFileSync(path, '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Clerv\naux"},"geometry":null}]}\n');
      return path;
    },
    code: 'INPUT_INVALID',
    problem: (f) => new RegExp(`^${escape(f)} is not valid GeoJSON near feature 0: Unexpected "\\\\n"`),
  },
  { what: 'GeoJSONSeq cut inside its first line', file: () => cut(join(FORMATS, 'lux_cantons_2169_seq.geojsonl'), 3000, 'cut.geojsonl'), code: 'INPUT_INVALID', problem: (f) => new RegExp(`^${escape(f)}: line 1 is not a JSON feature`) },
  { what: 'Shapefile whose .shp is cut short', file: () => shapefile('shpcut', 'shp', 1000), code: 'INPUT_INVALID', problem: (f) => new RegExp(`^${escape(f)}: record \\d+ cannot be read`) },
  { what: 'Shapefile whose .dbf is cut short', file: () => shapefile('dbfcut', 'dbf', 300), code: 'INPUT_INVALID', problem: (f) => new RegExp(`^${escape(f)}: dbfcut\\.dbf is truncated: its header states ${records} records of ${recordBytes} bytes after ${headerBytes} bytes of header \\(${headerBytes + records * recordBytes} bytes\\) and the file has 300 bytes$`) },
  { what: 'an empty .geojson (0 bytes)', file: () => cut(join(FORMATS, 'lux_cantons_2169.geojson'), 0, 'empty.geojson'), code: 'INPUT_INVALID', problem: (f) => new RegExp(`^${escape(f)} is empty \\(0 bytes\\)$`) },
  { what: 'an empty .gpkg (0 bytes)', file: () => cut(GPKG, 0, 'empty.gpkg'), code: 'INPUT_INVALID', problem: (f) => new RegExp(`^${escape(f)} is empty \\(0 bytes\\)$`) },
  { what: 'zipped Shapefile cut short', file: () => cut(join(FORMATS, 'lux_cantons_2169.shp.zip'), 3000, 'cut.zip'), code: 'INPUT_INVALID', problem: (f) => new RegExp(`^${escape(f)} is not a readable zip file`) },
];

describe('a corrupt input file exits 2 with one line naming the file and the problem, whatever its format', () => {
  for (const c of CASES) {
    it(`stats: ${c.what}`, async () => {
      const file = c.file();
      const out = join(dir, `${Math.random()}.csv`);
      const r = await run(['stats', '--input', file, '--raster', RASTER, '--out', out, '--quiet']);
      const lines = r.err.trim().split('\n');
      expect(lines, r.err).toHaveLength(1);
      const prefix = `zonalflow: error [${c.code}]: `;
      expect(lines[0]?.startsWith(prefix), r.err).toBe(true);
      expect(lines[0]?.slice(prefix.length)).toMatch(c.problem(file));
      expect(r.code, r.err).toBe(2);
    });
  }

  it('local: a GeoPackage and a GeoJSON cut short exit 2 as well, naming the file and the problem', async () => {
    const spec = join(dir, 'job.json');
    writeFileSync(spec, JSON.stringify({ rasters: [{ name: 'elev', uri: RASTER }], stats: ['count', 'mean'] }));
    for (const [file, problem] of [
      [cut(GPKG, 3000, 'local.gpkg'), `local.gpkg is truncated (3000 bytes; its header says ${pages} pages of ${pageSize} bytes = ${pages * pageSize})`],
      [cut(join(FORMATS, 'lux_cantons_2169.geojson'), 3000, 'local.geojson'), 'local.geojson is not valid GeoJSON: '],
    ] as const) {
      const r = await run(['local', '--input', file, '--spec', spec, '--out', join(dir, `local-${Math.random()}`), '--quiet']);
      const lines = r.err.trim().split('\n');
      expect(lines, r.err).toHaveLength(1);
      expect(lines[0]).toMatch(/^zonalflow local: job \S+ FAILED; .*: /);
      expect(lines[0]).toContain(problem);
      expect(r.code, r.err).toBe(2);
    }
  }, 120_000);
});
