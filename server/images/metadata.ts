import { parseChecksumList } from "./checksums.js";

/**
 * Distributions' release metadata, read into what a source declaration needs
 * (pure: the fetching is in add.ts).
 */

export interface ReleaseFile {
  /** Name under the source's folder (and relative to its url). */
  name: string;
  sha256?: string;
  sha512?: string;
  /** Detached signature, relative to the source's url. */
  signature?: string;
}

export interface Release {
  /** Folder under /assets/. */
  path: string;
  url: string;
  files: ReleaseFile[];
  /** Where the release metadata was read. */
  from: string;
  version: string;
}

export class MetadataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MetadataError";
  }
}

const lastSegment = (url: string) => url.slice(url.lastIndexOf("/") + 1);
const folderOf = (url: string) => url.slice(0, url.lastIndexOf("/") + 1);

type Json = Record<string, unknown>;
function at(value: unknown, keys: string[], where: string): unknown {
  let current = value;
  for (const key of keys) {
    if (current === null || typeof current !== "object" || !(key in (current as Json))) throw new MetadataError(`${where}: no ${keys.join(".")} (stopped at "${key}")`);
    current = (current as Json)[key];
  }
  return current;
}

/**
 * Fedora CoreOS stream metadata (`streams/<stream>.json`):
 * `architectures.<arch>.artifacts.metal.formats.pxe.{kernel,initramfs,rootfs}`,
 * each with `location`, `signature` (a detached `.sig`) and `sha256`.
 */
export function fedoraCoreOsRelease(stream: unknown, arch: string, from: string): Release {
  const metal = at(stream, ["architectures", arch, "artifacts", "metal"], from) as Json;
  const release = String(metal.release ?? "");
  if (!/^[0-9A-Za-z._-]+$/.test(release)) throw new MetadataError(`${from}: architectures.${arch}.artifacts.metal.release is not a version`);
  const pxe = at(metal, ["formats", "pxe"], from) as Json;
  const files: ReleaseFile[] = [];
  let base: string | undefined;
  for (const artifact of ["kernel", "initramfs", "rootfs"]) {
    const entry = pxe[artifact] as { location?: unknown; signature?: unknown; sha256?: unknown } | undefined;
    if (!entry) continue;
    if (typeof entry.location !== "string" || typeof entry.sha256 !== "string" || !/^[0-9a-f]{64}$/i.test(entry.sha256)) {
      throw new MetadataError(`${from}: pxe.${artifact} has no location and sha256`);
    }
    const folder = folderOf(entry.location);
    base ??= folder;
    if (folder !== base) throw new MetadataError(`${from}: the pxe artifacts are not in one folder`);
    const name = lastSegment(entry.location);
    const signature = typeof entry.signature === "string" ? (entry.signature === entry.location + ".sig" ? name + ".sig" : entry.signature) : undefined;
    files.push({ name, sha256: entry.sha256.toLowerCase(), ...(signature ? { signature } : {}) });
  }
  if (files.length === 0 || base === undefined) throw new MetadataError(`${from}: no pxe artifacts for ${arch}`);
  return { path: `fedora-coreos/${release}`, url: base, files, from, version: release };
}

/** `KEY=value` lines of a Flatcar `version.txt`. */
export function parseVersionTxt(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) values[match[1]!] = match[2]!.replace(/^"(.*)"$/, "$1");
  }
  return values;
}

export const FLATCAR_PXE_FILES = ["flatcar_production_pxe.vmlinuz", "flatcar_production_pxe_image.cpio.gz"] as const;

/** A Flatcar release's PXE files with the sha512 digests of their `.DIGESTS` lists (Flatcar publishes MD5, SHA1 and SHA512). */
export function flatcarRelease(version: string, versionUrl: string, digests: Map<string, string>, signed: boolean): Release {
  if (!/^[0-9][0-9A-Za-z.+_-]*$/.test(version)) throw new MetadataError(`${versionUrl}: FLATCAR_VERSION "${version}" is not a version`);
  const files = FLATCAR_PXE_FILES.map((name): ReleaseFile => {
    const text = digests.get(name);
    const sha512 = text === undefined ? undefined : parseChecksumList(text).get(name)?.sha512;
    if (!sha512) throw new MetadataError(`${name}.DIGESTS gives no SHA512 digest for ${name}`);
    return { name, sha512, ...(signed ? { signature: `${name}.sig` } : {}) };
  });
  const url = new URL(`../${encodeURIComponent(version)}/`, versionUrl).href;
  return { path: `flatcar/${version}`, url, files, from: versionUrl, version };
}

/** The `SHA256:` section of a Debian `Release` file: path → sha256. */
export function releaseSha256(text: string): Map<string, { sha256: string; size: number }> {
  const entries = new Map<string, { sha256: string; size: number }>();
  let inSection = false;
  for (const line of text.split(/\r?\n/)) {
    if (/^\S/.test(line)) {
      inSection = /^SHA256:\s*$/.test(line);
      continue;
    }
    if (!inSection) continue;
    const match = /^\s+([0-9a-f]{64})\s+(\d+)\s+(\S+)\s*$/.exec(line);
    if (match) entries.set(match[3]!, { sha256: match[1]!, size: Number(match[2]) });
  }
  return entries;
}

/**
 * The netboot kernel and initrd of a Debian installer from its images'
 * `SHA256SUMS`. `installer` is the version folder the `current` link names
 * (found in Release by the same digest), so the declaration stays on one
 * installer build.
 */
export function debianRelease(suite: string, arch: string, mirror: string, release: Map<string, { sha256: string; size: number }>, sha256sums: string, from: string): Release {
  const listed = parseChecksumList(sha256sums);
  const current = release.get(`main/installer-${arch}/current/images/SHA256SUMS`);
  let installer = "current";
  for (const [entry, value] of release) {
    const match = new RegExp(`^main/installer-${arch}/([^/]+)/images/SHA256SUMS$`).exec(entry);
    if (match && match[1] !== "current" && value.sha256 === current?.sha256) installer = match[1]!;
  }
  const names = ["linux", "initrd.gz"];
  const files = names.map((name): ReleaseFile => {
    const sha256 = listed.get(`netboot/debian-installer/${arch}/${name}`)?.sha256;
    if (!sha256) throw new MetadataError(`${from}: SHA256SUMS lists no netboot/debian-installer/${arch}/${name}`);
    return { name, sha256 };
  });
  const url = `${mirror.replace(/\/?$/, "/")}dists/${suite}/main/installer-${arch}/${installer}/images/netboot/debian-installer/${arch}/`;
  return { path: `debian/${suite}/${installer}/${arch}`, url, files, from, version: installer };
}
