/** What every subcommand gets: its streams and a place for its exit code. */
export interface CommandContext {
  exitCode: number;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}
