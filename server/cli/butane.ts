import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Command } from "./command.js";
import { isNetbootError } from "../errors.js";
import { translateButane } from "../render/butane/index.js";
import { canonicalIgnition } from "../render/ignition/index.js";

const USAGE = `Usage: netboot butane [--strict] FILE

Translates a Butane config (YAML) to the Ignition JSON that /ignition would
serve for it, exactly as the server does, and prints it on stdout. FILE is a
plain Butane file, not a Go template: render templates first. FILE "-" reads
standard input.

A FILE whose name ends in .ign or .ignition is read as raw Ignition instead,
as /ignition does: it is validated and printed in canonical form.

Warnings (unused keys, modes that look decimal, ...) go to stderr. On an
error nothing is printed on stdout, the reason goes to stderr and the exit
code is 1.

Flags:
  -s, --strict  Fail (exit 1, nothing on stdout) if there are warnings, like
                Butane's --strict
  -h, --help    Print usage and exit
`;

function readInput(file: string): string {
  return readFileSync(file === "-" ? 0 : file, "utf8");
}

export const butaneCommand: Command = {
  async run(argv) {
    let file: string;
    let strict = false;
    try {
      const { values, positionals } = parseArgs({
        args: argv,
        options: { help: { type: "boolean", short: "h" }, strict: { type: "boolean", short: "s" } },
        allowPositionals: true,
        strict: true,
      });
      if (values.help) {
        process.stdout.write(USAGE);
        return 0;
      }
      if (positionals.length !== 1) throw new Error(positionals.length === 0 ? "FILE is required" : `unexpected argument "${positionals[1]}"`);
      file = positionals[0]!;
      strict = values.strict === true;
    } catch (err) {
      process.stderr.write(`netboot butane: ${(err as Error).message}\n\n${USAGE}`);
      return 2;
    }

    let text: string;
    try {
      text = readInput(file);
    } catch (err) {
      process.stderr.write(`netboot butane: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
      return 1;
    }
    const name = file === "-" ? "<stdin>" : file;
    try {
      if (file.endsWith(".ign") || file.endsWith(".ignition")) {
        process.stdout.write(canonicalIgnition(text, name) + "\n");
        return 0;
      }
      const { ignition, warnings } = translateButane(text, name);
      for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
      if (strict && warnings.length > 0) {
        process.stderr.write(`error: ${name}: ${warnings.length} warning${warnings.length > 1 ? "s" : ""} in strict mode\n`);
        return 1;
      }
      process.stdout.write(ignition + "\n");
      return 0;
    } catch (err) {
      if (!isNetbootError(err)) throw err;
      process.stderr.write(`error: ${err.message}\n`);
      return 1;
    }
  },
};
