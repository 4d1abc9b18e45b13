/**
 * The Ignition 3.x config schema as data: for every struct, its JSON fields in
 * the order Go's encoder writes them (the struct declaration order of
 * Ignition's generated types), how each field serialises, and the spec minor
 * version (3.N.0) that introduced it. One superset describes 3.0–3.5; `since`
 * filters it per version.
 */

export type FieldKind =
  /** `*string`: omitted when unset, written when set (even ""). */
  | { t: "str" }
  /** `string` without omitempty: always written. */
  | { t: "reqStr" }
  /** `string` with omitempty: omitted when "". */
  | { t: "optStr" }
  /** `*int` */
  | { t: "int" }
  /** `int` with omitempty: omitted when 0. */
  | { t: "optInt" }
  /** `*bool` */
  | { t: "bool" }
  /** a nested struct: always written, even when empty. */
  | { t: "struct"; type: TypeName }
  /** a slice of structs: omitted when empty. */
  | { t: "list"; type: TypeName }
  /** a slice of strings: omitted when empty. */
  | { t: "strList" };

export interface FieldSpec {
  json: string;
  kind: FieldKind;
  /** First spec minor version with this field (default 0). */
  since?: number;
  /** Before this minor version the Go type was a plain string, so a decoded object always carries it ("" when absent). */
  requiredBefore?: number;
}

export type TypeName =
  | "Config"
  | "Ignition"
  | "IgnitionConfig"
  | "Resource"
  | "CaResource"
  | "ConfigResource"
  | "HTTPHeader"
  | "Verification"
  | "Proxy"
  | "Security"
  | "TLS"
  | "Timeouts"
  | "KernelArguments"
  | "Passwd"
  | "PasswdGroup"
  | "PasswdUser"
  | "Storage"
  | "Directory"
  | "File"
  | "Link"
  | "NodeUser"
  | "NodeGroup"
  | "Disk"
  | "Partition"
  | "Filesystem"
  | "Luks"
  | "Cex"
  | "Clevis"
  | "ClevisCustom"
  | "Tang"
  | "Raid"
  | "Systemd"
  | "Unit"
  | "Dropin";

const s = { t: "str" } as const;
const S = { t: "reqStr" } as const;
const i = { t: "int" } as const;
const b = { t: "bool" } as const;
const strs = { t: "strList" } as const;
const st = (type: TypeName): FieldKind => ({ t: "struct", type });
const ls = (type: TypeName): FieldKind => ({ t: "list", type });

/** Resource fields; in 3.0 config references and CA references had no compression. */
function resourceFields(compressionSince: number, sourceRequiredBefore?: number): FieldSpec[] {
  return [
    { json: "compression", kind: s, since: compressionSince },
    { json: "httpHeaders", kind: ls("HTTPHeader"), since: 1 },
    { json: "source", kind: s, ...(sourceRequiredBefore ? { requiredBefore: sourceRequiredBefore } : {}) },
    { json: "verification", kind: st("Verification") },
  ];
}

const nodeFields: FieldSpec[] = [
  { json: "group", kind: st("NodeGroup") },
  { json: "overwrite", kind: b },
  { json: "path", kind: S },
  { json: "user", kind: st("NodeUser") },
];

export const SCHEMA: Record<TypeName, FieldSpec[]> = {
  Config: [
    { json: "ignition", kind: st("Ignition") },
    { json: "kernelArguments", kind: st("KernelArguments"), since: 3 },
    { json: "passwd", kind: st("Passwd") },
    { json: "storage", kind: st("Storage") },
    { json: "systemd", kind: st("Systemd") },
  ],
  Ignition: [
    { json: "config", kind: st("IgnitionConfig") },
    { json: "proxy", kind: st("Proxy"), since: 1 },
    { json: "security", kind: st("Security") },
    { json: "timeouts", kind: st("Timeouts") },
    { json: "version", kind: S },
  ],
  IgnitionConfig: [
    { json: "merge", kind: ls("ConfigResource") },
    { json: "replace", kind: st("ConfigResource") },
  ],
  Resource: resourceFields(0),
  ConfigResource: resourceFields(1),
  CaResource: resourceFields(1, 1),
  HTTPHeader: [
    { json: "name", kind: S },
    { json: "value", kind: s },
  ],
  Verification: [{ json: "hash", kind: s }],
  Proxy: [
    { json: "httpProxy", kind: s },
    { json: "httpsProxy", kind: s },
    { json: "noProxy", kind: strs },
  ],
  Security: [{ json: "tls", kind: st("TLS") }],
  TLS: [{ json: "certificateAuthorities", kind: ls("CaResource") }],
  Timeouts: [
    { json: "httpResponseHeaders", kind: i },
    { json: "httpTotal", kind: i },
  ],
  KernelArguments: [
    { json: "shouldExist", kind: strs },
    { json: "shouldNotExist", kind: strs },
  ],
  Passwd: [
    { json: "groups", kind: ls("PasswdGroup") },
    { json: "users", kind: ls("PasswdUser") },
  ],
  PasswdGroup: [
    { json: "gid", kind: i },
    { json: "name", kind: S },
    { json: "passwordHash", kind: s },
    { json: "shouldExist", kind: b, since: 2 },
    { json: "system", kind: b },
  ],
  PasswdUser: [
    { json: "gecos", kind: s },
    { json: "groups", kind: strs },
    { json: "homeDir", kind: s },
    { json: "name", kind: S },
    { json: "noCreateHome", kind: b },
    { json: "noLogInit", kind: b },
    { json: "noUserGroup", kind: b },
    { json: "passwordHash", kind: s },
    { json: "primaryGroup", kind: s },
    { json: "sshAuthorizedKeys", kind: strs },
    { json: "shell", kind: s },
    { json: "shouldExist", kind: b, since: 2 },
    { json: "system", kind: b },
    { json: "uid", kind: i },
  ],
  Storage: [
    { json: "directories", kind: ls("Directory") },
    { json: "disks", kind: ls("Disk") },
    { json: "files", kind: ls("File") },
    { json: "filesystems", kind: ls("Filesystem") },
    { json: "links", kind: ls("Link") },
    { json: "luks", kind: ls("Luks"), since: 2 },
    { json: "raid", kind: ls("Raid") },
  ],
  Directory: [...nodeFields, { json: "mode", kind: i }],
  File: [
    ...nodeFields,
    { json: "append", kind: ls("Resource") },
    { json: "contents", kind: st("Resource") },
    { json: "mode", kind: i },
  ],
  Link: [
    ...nodeFields,
    { json: "hard", kind: b },
    { json: "target", kind: s, requiredBefore: 3 },
  ],
  NodeUser: [
    { json: "id", kind: i },
    { json: "name", kind: s },
  ],
  NodeGroup: [
    { json: "id", kind: i },
    { json: "name", kind: s },
  ],
  Disk: [
    { json: "device", kind: S },
    { json: "partitions", kind: ls("Partition") },
    { json: "wipeTable", kind: b },
  ],
  Partition: [
    { json: "guid", kind: s },
    { json: "label", kind: s },
    { json: "number", kind: { t: "optInt" } },
    { json: "resize", kind: b, since: 2 },
    { json: "shouldExist", kind: b },
    { json: "sizeMiB", kind: i },
    { json: "startMiB", kind: i },
    { json: "typeGuid", kind: s },
    { json: "wipePartitionEntry", kind: b },
  ],
  Filesystem: [
    { json: "device", kind: S },
    { json: "format", kind: s },
    { json: "label", kind: s },
    { json: "mountOptions", kind: strs, since: 1 },
    { json: "options", kind: strs },
    { json: "path", kind: s },
    { json: "uuid", kind: s },
    { json: "wipeFilesystem", kind: b },
  ],
  Luks: [
    { json: "cex", kind: st("Cex"), since: 5 },
    { json: "clevis", kind: st("Clevis") },
    { json: "device", kind: s },
    { json: "discard", kind: b, since: 4 },
    { json: "keyFile", kind: st("Resource") },
    { json: "label", kind: s },
    { json: "name", kind: S },
    { json: "openOptions", kind: strs, since: 4 },
    { json: "options", kind: strs },
    { json: "uuid", kind: s },
    { json: "wipeVolume", kind: b },
  ],
  Cex: [{ json: "enabled", kind: b }],
  Clevis: [
    { json: "custom", kind: st("ClevisCustom") },
    { json: "tang", kind: ls("Tang") },
    { json: "threshold", kind: i },
    { json: "tpm2", kind: b },
  ],
  ClevisCustom: [
    { json: "config", kind: s, requiredBefore: 3 },
    { json: "needsNetwork", kind: b },
    { json: "pin", kind: s, requiredBefore: 3 },
  ],
  Tang: [
    { json: "advertisement", kind: s, since: 4 },
    { json: "thumbprint", kind: s },
    { json: "url", kind: { t: "optStr" } },
  ],
  Raid: [
    { json: "devices", kind: strs },
    { json: "level", kind: s, requiredBefore: 3 },
    { json: "name", kind: S },
    { json: "options", kind: strs },
    { json: "spares", kind: i },
  ],
  Systemd: [{ json: "units", kind: ls("Unit") }],
  Unit: [
    { json: "contents", kind: s },
    { json: "dropins", kind: ls("Dropin") },
    { json: "enabled", kind: b },
    { json: "mask", kind: b },
    { json: "name", kind: S },
  ],
  Dropin: [
    { json: "contents", kind: s },
    { json: "name", kind: S },
  ],
};

/** The fields of a type that exist in spec 3.{minor}.0. */
export function fieldsAt(type: TypeName, minor: number): FieldSpec[] {
  const key = `${type}@${minor}`;
  let fields = FIELDS_CACHE.get(key);
  if (!fields) FIELDS_CACHE.set(key, (fields = SCHEMA[type].filter((f) => (f.since ?? 0) <= minor)));
  return fields;
}

const FIELDS_CACHE = new Map<string, FieldSpec[]>();

/** A decoded config: plain objects keyed by JSON field name; absent key = unset. */
export type IgnObject = { [key: string]: IgnValue };
export type IgnValue = string | number | boolean | IgnObject | IgnObject[] | string[];

/** The highest spec minor version accepted, and the one older configs are translated to. */
export const NEWEST_MINOR = 5;
export const CANONICAL_MINOR = 4;
