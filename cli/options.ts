/**
 * Options given more than once. An option that takes one value (`--out x.csv`) given twice is a usage error
 * naming it (commander would silently keep the last: `--out x.csv --out y.csv` wrote y.csv); the options whose
 * values accumulate (`--raster`, `--allow-host`, `--stats`, `--include-cols`) say so by their parser, made with
 * {@link repeatable}. Flags without a value (`--quiet`) mean the same however often they are given.
 */
import type { Command, Option } from 'commander';
import type { EventEmitter } from 'node:events';

const REPEATABLE = Symbol('zonalflow.repeatable');

type Accumulate<T> = (value: string, previous: T | undefined) => T;

/** Marks an option's parser as one that accumulates its values: the option may be given several times. */
export function repeatable<T>(parse: Accumulate<T>): Accumulate<T> {
  return Object.assign(parse, { [REPEATABLE]: true });
}

/** The parser of an option whose values accumulate one a time (`--allow-host a --allow-host b`: ['a', 'b']). */
export const eachValue = repeatable((value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value]);

/** The parser of an option whose values accumulate comma-separated (`--include-cols a,b --include-cols c`: ['a', 'b', 'c']; blanks dropped). */
export const commaValues = repeatable((value: string, previous: string[] | undefined): string[] => [...(previous ?? []), ...value.split(',').map((s) => s.trim()).filter(Boolean)]);

/** Whether `option` may be given several times: a flag without a value, a variadic option, or a {@link repeatable} one. */
export function isRepeatable(option: Option): boolean {
  if (!option.required && !option.optional) return true;
  if (option.variadic) return true;
  const parse = option.parseArg as ((...args: never[]) => unknown) & { [REPEATABLE]?: true } | undefined;
  return parse?.[REPEATABLE] === true;
}

/**
 * Makes `cmd` and its subcommands refuse an option of one value given twice: `error: option '--out <file>' is
 * given twice (x.csv, then y.csv); it takes one value`, through commander's error (exit 2), before the second
 * value is parsed and before the command runs.
 */
export function refuseRepeatedOptions(cmd: Command): void {
  for (const option of cmd.options) {
    if (isRepeatable(option)) continue;
    let first: string | undefined;
    // before commander's own listener: the second value is never parsed nor kept (a Command is an EventEmitter;
    // commander's types declare only `on`)
    (cmd as unknown as EventEmitter).prependListener(`option:${option.name()}`, (value: unknown) => {
      const given = String(value);
      if (first === undefined) {
        first = given;
        return;
      }
      cmd.error(`error: option '${option.flags}' is given twice (${first}, then ${given}); it takes one value`, { exitCode: 2, code: 'zonalflow.repeatedOption' });
    });
  }
  for (const sub of cmd.commands) refuseRepeatedOptions(sub);
}
