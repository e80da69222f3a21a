/**
 * Exit codes of `zonalflow stats`, through the CLI's own `main`: 0 every feature computed,
 * 3 some failed, 1 none computed, 2 usage error (README's table; shared/jobs/outcome.ts).
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../../cli/main';
import { runCli } from '../../cases/run-cli';
import { exitCodeOf, exitCodeOfError, jobOutcome } from '../../../shared/jobs/outcome';
import { InterruptedError, OutputError, OutputSpaceError } from '../../../shared/errors';
import { isDeviceFull, writeFailure } from '../../../shared/output/file-output';
import { writeGeoPackage } from '../../helpers/gpkg-writer';
import type { WriteFeature } from '../../helpers/gpkg-writer';
import { writeCog } from '../../helpers/cog-writer';
import type { Position } from '../../../shared/geometry/types';

const dir = mkdtempSync(join(tmpdir(), 'zf-exit-'));
const raster = join(dir, 'r.tif');
writeCog(raster, { width: 20, height: 20, dtype: 'int32', tileSize: 16, epsg: 4326, transform: [0, 20, 1, 1], value: (r, c) => r * 20 + c });
const square = (x: number, y: number): Position[] => [[x, y], [x + 2, y], [x + 2, y + 2], [x, y + 2], [x, y]];
const bowtie: Position[] = [[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]];
const good: WriteFeature = { geometry: { type: 'Polygon', coordinates: [square(3, 3)] } };
const bad: WriteFeature = { geometry: { type: 'Polygon', coordinates: [bowtie] } };

function gpkg(name: string, features: WriteFeature[]): string {
  const path = join(dir, `${name}.gpkg`);
  writeGeoPackage(path, [{ name: 'fields', srsId: 4326, features }]);
  return path;
}

/** The CLI in this process: its exit code and what it printed on stderr. */
const run = (args: string[]): Promise<{ code: number; err: string }> => runCli(args);

const stats = (input: string, ...more: string[]): string[] => ['stats', '--input', input, '--raster', raster, '--out', join(dir, `${Math.random()}.csv`), '--quiet', ...more];

describe('exit codes', () => {
  it('0 when every feature is computed', async () => {
    expect((await run(stats(gpkg('ok', [good, good])))).code).toBe(0);
  });
  it('3 when some features failed and some were computed', async () => {
    expect((await run(stats(gpkg('some', [good, bad])))).code).toBe(3);
  });
  it('1 when every feature failed (the job computed nothing)', async () => {
    const r = await run(stats(gpkg('none', [bad, bad])));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/0 computed, 2 failed/);
  });
  it('2 for an unknown option, a bad choice, an invalid spec', async () => {
    const input = gpkg('usage', [good]);
    expect((await run(stats(input, '--no-such-option'))).code).toBe(2);
    expect((await run(stats(input, '--coverage', 'sideways'))).code).toBe(2);
    expect((await run(stats(input, '--stats', 'mean,average'))).code).toBe(2);
    const spec = join(dir, 'bad.json');
    writeFileSync(spec, JSON.stringify({ rasters: [{ uri: raster }], coverage: 'sideways' }));
    expect((await run(['stats', '--input', input, '--spec', spec, '--out', join(dir, 'x.csv')])).code).toBe(2);
  });
  it('2 and one line naming the option for a bad number: --histogram-range, --histogram-bins, --min-coverage-frac, --threads', async () => {
    const input = gpkg('numbers', [good]);
    const cases: [string[], RegExp][] = [
      [['--histogram-range', '5'], /--histogram-range: "5" is not min,max/],
      [['--histogram-range', '9,1'], /--histogram-range: "9,1" is not min,max/],
      [['--histogram-range', '1,2,3'], /--histogram-range: "1,2,3" is not min,max/],
      [['--histogram-bins', '0'], /--histogram-bins: "0" is not a whole number from 1 to 10000/],
      [['--min-coverage-frac', '2'], /--min-coverage-frac: "2" is not a fraction from 0 to 1/],
      [['--threads', 'abc'], /--threads: "abc" is not a whole number from 1 to 256/],
    ];
    for (const [args, message] of cases) {
      const r = await run(stats(input, ...args));
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    expect((await run(stats(input, '--stats', 'histogram', '--histogram-range', '0,400', '--histogram-bins', '4'))).code).toBe(0);
  });
  it('2 for an input or output path that cannot be used, and a missing spec file', async () => {
    const input = gpkg('paths', [good]);
    expect((await run(['stats', '--input', join(dir, 'nope.gpkg'), '--raster', raster, '--out', join(dir, 'y.csv')])).code).toBe(2);
    expect((await run(['stats', '--input', input, '--raster', raster, '--out', input])).code).toBe(2);
    const r = await run(['stats', '--input', input, '--spec', join(dir, 'nope.json'), '--out', join(dir, 'z.csv')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot read the job spec .*nope\.json: no such file/);
  });
  it('2 for a usage error found before anything is computed: id column, missing local raster, layer, band, refused URL', async () => {
    const input = gpkg('usage2', [good]);
    const out = (): string => join(dir, `${Math.random()}.csv`);
    const idc = await run(stats(input, '--id-column', 'NOPE'));
    expect(idc).toMatchObject({ code: 2 });
    expect(idc.err).toMatch(/^zonalflow: error \[INPUT_INVALID\]: .*has no column "NOPE" for the ids/);
    const miss = await run(['stats', '--input', input, '--raster', join(dir, 'nope.tif'), '--out', out(), '--quiet']);
    expect(miss.code).toBe(2);
    expect(miss.err).toMatch(/cannot open .*nope\.tif: no such file/);
    // a relative path names the folder it was looked for in (a spec run from another folder)
    const rel = await run(['stats', '--input', input, '--raster', 'zf-no-such-folder/nope.tif', '--out', out(), '--quiet']);
    expect(rel.code).toBe(2);
    expect(rel.err.trim()).toBe(`zonalflow: error [SOURCE_FAILED]: cannot open zf-no-such-folder/nope.tif: no such file (relative paths are read from the current folder: ${join(process.cwd(), 'zf-no-such-folder', 'nope.tif')})`);
    const two = join(dir, 'two.gpkg');
    writeGeoPackage(two, [{ name: 'a', srsId: 4326, features: [good] }, { name: 'b', srsId: 4326, features: [good] }]);
    const layers = await run(stats(two));
    expect(layers.code).toBe(2);
    expect(layers.err).toMatch(/2 layers .*choose one/);
    const band = await run(stats(input, '--bands', '2'));
    expect(band.code).toBe(1); // the raster opened, then failed the job (case secrets-in-messages: exit 1)
    expect(band.err).toMatch(/RASTER_INVALID.*band 2 was asked for/);
    const url = await run(['stats', '--input', input, '--raster', 'http://127.0.0.1:9/r.tif', '--out', out(), '--quiet']);
    expect(url.code).toBe(1); // a refused URL fails the job (cases redirect-loopback, secrets-in-messages: exit 1)
    expect(url.err).toMatch(/URI_NOT_ALLOWED/);
  });
  it('1 for a raster that exists but fails to open: a local file that is not a TIFF, a remote raster answering 404', async () => {
    const input = gpkg('rasters1', [good]);
    const out = (): string => join(dir, `${Math.random()}.csv`);
    const notTiff = join(dir, 'not.tif');
    writeFileSync(notTiff, 'GIF89a........');
    const nt = await run(['stats', '--input', input, '--raster', notTiff, '--out', out(), '--quiet']);
    expect(nt.code).toBe(1);
    expect(nt.err).toMatch(/RASTER_INVALID.*not\.tif is not a TIFF/);
    const server = createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const remote = await run(['stats', '--input', input, '--raster', `http://127.0.0.1:${port}/r.tif`, '--allow-host', '127.0.0.1', '--out', out(), '--quiet']);
      expect(remote.code).toBe(1);
      expect(remote.err).toMatch(/SOURCE_FAILED.*answered HTTP 404/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
  it('local: a spec naming a local raster file that does not exist exits 2', async () => {
    const spec = join(dir, 'missing-raster.json');
    writeFileSync(spec, JSON.stringify({ rasters: [{ uri: join(dir, 'nope.tif') }] }));
    const r = await run(['local', '--input', gpkg('local', [good]), '--spec', spec, '--out', join(dir, `local-${Math.random()}`), '--quiet']);
    expect(r.err).toMatch(/cannot open .*nope\.tif: no such file/);
    expect(r.code).toBe(2);
    // a relative path: named as the spec gives it, with the folder it was looked for in, as stats names it
    writeFileSync(spec, JSON.stringify({ rasters: [{ uri: 'zf-no-such-folder/nope.tif' }] }));
    const rel = await run(['local', '--input', gpkg('local-rel', [good]), '--spec', spec, '--out', join(dir, `local-${Math.random()}`), '--quiet']);
    expect(rel.code).toBe(2);
    expect(rel.err).toContain(`cannot open zf-no-such-folder/nope.tif: no such file (relative paths are read from the current folder: ${join(process.cwd(), 'zf-no-such-folder', 'nope.tif')})`);
  }, 60_000);
  it('local: an unknown statistic in the spec exits 2 before the pipeline starts, as stats does', async () => {
    const spec = join(dir, 'bad-stat.json');
    writeFileSync(spec, JSON.stringify({ rasters: [{ uri: raster }], stats: ['count', 'meen'] }));
    const outDir = join(dir, `local-${Math.random()}`);
    const r = await run(['local', '--input', gpkg('local-stat', [good]), '--spec', spec, '--out', outDir, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toMatch(/^zonalflow: error \[SPEC_INVALID\]: unknown statistic "meen" \(did you mean mean\?\)$/);
    expect(existsSync(outDir)).toBe(false); // refused before anything, the output folder included
  });
  it('local: a bare .shp (the upload is one file) exits 2 asking for the zipped Shapefile', async () => {
    const shp = join(dir, 'fields.shp');
    writeFileSync(shp, '');
    const r = await run(['local', '--input', shp, '--spec', join(dir, 'bad-stat.json'), '--out', join(dir, `local-${Math.random()}`), '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toMatch(/^zonalflow: error \[INPUT_INVALID\]: --input .*fields\.shp: zonalflow local uploads one file, as the pipeline does; zip the Shapefile/);
  });
  it('commander usage errors get the zonalflow prefix and exit 2', async () => {
    const r = await run(stats(gpkg('bogus', [good]), '--bogus'));
    expect(r.code).toBe(2);
    expect(r.err).toBe("zonalflow: error: unknown option '--bogus'; `zonalflow stats --help` lists the options\n");
    // one line each: commander's suggestion on the same line, else a pointer to the help
    expect((await run(['stat'])).err).toBe("zonalflow: error: unknown command 'stat' (Did you mean stats?)\n");
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toBe("zonalflow: error: unknown command 'frobnicate'; `zonalflow --help` lists the commands\n");
  });
  it('a missing required option is reported in one line with every other missing one and every unknown option', async () => {
    const both = await run(['stats', '--bogus', '1', '--raster', raster, '--also-bad=2']);
    expect(both.code).toBe(2);
    expect(both.err).toBe("zonalflow: error: required options '--input <file>', '--out <file>' not specified; unknown options '--bogus', '--also-bad'\n");
    // a mistyped required option gets the near one (a newcomer's trial, 2026-12-03: `--inptu` had no suggestion)
    const typo = await run(['stats', '--inptu', 'a.gpkg', '--raster', raster, '--out', join(dir, 'never.csv')]);
    expect(typo.code).toBe(2);
    expect(typo.err).toBe("zonalflow: error: required option '--input <file>' not specified; unknown option '--inptu' (Did you mean --input?)\n");
    const one = await run(['local', '--out', join(dir, 'never'), '--spec', 'x.json']);
    expect(one.code).toBe(2);
    expect(one.err).toBe("zonalflow: error: required option '--input <file>' not specified\n");
  });
  it('a stray argument is named in one line, exit 2, with the option it looks like when it is one without its dashes', async () => {
    const input = gpkg('stray', [good]);
    const out = join(dir, 'stray.csv');
    const extra = await run(['stats', '--input', input, 'extra', '--raster', raster, '--out', out]);
    expect(extra.code).toBe(2);
    expect(extra.err).toBe("zonalflow: error: unexpected argument 'extra' (`zonalflow stats` takes options only, each value after its option)\n");
    expect(existsSync(out)).toBe(false);
    // `input a.gpkg`: two stray words and the required option they meant
    const dashless = await run(['stats', 'input', input, '--raster', raster, '--out', out]);
    expect(dashless.code).toBe(2);
    expect(dashless.err).toBe(`zonalflow: error: required option '--input <file>' not specified; unexpected arguments 'input' (Did you mean --input?), '${input}' (\`zonalflow stats\` takes options only, each value after its option)\n`);
    // a command that takes one argument names the second
    const status = await run(['status', 'job-1', 'job-2']);
    expect(status.code).toBe(2);
    expect(status.err).toBe("zonalflow: error: unexpected argument 'job-2' (`zonalflow status` takes one argument: job)\n");
  });
  it('--version prints the package version', async () => {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (b: Buffer) => (out += b.toString()));
    expect(await main(['--version'], { stdout, stderr: new PassThrough() })).toBe(0);
    expect(out.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
  it('one rule for statuses: empty input is DONE, all failed is FAILED', () => {
    expect(jobOutcome(0, 0)).toBe('DONE');
    expect(jobOutcome(4, 0)).toBe('DONE');
    expect(jobOutcome(4, 1)).toBe('PARTIAL');
    expect(jobOutcome(4, 0, true)).toBe('PARTIAL');
    expect(jobOutcome(4, 4)).toBe('FAILED');
    expect([exitCodeOf('DONE'), exitCodeOf('PARTIAL'), exitCodeOf('FAILED'), exitCodeOf('CANCELLED')]).toEqual([0, 3, 1, 1]);
  });
  it('a full device under --out is the job failing (1, OUTPUT_FULL); another failed write a usage error (2, OUTPUT_INVALID)', () => {
    const errno = (code: string): Error => Object.assign(new Error(`${code}: write`), { code });
    for (const code of ['ENOSPC', 'EDQUOT']) {
      expect(isDeviceFull(errno(code))).toBe(true);
      const full = writeFailure('--out x.csv', errno(code));
      expect(full).toBeInstanceOf(OutputSpaceError);
      expect(full.code).toBe('OUTPUT_FULL');
      expect(full.message).toMatch(new RegExp(`^--out x\\.csv: writing failed: .* \\(${code}\\); free space there or write the output elsewhere$`));
      expect(exitCodeOfError(full)).toBe(1);
    }
    const other = writeFailure('--out x.csv', errno('EACCES'));
    expect(other).toBeInstanceOf(OutputError);
    expect(other.message).toBe('--out x.csv: writing failed: permission denied');
    expect(exitCodeOfError(other)).toBe(2);
    // a typed error passes as it is
    const typed = new OutputError('x');
    expect(isDeviceFull(typed)).toBe(false);
    expect(writeFailure('--out x.csv', typed)).toBe(typed);
  });
  it('130 for SIGINT and 143 for SIGTERM: 128 + the signal number, as the shell reports a signalled process', () => {
    const { SIGINT, SIGTERM } = constants.signals;
    expect(exitCodeOfError(new InterruptedError('SIGINT'))).toBe(128 + SIGINT);
    expect(exitCodeOfError(new InterruptedError('SIGTERM', 'the job was stopped'))).toBe(128 + SIGTERM);
    expect(new InterruptedError('SIGTERM', 'the job was stopped').message).toBe('interrupted (SIGTERM): the job was stopped');
  });
});

describe('the exit code is decided before the lines that go with it (a closed stderr that cuts them keeps it: bin/output-errors.mjs)', () => {
  /** `main` with a stderr that records, in order, each line and each code `decided` heard. */
  async function order(args: string[]): Promise<{ code: number; events: string[] }> {
    const events: string[] = [];
    const stderr = new PassThrough();
    stderr.on('data', (b: Buffer) => events.push(`line ${b.toString().split(':')[0] ?? ''}`));
    const stdout = new PassThrough();
    stdout.resume();
    const code = await main(args, { stderr, stdout, decided: (c) => events.push(`decided ${c}`) });
    await new Promise((resolve) => setImmediate(resolve));
    return { code, events };
  }
  it('a usage error (commander\'s, a missing option, a spec problem), a failed job and a job with failed features', async () => {
    const input = gpkg('decided', [good]);
    for (const [args, code] of [
      [stats(input, '--no-such-option'), 2],
      [['stats', '--input', input], 2], // required options missing: the line written in main's catch
      [stats(input, '--coverage', 'sideways'), 2],
      [stats(gpkg('decided-none', [bad, bad])), 1],
      [stats(gpkg('decided-some', [good, bad])), 3],
    ] as const) {
      const r = await order([...args]);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.events[0], args.join(' ')).toBe(`decided ${code}`);
      expect(r.events.length, args.join(' ')).toBeGreaterThan(1);
    }
  });
  it('a job that computed every feature decides 0 before its result line', async () => {
    const r = await order(stats(gpkg('decided-ok', [good])));
    expect(r.events[0]).toBe('decided 0');
    expect(r.events[1]).toBe('line zonalflow');
  });
});
