import { readFileSync } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import type { Command } from "./command.js";
import { flagReader, flagUsage, parseFlags, UsageError, type FlagSpecs } from "../config/flags.js";
import { isNetbootError } from "../errors.js";
import { translateButane } from "../render/butane/index.js";
import { canonicalIgnition } from "../render/ignition/index.js";
import { isRawIgnition, renderIgnition } from "../render/ignition.js";
import { TemplateFile } from "../store/snapshot.js";
import { DataStore } from "../store/store.js";
import { machineFor, type MachineRequest } from "./machine.js";

const FLAGS: FlagSpecs = {
  strict: { type: "boolean", short: "s", description: "Fail (exit 1, nothing on stdout) if there are warnings, like Butane's --strict" },
  group: { type: "string", placeholder: "ID", description: "Render FILE as a template with this group's data, for a machine that sends the group's selector" },
  mac: { type: "string", placeholder: "MAC", description: "Render FILE as a template for the machine with this MAC (the group it matches)" },
  label: { type: "string", multiple: true, placeholder: "KEY=VALUE", description: "A further label the machine sends (e.g. uuid=..., os=installed)" },
  "data-path": { type: "string", placeholder: "DIR", description: "The data directory whose groups apply (default: the one whose ignition/ holds FILE)" },
  help: { type: "boolean", description: "Print usage and exit" },
};

const USAGE = `Usage: netboot butane [--strict] FILE
       netboot butane [--strict] (--group ID | --mac MAC | --label KEY=VALUE ...) [-data-path DIR] FILE

Translates a Butane config (YAML) to the Ignition JSON that /ignition would
serve for it, exactly as the server does, and prints it on stdout. FILE "-"
reads standard input.

/ignition renders a Butane file as a Go template with the machine's data
first. To see that for a data directory's template (one with {{ ... }}), name
the machine: --group ID uses that group's data and its selector as the
machine's labels; --mac and --label describe a machine and use the group it
matches, as the server would. Groups come from -data-path, by default the data
directory whose ignition/ folder holds FILE.

A FILE whose name ends in .ign or .ignition is read as raw Ignition instead,
as /ignition does: it is validated and printed in canonical form.

Warnings (unused keys, modes that look decimal, ...) go to stderr. On an
error nothing is printed on stdout, the reason goes to stderr and the exit
code is 1.

Flags:
${flagUsage(FLAGS)}
`;

function readInput(file: string): string {
  return readFileSync(file === "-" ? 0 : file, "utf8");
}

/** The line of the first `{{`, when the text is a Go template; undefined otherwise. */
function templateLine(text: string): number | undefined {
  const at = text.indexOf("{{");
  return at === -1 ? undefined : text.slice(0, at).split("\n").length;
}

/** The data directory a template in `<dir>/ignition/` belongs to. */
function dataPathOf(file: string): string | undefined {
  if (file === "-") return undefined;
  const folder = path.dirname(path.resolve(file));
  return path.basename(folder) === "ignition" ? path.dirname(folder) : undefined;
}

interface Options {
  file: string;
  strict: boolean;
  machine: MachineRequest | undefined;
  dataPath: string | undefined;
}

function parseOptions(argv: string[]): Options | "help" {
  const { values, positionals } = parseFlags(argv, FLAGS);
  const flag = flagReader(values);
  if (flag.boolean("help")) return "help";
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? "FILE is required" : `unexpected argument "${positionals[1]}"`);
  const file = positionals[0]!;
  const group = flag.string("group");
  const mac = flag.string("mac");
  const labels = flag.list("label");
  const machine = group === undefined && mac === undefined && labels.length === 0 ? undefined : { ...(group === undefined ? {} : { group }), ...(mac === undefined ? {} : { mac }), labels };
  const dataPath = flag.string("data-path") ?? dataPathOf(file);
  if (machine && dataPath === undefined) {
    throw new UsageError(`-data-path DIR is required: ${file === "-" ? "standard input" : file} is not in a data directory's ignition/ folder`);
  }
  return { file, strict: flag.boolean("strict"), machine, dataPath };
}

/** What a machine's /ignition would answer if its profile named this file. */
async function renderForMachine(name: string, text: string, dataPath: string, request: MachineRequest): Promise<{ json: string; warnings: readonly string[] }> {
  const store = await DataStore.open(dataPath, { logger: pino({ level: "silent" }), watch: false });
  try {
    const machine = machineFor(store.current, request);
    return renderIgnition(path.basename(name), new TemplateFile(name, text), machine.data);
  } finally {
    store.close();
  }
}

export const butaneCommand: Command = {
  async run(argv) {
    let options: Options;
    try {
      const parsed = parseOptions(argv);
      if (parsed === "help") {
        process.stdout.write(USAGE);
        return 0;
      }
      options = parsed;
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      process.stderr.write(`netboot butane: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    const { file, strict, machine, dataPath } = options;

    let text: string;
    try {
      text = readInput(file);
    } catch (err) {
      process.stderr.write(`netboot butane: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
      return 1;
    }
    const name = file === "-" ? "<stdin>" : file;
    const templateAt = machine || isRawIgnition(file) ? undefined : templateLine(text);
    const templateHint = (lead: string) =>
      `note: ${name} ${lead}: /ignition renders it with a machine's data before translating it. ` +
      `Render it the same way with --group ID, --mac MAC or --label KEY=VALUE (groups from -data-path DIR).\n`;
    try {
      let result: { json: string; warnings: readonly string[] };
      if (machine) {
        result = await renderForMachine(name, text, dataPath!, machine);
      } else if (isRawIgnition(file)) {
        result = { json: canonicalIgnition(text, name), warnings: [] };
      } else {
        const { ignition, warnings } = translateButane(text, name);
        result = { json: ignition, warnings };
      }
      for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
      if (templateAt !== undefined) process.stderr.write(templateHint(`looks like a Go template ("{{" on line ${templateAt}) but was translated as written`));
      if (strict && result.warnings.length > 0) {
        process.stderr.write(`error: ${name}: ${result.warnings.length} warning${result.warnings.length > 1 ? "s" : ""} in strict mode\n`);
        return 1;
      }
      process.stdout.write(result.json + "\n");
      return 0;
    } catch (err) {
      if (err instanceof UsageError) {
        process.stderr.write(`netboot butane: ${err.message}\n`);
        return 2;
      }
      if (!isNetbootError(err)) throw err;
      process.stderr.write(`error: ${err.message}\n`);
      if (templateAt !== undefined) process.stderr.write(templateHint(`is a Go template ("{{" on line ${templateAt})`));
      return 1;
    }
  },
};
