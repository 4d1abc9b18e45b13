import type { Labels } from "./labels.js";
import { isMacKey } from "./mac.js";

/**
 * Sticky groups: a machine that matched one keeps the labels its selector
 * required, so that a later request that only carries the MAC (a network boot
 * from firmware) is matched as if it had sent them again.
 */

/**
 * The machine a request speaks for: its `mac` label, else the first label
 * whose key lower-cases to `mac` (already normalised), else none. A UUID is no
 * identity here: boards of one vendor often share a placeholder UUID, and
 * iPXE sends `uuid=` empty when there is none.
 */
export function machineOf(labels: Labels): string | undefined {
  const mac = labels.get("mac");
  if (mac !== undefined) return mac;
  for (const [key, value] of labels) if (isMacKey(key)) return value;
  return undefined;
}

/**
 * The labels a sticky group's selector makes a machine remember: every pair
 * except the MAC itself (the machine's identity, not a fact about it) and
 * pairs that want `""` (a missing label already compares as `""`).
 */
export function labelsToRemember(selector: Readonly<Record<string, string>>): Record<string, string> {
  const remember: Record<string, string> = Object.create(null);
  for (const key in selector) {
    const value = selector[key]!;
    if (!isMacKey(key) && value !== "") remember[key] = value;
  }
  return remember;
}

/** The labels a request is matched with: the remembered ones, under the query's own (a label in the query wins). */
export function withRemembered(query: Labels, remembered: Readonly<Record<string, string>>): Labels {
  const merged = new Map<string, string>();
  for (const key in remembered) merged.set(key, remembered[key]!);
  for (const [key, value] of query) merged.set(key, value);
  return merged;
}

/** Remembered labels the query leaves in effect (those it does not set itself). */
export function rememberedInEffect(query: Labels, remembered: Readonly<Record<string, string>>): Record<string, string> {
  const applied: Record<string, string> = Object.create(null);
  for (const key in remembered) if (!query.has(key)) applied[key] = remembered[key]!;
  return applied;
}
