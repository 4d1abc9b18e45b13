/** A `netboot` subcommand: takes its own arguments, returns the process exit code. */
export interface Command {
  /** One line for `netboot --help`. */
  summary: string;
  run(argv: string[]): Promise<number>;
}
