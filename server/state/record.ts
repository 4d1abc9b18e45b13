import { parseMac } from "../match/mac.js";
import type { SchemaValidator } from "../util/json-schema.js";
import { validateStateCode } from "./state-validator.generated.js";
import { emptyRecord } from "../util/record.js";

/**
 * What netboot remembers about one machine, and its file: one small JSON
 * document per machine, named by its MAC (`52-54-00-aa-bb-cc.json`).
 */

/** One remembered label: its value, and when and by which sticky group and endpoint it was set. */
export interface RememberedLabel {
  value: string;
  setAt: string;
  group: string;
  endpoint: string;
}

export interface MachineState {
  /** Canonical (lower-case colon) MAC. */
  mac: string;
  labels: Record<string, RememberedLabel>;
}

export const STATE_FILE_VERSION = 1;

export const STATE_SCHEMA = {
  type: "object",
  required: ["version", "mac", "labels"],
  additionalProperties: false,
  properties: {
    version: { const: STATE_FILE_VERSION },
    mac: { type: "string" },
    labels: {
      type: "object",
      additionalProperties: {
        type: "object",
        required: ["value", "setAt", "group", "endpoint"],
        additionalProperties: false,
        properties: { value: { type: "string" }, setAt: { type: "string" }, group: { type: "string" }, endpoint: { type: "string" } },
      },
    },
  },
} as const;

/** STATE_SCHEMA, compiled ahead of time (a test checks the generated code against it). */
const validate = validateStateCode as SchemaValidator;

/** The file name of a machine's state: its MAC with hyphens (colons are awkward in file names). */
export function stateFileName(mac: string): string {
  return mac.replace(/:/g, "-") + ".json";
}

/** The MAC a state file name stands for, or undefined for any other name (`lost+found`, temporary files). */
export function macOfStateFile(name: string): string | undefined {
  if (!name.endsWith(".json")) return undefined;
  const stem = name.slice(0, -".json".length);
  const mac = parseMac(stem);
  return mac !== undefined && stateFileName(mac) === name ? mac : undefined;
}

/** The plain labels of a state (`os` → `installed`). */
export function labelValues(state: MachineState): Record<string, string> {
  const values = emptyRecord<string>();
  for (const key in state.labels) values[key] = state.labels[key]!.value;
  return values;
}

export function encodeState(state: MachineState): string {
  return JSON.stringify({ version: STATE_FILE_VERSION, mac: state.mac, labels: state.labels }, null, 2) + "\n";
}

/** Parses a state file's text; throws an Error whose message completes "the file …" when it is not a state of `mac`. */
export function decodeState(text: string, mac: string): MachineState {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new Error("is not valid JSON");
  }
  if (!validate(document)) {
    const first = validate.errors?.[0];
    throw new Error(`is not a machine state file: ${first ? `${first.instancePath || "/"} ${first.message ?? "is invalid"}` : "invalid"}`);
  }
  const doc = document as { mac: string; labels: Record<string, RememberedLabel> };
  if (parseMac(doc.mac) !== mac) throw new Error(`holds the state of ${JSON.stringify(doc.mac)}, not of ${mac}`);
  const labels = emptyRecord<RememberedLabel>();
  for (const [key, label] of Object.entries(doc.labels)) labels[key] = { value: label.value, setAt: label.setAt, group: label.group, endpoint: label.endpoint };
  return { mac, labels };
}
