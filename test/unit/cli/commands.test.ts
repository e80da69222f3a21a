/**
 * The command table that `zonalflow --help` lists without loading the commands: every summary
 * is the module's own description, and every command a module registers is in the table.
 */
import { Command } from 'commander';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { COMMAND_MODULES, invokedCommand } from '../../../cli/commands/index';

describe('command table', () => {
  it('lists each module\'s commands with their own descriptions', async () => {
    for (const m of COMMAND_MODULES) {
      const program = new Command('zonalflow');
      (await m.load())(program, { exitCode: 0, stdout: new PassThrough(), stderr: new PassThrough() });
      const registered = Object.fromEntries(program.commands.map((c) => [c.name(), c.description()]));
      expect(registered).toEqual(m.commands);
    }
  });
  it('finds the invoked command, after options and behind help', () => {
    expect(invokedCommand(['stats', '--input', 'a.gpkg'])).toBe('stats');
    expect(invokedCommand(['--debug', 'local', '--out', 'x'])).toBe('local');
    expect(invokedCommand(['help', 'run'])).toBe('run');
    expect(invokedCommand(['--help'])).toBeUndefined();
  });
});
