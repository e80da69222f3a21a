/**
 * An option of one value given twice (`--out x.csv --out y.csv`) is a usage error naming it, exit 2, for every
 * such option of every command (commander alone keeps the last, silently); the options whose values accumulate
 * stay repeatable. The options are read off the commands themselves, so a new one is covered when it is added.
 */
import { Command } from 'commander';
import type { Option } from 'commander';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { COMMAND_MODULES } from '../../../cli/commands/index';
import { runCli } from '../../cases/run-cli';
import { FAULT_NAMES } from '../../../shared/local/faults';

/** The options that accumulate their values (and say "repeatable" or "comma-separated" in their help). */
const REPEATABLE = ['estimate --allow-host', 'estimate --raster-host', 'estimate --raster-bucket', 'stats --raster', 'stats --include-cols', 'stats --stats', 'stats --allow-host', 'local --include-cols', 'local --allow-host', 'stats --raster-host', 'stats --raster-bucket', 'local --raster-host', 'local --raster-bucket', 'run --allow-host', 'run --raster-host', 'run --raster-bucket'];

async function valueOptions(): Promise<{ command: string; option: Option }[]> {
  const out: { command: string; option: Option }[] = [];
  for (const m of COMMAND_MODULES) {
    const program = new Command('zonalflow');
    (await m.load())(program, { exitCode: 0, stdout: new PassThrough(), stderr: new PassThrough() });
    for (const c of program.commands) for (const o of c.options) if (o.required || o.optional) out.push({ command: c.name(), option: o });
  }
  return out;
}

/** Two values the option's own parser accepts. */
function values(o: Option): [string, string] {
  if (o.argChoices) return [o.argChoices[0] ?? '', o.argChoices[1] ?? o.argChoices[0] ?? ''];
  if (o.long === '--faults') return [FAULT_NAMES[0] ?? '', FAULT_NAMES[1] ?? ''];
  return ['1', '2'];
}

describe('an option of one value given twice', () => {
  it('is refused naming the option and both values, exit 2, nothing run, for every command', async () => {
    const options = await valueOptions();
    expect(options.length).toBeGreaterThan(40);
    const repeatable: string[] = [];
    for (const { command, option } of options) {
      const [a, b] = values(option);
      const r = await runCli([command, option.long ?? '', a, option.long ?? '', b]);
      const name = `${command} ${option.long ?? ''}`;
      if (r.err.includes('given twice')) {
        expect(r.code, name).toBe(2);
        expect(r.err, name).toBe(`zonalflow: error: option '${option.flags}' is given twice (${a}, then ${b}); it takes one value\n`);
        expect(r.out, name).toBe('');
      } else repeatable.push(name);
    }
    expect(repeatable.sort()).toEqual([...REPEATABLE].sort());
  });

  it('the accumulating ones keep every value (--raster twice: two rasters)', async () => {
    const r = await runCli(['stats', '--raster', 'a.tif', '--raster', 'b.tif', '--stats', 'mean', '--stats', 'max', '--out', 'x.csv']);
    expect(r.code).toBe(2); // --input missing: the usual line, not a repeated option
    expect(r.err).toMatch(/required option '--input <file>' not specified/);
    expect(r.err).not.toMatch(/given twice/);
  });

  it('--opt=value and --opt value count alike; a flag given twice is still a flag', async () => {
    const r = await runCli(['stats', '--out=x.csv', '--out', 'y.csv']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('zonalflow: error: option \'--out <file>\' is given twice (x.csv, then y.csv); it takes one value\n');
    const q = await runCli(['stats', '--quiet', '--quiet']);
    expect(q.err).not.toMatch(/given twice/);
  });
});
