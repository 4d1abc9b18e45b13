/**
 * Ignition's semantic validation of a decoded config: per-type rules (paths,
 * modes, URLs, hashes, units, disks, LUKS, RAID, …), duplicate detection keyed
 * the way Ignition keys each list, and the cross-checks between storage and
 * systemd. Returns every fatal error in walk order plus the warnings.
 */
import type { ConfigIssue, ConfigPath } from "./path.js";
import { fieldsAt, type IgnObject, type TypeName } from "./schema.js";
import { checkSourceUrl, parseGoUrl } from "./url.js";
import { parseUnitContents } from "./unit-syntax.js";

export interface ValidationReport {
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}

type Obj = IgnObject;

const str = (o: Obj, k: string): string | undefined => (typeof o[k] === "string" ? (o[k] as string) : undefined);
const int = (o: Obj, k: string): number | undefined => (typeof o[k] === "number" ? (o[k] as number) : undefined);
const isTrue = (o: Obj, k: string): boolean => o[k] === true;
const notEmpty = (o: Obj, k: string): boolean => (str(o, k) ?? "") !== "";
const sub = (o: Obj, k: string): Obj => (o[k] && typeof o[k] === "object" && !Array.isArray(o[k]) ? (o[k] as Obj) : {});
const objs = (o: Obj, k: string): Obj[] => (Array.isArray(o[k]) ? (o[k] as Obj[]) : []);
const strings = (o: Obj, k: string): string[] => (Array.isArray(o[k]) ? (o[k] as string[]) : []);

/** Go's path.Clean. */
export function cleanPath(p: string): string {
  if (p === "") return ".";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(part);
  }
  const joined = out.join("/");
  if (rooted) return "/" + joined;
  return joined === "" ? "." : joined;
}

/** Go's path.Ext. */
function pathExt(p: string): string {
  for (let i = p.length - 1; i >= 0 && p[i] !== "/"; i--) if (p[i] === ".") return p.slice(i);
  return "";
}

function pathError(p: string): string | undefined {
  if (p === "") return "path not specified";
  if (!p.startsWith("/")) return "path not absolute";
  if (cleanPath(p) !== p) return "path is not fully simplified";
  return undefined;
}

const UNIT_EXTENSIONS = new Set([
  ".service", ".socket", ".device", ".mount", ".automount", ".swap", ".target", ".path", ".timer", ".snapshot", ".slice", ".scope",
]);
const GUID = /^(|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})$/;
const byteLength = (s: string): number => Buffer.byteLength(s, "utf8");

class Validator {
  readonly errors: ConfigIssue[] = [];
  readonly warnings: ConfigIssue[] = [];

  constructor(private readonly minor: number) {}

  error(path: ConfigPath, message: string | undefined): void {
    if (message) this.errors.push({ path, message });
  }
  warn(path: ConfigPath, message: string | undefined): void {
    if (message) this.warnings.push({ path, message });
  }

  /** Walks every struct of the config, applying each type's rules and the duplicate check. */
  walk(type: TypeName, o: Obj, path: ConfigPath): void {
    this.rules(type, o, path);
    this.duplicates(type, o, path);
    for (const field of fieldsAt(type, this.minor)) {
      const kind = field.kind;
      if (kind.t === "struct") this.walk(kind.type, sub(o, field.json), [...path, field.json]);
      else if (kind.t === "list") objs(o, field.json).forEach((item, i) => this.walk(kind.type, item, [...path, field.json, i]));
    }
  }

  private duplicates(type: TypeName, o: Obj, path: ConfigPath): void {
    const ignored: Partial<Record<TypeName, string[]>> = {
      File: ["append"],
      Filesystem: ["options", "mountOptions"],
      Luks: ["options"],
      Raid: ["options"],
    };
    const merged: Partial<Record<TypeName, Record<string, string>>> = {
      Storage: { directories: "node", files: "node", links: "node" },
      KernelArguments: { shouldExist: "karg", shouldNotExist: "karg" },
    };
    const seen = new Map<string, Set<string>>();
    for (const field of fieldsAt(type, this.minor)) {
      if (field.kind.t !== "list" && field.kind.t !== "strList") continue;
      if (ignored[type]?.includes(field.json)) continue;
      const group = merged[type]?.[field.json] ?? field.json;
      let keys = seen.get(group);
      if (!keys) seen.set(group, (keys = new Set()));
      const items = field.kind.t === "strList" ? strings(o, field.json) : objs(o, field.json);
      const itemType = field.kind.t === "list" ? field.kind.type : undefined;
      items.forEach((item, i) => {
        const key = typeof item === "string" ? item : keyOf(itemType!, item);
        if (keys.has(key)) {
          if (group === "node") this.error([...path, field.json, i, "path"], `duplicate path ${key}`);
          else this.error([...path, field.json, i], `duplicate entry defined${key === "" ? "" : ` (${key})`}`);
        }
        keys.add(key);
      });
    }
  }

  private rules(type: TypeName, o: Obj, path: ConfigPath): void {
    const at = (...more: Array<string | number>): ConfigPath => [...path, ...more];
    switch (type) {
      case "Config":
        return this.configRules(o, path);
      case "IgnitionConfig":
        objs(o, "merge").forEach((r, i) => this.error(at("merge", i), this.requiredSource(r)));
        return;
      case "TLS":
        objs(o, "certificateAuthorities").forEach((r, i) => this.error(at("certificateAuthorities", i), this.requiredSource(r)));
        return;
      case "Proxy":
        this.proxyUrl(o, "httpProxy", at("httpProxy"), true);
        this.proxyUrl(o, "httpsProxy", at("httpsProxy"), false);
        return;
      case "Resource":
      case "ConfigResource":
      case "CaResource": {
        const compression = str(o, "compression");
        if (compression !== undefined && compression !== "" && compression !== "gzip") this.error(at("compression"), "invalid compression method");
        const source = str(o, "source");
        if (str(sub(o, "verification"), "hash") !== undefined && source === undefined) {
          this.error(at("verification", "hash"), "source must be specified if verification is specified");
        }
        if (source) this.error(at("source"), checkSourceUrl(source, this.minor));
        if (objs(o, "httpHeaders").length > 0) {
          const parsed = source ? parseGoUrl(source) : "";
          if (typeof parsed === "string") this.error(at("httpHeaders"), "unable to parse url");
          else if (parsed.scheme !== "http" && parsed.scheme !== "https") this.error(at("httpHeaders"), "cannot use http headers with this source scheme");
        }
        return;
      }
      case "HTTPHeader":
        if (str(o, "name") === "") this.error(at("name"), "HTTP header name can't be empty");
        if (str(o, "value") === "") this.error(at("value"), "invalid HTTP header specification");
        return;
      case "Verification": {
        const hash = str(o, "hash");
        if (hash === undefined) return;
        const dash = hash.indexOf("-");
        if (dash < 0) return this.error(at("hash"), "malformed hash specifier");
        const fn = hash.slice(0, dash);
        const sum = hash.slice(dash + 1);
        const size = fn === "sha512" ? 128 : fn === "sha256" ? 64 : 0;
        if (size === 0) return this.error(at("hash"), "unrecognized hash function");
        if (sum.length !== size) this.error(at("hash"), "incorrect size for hash sum");
        return;
      }
      case "Directory":
      case "File":
      case "Link":
        this.error(at("path"), pathError(str(o, "path") ?? ""));
        if (type !== "Link") {
          const mode = int(o, "mode");
          if (mode !== undefined && (mode < 0 || mode > 0o7777)) this.error(at("mode"), "illegal file mode");
          if (mode !== undefined && (mode & 0o7000) !== 0) this.warn(at("mode"), "setuid/setgid/sticky bits are not supported or functional in spec versions older than 3.6.0");
        }
        if (type === "File" && isTrue(o, "overwrite") && str(sub(o, "contents"), "source") === undefined) {
          this.error(at("overwrite"), "overwrite must be false if source is unspecified");
        }
        return;
      case "NodeUser":
      case "NodeGroup":
        if (int(o, "id") !== undefined && notEmpty(o, "name")) this.error(path, "cannot set both id and name");
        return;
      case "Storage":
        return this.storageRules(o, path);
      case "Disk":
        return this.diskRules(o, path);
      case "Partition":
        return this.partitionRules(o, path);
      case "Filesystem":
        return this.filesystemRules(o, path);
      case "Luks":
        return this.luksRules(o, path);
      case "ClevisCustom": {
        if (!notEmpty(o, "pin") && !notEmpty(o, "config") && !isTrue(o, "needsNetwork")) return;
        const pin = str(o, "pin") ?? "";
        if (pin === "") this.error(at("pin"), "clevis pin is required");
        else if (!["tpm2", "tang", "sss"].includes(pin)) this.error(at("pin"), "unknown clevis pin");
        if (!notEmpty(o, "config")) this.error(at("config"), "clevis config is required");
        return;
      }
      case "Tang": {
        const url = parseGoUrl(str(o, "url") ?? "");
        if (typeof url === "string") this.error(at("url"), "unable to parse url");
        else if (url.scheme !== "http" && url.scheme !== "https") this.error(at("url"), "invalid url scheme");
        if (!notEmpty(o, "thumbprint")) this.error(at("thumbprint"), "thumbprint is required");
        const adv = str(o, "advertisement");
        if (adv) {
          try {
            JSON.parse(adv);
          } catch {
            this.error(at("advertisement"), "advertisement is not valid JSON");
          }
        }
        return;
      }
      case "Raid":
        return this.raidRules(o, path);
      case "Unit": {
        const name = str(o, "name") ?? "";
        if (!UNIT_EXTENSIONS.has(pathExt(name))) this.error(at("name"), "invalid systemd unit extension");
        const contents = str(o, "contents");
        if (contents !== undefined) {
          try {
            const sections = parseUnitContents(contents);
            if (isTrue(o, "enabled") && contents !== "" && !sections.some((s) => s.name === "Install")) {
              this.warn(at("contents"), `unit "${name}" is enabled, but has no install section so enable does nothing`);
            }
          } catch (err) {
            this.error(at("contents"), (err as Error).message);
          }
        }
        return;
      }
      case "Dropin": {
        const contents = str(o, "contents");
        if (contents !== undefined) {
          try {
            parseUnitContents(contents);
          } catch (err) {
            this.error(at("contents"), (err as Error).message);
          }
        }
        if (pathExt(str(o, "name") ?? "") !== ".conf") this.error(at("name"), "invalid systemd drop-in extension");
        return;
      }
      default:
        return;
    }
  }

  private requiredSource(resource: Obj): string | undefined {
    const source = str(resource, "source") ?? "";
    if (source === "") return "source is required";
    return checkSourceUrl(source, this.minor);
  }

  private proxyUrl(o: Obj, key: string, path: ConfigPath, httpOk: boolean): void {
    const value = str(o, key);
    if (value === undefined) return;
    const url = parseGoUrl(value);
    if (typeof url === "string") return this.error(path, "unable to parse url");
    if (url.scheme !== "http" && url.scheme !== "https") return this.error(path, "proxy must be http(s)");
    if (url.scheme === "http" && !httpOk) this.warn(path, "insecure plaintext HTTP proxy specified for HTTPS resources");
  }

  private configRules(o: Obj, path: ConfigPath): void {
    const unitPaths = new Set<string>();
    for (const unit of objs(sub(o, "systemd"), "units")) {
      const name = str(unit, "name") ?? "";
      if (notEmpty(unit, "contents")) unitPaths.add(`/etc/systemd/system/${name}`);
      for (const dropin of objs(unit, "dropins")) {
        if (notEmpty(dropin, "contents")) unitPaths.add(`/etc/systemd/system/${name}.d/${str(dropin, "name") ?? ""}`);
      }
    }
    const storage = sub(o, "storage");
    for (const list of ["files", "directories", "links"]) {
      objs(storage, list).forEach((node, i) => {
        if (unitPaths.has(str(node, "path") ?? "")) {
          this.error([...path, "storage", list, i, "path"], "path conflicts with systemd unit or dropin");
        }
      });
    }
  }

  private storageRules(o: Obj, path: ConfigPath): void {
    const links = objs(o, "links");
    const linkPaths = links.map((l) => str(l, "path") ?? "");
    const underLink = (p: string): boolean => linkPaths.some((l) => p.startsWith(l + "/"));
    objs(o, "directories").forEach((d, i) => {
      if (underLink(str(d, "path") ?? "")) this.error([...path, "directories", i], "directory path includes link in config");
    });
    objs(o, "files").forEach((f, i) => {
      if (underLink(str(f, "path") ?? "")) this.error([...path, "files", i], "file path includes link in config");
    });
    const dirPaths = new Set(objs(o, "directories").map((d) => str(d, "path") ?? ""));
    links.forEach((l, i) => {
      const p = str(l, "path") ?? "";
      if (underLink(p)) this.error([...path, "links", i], "link path includes link in config");
      const target = str(l, "target");
      // Before 3.3 the target was a plain string and an empty one was not checked.
      if (!target) return this.minor >= 3 ? this.error([...path, "links", i, "target"], "link target is required") : undefined;
      if (!isTrue(l, "hard")) return;
      let resolved = cleanPath(target);
      if (!resolved.startsWith("/")) resolved = cleanPath(`${p}/${target}`);
      if (dirPaths.has(resolved)) this.error([...path, "links", i], "hard link target is a directory");
    });
  }

  private diskRules(o: Obj, path: ConfigPath): void {
    const device = str(o, "device") ?? "";
    if (device === "") return this.error([...path, "device"], "disk device is required");
    this.error([...path, "device"], pathError(device));
    const parts = objs(o, "partitions");
    const numbers = new Map<number, number>();
    for (const [i, p] of parts.entries()) {
      const n = int(p, "number") ?? 0;
      if (n === 0) continue;
      if (numbers.has(n)) {
        this.error([...path, "partitions", i], "partition numbers collide");
        break;
      }
      numbers.set(n, i);
    }
    const sized = (p: Obj): boolean => int(p, "startMiB") !== undefined && int(p, "sizeMiB") !== undefined && int(p, "startMiB") !== 0;
    const end = (p: Obj): number => (int(p, "sizeMiB") === 0 ? int(p, "startMiB")! : int(p, "startMiB")! + int(p, "sizeMiB")! - 1);
    outer: for (const p of parts) {
      if (!sized(p)) continue;
      for (const [i, q] of parts.entries()) {
        if (!sized(q) || p === q) continue;
        const ps = int(p, "startMiB")!;
        const qs = int(q, "startMiB")!;
        if ((ps >= qs && ps <= end(q)) || (end(p) >= qs && end(p) <= end(q)) || (ps < qs && end(p) > end(q))) {
          this.error([...path, "partitions", i], "partitions overlap");
          break outer;
        }
      }
    }
    const labels = new Set<string>();
    for (const [i, p] of parts.entries()) {
      const label = str(p, "label");
      if (label === undefined) continue;
      if (labels.has(label)) {
        this.error([...path, "partitions", i], "partition labels collide");
        break;
      }
      labels.add(label);
    }
  }

  private partitionRules(o: Obj, path: ConfigPath): void {
    if (o.shouldExist === false && (str(o, "label") !== undefined || notEmpty(o, "typeGuid") || notEmpty(o, "guid") || o.startMiB !== undefined || o.sizeMiB !== undefined)) {
      this.error(path, "shouldExist is false for a partition and other partition fields are set");
    }
    if ((int(o, "number") ?? 0) === 0 && str(o, "label") === undefined) this.error(path, "a partition number >= 1 or a label must be specified");
    const label = str(o, "label");
    if (label !== undefined) {
      if (byteLength(label) > 36) this.error([...path, "label"], "partition labels may not exceed 36 characters");
      else if (label.includes(":")) this.error([...path, "label"], "partition label cannot contain colons");
    }
    for (const key of ["guid", "typeGuid"]) {
      const guid = str(o, key);
      if (guid !== undefined && !GUID.test(guid)) this.error([...path, key], "doesn't match the form \"01234567-89AB-CDEF-EDCB-A98765432101\"");
    }
  }

  private filesystemRules(o: Obj, path: ConfigPath): void {
    const fsPath = str(o, "path");
    if (fsPath) this.error([...path, "path"], pathError(fsPath));
    this.error([...path, "device"], pathError(str(o, "device") ?? ""));
    const format = str(o, "format") ?? "";
    if (format === "") {
      if (notEmpty(o, "path") || notEmpty(o, "label") || notEmpty(o, "uuid") || isTrue(o, "wipeFilesystem") || strings(o, "mountOptions").length > 0 || strings(o, "options").length > 0) {
        this.error([...path, "format"], "format cannot be empty when path, label, uuid, wipeFilesystem, options, or mountOptions is specified");
      }
    } else if (!["ext4", "btrfs", "xfs", "swap", "vfat", ...(this.minor >= 3 ? ["none"] : [])].includes(format)) {
      this.error([...path, "format"], "invalid filesystem format");
    }
    const label = str(o, "label") ?? "";
    if (label === "") return;
    if (format === "") return this.error([...path, "label"], "filesystem must specify format if label is specified");
    const limits: Record<string, number> = { ext4: 16, btrfs: 256, xfs: 12, swap: 15, vfat: 11 };
    const limit = limits[format];
    if (limit !== undefined && byteLength(label) > limit) this.error([...path, "label"], `filesystem labels cannot exceed ${limit} characters for ${format} filesystems`);
  }

  private luksRules(o: Obj, path: ConfigPath): void {
    if ((str(o, "name") ?? "").includes("/")) this.error([...path, "name"], "device names must not contain slashes");
    const label = str(o, "label") ?? "";
    if (byteLength(label) > 47) this.error([...path, "label"], "luks device labels cannot exceed 47 characters");
    const device = str(o, "device") ?? "";
    if (device === "") this.error([...path, "device"], "disk device is required");
    else this.error([...path, "device"], pathError(device));
    const clevis = sub(o, "clevis");
    const others = objs(clevis, "tang").length > 0 || isTrue(clevis, "tpm2") || (int(clevis, "threshold") ?? 0) !== 0;
    if (notEmpty(sub(clevis, "custom"), "pin") && others) this.error([...path, "clevis"], "cannot use custom clevis config with tpm2, tang, or threshold");
    const keySource = str(sub(o, "keyFile"), "source");
    if (keySource && checkSourceUrl(keySource, this.minor)) this.error([...path, "keys"], "invalid key-file source");
    if (this.minor >= 5 && isTrue(sub(o, "cex"), "enabled")) {
      const clevisPresent = notEmpty(sub(clevis, "custom"), "pin") || objs(clevis, "tang").length > 0 || isTrue(clevis, "tpm2") || (int(clevis, "threshold") ?? 0) !== 0;
      if (clevisPresent) this.error([...path, "cex"], "cannot use cex with clevis");
      if (keySource) this.error([...path, "cex"], "cannot use key file with cex");
    }
  }

  private raidRules(o: Obj, path: ConfigPath): void {
    const level = str(o, "level") ?? "";
    if (level === "") this.error([...path, "level"], "raid level is required");
    else if (["linear", "raid0", "0", "stripe"].includes(level)) {
      if ((int(o, "spares") ?? 0) !== 0) this.error([...path, "level"], "spares unsupported for linear and raid0 arrays");
    } else if (!["raid1", "1", "mirror", "raid4", "4", "raid5", "5", "raid6", "6", "raid10", "10"].includes(level)) {
      this.error([...path, "level"], "unrecognized raid level");
    }
    const devices = strings(o, "devices");
    if (devices.length === 0) this.error([...path, "devices"], "raid devices are required");
    devices.forEach((d, i) => this.error([...path, "devices", i], pathError(d)));
  }
}


/** The key Ignition uses to find duplicates in a list of this type. */
function keyOf(type: TypeName, o: Obj): string {
  switch (type) {
    case "Directory":
    case "File":
    case "Link":
      return str(o, "path") ?? "";
    case "Disk":
    case "Filesystem":
      return str(o, "device") ?? "";
    case "Partition": {
      const n = int(o, "number") ?? 0;
      if (n !== 0) return `number:${n}`;
      const label = str(o, "label");
      return label !== undefined ? `label:${label}` : "";
    }
    case "Tang":
      return str(o, "url") ?? "";
    case "Resource":
    case "ConfigResource":
    case "CaResource":
      return str(o, "source") ?? "";
    default:
      return str(o, "name") ?? "";
  }
}

export function validateConfig(config: IgnObject, minor: number): ValidationReport {
  const validator = new Validator(minor);
  validator.walk("Config", config, []);
  return { errors: validator.errors, warnings: validator.warnings };
}
