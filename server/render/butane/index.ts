/**
 * Butane YAML (already rendered from its template) → canonical Ignition JSON,
 * as Matchbox's Butane path serves it. Variants fcos 1.0.0–1.6.0, flatcar
 * 1.0.0–1.1.0, r4e 1.0.0–1.1.0 and fiot 1.0.0. Output is spec 3.4.0, or 3.5.0
 * for fcos 1.6.0. Pure: no I/O.
 */
import { NetbootError } from "../../errors.js";
import { finishConfig } from "../ignition/index.js";
import { formatPath, type ConfigIssue, type ConfigPath } from "../ignition/path.js";
import { ButaneDecodeError, ButaneDecoder, readHeader } from "./decode.js";
import { snake, type ButaneField } from "./schema.js";
import { translateButaneConfig } from "./translate.js";
import { normaliseSemver, unsupportedReason, VARIANTS } from "./variants.js";
import { lineAt, loadButaneYaml, YamlLimitError, type LoadedYaml } from "./yaml.js";

export { MAX_BUTANE_BYTES, MAX_BUTANE_NODES, MAX_EXPANDED_CHARS } from "./yaml.js";

function fail(file: string, message: string): never {
  throw new NetbootError("NB_BUTANE", `${file}: ${message}`);
}

/** `file:LINE: path: message` when the line is known, else `file: path: message`. */
function issueText(file: string, issue: ConfigIssue, yaml?: LoadedYaml): string {
  const line = yaml ? lineAt(yaml, issue.path) : undefined;
  return `${file}${line ? `:${line}` : ""}: ${formatPath(issue.path)}: ${issue.message}`;
}

function parseYaml(yamlText: string, file: string): LoadedYaml {
  try {
    return loadButaneYaml(yamlText);
  } catch (err) {
    if (err instanceof YamlLimitError) fail(file, err.message);
    if (err instanceof RangeError) fail(file, "document nests too deeply");
    const e = err as Error & { mark?: { line: number; column: number }; reason?: string };
    if (e.mark) fail(`${file}:${e.mark.line + 1}:${e.mark.column + 1}`, `YAML error: ${e.reason ?? e.message}`);
    throw err;
  }
}

export interface ButaneResult {
  ignition: string;
  warnings: string[];
}

export function translateButane(yamlText: string, file: string): ButaneResult {
  const stages = butaneStages(yamlText, file);
  for (;;) {
    const step = stages.next();
    if (step.done) return step.value;
  }
}

/**
 * translateButane in stages (parse, decode, translate, validate and
 * serialise), pausing between them, so a caller can let other work run in
 * between on a large document.
 */
export function* butaneStages(yamlText: string, file: string): Generator<void, ButaneResult> {
  const loaded = parseYaml(yamlText, file);
  yield;
  const root = loaded.root;
  try {
    const header = readHeader(root);
    if (header.variant === "") fail(file, "error parsing variant; must be specified");
    const version = normaliseSemver(header.version);
    if (version === undefined) fail(file, "error parsing version; must be a valid semver");
    const unsupported = unsupportedReason(header.variant, version);
    if (unsupported) fail(file, unsupported);
    const spec = VARIANTS[header.variant]?.[version];
    if (!spec) fail(file, `No translator exists for variant ${header.variant} with version ${version}`);

    const decoder = new ButaneDecoder(spec.minor);
    const top: ButaneField[] = [
      { yaml: "variant", key: "variant", kind: { t: "reqStr" } },
      { yaml: "version", key: "version", kind: { t: "reqStr" } },
    ];
    if (spec.bootDevice) top.push({ yaml: "boot_device", key: "boot_device", kind: { t: "struct", type: "BootDevice" } });
    if (spec.grub) top.push({ yaml: "grub", key: "grub", kind: { t: "struct", type: "Grub" } });
    const butane = decoder.struct("Config", root, [], top);
    yield;

    const result = translateButaneConfig(butane, spec);
    yield;
    const warnings = [...decoder.warnings, ...result.warnings].map((w) => issueText(file, w, loaded));
    if (result.errors.length > 0) {
      const more = result.errors.length > 1 ? ` (and ${result.errors.length - 1} more)` : "";
      throw new NetbootError("NB_BUTANE", issueText(file, result.errors[0]!, loaded) + more);
    }
    // Ignition's paths are camelCase; Butane's keys are their snake_case. Generated entries shift list indexes, so no lines then.
    const locate = result.generated ? undefined : (path: ConfigPath) => lineAt(loaded, path.map((p) => (typeof p === "string" ? snake(p) : p)));
    const finished = finishConfig(result.config, spec.minor, file, locate);
    return { ignition: finished.json, warnings: [...warnings, ...finished.warnings.map((w) => issueText(file, w))] };
  } catch (err) {
    if (err instanceof ButaneDecodeError) throw new NetbootError("NB_BUTANE", issueText(file, err.issue, loaded));
    throw err;
  }
}
