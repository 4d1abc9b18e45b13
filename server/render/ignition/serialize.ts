/**
 * Writes a config exactly as Go's json.Marshal writes Ignition's structs:
 * fields in struct order, nested structs always present, unset pointers and
 * empty slices omitted, compact, HTML-safe escaping, no trailing newline.
 */
import { fieldsAt, type IgnObject, type TypeName } from "./schema.js";

const NEEDS_GO_ESCAPES = /[<>&\u2028\u2029\ud800-\udfff]/;

/** JSON string literal with Go's escaping of <, >, &, U+2028, U+2029 and unpaired surrogates. */
export function goJsonString(value: string): string {
  if (!NEEDS_GO_ESCAPES.test(value)) return JSON.stringify(value);
  const wellFormed = value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
  return JSON.stringify(wellFormed).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function writeStruct(type: TypeName, o: IgnObject, minor: number): string {
  const parts: string[] = [];
  for (const field of fieldsAt(type, minor)) {
    const key = `"${field.json}":`;
    const value = o[field.json];
    const kind = field.kind;
    switch (kind.t) {
      case "str":
        if (typeof value === "string") parts.push(key + goJsonString(value));
        break;
      case "reqStr":
        parts.push(key + goJsonString(typeof value === "string" ? value : ""));
        break;
      case "optStr":
        if (typeof value === "string" && value !== "") parts.push(key + goJsonString(value));
        break;
      case "int":
        if (typeof value === "number") parts.push(key + String(value));
        break;
      case "optInt":
        if (typeof value === "number" && value !== 0) parts.push(key + String(value));
        break;
      case "bool":
        if (typeof value === "boolean") parts.push(key + String(value));
        break;
      case "struct": {
        const inner = value && typeof value === "object" && !Array.isArray(value) ? value : {};
        parts.push(key + writeStruct(kind.type, inner, minor));
        break;
      }
      case "list":
        if (Array.isArray(value) && value.length > 0) {
          parts.push(key + "[" + (value as IgnObject[]).map((item) => writeStruct(kind.type, item, minor)).join(",") + "]");
        }
        break;
      case "strList":
        if (Array.isArray(value) && value.length > 0) {
          parts.push(key + "[" + (value as string[]).map(goJsonString).join(",") + "]");
        }
        break;
    }
  }
  return "{" + parts.join(",") + "}";
}

/** Serialises a whole config with the struct layout of spec 3.{minor}. */
export function serializeConfig(config: IgnObject, minor: number): string {
  return writeStruct("Config", config, minor);
}
