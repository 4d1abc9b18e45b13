/**
 * Merges a generated config (parent) with the user's translated config
 * (child) the way Butane layers its sugar under the user's settings: set
 * child fields win, structs merge field by field, and keyed lists keep the
 * parent's entries (merged with a child entry of the same key) followed by
 * the child's new entries.
 */
import { SCHEMA, type IgnObject, type TypeName } from "../ignition/schema.js";

function listKey(type: TypeName, o: IgnObject): string {
  switch (type) {
    case "Directory":
    case "File":
    case "Link":
      return `node:${String(o.path ?? "")}`;
    case "Disk":
    case "Filesystem":
      return String(o.device ?? "");
    case "Partition":
      return o.number ? `number:${String(o.number)}` : o.label !== undefined ? `label:${String(o.label)}` : "";
    case "Tang":
      return String(o.url ?? "");
    case "Resource":
    case "ConfigResource":
    case "CaResource":
      return String(o.source ?? "");
    default:
      return String(o.name ?? "");
  }
}

/** Lists Ignition appends without matching entries by key. */
const APPENDED: Partial<Record<TypeName, string[]>> = {
  File: ["append"],
  Filesystem: ["options", "mountOptions"],
  Luks: ["options"],
  Raid: ["options"],
};

export function mergeConfigs(type: TypeName, parent: IgnObject, child: IgnObject): IgnObject {
  const out: IgnObject = { ...parent };
  for (const field of SCHEMA[type]) {
    const key = field.json;
    if (!(key in child)) continue;
    const kind = field.kind;
    if (APPENDED[type]?.includes(key)) {
      out[key] = [...((parent[key] as unknown[]) ?? []), ...(child[key] as unknown[])] as IgnObject[] | string[];
    } else if (kind.t === "struct") {
      out[key] = mergeConfigs(kind.type, (parent[key] as IgnObject) ?? {}, child[key] as IgnObject);
    } else if (kind.t === "list") {
      const merged = [...((parent[key] as IgnObject[]) ?? [])];
      for (const item of child[key] as IgnObject[]) {
        const k = listKey(kind.type, item);
        const at = merged.findIndex((p) => listKey(kind.type, p) === k);
        if (at >= 0) merged[at] = mergeConfigs(kind.type, merged[at]!, item);
        else merged.push(item);
      }
      out[key] = merged;
    } else if (kind.t === "strList") {
      const merged = [...((parent[key] as string[]) ?? [])];
      for (const item of child[key] as string[]) if (!merged.includes(item)) merged.push(item);
      out[key] = merged;
    } else {
      out[key] = child[key]!;
    }
  }
  return out;
}
