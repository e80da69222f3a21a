/**
 * `--help` shows every option's default (README: "every option shows its default"): an option that
 * takes a value and is not required says "(default: …)" in its description or has a commander default;
 * `--stats` lists every fixed statistic of shared/stats/names.ts; the job commands show examples.
 */
import { Command } from 'commander';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { COMMAND_MODULES } from '../../../cli/commands/index';
import { FIXED_STATS } from '../../../shared/stats/names';

async function command(name: string): Promise<Command> {
  const m = COMMAND_MODULES.find((x) => name in x.commands);
  if (!m) throw new Error(`no module registers ${name}`);
  const program = new Command('zonalflow');
  (await m.load())(program, { exitCode: 0, stdout: new PassThrough(), stderr: new PassThrough() });
  const c = program.commands.find((x) => x.name() === name);
  if (!c) throw new Error(`${name} not registered`);
  return c;
}

describe('--help defaults', () => {
  for (const name of ['stats', 'local', 'estimate']) {
    it(`${name}: every optional value option names its default`, async () => {
      const c = await command(name);
      const missing = c.options
        .filter((o) => !o.mandatory && (o.required || o.optional) && o.defaultValue === undefined && !/\(?default:? /i.test(o.description))
        .map((o) => o.long);
      expect(missing).toEqual([]);
      expect(c.helpInformation() + helpAfter(c)).toMatch(/Examples:\n {2}\$ zonalflow /);
    });
  }
  it('stats --stats lists every statistic name of shared/stats/names.ts', async () => {
    const o = (await command('stats')).options.find((x) => x.long === '--stats');
    for (const s of FIXED_STATS) expect(o?.description).toMatch(new RegExp(`\\b${s}\\b`));
  });
  it('stats --help says count is coverage-weighted (exactextract\'s count: the sum of coverage fractions, fractional)', async () => {
    const help = (await command('stats')).helpInformation().replace(/\s+/g, ' ');
    expect(help).toContain('count is coverage-weighted, as exactextract\'s: the sum of the cells\' coverage fractions, fractional under --coverage exact (a cell half inside counts 0.5), a whole number of cells under center and all_touched');
  });
  it('local shows the exit codes', async () => {
    expect(helpAfter(await command('local'))).toMatch(/Exit codes: 0 .* 3 .* 1 .* 2 usage error/);
  });
});

/** The text a command adds after its help (addHelpText 'after'), as `--help` prints it. */
function helpAfter(c: Command): string {
  let out = '';
  c.configureOutput({ writeOut: (s) => (out += s), writeErr: () => undefined });
  c.outputHelp();
  return out;
}
