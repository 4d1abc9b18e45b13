/** A `netboot` subcommand: takes its own arguments, returns the process exit code. Its one-line help is in main.ts. */
export interface Command {
  run(argv: string[]): Promise<number>;
}
