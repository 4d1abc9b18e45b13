#!/usr/bin/env node
import { closest } from "../config/flags.js";
import { COMMANDS, usage } from "./commands.js";
import { exitOnSignalsUntilTakenOver } from "../util/signals.js";
import { enableCompileCache } from "./compile-cache.js";

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first.startsWith("-")) {
    if (first === "--help" || first === "-help" || first === "-h") {
      process.stdout.write(usage() + "\n");
      return 0;
    }
    return (await COMMANDS.serve!()).run(argv);
  }
  if (first === "help") {
    process.stdout.write(usage() + "\n");
    return 0;
  }
  const load = COMMANDS[first];
  if (!load) {
    const guess = closest(first, Object.keys(COMMANDS));
    process.stderr.write(`netboot: unknown command "${first}"${guess === undefined ? "" : ` (did you mean "${guess}"?)`}\n\n${usage()}\n`);
    return 1;
  }
  return (await load()).run(rest);
}

exitOnSignalsUntilTakenOver();
enableCompileCache();
main(process.argv.slice(2)).then(
  (code) => {
    // serve keeps the process alive itself; other commands end here.
    if (code !== undefined && code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`netboot: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
