import { parseArgs, type ParseArgsConfig } from "node:util";
import { editDistance } from "../util/edit-distance.js";

/**
 * The one command-line parser of every `netboot` command: Go `flag`-style
 * command lines on top of node:util parseArgs. A flag is written with one or
 * two dashes, its value after `=` or as the next argument, and a boolean flag
 * takes a value only after `=` (`-web-ssl=false`). Flags and arguments may come
 * in any order; `--` ends the flags. `-h` means `-help` (Go's rule) unless a
 * command defines `-h` itself.
 */
export interface FlagSpec {
  type: "string" | "boolean";
  default?: string | boolean;
  description: string;
  /** Also read from MATCHBOX_<NAME> when not given on the command line (Matchbox's rule). */
  env?: boolean;
  /** A one-letter other name (`-s` for `-strict`). */
  short?: string;
  /** May be given more than once; the value is the list, in order. */
  multiple?: boolean;
  /** The value's placeholder in the usage text (default `string`). */
  placeholder?: string;
}

export type FlagSpecs = Record<string, FlagSpec>;
export type FlagValue = string | boolean | string[] | undefined;
export type FlagValues = Record<string, FlagValue>;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A command line that does not parse: an unknown flag, a flag without its value, a bad boolean. */
export class FlagError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = "FlagError";
  }
}

const GO_TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const GO_FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

export function envName(flag: string): string {
  return "MATCHBOX_" + flag.toUpperCase().replace(/-/g, "_");
}

/**
 * The candidate a mistyped word most likely meant: the closest by edit
 * distance (at most a third of the word, at least 2), or else the only one
 * the word is the start of. Undefined when nothing is close.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const all = [...candidates];
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of all) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best !== undefined) return best;
  const extending = all.filter((c) => word.length >= 2 && c.startsWith(word));
  return extending.length === 1 ? extending[0] : undefined;
}

export interface ParsedFlags {
  values: FlagValues;
  /** Flags given on the command line (as opposed to env or default). */
  given: Set<string>;
  positionals: string[];
}

/** The spec a flag name on the command line stands for: its own, a short name's, or `-h` for `-help`. */
function lookup(name: string, specs: FlagSpecs): string | undefined {
  if (Object.hasOwn(specs, name)) return name;
  const byShort = Object.keys(specs).find((key) => specs[key]!.short === name);
  if (byShort !== undefined) return byShort;
  if (name === "h" && Object.hasOwn(specs, "help")) return "help";
  return undefined;
}

function unknownFlag(name: string, specs: FlagSpecs): FlagError {
  const guess = closest(name, Object.keys(specs));
  return new FlagError(`flag provided but not defined: -${name}${guess === undefined ? "" : ` (did you mean -${guess}?)`}`);
}

export function parseFlags(argv: readonly string[], specs: FlagSpecs, env: NodeJS.ProcessEnv = {}): ParsedFlags {
  const explicitBooleans = new Map<string, boolean>();
  const normalised: string[] = [];
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
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const written = eq === -1 ? body : body.slice(0, eq);
    const name = lookup(written, specs);
    if (name === undefined) throw unknownFlag(written, specs);
    const spec = specs[name]!;
    if (spec.type === "boolean" && eq !== -1) {
      const text = body.slice(eq + 1);
      if (GO_TRUE.has(text)) explicitBooleans.set(name, true);
      else if (GO_FALSE.has(text)) explicitBooleans.set(name, false);
      else throw new FlagError(`invalid boolean value "${text}" for -${written}`);
      continue;
    }
    if (spec.type === "boolean") {
      normalised.push(`--${name}`);
    } else if (eq !== -1) {
      normalised.push(`--${name}=${body.slice(eq + 1)}`);
    } else if (i + 1 < argv.length) {
      // A string flag's value is the next argument, whatever it looks like (Go's rule).
      normalised.push(`--${name}=${argv[++i]!}`);
    } else {
      throw new FlagError(`flag needs an argument: -${written}`);
    }
  }

  const options: ParseArgsConfig["options"] = {};
  for (const [name, spec] of Object.entries(specs)) options[name] = { type: spec.type, ...(spec.multiple ? { multiple: true } : {}) };
  let parsed;
  try {
    parsed = parseArgs({ args: normalised, options, allowPositionals: false, strict: true });
  } catch (err) {
    throw new FlagError((err as Error).message.replace(/--/g, "-"));
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
        else throw new FlagError(`invalid boolean value "${fromEnv}" for ${envName(name)}`);
      } else {
        values[name] = spec.multiple ? [fromEnv] : fromEnv;
      }
      continue;
    }
    values[name] = spec.multiple ? [] : spec.default;
  }
  return { values, given, positionals };
}

export function flagUsage(specs: FlagSpecs): string {
  return Object.entries(specs)
    .map(([name, spec]) => {
      const value = spec.type === "string" ? ` ${spec.placeholder ?? "string"}` : "";
      const short = spec.short ? `-${spec.short}, ` : "";
      const def = spec.default !== undefined && spec.default !== "" && spec.default !== false ? ` (default ${JSON.stringify(spec.default)})` : "";
      const env = spec.env ? ` [${envName(name)}]` : "";
      const repeat = spec.multiple ? " (repeatable)" : "";
      return `  ${short}-${name}${value}\n    \t${spec.description}${repeat}${def}${env}`;
    })
    .join("\n");
}

/** A command's flag values, read with the types their specs promise. */
export function flagReader(values: FlagValues) {
  return {
    string: (name: string): string | undefined => values[name] as string | undefined,
    boolean: (name: string): boolean => values[name] === true,
    list: (name: string): string[] => (values[name] as string[] | undefined) ?? [],
  };
}
