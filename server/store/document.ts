import type { ErrorObject } from "ajv";
import yaml from "js-yaml";
import { JsonSyntaxError, lineColumn, parseGoJson } from "../render/ignition/go-json.js";
import { STORE_LIMITS } from "./limits.js";

/** A document that cannot be read, with where (JSON pointer) when known. */
export class DocumentError extends Error {
  constructor(
    message: string,
    readonly pointer?: string,
  ) {
    super(message);
    this.name = "DocumentError";
  }
}

export type DocumentFormat = "json" | "yaml";

export function formatOf(file: string): DocumentFormat | undefined {
  if (file.endsWith(".json")) return "json";
  if (file.endsWith(".yaml") || file.endsWith(".yml")) return "yaml";
  return undefined;
}

/**
 * Parses a group or profile document. JSON follows Go's encoding/json (the
 * last of duplicate keys wins); YAML uses the core schema (no dates, no custom
 * tags) and must not expand its aliases beyond a bound. The caller bounds the
 * text's size (the loader refuses a file over the limit before reading it).
 */
export function parseDocument(text: string, format: DocumentFormat): unknown {
  let value: unknown;
  if (format === "json") {
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw jsonSyntaxError(text, err as Error);
    }
  } else {
    try {
      value = yaml.load(text, { schema: yaml.CORE_SCHEMA });
    } catch (err) {
      const e = err as yaml.YAMLException;
      const where = e.mark ? ` at line ${e.mark.line + 1}, column ${e.mark.column + 1}` : "";
      throw new DocumentError(`invalid YAML${where}: ${e.reason ?? e.message}`);
    }
    // An empty YAML document is `null`, as a JSON file holding `null`.
    if (value === undefined) value = null;
  }
  // A JSON document is a tree, almost always within the limits: checked cheaply, and walked again for the error's place only when it is not.
  if (format === "yaml" || jsonWithinLimits(value, 0, STORE_LIMITS.maxYamlExpandedNodes) < 0) checkShape(value, format === "yaml");
  return value;
}

/**
 * The node count of a JSON tree when it holds only finite numbers, no deeper
 * than the limit and within `budget` nodes; -1 otherwise (checkShape then
 * says where and why).
 */
function jsonWithinLimits(node: unknown, depth: number, budget: number): number {
  if (typeof node === "number") return Number.isFinite(node) ? 1 : -1;
  if (node === null || typeof node !== "object") return 1;
  if (depth > STORE_LIMITS.maxDepth) return -1;
  let size = 1;
  for (const child of Array.isArray(node) ? node : Object.values(node)) {
    const childSize = jsonWithinLimits(child, depth + 1, budget - size);
    if (childSize < 0) return -1;
    size += childSize;
    if (size > budget) return -1;
  }
  return size;
}

/**
 * Where and why a JSON document does not parse, as Go's encoding/json words
 * it, at a line and column (JSON.parse gives a character offset or an excerpt
 * of the document, which may hold a secret).
 */
function jsonSyntaxError(text: string, parseError: Error): DocumentError {
  try {
    parseGoJson(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      const { line, column } = lineColumn(text, err.offset);
      return new DocumentError(`invalid JSON at line ${line}, column ${column}: ${err.message}`);
    }
  }
  return new DocumentError(`invalid JSON: ${parseError.message.replace(/\s*[\r\n]+\s*/g, " ")}`);
}

/**
 * Rejects documents whose alias-expanded size or depth is beyond the limits
 * (js-yaml shares aliased nodes, so a "billion laughs" document parses small but
 * expands without bound when walked), and numbers JSON cannot hold. A JSON
 * document is a tree (no node is shared), so it is walked without keeping
 * track of shared nodes.
 */
function checkShape(root: unknown, mayShareNodes: boolean): void {
  const expandedSize = mayShareNodes ? new Map<object, number>() : undefined;
  const onPath = mayShareNodes ? new Set<object>() : undefined;
  // The keys from the root to the node being walked: the pointer is only spelled out for an error.
  const keys: string[] = [];
  const pointer = () => keys.map((key) => `/${escapePointer(key)}`).join("");
  const walk = (node: unknown, depth: number): number => {
    if (typeof node === "number" && !Number.isFinite(node)) {
      throw new DocumentError("number out of range", pointer());
    }
    if (node === null || typeof node !== "object") return 1;
    if (depth > STORE_LIMITS.maxDepth) throw new DocumentError(`nesting deeper than ${STORE_LIMITS.maxDepth}`, pointer());
    const known = expandedSize?.get(node);
    if (known !== undefined) return known;
    if (onPath?.has(node)) throw new DocumentError("recursive alias", pointer());
    onPath?.add(node);
    let size = 1;
    const child = (key: string, value: unknown) => {
      keys.push(key);
      size += walk(value, depth + 1);
      keys.pop();
      if (size > STORE_LIMITS.maxYamlExpandedNodes) {
        const limit = STORE_LIMITS.maxYamlExpandedNodes;
        throw new DocumentError(mayShareNodes ? `document expands to more than ${limit} nodes (too many aliases)` : `document has more than ${limit} values`);
      }
    };
    if (Array.isArray(node)) for (let i = 0; i < node.length; i++) child(String(i), node[i]);
    else for (const [key, value] of Object.entries(node)) child(key, value);
    onPath?.delete(node);
    expandedSize?.set(node, size);
    return size;
  };
  walk(root, 0);
}

/**
 * The first schema violation as a DocumentError at its JSON pointer: a
 * missing key at the key's own pointer, and, when given, the wording for a key
 * the schema does not allow and for an empty string where one is required.
 */
export function schemaError(errors: ErrorObject[] | null | undefined, wording: { unknownKey?: string; emptyMeans?: string } = {}): DocumentError {
  const first = errors?.[0];
  if (!first) return new DocumentError("invalid document");
  const params = first.params as { missingProperty?: string; additionalProperty?: string; limit?: number };
  if (first.keyword === "required") return new DocumentError("is required", `${first.instancePath}/${escapePointer(params.missingProperty!)}`);
  if (first.keyword === "additionalProperties" && wording.unknownKey) {
    return new DocumentError(wording.unknownKey, `${first.instancePath}/${escapePointer(params.additionalProperty!)}`);
  }
  if (first.keyword === "minLength" && params.limit === 1 && wording.emptyMeans) return new DocumentError(wording.emptyMeans, first.instancePath || "/");
  return new DocumentError(first.message ?? "is invalid", first.instancePath || "/");
}

export function escapePointer(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}
