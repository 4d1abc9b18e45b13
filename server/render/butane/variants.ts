/**
 * The Butane variants and versions netboot translates, the Ignition spec
 * each emits (= its base version), and the variant's own rules.
 */

export interface VariantSpec {
  /** Ignition spec minor (3.N.0) emitted; also the Butane base version v0_N. */
  minor: number;
  /** fcos: warnings about reserved partition labels; `"root"` also checks the root partition's size (1.3.0+). */
  diskWarnings?: "labels" | "root";
  /** fcos 1.3.0+: `boot_device`. */
  bootDevice?: boolean;
  /** fcos 1.5.0+: `grub.users`. */
  grub?: boolean;
  /** fcos 1.6.0+: mount units only under /etc or /var; reusing partitions by label is warned about. */
  strictDisks?: boolean;
  /** Output fields the variant refuses when set (Butane's field filters). */
  forbidden?: Array<{ path: string[]; message: string }>;
}

const FLATCAR_FILTERS = [{ path: ["storage", "luks", "clevis"], message: "clevis is not supported in this spec version" }];
const EDGE_FILTERS = [
  { path: ["kernelArguments"], message: "kernel argument customization is not supported in this spec version" },
  { path: ["storage", "disks"], message: "disk customization is not supported in this spec version" },
  { path: ["storage", "filesystems"], message: "filesystem customization is not supported in this spec version" },
  { path: ["storage", "luks"], message: "luks is not supported in this spec version" },
  { path: ["storage", "raid"], message: "raid is not supported in this spec version" },
];

export const VARIANTS: Record<string, Record<string, VariantSpec>> = {
  fcos: {
    "1.0.0": { minor: 0, diskWarnings: "labels" },
    "1.1.0": { minor: 1, diskWarnings: "labels" },
    "1.2.0": { minor: 2, diskWarnings: "labels" },
    "1.3.0": { minor: 2, diskWarnings: "root", bootDevice: true },
    "1.4.0": { minor: 3, diskWarnings: "root", bootDevice: true },
    "1.5.0": { minor: 4, diskWarnings: "root", bootDevice: true, grub: true },
    "1.6.0": { minor: 5, diskWarnings: "root", bootDevice: true, grub: true, strictDisks: true },
  },
  flatcar: {
    "1.0.0": { minor: 3, forbidden: FLATCAR_FILTERS },
    "1.1.0": { minor: 4, forbidden: FLATCAR_FILTERS },
  },
  r4e: {
    "1.0.0": { minor: 3, forbidden: EDGE_FILTERS },
    "1.1.0": { minor: 4, forbidden: EDGE_FILTERS },
  },
  fiot: {
    "1.0.0": { minor: 4, forbidden: EDGE_FILTERS },
  },
};

/** Butane's versions that netboot knowingly does not translate, with the reason. */
export function unsupportedReason(variant: string, version: string): string | undefined {
  if (variant === "rhcos") {
    return "rhcos variant has been removed; use openshift variant instead: https://coreos.github.io/butane/upgrading-openshift/";
  }
  if (variant === "openshift") return "the openshift variant produces a MachineConfig, not an Ignition config; netboot does not serve it";
  if (version.includes("-experimental") || (variant === "fcos" && version === "1.7.0")) {
    return `${variant} ${version} emits an Ignition spec newer than 3.5.0, which netboot does not serve`;
  }
  return undefined;
}

/** coreos/go-semver's parse and String(): "01.5.0" → "1.5.0"; undefined when not semver. */
export function normaliseSemver(version: string): string | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(version);
  if (!m) return undefined;
  return `${BigInt(m[1]!)}.${BigInt(m[2]!)}.${BigInt(m[3]!)}${m[4] ?? ""}${m[5] ?? ""}`;
}
