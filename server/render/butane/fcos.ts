/**
 * Fedora CoreOS sugar: `boot_device` (mirrored boot disks and/or a LUKS
 * root bound to TPM2/Tang) expands into disks, RAID, LUKS and filesystems
 * with Fedora CoreOS's fixed partition layout; `grub.users` (1.5.0+) becomes
 * an appended /boot/grub2/user.cfg.
 */
import type { ConfigIssue } from "../ignition/path.js";
import type { IgnObject } from "../ignition/schema.js";
import { makeDataUrl } from "./data-url.js";

const RESERVED_TYPE_GUID = "8DA63339-0007-60C0-C436-083AC8230908";
const BIOS_TYPE_GUID = "21686148-6449-6E6F-744E-656564454649";
const PREP_TYPE_GUID = "9E1A2D38-C612-4316-AA26-8B49521E5A8B";
const ESP_TYPE_GUID = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";

const LEGACY_LAYOUTS = ["aarch64", "ppc64le", "x86_64"];

/** Fatal problems and warnings in `boot_device` and `grub`, checked before translation. */
export function validateFcosSugar(bootDevice: IgnObject | undefined, grub: IgnObject | undefined): { errors: ConfigIssue[]; warnings: ConfigIssue[] } {
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  if (bootDevice) {
    const devices = ((bootDevice.mirror as IgnObject | undefined)?.devices as string[] | undefined) ?? [];
    if (devices.length > 0 && bootDevice.layout === undefined) {
      warnings.push({ path: ["boot_device", "mirror"], message: "boot_device.layout should be specified when boot_device.mirror is specified" });
    }
    if (typeof bootDevice.layout === "string" && !LEGACY_LAYOUTS.includes(bootDevice.layout)) {
      const s390x = bootDevice.layout.startsWith("s390x");
      errors.push({
        path: ["boot_device", "layout"],
        message: s390x ? `layout ${bootDevice.layout} is not supported by netboot's Butane translator` : "layout must be one of: aarch64, ppc64le, x86_64",
      });
    }
    if (devices.length === 1) errors.push({ path: ["boot_device", "mirror", "devices"], message: "mirroring requires at least two devices" });
    const luks = (bootDevice.luks as IgnObject | undefined) ?? {};
    if (luks.device !== undefined || (luks.cex as IgnObject | undefined)?.enabled !== undefined) {
      errors.push({ path: ["boot_device", "luks"], message: "boot_device.luks.device and cex (s390x) are not supported by netboot's Butane translator" });
    }
  }
  ((grub?.users as IgnObject[] | undefined) ?? []).forEach((user, i) => {
    if ((user.name ?? "") === "") errors.push({ path: ["grub", "users", i, "name"], message: 'field "name" is required' });
    if ((user.password_hash ?? "") === "") errors.push({ path: ["grub", "users", i, "password_hash"], message: 'field "password_hash" is required' });
  });
  return { errors, warnings };
}

/** The config `boot_device` expands to, or undefined when it asks for nothing. */
export function bootDeviceConfig(bootDevice: IgnObject | undefined): IgnObject | undefined {
  if (!bootDevice) return undefined;
  const luks = (bootDevice.luks as IgnObject | undefined) ?? {};
  const devices = ((bootDevice.mirror as IgnObject | undefined)?.devices as string[] | undefined) ?? [];
  const tang = (luks.tang as IgnObject[] | undefined) ?? [];
  const wantLuks = luks.tpm2 === true || tang.length > 0;
  const wantMirror = devices.length > 0;
  if (!wantLuks && !wantMirror) return undefined;

  const layout = (bootDevice.layout as string | undefined) ?? "x86_64";
  const wantBios = layout === "x86_64";
  const wantEsp = layout === "x86_64" || layout === "aarch64";
  const wantPrep = layout === "ppc64le";

  const disks: IgnObject[] = [];
  const filesystems: IgnObject[] = [];
  const raid: IgnObject[] = [];
  const luksList: IgnObject[] = [];
  if (wantMirror) {
    devices.forEach((device, i) => {
      const n = i + 1;
      const partitions: IgnObject[] = [];
      if (wantBios) partitions.push({ label: `bios-${n}`, sizeMiB: 1, typeGuid: BIOS_TYPE_GUID });
      else if (wantPrep) partitions.push({ label: `prep-${n}`, sizeMiB: 4, typeGuid: PREP_TYPE_GUID });
      else partitions.push({ label: `reserved-${n}`, sizeMiB: 1, typeGuid: RESERVED_TYPE_GUID });
      if (wantEsp) partitions.push({ label: `esp-${n}`, sizeMiB: 127, typeGuid: ESP_TYPE_GUID });
      else partitions.push({ label: `reserved-${n}`, sizeMiB: 1, typeGuid: RESERVED_TYPE_GUID });
      partitions.push({ label: `boot-${n}`, sizeMiB: 384 }, { label: `root-${n}` });
      disks.push({ device, partitions, wipeTable: true });
      if (wantEsp) {
        filesystems.push({ device: `/dev/disk/by-partlabel/esp-${n}`, format: "vfat", label: `esp-${n}`, wipeFilesystem: true });
      }
    });
    const members = (prefix: string): string[] => devices.map((_, i) => `/dev/disk/by-partlabel/${prefix}-${i + 1}`);
    raid.push({ devices: members("boot"), level: "raid1", name: "md-boot", options: ["--metadata=1.0"] });
    raid.push({ devices: members("root"), level: "raid1", name: "md-root" });
    filesystems.push({ device: "/dev/md/md-boot", format: "ext4", label: "boot", wipeFilesystem: true });
  }
  if (wantLuks) {
    const clevis: IgnObject = {};
    if (tang.length > 0) clevis.tang = tang;
    if (luks.threshold !== undefined) clevis.threshold = luks.threshold;
    if (luks.tpm2 !== undefined) clevis.tpm2 = luks.tpm2;
    const entry: IgnObject = { clevis, device: wantMirror ? "/dev/md/md-root" : "/dev/disk/by-partlabel/root" };
    if (luks.discard !== undefined) entry.discard = luks.discard;
    Object.assign(entry, { label: "luks-root", name: "root", wipeVolume: true });
    luksList.push(entry);
  }
  filesystems.push({ device: wantLuks ? "/dev/mapper/root" : "/dev/md/md-root", format: "xfs", label: "root", wipeFilesystem: true });

  const storage: IgnObject = {};
  if (disks.length > 0) storage.disks = disks;
  if (filesystems.length > 0) storage.filesystems = filesystems;
  if (luksList.length > 0) storage.luks = luksList;
  if (raid.length > 0) storage.raid = raid;
  return { storage };
}

/** The config `grub.users` expands to, or undefined without users. */
export function grubConfig(grub: IgnObject | undefined): IgnObject | undefined {
  const users = (grub?.users as IgnObject[] | undefined) ?? [];
  if (users.length === 0) return undefined;
  const names = users.map((u) => String(u.name ?? ""));
  const commands = users.map((u) => `password_pbkdf2 ${String(u.name ?? "")} ${String(u.password_hash ?? "")}`);
  const text = `# Generated by Butane\n\nset superusers="${names.join(" ")}"\n${commands.join("\n")}\n`;
  const { source, compression } = makeDataUrl(Buffer.from(text, "utf8"), undefined);
  const append: IgnObject = { source };
  if (compression !== undefined) append.compression = compression;
  return {
    storage: {
      files: [{ path: "/boot/grub2/user.cfg", append: [append] }],
      filesystems: [{ device: "/dev/disk/by-label/boot", format: "ext4", path: "/boot" }],
    },
  };
}

const RESERVED_NUMBERS: Record<string, number> = { "BIOS-BOOT": 1, "PowerPC-PReP-boot": 1, "EFI-SYSTEM": 2, boot: 3, root: 4 };

/**
 * Fedora CoreOS's warnings about the translated disks: reserved partition
 * labels at other numbers, and (1.3.0+) a root partition that is too small or
 * cannot grow.
 */
export function fcosDiskWarnings(config: IgnObject, rootChecks: boolean): ConfigIssue[] {
  const warnings: ConfigIssue[] = [];
  const disks = ((config.storage as IgnObject | undefined)?.disks as IgnObject[] | undefined) ?? [];
  disks.forEach((disk, i) => {
    const partitions = (disk.partitions as IgnObject[] | undefined) ?? [];
    partitions.forEach((partition, p) => {
      const label = partition.label;
      if (typeof label !== "string") return;
      const at = ["storage", "disks", i, "partitions", p];
      if (rootChecks && label === "root") {
        const size = partition.sizeMiB as number | undefined;
        if (size === undefined || size === 0) {
          const autoPlaced = partitions.some((other, idx) => idx !== p && ((other.startMiB as number | undefined) ?? 0) === 0);
          if (autoPlaced) {
            warnings.push({
              path: [...at, "label"],
              message: "root partition cannot expand; it is set to fill available space but is followed by an auto-positioned partition",
            });
          }
        } else if (size < 8192) {
          warnings.push({ path: [...at, "size_mib"], message: "root should have 8GiB of space assigned" });
        }
      }
      const reserved = RESERVED_NUMBERS[label];
      if (disk.wipeTable !== true && reserved !== undefined && (partition.number ?? 0) !== reserved) {
        warnings.push({ path: [...at, "label"], message: "incorrect partition number; a new partition will be created using reserved label" });
      }
    });
  });
  return warnings;
}
