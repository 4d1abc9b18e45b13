import type { TemplateFile } from "../store/snapshot.js";
import { translateButane } from "./butane/index.js";
import { canonicalIgnition } from "./ignition/index.js";
import { renderTemplateFile } from "./template.js";
import type { TemplateData } from "./template-data.js";

/** Raw Ignition is chosen by the reference's suffix, case-sensitively, as Matchbox does. */
export function isRawIgnition(ignitionId: string): boolean {
  return ignitionId.endsWith(".ign") || ignitionId.endsWith(".ignition");
}

/** A raw Ignition file parsed, validated and serialised once (the loader does it as it reads the file). */
function canonicalOf(file: TemplateFile): { json: string } | { error: unknown } {
  return file.memo("canonical-ignition", () => {
    try {
      return { json: canonicalIgnition(file.text, file.file) };
    } catch (error) {
      return { error };
    }
  });
}

/** Why a raw Ignition file does not parse or validate, or undefined when it does. */
export function rawIgnitionError(file: TemplateFile): unknown {
  const result = canonicalOf(file);
  return "error" in result ? result.error : undefined;
}

export interface IgnitionResult {
  json: string;
  warnings: readonly string[];
}

/**
 * `/ignition`'s body: raw Ignition re-serialised canonically (never templated,
 * computed once per snapshot), or a Go template rendered with the machine's
 * data and translated from Butane.
 */
export function renderIgnition(ignitionId: string, file: TemplateFile, data: TemplateData): IgnitionResult {
  if (isRawIgnition(ignitionId)) {
    const result = canonicalOf(file);
    if ("error" in result) throw result.error;
    return { json: result.json, warnings: [] };
  }
  const butane = renderTemplateFile(file, data);
  const { ignition, warnings } = translateButane(butane, file.file);
  return { json: ignition, warnings };
}
