/**
 * Decodes a Butane YAML tree into typed objects with gopkg.in/yaml.v3's rules
 * for Go fields: ints accept YAML 1.1 octal (`0644`), `0o`/`0x`/`0b`, `_`
 * separators and whole floats; bools accept `yes`/`no`/`on`/`off`; strings
 * take a plain scalar's text verbatim; `~` leaves a field unset; a null item
 * in a list is dropped. Keys the schema does not know become warnings.
 */
import type { ConfigIssue, ConfigPath } from "../ignition/path.js";
import { SCHEMA, type IgnObject, type TypeName } from "../ignition/schema.js";
import { butaneFields, type ButaneField, type ButaneTypeName } from "./schema.js";
import { PlainScalar, type YamlNode } from "./yaml.js";

export class ButaneDecodeError extends Error {
  constructor(readonly issue: ConfigIssue) {
    super(issue.message);
  }
}

function describe(node: YamlNode): string {
  if (node === null) return "!!null";
  if (Array.isArray(node)) return "!!seq";
  if (node instanceof PlainScalar) {
    const resolved = resolvePlain(node.valueOf());
    const tag = typeof resolved === "number" ? (Number.isInteger(resolved) && !/[.eE]/.test(node.valueOf()) ? "!!int" : "!!float") : typeof resolved === "boolean" ? "!!bool" : "!!str";
    return `${tag} \`${node.valueOf()}\``;
  }
  if (typeof node === "string") return `!!str \`${node.length > 30 ? node.slice(0, 27) + "..." : node}\``;
  return "!!map";
}

function typeError(node: YamlNode, goType: string, path: ConfigPath): never {
  throw new ButaneDecodeError({ path, message: `cannot unmarshal ${describe(node)} into ${goType}` });
}

const FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/** Go's strconv.ParseInt(s, 0, 64) syntax; undefined when it would fail. */
function goParseInt(text: string): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!m) return undefined;
  const digits = m[2]!;
  let magnitude: bigint;
  if (/^0[oO]/.test(digits)) magnitude = BigInt("0o" + digits.slice(2));
  else if (/^0[0-7]+$/.test(digits)) magnitude = BigInt("0o" + digits.slice(1));
  else magnitude = BigInt(digits.toLowerCase());
  return m[1] === "-" ? -magnitude : magnitude;
}

/** What yaml.v3 resolves a plain scalar to: number, boolean, or its text. */
function resolvePlain(text: string): number | boolean | string {
  if (["true", "True", "TRUE"].includes(text)) return true;
  if (["false", "False", "FALSE"].includes(text)) return false;
  if ([".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"].includes(text)) return Infinity;
  if (["-.inf", "-.Inf", "-.INF"].includes(text)) return -Infinity;
  if ([".nan", ".NaN", ".NAN"].includes(text)) return NaN;
  if (/^[-+0-9.]/.test(text)) {
    const plain = text.replace(/_/g, "");
    const asInt = goParseInt(plain);
    if (asInt !== undefined) return Number(asInt);
    if (FLOAT.test(plain)) return Number(plain);
  }
  return text;
}

const INT64_MAX = 9223372036854775807;

function decodeInt(node: YamlNode, path: ConfigPath): number {
  if (!(node instanceof PlainScalar)) typeError(node, "int", path);
  const resolved = resolvePlain(node.valueOf());
  if (typeof resolved !== "number" || Number.isNaN(resolved) || resolved > INT64_MAX || resolved < -INT64_MAX) typeError(node, "int", path);
  const value = Math.trunc(resolved);
  if (!Number.isSafeInteger(value)) typeError(node, "int", path);
  return value === 0 ? 0 : value;
}

const YAML11_TRUE = new Set(["y", "Y", "yes", "Yes", "YES", "on", "On", "ON"]);
const YAML11_FALSE = new Set(["n", "N", "no", "No", "NO", "off", "Off", "OFF"]);

function decodeBool(node: YamlNode, path: ConfigPath): boolean {
  let resolved: number | boolean | string;
  if (node instanceof PlainScalar) resolved = resolvePlain(node.valueOf());
  else if (typeof node === "string") resolved = node;
  else return typeError(node, "bool", path);
  if (typeof resolved === "boolean") return resolved;
  if (typeof resolved === "string" && YAML11_TRUE.has(resolved)) return true;
  if (typeof resolved === "string" && YAML11_FALSE.has(resolved)) return false;
  return typeError(node, "bool", path);
}

function decodeString(node: YamlNode, path: ConfigPath): string {
  if (node instanceof PlainScalar) return node.valueOf();
  if (typeof node === "string") return node;
  return typeError(node, "string", path);
}

function isMapping(node: YamlNode): node is { [key: string]: YamlNode } {
  return node !== null && typeof node === "object" && !Array.isArray(node) && !(node instanceof PlainScalar);
}

export class ButaneDecoder {
  readonly warnings: ConfigIssue[] = [];

  constructor(private readonly base: number) {}

  /** Decodes a mapping into an object of `type`; extraFields are variant additions at this level. */
  struct(type: ButaneTypeName, node: YamlNode, path: ConfigPath, extraFields: ButaneField[] = []): IgnObject {
    const out: IgnObject = {};
    if (node === null) return out;
    if (!isMapping(node)) typeError(node, type, path);
    const fields = [...butaneFields(type, this.base), ...extraFields];
    for (const [key, value] of Object.entries(node)) {
      const field = fields.find((f) => f.yaml === key);
      if (!field) {
        this.warnings.push({ path: [...path, key], message: `unused key ${key}` });
        continue;
      }
      this.field(field, value, [...path, key], out);
    }
    if (type in SCHEMA) {
      for (const spec of SCHEMA[type as TypeName]) {
        if (spec.requiredBefore !== undefined && this.base < spec.requiredBefore && (spec.since ?? 0) <= this.base && !(spec.json in out)) {
          out[spec.json] = "";
        }
      }
    }
    return out;
  }

  private field(field: ButaneField, node: YamlNode, path: ConfigPath, out: IgnObject): void {
    const kind = field.kind;
    if (node === null) {
      if (kind.t === "struct") out[field.key] = out[field.key] ?? {};
      return;
    }
    switch (kind.t) {
      case "str":
      case "reqStr":
      case "optStr":
        out[field.key] = decodeString(node, path);
        return;
      case "int":
      case "optInt":
        out[field.key] = decodeInt(node, path);
        return;
      case "bool":
        out[field.key] = decodeBool(node, path);
        return;
      case "struct":
        out[field.key] = this.struct(kind.type, node, path);
        return;
      case "list": {
        if (!Array.isArray(node)) typeError(node, `[]${kind.type}`, path);
        const items = node.flatMap((item, i) => (item === null ? [] : [this.struct(kind.type, item, [...path, i])]));
        if (items.length > 0) out[field.key] = items;
        return;
      }
      case "strList": {
        if (!Array.isArray(node)) typeError(node, "[]string", path);
        const items = node.flatMap((item, i) => (item === null ? [] : [decodeString(item, [...path, i])]));
        if (items.length > 0) out[field.key] = items;
        return;
      }
    }
  }
}

/** The `variant` and `version` fields as Butane's first pass reads them. */
export function readHeader(root: YamlNode): { variant: string; version: string } {
  if (root === null) return { variant: "", version: "" };
  if (!isMapping(root)) typeError(root, "config", []);
  const read = (key: string): string => {
    const node = root[key];
    return node === undefined || node === null ? "" : decodeString(node, [key]);
  };
  return { variant: read("variant"), version: read("version") };
}
