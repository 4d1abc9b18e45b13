/**
 * Butane's base schema per base version, derived from the Ignition schema of
 * the spec it emits (base v0_N ↔ Ignition 3.N): snake_case keys, no
 * `ignition.version`, plus the fields Butane adds (inline/local contents,
 * trees, mount units, local unit contents and SSH key files).
 */
import { fieldsAt, type FieldKind, type TypeName } from "../ignition/schema.js";

export type ButaneTypeName = TypeName | "Tree" | "BootDevice" | "BootDeviceLuks" | "BootDeviceMirror" | "Grub" | "GrubUser";

export type ButaneKind = Exclude<FieldKind, { t: "struct" } | { t: "list" }> | { t: "struct"; type: ButaneTypeName } | { t: "list"; type: ButaneTypeName };

export interface ButaneField {
  yaml: string;
  /** Key in the decoded object: the Ignition JSON name, or the Butane name for Butane-only fields. */
  key: string;
  kind: ButaneKind;
}

/** Ignition's camelCase → Butane's snake_case (`sizeMiB` → `size_mib`). */
export function snake(json: string): string {
  return json.replace(/(MiB|[A-Z])/g, "_$1").toLowerCase();
}

type Extra = { yaml: string; kind: ButaneKind; since: number };

const EXTRAS: Partial<Record<ButaneTypeName, Extra[]>> = {
  Resource: [
    { yaml: "inline", kind: { t: "str" }, since: 0 },
    { yaml: "local", kind: { t: "str" }, since: 1 },
  ],
  ConfigResource: [
    { yaml: "inline", kind: { t: "str" }, since: 1 },
    { yaml: "local", kind: { t: "str" }, since: 1 },
  ],
  CaResource: [
    { yaml: "inline", kind: { t: "str" }, since: 1 },
    { yaml: "local", kind: { t: "str" }, since: 1 },
  ],
  Storage: [{ yaml: "trees", kind: { t: "list", type: "Tree" }, since: 1 }],
  Filesystem: [{ yaml: "with_mount_unit", kind: { t: "bool" }, since: 1 }],
  Unit: [{ yaml: "contents_local", kind: { t: "str" }, since: 4 }],
  Dropin: [{ yaml: "contents_local", kind: { t: "str" }, since: 4 }],
  PasswdUser: [{ yaml: "ssh_authorized_keys_local", kind: { t: "strList" }, since: 4 }],
};

/** Types that exist only in Butane (fcos boot_device and grub, storage trees). */
const BUTANE_ONLY: Partial<Record<ButaneTypeName, (base: number) => ButaneField[]>> = {
  Tree: () => [
    { yaml: "local", key: "local", kind: { t: "reqStr" } },
    { yaml: "path", key: "path", kind: { t: "str" } },
  ],
  BootDevice: () => [
    { yaml: "layout", key: "layout", kind: { t: "str" } },
    { yaml: "luks", key: "luks", kind: { t: "struct", type: "BootDeviceLuks" } },
    { yaml: "mirror", key: "mirror", kind: { t: "struct", type: "BootDeviceMirror" } },
  ],
  BootDeviceLuks: (base) => [
    ...(base >= 5 ? [{ yaml: "cex", key: "cex", kind: { t: "struct", type: "Cex" } } as ButaneField] : []),
    ...(base >= 4 ? [{ yaml: "discard", key: "discard", kind: { t: "bool" } } as ButaneField] : []),
    ...(base >= 5 ? [{ yaml: "device", key: "device", kind: { t: "str" } } as ButaneField] : []),
    { yaml: "tang", key: "tang", kind: { t: "list", type: "Tang" } },
    { yaml: "threshold", key: "threshold", kind: { t: "int" } },
    { yaml: "tpm2", key: "tpm2", kind: { t: "bool" } },
  ],
  BootDeviceMirror: () => [{ yaml: "devices", key: "devices", kind: { t: "strList" } }],
  Grub: () => [{ yaml: "users", key: "users", kind: { t: "list", type: "GrubUser" } }],
  GrubUser: () => [
    { yaml: "name", key: "name", kind: { t: "reqStr" } },
    { yaml: "password_hash", key: "password_hash", kind: { t: "str" } },
  ],
};

/** Fields of a Butane type at base version `base` (= Ignition spec minor). */
export function butaneFields(type: ButaneTypeName, base: number): ButaneField[] {
  const key = `${type}@${base}`;
  let fields = FIELDS_CACHE.get(key);
  if (!fields) FIELDS_CACHE.set(key, (fields = computeFields(type, base)));
  return fields;
}

const FIELDS_CACHE = new Map<string, ButaneField[]>();

function computeFields(type: ButaneTypeName, base: number): ButaneField[] {
  const only = BUTANE_ONLY[type];
  if (only) return only(base);
  const fields: ButaneField[] = fieldsAt(type as TypeName, base)
    .filter((f) => !(type === "Ignition" && f.json === "version"))
    .map((f) => ({ yaml: snake(f.json), key: f.json, kind: f.kind as ButaneKind }));
  for (const extra of EXTRAS[type] ?? []) {
    if (extra.since <= base) fields.push({ yaml: extra.yaml, key: extra.yaml, kind: extra.kind });
  }
  return fields;
}
