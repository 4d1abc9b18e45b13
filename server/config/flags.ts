import { parseArgs, type ParseArgsConfig } from "node:util";

/**
 * Go `flag`-style command lines on top of node:util parseArgs: a flag is
 * written with one or two dashes, its value after `=` or as the next argument,
 * and a boolean flag takes a value only after `=` (`-web-ssl=false`).
 */
export interface FlagSpec {
  type: "string" | "boolean";
  default?: string | boolean;
  description: string;
  /** Also read from MATCHBOX_<NAME> when not given on the command line (Matchbox's rule). */
  env?: boolean;
}

export type FlagSpecs = Record<string, FlagSpec>;
export type FlagValues = Record<string, string | boolean | undefined>;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const GO_TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const GO_FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

export function envName(flag: string): string {
  return "MATCHBOX_" + flag.toUpperCase().replace(/-/g, "_");
}

export interface ParsedFlags {
  values: FlagValues;
  /** Flags given on the command line (as opposed to env or default). */
  given: Set<string>;
  positionals: string[];
}

export function parseFlags(argv: readonly string[], specs: FlagSpecs, env: NodeJS.ProcessEnv = {}): ParsedFlags {
  const explicitBooleans = new Map<string, boolean>();
  const normalised: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--" || !arg.startsWith("-") || arg === "-") {
      normalised.push(...argv.slice(i));
      break;
    }
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq === -1 ? body : body.slice(0, eq);
    const spec = specs[name];
    if (!spec) throw new UsageError(`flag provided but not defined: -${name}`);
    if (spec.type === "boolean" && eq !== -1) {
      const text = body.slice(eq + 1);
      if (GO_TRUE.has(text)) explicitBooleans.set(name, true);
      else if (GO_FALSE.has(text)) explicitBooleans.set(name, false);
      else throw new UsageError(`invalid boolean value "${text}" for -${name}`);
      continue;
    }
    if (spec.type === "string" && eq === -1 && i + 1 < argv.length) {
      // A string flag's value is the next argument, whatever it looks like (Go's rule).
      normalised.push(`--${name}=${argv[++i]!}`);
    } else {
      normalised.push("--" + body);
    }
  }

  const options: ParseArgsConfig["options"] = {};
  for (const [name, spec] of Object.entries(specs)) options[name] = { type: spec.type };
  let parsed;
  try {
    parsed = parseArgs({ args: normalised, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/--/g, "-"));
  }

  const values: FlagValues = {};
  const given = new Set<string>();
  for (const [name, spec] of Object.entries(specs)) {
    const fromArgs = explicitBooleans.has(name) ? explicitBooleans.get(name) : (parsed.values as FlagValues)[name];
    if (fromArgs !== undefined) {
      values[name] = fromArgs;
      given.add(name);
      continue;
    }
    const fromEnv = spec.env ? env[envName(name)] : undefined;
    if (fromEnv !== undefined && fromEnv !== "") {
      if (spec.type === "boolean") {
        if (GO_TRUE.has(fromEnv)) values[name] = true;
        else if (GO_FALSE.has(fromEnv)) values[name] = false;
        else throw new UsageError(`invalid boolean value "${fromEnv}" for ${envName(name)}`);
      } else {
        values[name] = fromEnv;
      }
      continue;
    }
    values[name] = spec.default;
  }
  return { values, given, positionals: parsed.positionals };
}

/**
 * Flags (and the values of string flags) apart from positional arguments,
 * wherever these stand: Go's flag package stops at the first positional, but
 * `netboot explain MAC -data-path DIR` reads naturally, so these commands take
 * flags after positionals too. After `--`, everything is positional.
 */
export function separateFlags(argv: readonly string[], specs: FlagSpecs): { flags: string[]; positionals: string[] } {
  const flags: string[] = [];
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    flags.push(arg);
    const name = arg.replace(/^--?/, "");
    // A string flag without `=` takes the next argument as its value.
    if (specs[name]?.type === "string" && i + 1 < argv.length) flags.push(argv[++i]!);
  }
  return { flags, positionals };
}

export function flagUsage(specs: FlagSpecs): string {
  return Object.entries(specs)
    .map(([name, spec]) => {
      const value = spec.type === "string" ? " string" : "";
      const def = spec.default !== undefined && spec.default !== "" && spec.default !== false ? ` (default ${JSON.stringify(spec.default)})` : "";
      const env = spec.env ? ` [${envName(name)}]` : "";
      return `  -${name}${value}\n    \t${spec.description}${def}${env}`;
    })
    .join("\n");
}
