/**
 * Bounded YAML loading for Butane. js-yaml parses with a schema that keeps
 * every plain (unquoted) scalar as its source text in a `PlainScalar`, so the
 * typed decoder can apply yaml.v3's rules per target field: `0644` is octal
 * for an int, `yes` is true for a bool, and `10.20` stays "10.20" for a
 * string. Quoted and block scalars arrive as ordinary strings.
 */
import yaml from "js-yaml";

/** An unquoted scalar, kept as written. A String object so it still works as a mapping key. */
export class PlainScalar extends String {}

export type YamlNode = null | string | PlainScalar | YamlNode[] | { [key: string]: YamlNode };

/**
 * Limits of one Butane document (a rendered template). The largest real
 * configs are a few hundred KiB with a few thousand nodes; within these limits
 * the slowest document translates in well under a second on a busy CPU
 * (docs/operations.md, "Template and Butane limits").
 */
export const MAX_BUTANE_BYTES = 1024 * 1024;
/** Mappings, sequences, keys and scalars: counted while parsing, and again with every alias expanded. */
export const MAX_BUTANE_NODES = 10_000;
/** Characters of keys and scalars with every alias expanded: aliases may not make a document bigger than one written out. */
export const MAX_EXPANDED_CHARS = MAX_BUTANE_BYTES;

const NULL_WORDS = new Set(["~", "null", "Null", "NULL"]);

const plainScalar = new yaml.Type("tag:netboot:plain", {
  kind: "scalar",
  resolve: () => true,
  construct: (text: string) => (NULL_WORDS.has(text) ? null : new PlainScalar(text)),
});

// js-yaml exports its built-in types at runtime; its type declarations omit them.
const mergeKey = (yaml as unknown as { types: { merge: yaml.Type } }).types.merge;
const BUTANE_SCHEMA = yaml.FAILSAFE_SCHEMA.extend({ implicit: [mergeKey, plainScalar] });

export class YamlLimitError extends Error {}

export interface LoadedYaml {
  root: YamlNode;
  /**
   * 1-based line where each mapping, sequence and plain scalar starts. A
   * value's node opens right after its key's colon, so this is the key's line.
   */
  lines: WeakMap<object, number>;
}

/** Parses the first YAML document; throws js-yaml's YAMLException or YamlLimitError. */
export function loadButaneYaml(text: string): LoadedYaml {
  if (Buffer.byteLength(text, "utf8") > MAX_BUTANE_BYTES) {
    throw new YamlLimitError(`document is larger than ${MAX_BUTANE_BYTES} bytes`);
  }
  const docs: unknown[] = [];
  const lines = new WeakMap<object, number>();
  const opened: number[] = [];
  let nodes = 0;
  const listener = (event: "open" | "close", state: { line: number; result: unknown }): void => {
    if (event === "open") {
      if (++nodes > MAX_BUTANE_NODES) throw new YamlLimitError(`document has more than ${MAX_BUTANE_NODES} nodes`);
      opened.push(state.line + 1);
      return;
    }
    const line = opened.pop();
    if (line !== undefined && state.result !== null && typeof state.result === "object" && !lines.has(state.result)) {
      lines.set(state.result, line);
    }
  };
  yaml.loadAll(text, (doc) => docs.push(doc), { schema: BUTANE_SCHEMA, listener } as yaml.LoadOptions);
  const root = (docs[0] ?? null) as YamlNode;
  checkExpandedSize(root);
  return { root, lines };
}

/** The line of the node at `path`, when that node is one whose position is known. */
export function lineAt(loaded: LoadedYaml, path: ReadonlyArray<string | number>): number | undefined {
  let node: YamlNode | undefined = loaded.root;
  for (const part of path) {
    if (node === null || node === undefined || typeof node === "string" || node instanceof PlainScalar) return undefined;
    node = Array.isArray(node) ? node[part as number] : (node as { [key: string]: YamlNode })[String(part)];
  }
  return node !== null && node !== undefined && typeof node === "object" ? loaded.lines.get(node) : undefined;
}

/** Sizes of the alias-expanded tree, computed once per shared node so the check itself stays cheap. */
function checkExpandedSize(root: YamlNode): void {
  const memo = new Map<object, { nodes: number; chars: number }>();
  const visiting = new Set<object>();
  const size = (node: YamlNode): { nodes: number; chars: number } => {
    if (node === null) return { nodes: 1, chars: 0 };
    if (typeof node === "string" || node instanceof PlainScalar) return { nodes: 1, chars: node.length };
    const known = memo.get(node);
    if (known) return known;
    if (visiting.has(node)) throw new YamlLimitError("document contains a recursive alias");
    visiting.add(node);
    let nodes = 1;
    let chars = 0;
    const add = (child: YamlNode): void => {
      const s = size(child);
      nodes += s.nodes;
      chars += s.chars;
      if (nodes > MAX_BUTANE_NODES || chars > MAX_EXPANDED_CHARS) {
        throw new YamlLimitError(
          `document expands to more than ${MAX_BUTANE_NODES} nodes or ${MAX_EXPANDED_CHARS} characters through aliases`,
        );
      }
    };
    if (Array.isArray(node)) {
      for (const child of node) add(child);
    } else {
      for (const key in node) {
        nodes += 1;
        chars += key.length;
        add(node[key]!);
      }
    }
    visiting.delete(node);
    const result = { nodes, chars };
    memo.set(node, result);
    return result;
  };
  size(root);
}
