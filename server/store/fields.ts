import { editDistance } from "../util/edit-distance.js";
import { escapePointer } from "./document.js";
import type { Boot } from "./types.js";

/**
 * The fields of group and profile documents, matched to keys as Go's
 * encoding/json matches them, and the keys Matchbox silently ignores: a typo
 * (`kernal`), or a known key at the wrong level (`mac` beside `selector`
 * instead of under it). Those are served as Matchbox serves them (ignored) but
 * reported, with the key that was probably meant.
 */

/** `sticky` is netboot's own (Matchbox ignores it): a known key, not a stray one. */
export const GROUP_FIELDS = ["id", "name", "profile", "selector", "metadata", "sticky"] as const;
export const PROFILE_FIELDS = ["id", "name", "ignition_id", "generic_id", "cloud_id", "boot"] as const;
export const BOOT_FIELDS = ["kernel", "initrd", "args"] as const;

/**
 * A key folded as Go folds JSON keys for field matching (Unicode simple case
 * folding, which for the ASCII field names above means: ASCII letters in either
 * case, and `ſ` for s and the Kelvin sign for k).
 */
export function foldKey(key: string): string {
  if (!FOLDED_CHARACTER.test(key)) return key;
  return key.replace(/[A-Z\u017f\u212a]/g, (c) => (c === "\u017f" ? "s" : c === "\u212a" ? "k" : c.toLowerCase()));
}
const FOLDED_CHARACTER = /[A-Z\u017f\u212a]/;

/** The field a key sets, if any. */
export function fieldOf<F extends string>(key: string, fields: readonly F[]): F | undefined {
  // The field names are folded already: a key spelled as one is that field.
  if ((fields as readonly string[]).includes(key)) return key as F;
  const folded = foldKey(key);
  return fields.find((f) => f === folded);
}

/** A place in a document where a known key may stand. */
interface Place {
  pointer: string;
  name: string;
  /** Only suggested for the same key, not for one a few edits away (selector keys are free-form). */
  exactOnly?: boolean;
}

interface Level {
  fields: readonly string[];
  /** Sub-objects with fields of their own. */
  children?: Record<string, Level>;
}

/** The labels iPXE's bootstrap script sends, which a group's selector usually names. */
const LABELS = ["uuid", "mac", "domain", "hostname", "serial", "arch"];

const GROUP: Level = { fields: GROUP_FIELDS };
const PROFILE: Level = { fields: PROFILE_FIELDS, children: { boot: { fields: BOOT_FIELDS } } };

const PLACES: Record<"group" | "profile", Place[]> = {
  group: [...GROUP_FIELDS.map((name) => ({ pointer: `/${name}`, name })), ...LABELS.map((name) => ({ pointer: `/selector/${name}`, name, exactOnly: true }))],
  profile: [...PROFILE_FIELDS.map((name) => ({ pointer: `/${name}`, name })), ...BOOT_FIELDS.map((name) => ({ pointer: `/boot/${name}`, name }))],
};

/** Keys Matchbox once read and has dropped, with where their content goes now. */
const RETIRED: Record<string, Record<string, string>> = {
  profile: {
    "/cmdline": "Matchbox dropped cmdline in v0.7.0; kernel arguments go in /boot/args",
    "/boot/cmdline": "Matchbox dropped cmdline in v0.7.0; kernel arguments go in /boot/args",
  },
};

export interface StrayKey {
  pointer: string;
  message: string;
}

/** The place a stray key was probably meant for: the same key elsewhere, else the nearest known key within a few edits. */
function suggest(kind: "group" | "profile", key: string, parent: string): string | undefined {
  const folded = foldKey(key);
  const exact = PLACES[kind].find((p) => p.name === folded);
  if (exact) return exact.pointer;
  let best: { place: Place; distance: number } | undefined;
  for (const place of PLACES[kind]) {
    if (place.exactOnly) continue;
    const distance = editDistance(folded, place.name);
    const sameLevel = place.pointer === `${parent}/${place.name}`;
    // Closer wins; at equal distance, a key of the same object.
    if (!best || distance < best.distance || (distance === best.distance && sameLevel)) best = { place, distance };
  }
  if (!best) return undefined;
  // Within two edits, and fewer than half the key's letters changed.
  return best.distance <= 2 && best.distance * 2 < Math.max(folded.length, best.place.name.length) ? best.place.pointer : undefined;
}

/**
 * Keys of a group or profile document that set no field: Matchbox (Go's
 * encoding/json) ignores them without a word. Keys inside `selector` and
 * `metadata` are the user's own and never stray.
 */
export function strayKeys(kind: "group" | "profile", document: unknown): StrayKey[] {
  const found: StrayKey[] = [];
  const lastKeys: LastKeys = {};
  walkLevel(kind, document, kind === "group" ? GROUP : PROFILE, "", "", found, lastKeys);
  return kind === "group" ? withSelectorHints(document, found, lastKeys) : found;
}

/** The top-level keys that set `metadata` and `selector` (Go: the last key that folds to a field wins). */
interface LastKeys {
  metadata?: string;
  selector?: string;
}

/** Adds the stray keys of one object to `found`. `pointer` is where the object is in this document (`/Boot`), `path` where its field is known (`/boot`). */
function walkLevel(kind: "group" | "profile", value: unknown, level: Level, pointer: string, path: string, found: StrayKey[], lastKeys?: LastKeys): void {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return;
  for (const key of Object.keys(value)) {
    const field = fieldOf(key, level.fields);
    if (field !== undefined) {
      if (lastKeys && (field === "metadata" || field === "selector")) lastKeys[field] = key;
      const sub = level.children?.[field];
      if (sub) walkLevel(kind, (value as Record<string, unknown>)[key], sub, `${pointer}/${escapePointer(key)}`, `${path}/${field}`, found);
      continue;
    }
    const retired = RETIRED[kind]?.[`${path}/${foldKey(key)}`];
    const target = retired ? undefined : suggest(kind, key, path);
    const hint = retired ?? (target !== undefined ? `did you mean ${target}?` : `known keys here: ${level.fields.join(", ")}`);
    found.push({ pointer: `${pointer}/${escapePointer(key)}`, message: `unknown key "${key}" is ignored (${hint})` });
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * A selector that slipped out of place leaves the group with an empty one: a
 * catch-all. Says so where a stray key was meant for the selector, and flags a
 * `selector` indented into `metadata` (valid template data, so not unknown).
 */
function withSelectorHints(document: unknown, found: StrayKey[], lastKeys: LastKeys): StrayKey[] {
  if (!isObject(document)) return found;
  const metadata = lastKeys.metadata === undefined ? undefined : document[lastKeys.metadata];
  if (isObject(metadata) && isObject(metadata.selector)) {
    found.push({
      pointer: `/${escapePointer(lastKeys.metadata!)}/selector`,
      message: `"selector" inside metadata is template data, not the group's selector (did you mean /selector?)`,
    });
  }
  if (found.length === 0) return found;
  const selector = lastKeys.selector === undefined ? undefined : document[lastKeys.selector];
  const catchAll = !isObject(selector) || Object.keys(selector).length === 0;
  if (!catchAll) return found;
  return found.map((stray) =>
    /did you mean \/selector[/?]/.test(stray.message) ? { ...stray, message: `${stray.message}; as written, this group's selector is empty, so it matches every machine` } : stray,
  );
}

/** A profile's boot texts (the kernel, each initrd and argument), each with its JSON pointer in the document. */
export function bootTexts(boot: Boot): { pointer: string; text: string }[] {
  return [
    { pointer: "/boot/kernel", text: boot.kernel },
    ...boot.initrd.map((text, i) => ({ pointer: `/boot/initrd/${i}`, text })),
    ...boot.args.map((text, i) => ({ pointer: `/boot/args/${i}`, text })),
  ];
}
