import type { TemplateFile } from "../store/snapshot.js";
import { butaneStages, translateButane } from "./butane/index.js";
import { canonicalIgnition } from "./ignition/index.js";
import { renderTemplateFile } from "./template.js";
import type { TemplateData } from "./template-data.js";

/** Raw Ignition is chosen by the reference's suffix, case-sensitively, as Matchbox does. */
export function isRawIgnition(ignitionId: string): boolean {
  return ignitionId.endsWith(".ign") || ignitionId.endsWith(".ignition");
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
  if (isRawIgnition(ignitionId)) return rawIgnition(file);
  return butaneIgnition(file, renderTemplateFile(file, data));
}

/** A raw Ignition file parsed, validated and serialised once per snapshot (the loader does it as it reads the file). */
function canonicalOf(file: TemplateFile): { json: string } | { error: unknown } {
  return file.memo<{ json: string } | { error: unknown }>("canonical-ignition", () => {
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

/** A raw Ignition file re-serialised canonically. */
export function rawIgnition(file: TemplateFile): IgnitionResult {
  const result = canonicalOf(file);
  if ("error" in result) throw result.error;
  return { json: result.json, warnings: [] };
}

/** A rendered Butane template translated to Ignition. */
export function butaneIgnition(file: TemplateFile, butane: string): IgnitionResult {
  const { ignition, warnings } = translateButane(butane, file.file);
  return { json: ignition, warnings };
}

/** butaneIgnition in stages (see butaneStages). */
export function* butaneIgnitionStages(file: TemplateFile, butane: string): Generator<void, IgnitionResult> {
  const { ignition, warnings } = yield* butaneStages(butane, file.file);
  return { json: ignition, warnings };
}
