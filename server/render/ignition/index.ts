/**
 * Raw Ignition (`.ign` / `.ignition`) → canonical Ignition JSON, as Matchbox
 * serves it: parse spec 3.0.0–3.5.0 with Go's JSON rules, apply Ignition's
 * validation, translate 3.0–3.3 up to 3.4.0 (3.5.0 stays 3.5.0), and write
 * it with Go's encoder layout. Pure: no I/O.
 */
import { NetbootError } from "../../errors.js";
import { DecodeError, decodeStruct, probeVersion } from "./decode.js";
import { JsonSyntaxError, lineColumn, parseGoJson, type JsonNode } from "./go-json.js";
import { formatPath, type ConfigIssue, type ConfigPath } from "./path.js";
import { CANONICAL_MINOR, NEWEST_MINOR, type IgnObject } from "./schema.js";
import { serializeConfig } from "./serialize.js";
import { validateConfig } from "./validate.js";

export { decodeDataUrl } from "./data-url.js";
export type { IgnObject } from "./schema.js";

/** Largest raw Ignition document accepted, in bytes. */
export const MAX_IGNITION_BYTES = 8 * 1024 * 1024;

/** Spec minor version (3.N.0) of a version string, or undefined when netboot cannot serve it. */
function specMinor(version: string): number | undefined {
  const m = /^3\.([0-9]+)\.0$/.exec(version);
  if (!m) return undefined;
  const minor = Number(m[1]);
  return minor <= NEWEST_MINOR ? minor : undefined;
}

/** The spec minor a config of this minor is served as: 3.0–3.4 → 3.4, 3.5 → 3.5. */
function servedMinor(minor: number): number {
  return Math.max(minor, CANONICAL_MINOR);
}

/** Finds the source line of a config path, when the caller can. */
export type LocatePath = (path: ConfigPath) => number | undefined;

function issueMessage(file: string, issue: ConfigIssue, extra = 0, locate?: LocatePath): string {
  const more = extra > 0 ? ` (and ${extra} more error${extra > 1 ? "s" : ""})` : "";
  const line = locate?.(issue.path);
  return `${file}${line ? `:${line}` : ""}: ${formatPath(issue.path)}: ${issue.message}${more}`;
}

/** The line of the JSON value at `path`, matching keys as the decoder does (exact, else case-insensitive; last wins). */
function jsonLocator(text: string, root: JsonNode): LocatePath | undefined {
  // A one-line document (the usual generated .ign) gains nothing from "line 1".
  if (!text.trimEnd().includes("\n")) return undefined;
  return (path) => {
    let node: JsonNode | undefined = root;
    for (const part of path) {
      if (node?.k === "obj" && typeof part === "string") {
        const members: Array<[string, JsonNode]> = node.members;
        const exact = members.filter(([k]) => k === part);
        const folded = members.filter(([k]) => k.toLowerCase() === part.toLowerCase());
        node = (exact.length > 0 ? exact : folded).at(-1)?.[1];
      } else if (node?.k === "arr" && typeof part === "number") {
        node = node.items[part];
      } else {
        return undefined;
      }
    }
    return node ? lineColumn(text, node.at).line : undefined;
  };
}

/**
 * Validates a decoded config of spec 3.{minor} and writes it as served
 * (version string set to the served spec). Throws NB_IGNITION on fatal errors.
 *
 * The config must pass the rules of its own version (what Matchbox checks)
 * and of the version it is served as (what the machine's Ignition checks), so
 * netboot never serves a translated config that Ignition would refuse.
 */
export function finishConfig(
  config: IgnObject,
  minor: number,
  file: string,
  locate?: LocatePath,
): { json: string; warnings: ConfigIssue[] } {
  const target = servedMinor(minor);
  const report = validateConfig(config, minor);
  if (report.errors.length === 0 && target !== minor) {
    report.errors.push(...validateConfig(config, target).errors);
  }
  if (report.errors.length > 0) {
    throw new NetbootError("NB_IGNITION", issueMessage(file, report.errors[0]!, report.errors.length - 1, locate));
  }
  const ignition = (config.ignition ?? {}) as IgnObject;
  const served: IgnObject = { ...config, ignition: { ...ignition, version: `3.${target}.0` } };
  return { json: serializeConfig(served, target), warnings: report.warnings };
}

/**
 * Butane's check of an Ignition config embedded inline in `ignition.config`:
 * syntax and type errors are fatal; a version other than the one the Butane
 * config emits is only reported (Butane skips validating it); otherwise the
 * embedded config's validation errors are returned.
 */
export function inspectEmbeddedConfig(
  text: string,
  minor: number,
): { syntaxError: string } | { otherVersion: string } | { errors: ConfigIssue[] } {
  try {
    const root = parseGoJson(text);
    const version = probeVersion(root);
    if (specMinor(version) !== minor) return { otherVersion: version };
    const config = decodeStruct("Config", root, minor, [], {}, []);
    return { errors: validateConfig(config, minor).errors };
  } catch (err) {
    if (err instanceof JsonSyntaxError) return { syntaxError: err.message };
    if (err instanceof DecodeError) return { syntaxError: `${formatPath(err.issue.path)}: ${err.issue.message}` };
    throw err;
  }
}

export function canonicalIgnition(text: string, file: string): string {
  if (Buffer.byteLength(text, "utf8") > MAX_IGNITION_BYTES) {
    throw new NetbootError("NB_IGNITION", `${file}: document is larger than ${MAX_IGNITION_BYTES} bytes`);
  }
  if (text.length === 0) throw new NetbootError("NB_IGNITION", `${file}: not a config (empty)`);
  let root: JsonNode;
  try {
    root = parseGoJson(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      const { line, column } = lineColumn(text, err.offset);
      throw new NetbootError("NB_IGNITION", `${file}:${line}:${column}: ${err.message}`);
    }
    throw err;
  }
  try {
    const version = probeVersion(root);
    const minor = specMinor(version);
    if (minor === undefined) {
      const reason = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(version)
        ? `unsupported config version "${version}" (netboot serves 3.0.0 to 3.5.0)`
        : `invalid config version ${JSON.stringify(version)} (couldn't parse)`;
      throw new NetbootError("NB_IGNITION", `${file}: ignition.version: ${reason}`);
    }
    const config = decodeStruct("Config", root, minor, [], {}, []);
    return finishConfig(config, minor, file, jsonLocator(text, root)).json;
  } catch (err) {
    if (err instanceof DecodeError) throw new NetbootError("NB_IGNITION", issueMessage(file, err.issue, 0, jsonLocator(text, root)));
    throw err;
  }
}
