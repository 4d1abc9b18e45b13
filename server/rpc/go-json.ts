/**
 * Go's encoding/json writer for the values the gRPC API stores: structs with
 * fields in declaration order, maps with keys in byte order, float64 numbers,
 * Go's HTML-safe string escaping, and json.MarshalIndent's layout. Pure.
 */
import { compareBytes } from "../match/group.js";
import { goJsonString } from "../render/ignition/serialize.js";
import type { JsonValue } from "../store/types.js";

/** A Go struct: its fields in declaration order (the caller leaves out what `omitempty` drops). */
export class GoStruct {
  constructor(readonly fields: ReadonlyArray<readonly [string, GoValue]>) {}
}

export type GoValue = JsonValue | GoStruct | readonly GoValue[];

/** A float64 as Go writes it: shortest round-trip digits, exponent form below 1e-6 and from 1e21. */
export function goFloat(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`json: unsupported value: ${value}`);
  // JavaScript's Number#toString picks the same digits and the same thresholds;
  // only negative zero differs (Go keeps its sign).
  return Object.is(value, -0) ? "-0" : String(value);
}

/**
 * `json.Marshal(value)` (indent undefined) or `json.MarshalIndent(value, "", indent)`:
 * no trailing newline, `{}` and `[]` for empty maps and slices.
 */
export function goMarshal(value: GoValue, indent?: string): string {
  const parts: string[] = [];
  const newline = (depth: number) => {
    if (indent !== undefined) parts.push("\n", indent.repeat(depth));
  };
  const members = (entries: ReadonlyArray<readonly [string, GoValue]>, depth: number) => {
    if (entries.length === 0) {
      parts.push("{}");
      return;
    }
    parts.push("{");
    entries.forEach(([key, member], i) => {
      if (i > 0) parts.push(",");
      newline(depth + 1);
      parts.push(goJsonString(key), indent === undefined ? ":" : ": ");
      write(member, depth + 1);
    });
    newline(depth);
    parts.push("}");
  };
  const write = (v: GoValue, depth: number): void => {
    if (v === null) parts.push("null");
    else if (typeof v === "string") parts.push(goJsonString(v));
    else if (typeof v === "number") parts.push(goFloat(v));
    else if (typeof v === "boolean") parts.push(v ? "true" : "false");
    else if (v instanceof GoStruct) members(v.fields, depth);
    else if (Array.isArray(v)) {
      if (v.length === 0) {
        parts.push("[]");
        return;
      }
      parts.push("[");
      v.forEach((item: GoValue, i: number) => {
        if (i > 0) parts.push(",");
        newline(depth + 1);
        write(item, depth + 1);
      });
      newline(depth);
      parts.push("]");
    } else {
      const map = v as { [key: string]: JsonValue };
      members(
        Object.keys(map)
          .sort(compareBytes)
          .map((key) => [key, map[key]!] as const),
        depth,
      );
    }
  };
  write(value, 0);
  return parts.join("");
}
