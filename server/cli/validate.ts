import { statSync } from "node:fs";
import type { Command } from "./command.js";
import { flagUsage, parseFlags, UsageError, type FlagSpecs } from "../config/flags.js";
import { countBySeverity, formatProblem, validateDataDir } from "../validate/index.js";

const FLAGS: FlagSpecs = {
  "data-path": { type: "string", default: "/var/lib/matchbox", env: true, description: "Data directory to check" },
  "assets-path": { type: "string", default: "", env: true, description: "Also check that profiles' local /assets/… paths exist in this directory" },
  json: { type: "boolean", default: false, description: "Print the report as JSON" },
  strict: { type: "boolean", default: false, description: "Exit 1 on warnings too" },
  help: { type: "boolean", default: false, description: "Print usage and exit" },
};

const USAGE = `Usage: netboot validate [-data-path DIR | DIR] [-assets-path DIR] [--json] [--strict]

Loads the data directory as the server does and reports every problem as
FILE[:POINTER]: severity: reason — files that do not parse or fit the schema,
keys Matchbox ignores, duplicate ids, groups that can never match (identical
selectors, several default groups) or that Matchbox skips (a selector MAC that
does not parse), references to missing profiles, templates and assets, and
templates that fail to render, translate or validate for a group that uses
them, with the labels its machines send (the selector's, and those of the
profile's URLs to that endpoint). Exits 1 when there is an error, 0 when there
are only warnings (1 with --strict).

Flags:
${flagUsage(FLAGS)}
`;

export const validateCommand: Command = {
  async run(argv) {
    let values;
    try {
      const parsed = parseFlags(argv, FLAGS, process.env);
      // `netboot validate DIR` reads as `-data-path DIR`.
      if (parsed.positionals.length > 1 || (parsed.positionals.length === 1 && parsed.given.has("data-path"))) {
        throw new UsageError(`unexpected argument "${parsed.positionals.at(-1)}"`);
      }
      values = parsed.values;
      if (parsed.positionals.length === 1) values["data-path"] = parsed.positionals[0];
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      process.stderr.write(`netboot validate: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const dataPath = values["data-path"] as string;
    const assetsPath = (values["assets-path"] as string) || undefined;
    for (const [flag, dir] of [["-data-path", dataPath], ["-assets-path", assetsPath]] as const) {
      if (dir !== undefined && !isDirectory(dir)) {
        process.stderr.write(`netboot validate: ${flag} ${dir} is not a directory\n`);
        return 2;
      }
    }
    const report = await validateDataDir(dataPath, { ...(assetsPath ? { assetsPath } : {}) });
    const { errors, warnings } = countBySeverity(report.problems);
    if (values.json) {
      process.stdout.write(JSON.stringify({ ...report, errors, warnings, durationMs: Math.round(report.durationMs) }, null, 2) + "\n");
    } else {
      for (const problem of report.problems) process.stdout.write(formatProblem(problem) + "\n");
      process.stdout.write(
        `${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"} ` +
          `in ${report.groups} groups, ${report.profiles} profiles, ${report.templates} templates (${Math.round(report.durationMs)} ms)\n`,
      );
    }
    return errors > 0 || (values.strict && warnings > 0) ? 1 : 0;
  },
};

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
