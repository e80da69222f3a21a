/** Entry of the `zonalflow` command. Returns the process exit code. */
export function main(argv: string[]): Promise<number> {
  process.stderr.write(`zonalflow: no command yet (${argv.join(' ')})\n`);
  return Promise.resolve(2);
}
