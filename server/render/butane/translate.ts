/**
 * Butane → Ignition model: checks Butane's own rules, turns inline contents
 * into data URLs, refuses local files (netboot has no files directory), drops
 * the Butane-only fields, and layers generated mount units and Fedora CoreOS
 * sugar under the user's config.
 */
import type { ConfigIssue, ConfigPath } from "../ignition/path.js";
import { escapeRfc2396 } from "../ignition/data-url.js";
import { inspectEmbeddedConfig } from "../ignition/index.js";
import { formatPath } from "../ignition/path.js";
import { SCHEMA, type IgnObject, type TypeName } from "../ignition/schema.js";
import { makeDataUrl } from "./data-url.js";
import { bootDeviceConfig, fcosDiskWarnings, grubConfig, validateFcosSugar } from "./fcos.js";
import { mergeConfigs } from "./merge.js";
import { looksLikeDecimalMode } from "./mode.js";
import { mountUnitsFor } from "./mount-units.js";
import { butaneFields, type ButaneTypeName } from "./schema.js";
import type { VariantSpec } from "./variants.js";

const NO_FILES_DIR =
  "local file paths need a files directory, which netboot does not have; use inline contents or a source URL";

const RESOURCE_TYPES = new Set<ButaneTypeName>(["Resource", "ConfigResource", "CaResource"]);

const sub = (o: IgnObject, k: string): IgnObject | undefined =>
  o[k] && typeof o[k] === "object" && !Array.isArray(o[k]) ? (o[k] as IgnObject) : undefined;

export interface TranslateResult {
  config: IgnObject;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
  /** Whether Butane added generated entries (mount units, boot_device, grub), which shift list indexes. */
  generated: boolean;
}

class Translator {
  readonly errors: ConfigIssue[] = [];
  readonly warnings: ConfigIssue[] = [];

  constructor(private readonly base: number) {}

  /** Butane's validation of the source config (before any translation). */
  check(type: ButaneTypeName, o: IgnObject, path: ConfigPath): void {
    if (RESOURCE_TYPES.has(type)) {
      let last: string | undefined;
      let count = 0;
      for (const key of ["local", "inline", "source"]) {
        if (o[key] !== undefined) {
          count++;
          last = key;
        }
      }
      // Butane for spec 3.0 reports the clash at `inline`, later versions at the last source set.
      const at = this.base === 0 ? "inline" : last!;
      if (count > 1) this.errors.push({ path: [...path, at], message: "only one of the following can be set: inline, local, source" });
      else if (this.base >= 1 && path[0] === "ignition" && path[1] === "config" && typeof o.inline === "string") {
        this.checkEmbeddedConfig(o.inline, [...path, "inline"]);
      }
    }
    if (type === "Filesystem" && o.with_mount_unit === true) {
      if ((o.format ?? "") === "") this.errors.push({ path: [...path, "format"], message: "format is required if with_mount_unit is true" });
      else if (o.format !== "swap" && (o.path ?? "") === "") {
        this.errors.push({ path: [...path, "path"], message: "path is required if with_mount_unit is true and format is not swap" });
      }
    }
    if (type === "Tree" && (o.local ?? "") === "") this.errors.push({ path, message: "local is required" });
    if ((type === "Unit" || type === "Dropin") && o.contents_local !== undefined && o.contents !== undefined) {
      this.errors.push({ path: [...path, "contents_local"], message: "only one of the following can be set: contents, contents_local" });
    }
    if ((type === "File" || type === "Directory") && typeof o.mode === "number" && looksLikeDecimalMode(o.mode, type === "Directory")) {
      this.warnings.push({
        path: [...path, "mode"],
        message: "unreasonable mode would be reasonable if specified in octal; remember to add a leading zero",
      });
    }
    for (const field of butaneFields(type, this.base)) {
      const value = o[field.key];
      if (field.kind.t === "struct" && sub(o, field.key)) this.check(field.kind.type, value as IgnObject, [...path, field.yaml]);
      if (field.kind.t === "list" && Array.isArray(value)) {
        const itemType = field.kind.type;
        (value as IgnObject[]).forEach((item, i) => this.check(itemType, item, [...path, field.yaml, i]));
      }
    }
  }

  private checkEmbeddedConfig(text: string, path: ConfigPath): void {
    const result = inspectEmbeddedConfig(text, this.base);
    if ("syntaxError" in result) this.errors.push({ path, message: `embedded Ignition config: ${result.syntaxError}` });
    else if ("otherVersion" in result) {
      this.warnings.push({ path, message: `embedded Ignition config has version ${JSON.stringify(result.otherVersion)}; not validated` });
    } else {
      for (const e of result.errors) this.errors.push({ path, message: `embedded Ignition config: ${formatPath(e.path)}: ${e.message}` });
    }
  }

  /** The Ignition object for a Butane object of `type`. */
  translate(type: TypeName, o: IgnObject, path: ConfigPath): IgnObject {
    const out: IgnObject = {};
    for (const field of SCHEMA[type]) {
      const value = o[field.json];
      if (value === undefined) continue;
      const kind = field.kind;
      if (kind.t === "struct") out[field.json] = this.translate(kind.type, value as IgnObject, [...path, field.json]);
      else if (kind.t === "list") out[field.json] = (value as IgnObject[]).map((item, i) => this.translate(kind.type, item, [...path, field.json, i]));
      else out[field.json] = value;
    }
    if (RESOURCE_TYPES.has(type)) this.resource(type, o, out, path);
    if ((type === "Unit" || type === "Dropin") && (o.contents_local ?? "") !== "") {
      this.errors.push({ path: [...path, "contents_local"], message: NO_FILES_DIR });
    }
    if (type === "PasswdUser" && Array.isArray(o.ssh_authorized_keys_local) && o.ssh_authorized_keys_local.length > 0) {
      this.errors.push({ path: [...path, "ssh_authorized_keys_local"], message: NO_FILES_DIR });
    }
    if (type === "Storage" && Array.isArray(o.trees) && o.trees.length > 0) {
      this.errors.push({ path: [...path, "trees", 0], message: NO_FILES_DIR });
    }
    return out;
  }

  private resource(type: TypeName, from: IgnObject, to: IgnObject, path: ConfigPath): void {
    if (from.local !== undefined) {
      this.errors.push({ path: [...path, "local"], message: NO_FILES_DIR });
      return;
    }
    if (typeof from.inline !== "string") return;
    const bytes = Buffer.from(from.inline, "utf8");
    if (this.base === 0 && type === "Resource") {
      // Butane for spec 3.0 always percent-encodes and never sets compression.
      to.source = "data:," + escapeRfc2396(bytes);
      return;
    }
    const choice = makeDataUrl(bytes, typeof to.compression === "string" ? to.compression : undefined);
    to.source = choice.source;
    if (choice.compression !== undefined) to.compression = choice.compression;
  }
}

function checkForbidden(config: IgnObject, spec: VariantSpec): ConfigIssue[] {
  const errors: ConfigIssue[] = [];
  const isSet = (v: unknown): boolean =>
    v !== undefined && (typeof v !== "object" || (Array.isArray(v) ? v.length > 0 : Object.values(v as object).some(isSet)));
  for (const rule of spec.forbidden ?? []) {
    const walk = (node: unknown, rest: string[], path: ConfigPath): void => {
      if (rest.length === 0) {
        if (isSet(node)) errors.push({ path, message: rule.message });
        return;
      }
      if (Array.isArray(node)) node.forEach((item, i) => walk(item, rest, [...path, i]));
      else if (node && typeof node === "object") walk((node as IgnObject)[rest[0]!], rest.slice(1), [...path, rest[0]!]);
    };
    walk(config, rule.path, []);
  }
  return errors;
}

const BOOT_DISK = "/dev/disk/by-id/coreos-boot-disk";

/** fcos 1.6.0's checks of disks and mount units. */
function checkDisks(root: IgnObject, report: { errors: ConfigIssue[]; warnings: ConfigIssue[] }): void {
  const storage = sub(root, "storage") ?? {};
  const mirrors = ((sub(sub(root, "boot_device") ?? {}, "mirror") ?? {}).devices as string[] | undefined) ?? [];
  ((storage.disks as IgnObject[] | undefined) ?? []).forEach((disk, i) => {
    if (disk.device === BOOT_DISK || disk.wipeTable === true || mirrors.includes(String(disk.device))) return;
    ((disk.partitions as IgnObject[] | undefined) ?? []).forEach((partition, p) => {
      if ((partition.number ?? 0) === 0 && partition.label !== undefined) {
        report.warnings.push({
          path: ["storage", "disks", i, "partitions", p, "number"],
          message: "partitions cannot be reused by label; number must be specified except on boot disk (/dev/disk/by-id/coreos-boot-disk) or when wipe_table is true",
        });
      }
    });
  });
  ((storage.filesystems as IgnObject[] | undefined) ?? []).forEach((fs, i) => {
    if (typeof fs.path === "string" && fs.with_mount_unit === true && !/^\/(etc|var)(\/|$)/.test(fs.path)) {
      report.errors.push({ path: ["storage", "filesystems", i, "path"], message: "path must be under /etc or /var if with_mount_unit is true" });
    }
  });
}

export function translateButaneConfig(root: IgnObject, spec: VariantSpec): TranslateResult {
  const translator = new Translator(spec.minor);
  translator.check("Config", root, []);
  const fcos = spec.bootDevice ? validateFcosSugar(sub(root, "boot_device"), sub(root, "grub")) : { errors: [], warnings: [] };
  if (spec.strictDisks) checkDisks(root, fcos);
  const preErrors = [...translator.errors, ...fcos.errors];
  if (preErrors.length > 0) return { config: {}, errors: preErrors, warnings: [...translator.warnings, ...fcos.warnings], generated: false };

  let config = translator.translate("Config", root, []);
  let generated = false;
  const units = mountUnitsFor(sub(root, "storage") ?? {});
  if (units.length > 0) {
    config = mergeConfigs("Config", { systemd: { units } }, config);
    generated = true;
  }
  if (spec.bootDevice) {
    const boot = bootDeviceConfig(sub(root, "boot_device"));
    if (boot) {
      config = mergeConfigs("Config", boot, config);
      generated = true;
    }
  }
  const diskWarnings = spec.diskWarnings ? fcosDiskWarnings(config, spec.diskWarnings === "root") : [];
  if (spec.grub) {
    const grub = grubConfig(sub(root, "grub"));
    if (grub) {
      config = mergeConfigs("Config", grub, config);
      generated = true;
    }
  }
  const errors = [...translator.errors, ...checkForbidden(config, spec)];
  return { config, errors, warnings: [...translator.warnings, ...fcos.warnings, ...diskWarnings], generated };
}
