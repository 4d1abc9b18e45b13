/**
 * Decodes a parsed JSON document into the Ignition model the way Go's
 * encoding/json fills Ignition's structs: keys match exactly or else
 * case-insensitively, a later duplicate overwrites (objects merge into the
 * existing struct), `null` leaves a value unset, integers must be written as
 * integers, and keys the spec version does not know are dropped.
 */
import type { JsonNode } from "./go-json.js";
import type { ConfigIssue, ConfigPath } from "./path.js";
import { fieldsAt, type FieldSpec, type IgnObject, type TypeName } from "./schema.js";

export class DecodeError extends Error {
  constructor(readonly issue: ConfigIssue) {
    super(issue.message);
  }
}

function jsonKind(node: JsonNode): string {
  return { obj: "object", arr: "array", str: "string", num: "number", bool: "bool", null: "null" }[node.k];
}

function typeError(node: JsonNode, goType: string, path: ConfigPath): never {
  throw new DecodeError({ path, message: `cannot unmarshal ${jsonKind(node)} into a value of type ${goType}` });
}

function matchField(fields: FieldSpec[], key: string): FieldSpec | undefined {
  const exact = fields.find((f) => f.json === key);
  if (exact) return exact;
  const folded = key.toLowerCase();
  return fields.find((f) => f.json.toLowerCase() === folded);
}

/** Go's strconv.ParseInt(raw, 10, 64), limited to integers JS holds exactly. */
function goInt(node: JsonNode, path: ConfigPath): number {
  if (node.k !== "num") typeError(node, "int", path);
  if (!/^-?\d+$/.test(node.raw)) {
    throw new DecodeError({ path, message: `cannot unmarshal number ${node.raw} into a value of type int` });
  }
  const value = Number(node.raw);
  if (!Number.isSafeInteger(value)) {
    throw new DecodeError({ path, message: `number ${node.raw} is out of range` });
  }
  return value === 0 ? 0 : value;
}

export function decodeStruct(
  type: TypeName,
  node: JsonNode,
  minor: number,
  path: ConfigPath,
  into: IgnObject,
  warnings: ConfigIssue[],
): IgnObject {
  if (node.k === "null") return into;
  if (node.k !== "obj") typeError(node, type, path);
  const fields = fieldsAt(type, minor);
  for (const [key, value] of node.members) {
    const field = matchField(fields, key);
    if (!field) {
      warnings.push({ path: [...path, key], message: `unused key ${key}` });
      continue;
    }
    decodeField(field, value, minor, [...path, field.json], into, warnings);
  }
  for (const field of fields) {
    if (field.requiredBefore !== undefined && minor < field.requiredBefore && !(field.json in into)) {
      into[field.json] = "";
    }
  }
  return into;
}

function decodeField(
  field: FieldSpec,
  node: JsonNode,
  minor: number,
  path: ConfigPath,
  into: IgnObject,
  warnings: ConfigIssue[],
): void {
  const kind = field.kind;
  const name = field.json;
  if (node.k === "null") {
    if (kind.t === "str" || kind.t === "int" || kind.t === "bool" || kind.t === "list" || kind.t === "strList") {
      delete into[name];
    }
    return;
  }
  switch (kind.t) {
    case "str":
    case "reqStr":
    case "optStr":
      if (node.k !== "str") typeError(node, "string", path);
      into[name] = node.v;
      return;
    case "int":
    case "optInt":
      into[name] = goInt(node, path);
      return;
    case "bool":
      if (node.k !== "bool") typeError(node, "bool", path);
      into[name] = node.v;
      return;
    case "struct": {
      const existing = into[name];
      const target = existing && typeof existing === "object" && !Array.isArray(existing) ? existing : {};
      into[name] = decodeStruct(kind.type, node, minor, path, target, warnings);
      return;
    }
    case "list": {
      if (node.k !== "arr") typeError(node, `[]${kind.type}`, path);
      const list = node.items.map((item, index) => decodeStruct(kind.type, item, minor, [...path, index], {}, warnings));
      if (list.length > 0) into[name] = list;
      else delete into[name];
      return;
    }
    case "strList": {
      if (node.k !== "arr") typeError(node, "[]string", path);
      const list = node.items.map((item, index) => {
        if (item.k === "null") return "";
        if (item.k !== "str") typeError(item, "string", [...path, index]);
        return item.v;
      });
      if (list.length > 0) into[name] = list;
      else delete into[name];
      return;
    }
  }
}

/** The `ignition.version` string as Ignition's version probe reads it ("" when absent). */
export function probeVersion(root: JsonNode): string {
  let version = "";
  if (root.k === "null") return version;
  if (root.k !== "obj") typeError(root, "Config", []);
  for (const [key, value] of root.members) {
    if (key.toLowerCase() !== "ignition" || value.k === "null") continue;
    if (value.k !== "obj") typeError(value, "Ignition", ["ignition"]);
    for (const [innerKey, inner] of value.members) {
      if (innerKey.toLowerCase() !== "version" || inner.k === "null") continue;
      if (inner.k !== "str") typeError(inner, "string", ["ignition", "version"]);
      version = inner.v;
    }
  }
  return version;
}
