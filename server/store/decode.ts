import { isMacKey, parseMac } from "../match/mac.js";
import { labelsToRemember } from "../match/sticky.js";
import { escapePointer, schemaError } from "./document.js";
import { BOOT_FIELDS, fieldOf, GROUP_FIELDS, PROFILE_FIELDS, strayKeys } from "./fields.js";
import { validateGroup, validateProfile } from "./schema-validators.js";
import type { SchemaValidator } from "../util/json-schema.js";
import { emptyRecord } from "../util/record.js";
import type { Boot, FileProblem, Group, JsonObject, Profile } from "./types.js";

/**
 * Go's encoding/json matches object keys to struct fields without regard to
 * case, and the last key for a field wins. Unknown keys are dropped.
 */
function foldFields(value: unknown, fields: readonly string[]): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const folded: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const field = fieldOf(key, fields);
    if (field !== undefined) folded[field] = (value as Record<string, unknown>)[key];
  }
  return folded;
}

/** Keys Matchbox ignores, as warnings (the document is served as Matchbox serves it). */
function strayKeyWarnings(kind: "group" | "profile", document: unknown, file: string): FileProblem[] {
  return strayKeys(kind, document).map(({ pointer, message }) => ({ file, pointer, message, severity: "warning" }));
}

function check(validate: SchemaValidator, value: unknown): void {
  if (!validate(value)) throw schemaError(validate.errors, { emptyMeans: "must not be empty" });
}

/**
 * A group from a parsed document; throws DocumentError. `null` is an empty,
 * catch-all group. A group whose selector MAC does not parse is returned with
 * `skip` set and a warning, as Matchbox skips it.
 */
export function decodeGroup(document: unknown, file: string): Group {
  const doc = foldFields(document, GROUP_FIELDS) as Record<string, unknown> | null;
  check(validateGroup, doc);
  // Inheriting nothing: a selector key may be any string, `__proto__` included (one is kept per group: the compact kind).
  const selector = emptyRecord<string>();
  const warnings = strayKeyWarnings("group", document, file);
  let skip = false;
  for (const [key, value] of Object.entries((doc?.selector as Record<string, string | null> | null) ?? {})) {
    let normalised = value ?? "";
    if (isMacKey(key)) {
      const mac = parseMac(normalised);
      if (mac === undefined) {
        // Matchbox skips such a group file (logged at info); `"mac": "disabled"` is a way to switch a group off.
        const message = `address ${normalised}: invalid MAC address, so this group is skipped (as Matchbox skips it)`;
        warnings.push({ file, pointer: `/selector/${escapePointer(key)}`, message, severity: "warning" });
        skip = true;
      } else {
        normalised = mac;
      }
    }
    selector[key] = normalised;
  }
  const sticky = doc?.sticky === true;
  const remember = sticky ? labelsToRemember(selector) : undefined;
  if (remember && Object.keys(remember).length === 0) {
    const message = "sticky, but the selector requires no label besides the MAC, so a machine has nothing to remember";
    warnings.push({ file, pointer: "/sticky", message, severity: "warning" });
  }
  return {
    id: (doc?.id as string | null) ?? "",
    name: (doc?.name as string | null) ?? "",
    profile: (doc?.profile as string | null) ?? "",
    selector,
    metadata: (doc?.metadata as JsonObject | null) ?? null,
    file,
    ...(remember ? { sticky, remember } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(skip ? { skip } : {}),
  };
}

/** A profile from a parsed document; throws DocumentError. */
export function decodeProfile(document: unknown, file: string): Profile {
  const doc = foldFields(document, PROFILE_FIELDS) as Record<string, unknown>;
  if (doc && typeof doc === "object" && !Array.isArray(doc) && doc.boot !== undefined) {
    doc.boot = foldFields(doc.boot, BOOT_FIELDS);
  }
  check(validateProfile, doc);
  const boot = doc.boot as { kernel?: string | null; initrd?: (string | null)[] | null; args?: (string | null)[] | null } | null | undefined;
  const warnings = strayKeyWarnings("profile", document, file);
  return {
    id: doc.id as string,
    name: (doc.name as string | null) ?? "",
    ignitionId: (doc.ignition_id as string | null) ?? "",
    genericId: (doc.generic_id as string | null) ?? "",
    cloudId: (doc.cloud_id as string | null) ?? "",
    boot: boot ? decodeBoot(boot) : null,
    file,
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

function decodeBoot(boot: { kernel?: string | null; initrd?: (string | null)[] | null; args?: (string | null)[] | null }): Boot {
  return {
    kernel: boot.kernel ?? "",
    initrd: (boot.initrd ?? []).map((s) => s ?? ""),
    args: (boot.args ?? []).map((s) => s ?? ""),
  };
}
